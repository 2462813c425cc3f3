// Console sign-in counts per user, and the stricter lockout an account may turn on
// (MfaOptions.lockout): the throttles the sign-in asks (console/rate-limit.ts) and what
// administrators see of them and may clear.
//
// The lockout is a Throttle (throttles.ts) with bounds of its own: the account's N failures free,
// then a lock of 15 minutes, doubling with each further failure (30 minutes, 1, 2, 4, 8, 16 hours)
// up to a day. A person who mistypes a password N times waits a quarter of an hour, the length
// most directories' lockouts use; someone guessing gets N tries, six more in the first day and
// one a day after that, which keeps even N = 100 (NIST SP 800-63B §5.2.2's ceiling on consecutive
// failures) far from any password worth having. A lock never lasts more than a day, so a user an
// attacker keeps locked gets in by asking an administrator (UnlockUserSignIn), not by waiting
// weeks. The count is forgotten a week after its last failure, well after its longest lock, so
// waiting out a lock does not earn N fresh tries.
//
// Counts are keyed by the account and the user name as typed at sign-in (lower case), whether or
// not such a user exists: an unknown name is locked after the same N failures, with the same
// words, so the lock tells nothing about who exists. It applies to IAM users only; the root user
// keeps the built-in back-off, as no administrator could unlock it.
//
// GetUserSignInLock (portcullis:GetUserSignInLock) and UnlockUserSignIn
// (portcullis:UnlockUserSignIn), both on the user's ARN; unlocking clears the lockout's count and
// the built-in per-user one, so the user may sign in at once (the per-address throttle stays).
import type { Iam } from '../iam.ts';
import type { Operation, OperationContext } from '../operation.ts';
import { requiredStr, writeTx } from '../operation.ts';
import type { StoreTx } from '../store.ts';
import { Throttle } from '../throttles.ts';
import { authorizedUser } from '../iam/users.ts';
import { accountMfaOptions } from './mfa-options.ts';

/** The built-in per-user back-off (always on): 5 failures free, then 1 to 15 minutes. */
export const USER_FREE_FAILURES = 5;
const HOUR = 60 * 60_000;
export const LOCKOUT_FIRST_MS = 15 * 60_000;
export const LOCKOUT_MAX_MS = 24 * HOUR;
export const LOCKOUT_FORGET_MS = 7 * 24 * HOUR;

/** The key of a user's sign-in counts: the account and the name as typed, without case. */
export function userSignInKey(account: string, userName: string): string {
  return `user:${account}/${userName.toLowerCase()}`;
}

/** The built-in per-user back-off. */
export function userSignInThrottle(iam: Iam): Throttle {
  return new Throttle(iam, 'sign-in-user', USER_FREE_FAILURES);
}

/** The account's lockout after `failures` wrong passwords or codes. */
export function signInLockout(iam: Iam, failures: number): Throttle {
  return new Throttle(iam, 'sign-in-lockout', {
    free: failures,
    firstBackoffMs: LOCKOUT_FIRST_MS,
    maxBackoffMs: LOCKOUT_MAX_MS,
    forgetAfterMs: LOCKOUT_FORGET_MS,
  });
}

export const signInLockOperations: Record<string, Operation> = {
  /**
   * The user's failed sign-ins and, when locked (by the lockout or the built-in back-off), until
   * when: Failures, LockedUntil (ISO 8601), and the account's LockoutFailures when it is on.
   */
  async GetUserSignInLock(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'portcullis:GetUserSignInLock', userName);
      const { lockout } = await accountMfaOptions(tx, ctx.caller.account);
      const key = userSignInKey(ctx.caller.account, user.name);
      const builtIn = await userSignInThrottle(ctx.iam).stateIn(tx, key);
      const locked = lockout ? await signInLockout(ctx.iam, lockout.failures).stateIn(tx, key) : undefined;
      const until = Math.max(builtIn.lockedUntil ?? 0, locked?.lockedUntil ?? 0);
      return {
        UserName: user.name,
        Failures: (locked ?? builtIn).failures,
        // Whole seconds, as IAM writes its dates, rounded up so that the time shown is never early.
        ...(until > 0
          ? { LockedUntil: new Date(Math.ceil(until / 1000) * 1000).toISOString().replace('.000Z', 'Z') }
          : {}),
        ...(lockout ? { LockoutFailures: lockout.failures } : {}),
      };
    });
  },

  async UnlockUserSignIn(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'portcullis:UnlockUserSignIn', userName);
      await clearUserSignInCounts(ctx, tx, user.name);
      return undefined;
    });
  },
};

async function clearUserSignInCounts(ctx: OperationContext, tx: StoreTx, userName: string): Promise<void> {
  const key = userSignInKey(ctx.caller.account, userName);
  await userSignInThrottle(ctx.iam).clearIn(tx, key);
  // Whatever N the account sets (or set), the lockout's count is one row per key.
  await signInLockout(ctx.iam, 1).clearIn(tx, key);
}
