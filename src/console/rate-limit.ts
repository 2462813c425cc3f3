// Sign-in throttling: failed passwords and MFA codes are counted per user (the account and name as
// typed, or the root e-mail, whether or not such a user exists, so the throttle says nothing about
// existence) and per source address. Past a free allowance, each further failure locks that key
// out for a back-off that starts at one minute and doubles, up to 15 minutes. Attempts refused
// while locked are not checked at all and do not extend the lock. A successful sign-in clears its
// user's count; a count with no failure for an hour is forgotten.
//
//   per user:     5 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
//   per address: 20 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
//
// Counts live in the server's memory (bounded), on the server's clock (so tests can move it).

export const USER_FREE_FAILURES = 5;
export const ADDRESS_FREE_FAILURES = 20;
const FIRST_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;
const MAX_TRACKED = 100_000;

interface Count {
  failures: number;
  lastAt: number;
}

export class Throttle {
  readonly #counts = new Map<string, Count>();
  readonly #free: number;
  readonly #now: () => number;

  constructor(free: number, now: () => number) {
    this.#free = free;
    this.#now = now;
  }

  /** Milliseconds until the next attempt is allowed (0: allowed now). */
  waitMs(id: string): number {
    const count = this.#live(id);
    if (!count || count.failures < this.#free) return 0;
    const doublings = Math.min(count.failures - this.#free, 10);
    const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** doublings, MAX_BACKOFF_MS);
    return Math.max(0, count.lastAt + backoff - this.#now());
  }

  fail(id: string): void {
    const count = this.#live(id) ?? { failures: 0, lastAt: 0 };
    count.failures += 1;
    count.lastAt = this.#now();
    this.#counts.delete(id);
    if (this.#counts.size >= MAX_TRACKED) {
      const oldest = this.#counts.keys().next().value;
      if (oldest !== undefined) this.#counts.delete(oldest);
    }
    this.#counts.set(id, count);
  }

  succeed(id: string): void {
    this.#counts.delete(id);
  }

  #live(id: string): Count | undefined {
    const count = this.#counts.get(id);
    if (count && this.#now() - count.lastAt > FORGET_AFTER_MS) {
      this.#counts.delete(id);
      return undefined;
    }
    return count;
  }
}

export interface SignInThrottles {
  readonly user: Throttle;
  readonly address: Throttle;
}

export function createThrottles(now: () => number): SignInThrottles {
  return { user: new Throttle(USER_FREE_FAILURES, now), address: new Throttle(ADDRESS_FREE_FAILURES, now) };
}

export function throttledMessage(waitMs: number): string {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  return `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}
