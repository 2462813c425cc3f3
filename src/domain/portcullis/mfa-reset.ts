// Administrator-assisted MFA reset (Portcullis's own; AWS has none): an administrator the engine
// allows portcullis:ResetUserMFA on a user's ARN removes every MFA device of that user — virtual
// devices deleted as DeactivateMFADevice then DeleteVirtualMFADevice would (so the serial number
// is free to enrol again), security keys with their device rows — and the user must enrol again
// at the next console sign-in (mfa-enrolment.ts). Who reset and when stays on the user
// (GetUserMFAReset, portcullis:GetUserMFAReset). The user's console sessions end with it.
//
// Off unless the account turned AdminReset on (mfa-options.ts). The switch is checked before
// authorization, so the console can tell "not turned on" from "not allowed": whether an account
// feature is on is no secret from its own principals.
import type { Operation, OperationContext } from '../operation.ts';
import { isoNow, requiredStr, writeTx } from '../operation.ts';
import type { StoreTx } from '../store.ts';
import type { UserRecord } from '../records.ts';
import { consoleSessions, mfaDevices, securityKeys, users } from '../tables.ts';
import { authorizedUser } from '../iam/users.ts';
import { enabledMfaDevicesOf, securityKeysOfOwner } from '../iam/mfa-common.ts';
import { requireMfaOption } from './mfa-options.ts';

export const ADMIN_RESET_OFF = 'Administrator MFA reset is not turned on for this account.';

function requireAdminReset(ctx: OperationContext, tx: StoreTx): Promise<void> {
  return requireMfaOption(tx, ctx.caller.account, 'adminReset', ADMIN_RESET_OFF);
}

export const mfaResetOperations: Record<string, Operation> = {
  async ResetUserMFA(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      await requireAdminReset(ctx, tx);
      const user = await authorizedUser(ctx, tx, 'portcullis:ResetUserMFA', userName);
      const owner = { kind: 'user', user } as const;
      // A device is enabled while it has an owner; unassigned virtual devices belong to no one.
      for (const device of await enabledMfaDevicesOf(tx, account, owner))
        await tx.delete(mfaDevices, device.id);
      for (const key of await securityKeysOfOwner(tx, account, owner)) await tx.delete(securityKeys, key.id);
      await tx.update(users, resetUser(user, ctx.caller.arn, isoNow(ctx)));
      // Whoever holds the user's console sessions (perhaps not the user) is signed out.
      const sessions = await tx.list(consoleSessions, { where: { account, principal_id: user.id } });
      for (const session of sessions) await tx.delete(consoleSessions, session.id);
      return undefined;
    });
  },

  async GetUserMFAReset(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.read(async (tx) => {
      await requireAdminReset(ctx, tx);
      const user = await authorizedUser(ctx, tx, 'portcullis:GetUserMFAReset', userName);
      const reset = user.mfaReset;
      if (!reset) return { EnrolmentRequired: false };
      // Enrolled since (through the API, say) though not yet signed in to the console: answered.
      const enrolled = (await enabledMfaDevicesOf(tx, user.account, { kind: 'user', user })).length > 0;
      return {
        ResetBy: reset.by,
        ResetDate: reset.at,
        EnrolmentRequired: reset.enrolmentRequired && !enrolled,
      };
    });
  },
};

/** The user after a reset. Recovery codes are a second factor too and go with the devices. */
function resetUser(user: UserRecord, by: string, at: string): UserRecord {
  const next: UserRecord = { ...user, mfaReset: { by, at, enrolmentRequired: true } };
  delete next.recoveryCodes;
  return next;
}
