// MFA enrolment grace periods per group (Portcullis's own; AWS has none): members of a group with
// a period must enrol an MFA device within N days and/or N console sign-ins; after it the console
// allows nothing but enrolment (mfa-enrolment.ts) — without anyone writing a Deny policy. Set,
// read and removed by administrators the engine allows portcullis:PutGroupMfaGracePeriod,
// portcullis:GetGroupMfaGracePeriod and portcullis:DeleteGroupMfaGracePeriod on the group's ARN.
//
// Off unless the account turned EnrolmentGracePeriods on (mfa-options.ts), checked before
// authorization as for the MFA reset.
import type { Operation, OperationContext } from '../operation.ts';
import { isoNow, requiredStr, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { MfaGracePeriod } from '../records.ts';
import { groups } from '../tables.ts';
import { authorizedGroup } from '../iam/groups.ts';
import { requireMfaOption, wholeInRange } from './mfa-options.ts';
import { MFA_GRACE_SIGN_INS_KEPT } from './mfa-enrolment.ts';

export const GRACE_PERIODS_OFF = 'MFA enrolment grace periods are not turned on for this account.';
export const GRACE_DAYS = { min: 1, max: 365 } as const;
export const GRACE_SIGN_INS = { min: 1, max: MFA_GRACE_SIGN_INS_KEPT } as const;

function requireGracePeriods(ctx: OperationContext, tx: StoreTx): Promise<void> {
  return requireMfaOption(tx, ctx.caller.account, 'enrolmentGracePeriods', GRACE_PERIODS_OFF);
}

export const mfaGracePeriodOperations: Record<string, Operation> = {
  /** Sets Days and/or SignIns (a member left out is no limit); at least one. */
  async PutGroupMfaGracePeriod(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    const days = optionalWhole(input.Days, 'Days', GRACE_DAYS);
    const signIns = optionalWhole(input.SignIns, 'SignIns', GRACE_SIGN_INS);
    if (days === undefined && signIns === undefined)
      throw new IamError('ValidationError', 'A grace period needs Days, SignIns or both.');
    return writeTx(ctx, async (tx) => {
      await requireGracePeriods(ctx, tx);
      const group = await authorizedGroup(ctx, tx, 'portcullis:PutGroupMfaGracePeriod', groupName);
      const period: MfaGracePeriod = {
        ...(days !== undefined ? { days } : {}),
        ...(signIns !== undefined ? { signIns } : {}),
        // A changed length keeps the start: shortening or lengthening it does not restart the clock.
        since: group.mfaGracePeriod?.since ?? isoNow(ctx),
      };
      await tx.update(groups, { ...group, mfaGracePeriod: period });
      return undefined;
    });
  },

  async GetGroupMfaGracePeriod(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    return ctx.iam.store.read(async (tx) => {
      await requireGracePeriods(ctx, tx);
      const group = await authorizedGroup(ctx, tx, 'portcullis:GetGroupMfaGracePeriod', groupName);
      const period = group.mfaGracePeriod;
      if (!period) return {};
      return {
        GracePeriod: {
          ...(period.days !== undefined ? { Days: period.days } : {}),
          ...(period.signIns !== undefined ? { SignIns: period.signIns } : {}),
          Since: period.since,
        },
      };
    });
  },

  async DeleteGroupMfaGracePeriod(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    return writeTx(ctx, async (tx) => {
      await requireGracePeriods(ctx, tx);
      const group = await authorizedGroup(ctx, tx, 'portcullis:DeleteGroupMfaGracePeriod', groupName);
      if (!group.mfaGracePeriod)
        throw new IamError('NoSuchEntity', `The group ${group.name} has no MFA enrolment grace period.`);
      const { mfaGracePeriod: _removed, ...rest } = group;
      await tx.update(groups, rest);
      return undefined;
    });
  },
};

function optionalWhole(
  value: unknown,
  name: string,
  range: { min: number; max: number },
): number | undefined {
  return value === undefined ? undefined : wholeInRange(value, name, range);
}
