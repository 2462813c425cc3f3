// Sign-in throttling: failed passwords and MFA codes are counted per user (the account and name as
// typed, or the root e-mail, whether or not such a user exists, so the throttle says nothing about
// existence) and per source address, in the store (domain/throttles.ts), so every node of a
// deployment counts the same failures. Past a free allowance, each further failure locks that key
// out for a back-off that starts at one minute and doubles, up to 15 minutes.
//
//   per user:     5 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
//   per address: 20 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
import type { Iam } from '../domain/iam.ts';
import { Throttle } from '../domain/throttles.ts';

export const USER_FREE_FAILURES = 5;
export const ADDRESS_FREE_FAILURES = 20;

export interface SignInThrottles {
  readonly user: Throttle;
  readonly address: Throttle;
}

export function createThrottles(iam: Iam): SignInThrottles {
  return {
    user: new Throttle(iam, 'sign-in-user', USER_FREE_FAILURES),
    address: new Throttle(iam, 'sign-in-address', ADDRESS_FREE_FAILURES),
  };
}

/** The longest wait any of the throttles asks for this user and address. */
export async function signInWaitMs(
  throttles: SignInThrottles,
  user: string,
  address: string,
): Promise<number> {
  return Math.max(await throttles.user.waitMs(user), await throttles.address.waitMs(address));
}

export async function signInFailed(throttles: SignInThrottles, user: string, address: string): Promise<void> {
  await throttles.user.fail(user);
  await throttles.address.fail(address);
}

export function throttledMessage(waitMs: number): string {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  return `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}
