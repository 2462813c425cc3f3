// Sign-in throttling: failed passwords and MFA codes are counted per user (the account and name as
// typed, or the root e-mail, whether or not such a user exists, so the throttle says nothing about
// existence) and per source address, in the store (domain/throttles.ts), so every node of a
// deployment counts the same failures. Past a free allowance, each further failure locks that key
// out for a back-off that starts at one minute and doubles, up to 15 minutes.
//
//   per user:     5 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
//   per address: 20 failures free, then 1, 2, 4, 8, 15, 15, ... minutes
//
// An account may turn on a stricter lockout for its IAM users (domain/portcullis/sign-in-locks.ts):
// N failures, then 15 minutes doubling up to a day, unlocked by time or by an administrator. It
// counts beside the built-in throttles, which stay on, and is cleared only by a sign-in that
// completes (the MFA step included), so wrong codes after a right password count too.
import type { Iam } from '../domain/iam.ts';
import type { AccountRecord } from '../domain/records.ts';
import { Throttle } from '../domain/throttles.ts';
import { mfaOptionsOf } from '../domain/portcullis/mfa-options.ts';
import { USER_FREE_FAILURES, signInLockout, userSignInThrottle } from '../domain/portcullis/sign-in-locks.ts';

export { USER_FREE_FAILURES };
export const ADDRESS_FREE_FAILURES = 20;

export interface SignInThrottles {
  readonly user: Throttle;
  readonly address: Throttle;
  /** The account's lockout after `failures` wrong passwords or codes. */
  readonly lockout: (failures: number) => Throttle;
}

/** An account's lockout, when it set one (IAM users' sign-ins only). */
export type Lockout = { readonly failures: number } | undefined;

export function createThrottles(iam: Iam): SignInThrottles {
  return {
    user: userSignInThrottle(iam),
    address: new Throttle(iam, 'sign-in-address', ADDRESS_FREE_FAILURES),
    lockout: (failures) => signInLockout(iam, failures),
  };
}

export function lockoutOf(account: AccountRecord | undefined): Lockout {
  return mfaOptionsOf(account).lockout;
}

/** How long to wait, and whether the account's lockout is what holds the user back. */
export interface SignInWait {
  readonly ms: number;
  readonly locked: boolean;
}

/** The longest wait any of the throttles asks for this user and address. */
export async function signInWait(
  throttles: SignInThrottles,
  user: string,
  address: string,
  lockout: Lockout,
): Promise<SignInWait> {
  const throttled = Math.max(await throttles.user.waitMs(user), await throttles.address.waitMs(address));
  const locked = lockout ? await throttles.lockout(lockout.failures).waitMs(user) : 0;
  return { ms: Math.max(throttled, locked), locked: locked > 0 && locked >= throttled };
}

export async function signInFailed(
  throttles: SignInThrottles,
  user: string,
  address: string,
  lockout?: Lockout,
): Promise<void> {
  await throttles.user.fail(user);
  await throttles.address.fail(address);
  if (lockout) await throttles.lockout(lockout.failures).fail(user);
}

/** A sign-in that is through (no MFA step left): the user's counts start again. */
export async function signInCompleted(
  throttles: SignInThrottles,
  user: string,
  lockout: Lockout,
): Promise<void> {
  await throttles.user.succeed(user);
  if (lockout) await throttles.lockout(lockout.failures).succeed(user);
}

export function throttledMessage(waitMs: number): string {
  const minutes = Math.max(1, Math.ceil(waitMs / 60_000));
  return `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}

/**
 * What a refused sign-in says. The same words for a name that exists and one that does not (the
 * lock is the typed name's), so they tell nothing about who exists.
 */
export function waitMessage(wait: SignInWait): string {
  if (!wait.locked) return throttledMessage(wait.ms);
  return `Sign-in is locked after too many failed attempts. Try again ${untilText(wait.ms)}, or ask an administrator to unlock it.`;
}

function untilText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `in ${Math.ceil(minutes / 60)} hours`;
}
