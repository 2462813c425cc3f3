// Back-off after repeated failures (console sign-in passwords, MFA codes, security keys), counted
// in the store so that every node of a deployment sees the same counts. Failures are counted per
// key (a user as typed, an address); past a free allowance, each further failure locks the key
// out for a back-off that doubles from a first one up to a longest one (by default one minute,
// then up to 15 minutes). Attempts refused while locked are not checked at all and do not extend
// the lock. A success clears the count; a count with no failure for a while (by default an hour)
// is forgotten (and swept away).
//
// The stricter sign-in lockout an account may turn on (portcullis/sign-in-locks.ts) is one more
// Throttle, with other bounds: its counts are kept for a day, so each count carries the time it is
// forgotten, and the sweep goes by that.
import type { Iam } from './iam.ts';
import type { ThrottleRecord } from './records.ts';
import type { StoreTx } from './store.ts';
import { throttles } from './tables.ts';

export const FORGET_AFTER_MS = 60 * 60_000;
const SWEEP_BATCH = 100;

export interface ThrottleBounds {
  /** Failures that cost nothing. */
  readonly free: number;
  /** The wait after the first failure past the free ones; each further one doubles it. */
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
  /** A count with no failure for this long is forgotten (at least the longest back-off). */
  readonly forgetAfterMs: number;
}

const BUILT_IN: Omit<ThrottleBounds, 'free'> = {
  firstBackoffMs: 60_000,
  maxBackoffMs: 15 * 60_000,
  forgetAfterMs: FORGET_AFTER_MS,
};

/** A key's failures, and until when it is locked out (absent: it is not). */
export interface ThrottleState {
  readonly failures: number;
  readonly lockedUntil?: number;
}

export class Throttle {
  readonly #iam: Iam;
  readonly #scope: string;
  readonly #bounds: ThrottleBounds;

  /**
   * `scope` keeps this throttle's keys apart from other throttles'; `free` failures cost nothing
   * (then the built-in back-off), or the bounds in full.
   */
  constructor(iam: Iam, scope: string, free: number | ThrottleBounds) {
    this.#iam = iam;
    this.#scope = scope;
    this.#bounds = typeof free === 'number' ? { ...BUILT_IN, free } : free;
  }

  /** Milliseconds until the next attempt is allowed (0: allowed now). */
  async waitMs(key: string): Promise<number> {
    const state = await this.#iam.store.read((tx) => this.stateIn(tx, key));
    return state.lockedUntil === undefined ? 0 : state.lockedUntil - this.#now();
  }

  /** The key's count as a transaction of the caller's reads it. */
  async stateIn(tx: StoreTx, key: string): Promise<ThrottleState> {
    const count = this.#live(await tx.get(throttles, this.#id(key)));
    if (!count) return { failures: 0 };
    const { free, firstBackoffMs, maxBackoffMs } = this.#bounds;
    if (count.failures < free) return { failures: count.failures };
    const doublings = Math.min(count.failures - free, 30);
    const backoff = Math.min(firstBackoffMs * 2 ** doublings, maxBackoffMs);
    const until = count.lastAt + backoff;
    return until > this.#now()
      ? { failures: count.failures, lockedUntil: until }
      : { failures: count.failures };
  }

  async fail(key: string): Promise<void> {
    const id = this.#id(key);
    await this.#iam.store.write(async (tx) => {
      const count = this.#live(await tx.get(throttles, id));
      const now = this.#now();
      await tx.put(throttles, {
        id,
        failures: (count?.failures ?? 0) + 1,
        lastAt: now,
        ...(this.#bounds.forgetAfterMs !== FORGET_AFTER_MS
          ? { forgetAt: now + this.#bounds.forgetAfterMs }
          : {}),
      });
    });
  }

  async succeed(key: string): Promise<void> {
    await this.#iam.store.write((tx) => this.clearIn(tx, key));
  }

  /** Forgets the key's count in a transaction of the caller's (true when there was one). */
  clearIn(tx: StoreTx, key: string): Promise<boolean> {
    return tx.delete(throttles, this.#id(key));
  }

  #id(key: string): string {
    return `${this.#scope}:${key}`;
  }

  #now(): number {
    return this.#iam.now().getTime();
  }

  #live(count: ThrottleRecord | undefined): ThrottleRecord | undefined {
    return count && this.#now() - count.lastAt <= this.#bounds.forgetAfterMs ? count : undefined;
  }
}

/** When a count is forgotten: its own time, or an hour after its last failure. */
export function forgetAtOf(count: ThrottleRecord): number {
  return count.forgetAt ?? count.lastAt + FORGET_AFTER_MS;
}

/** Deletes forgotten counts, the first forgotten first, a batch at a time. */
export async function sweepThrottles(iam: Iam): Promise<void> {
  const now = iam.now().getTime();
  await iam.store.write(async (tx) => {
    // The last_at column orders counts by when they are forgotten (tables.ts).
    for (const count of await tx.list(throttles, { orderBy: 'last_at', limit: SWEEP_BATCH })) {
      if (forgetAtOf(count) < now) await tx.delete(throttles, count.id);
    }
  });
}
