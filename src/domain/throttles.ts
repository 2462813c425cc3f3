// Back-off after repeated failures (console sign-in passwords, MFA codes, security keys), counted
// in the store so that every node of a deployment sees the same counts. Failures are counted per
// key (a user as typed, an address); past a free allowance, each further failure locks the key
// out for a back-off that starts at one minute and doubles, up to 15 minutes. Attempts refused
// while locked are not checked at all and do not extend the lock. A success clears the count; a
// count with no failure for an hour is forgotten (and swept away).
import type { Iam } from './iam.ts';
import type { ThrottleRecord } from './records.ts';
import { throttles } from './tables.ts';

const FIRST_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 15 * 60_000;
export const FORGET_AFTER_MS = 60 * 60_000;
const SWEEP_BATCH = 100;

export class Throttle {
  readonly #iam: Iam;
  readonly #scope: string;
  readonly #free: number;

  /** `scope` keeps this throttle's keys apart from other throttles'; `free` failures cost nothing. */
  constructor(iam: Iam, scope: string, free: number) {
    this.#iam = iam;
    this.#scope = scope;
    this.#free = free;
  }

  /** Milliseconds until the next attempt is allowed (0: allowed now). */
  async waitMs(key: string): Promise<number> {
    const count = this.#live(await this.#iam.store.read((tx) => tx.get(throttles, this.#id(key))));
    if (!count || count.failures < this.#free) return 0;
    const doublings = Math.min(count.failures - this.#free, 10);
    const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** doublings, MAX_BACKOFF_MS);
    return Math.max(0, count.lastAt + backoff - this.#now());
  }

  async fail(key: string): Promise<void> {
    const id = this.#id(key);
    await this.#iam.store.write(async (tx) => {
      const count = this.#live(await tx.get(throttles, id));
      await tx.put(throttles, { id, failures: (count?.failures ?? 0) + 1, lastAt: this.#now() });
    });
  }

  async succeed(key: string): Promise<void> {
    await this.#iam.store.write((tx) => tx.delete(throttles, this.#id(key)));
  }

  #id(key: string): string {
    return `${this.#scope}:${key}`;
  }

  #now(): number {
    return this.#iam.now().getTime();
  }

  #live(count: ThrottleRecord | undefined): ThrottleRecord | undefined {
    return count && this.#now() - count.lastAt <= FORGET_AFTER_MS ? count : undefined;
  }
}

/** Deletes counts forgotten an hour ago, the oldest first, a batch at a time. */
export async function sweepThrottles(iam: Iam): Promise<void> {
  const forgotten = iam.now().getTime() - FORGET_AFTER_MS;
  await iam.store.write(async (tx) => {
    for (const count of await tx.list(throttles, { orderBy: 'last_at', limit: SWEEP_BATCH })) {
      if (count.lastAt < forgotten) await tx.delete(throttles, count.id);
    }
  });
}
