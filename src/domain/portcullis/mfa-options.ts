// The account's MFA options beyond AWS's (records.ts MfaOptions): read and set by administrators
// the engine allows portcullis:GetAccountMfaOptions / portcullis:UpdateAccountMfaOptions, actions
// of Portcullis's own that no AWS managed policy but AdministratorAccess ("*") grants.
import type { Operation } from '../operation.ts';
import { check, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { AccountRecord, MfaOptions } from '../records.ts';
import { accounts } from '../tables.ts';
import type { StoreTx } from '../store.ts';

export const LOCKOUT_FAILURES = { min: 3, max: 100 } as const;
export const ORPHANED_DEVICE_HOURS = { min: 1, max: 8760 } as const;

/** The account's options, every one present (off when the account never set it). */
export function mfaOptionsOf(account: AccountRecord | undefined): AccountMfaOptions {
  const options = account?.mfaOptions ?? {};
  return {
    recoveryCodes: options.recoveryCodes ?? false,
    adminReset: options.adminReset ?? false,
    enrolmentGracePeriods: options.enrolmentGracePeriods ?? false,
    ...(options.lockout ? { lockout: options.lockout } : {}),
    ...(options.orphanedDeviceHours !== undefined
      ? { orphanedDeviceHours: options.orphanedDeviceHours }
      : {}),
  };
}

/** The switches always answered; the options with a value only when set. */
export type AccountMfaOptions = Omit<Required<MfaOptions>, 'lockout' | 'orphanedDeviceHours'> &
  Pick<MfaOptions, 'lockout' | 'orphanedDeviceHours'>;

/** Refuses, with `refusal`, an operation of a switch the account has not turned on. */
export async function requireMfaOption(
  tx: StoreTx,
  account: string,
  option: 'recoveryCodes' | 'adminReset' | 'enrolmentGracePeriods',
  refusal: string,
): Promise<void> {
  if (!(await accountMfaOptions(tx, account))[option]) throw new IamError('ValidationError', refusal);
}

/** The options of the account, read in a transaction of the caller's. */
export async function accountMfaOptions(tx: StoreTx, account: string): Promise<AccountMfaOptions> {
  return mfaOptionsOf(await tx.get(accounts, account));
}

export const mfaOptionOperations: Record<string, Operation> = {
  async GetAccountMfaOptions(ctx) {
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'portcullis:GetAccountMfaOptions', '*');
      return outputOf(await accountMfaOptions(tx, ctx.caller.account));
    });
  },

  /** Sets every option at once: a member left out turns its option off. */
  async UpdateAccountMfaOptions(ctx, input) {
    const options = optionsOf(input);
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'portcullis:UpdateAccountMfaOptions', '*');
      const record = await tx.get(accounts, ctx.caller.account);
      if (!record) throw new IamError('ServiceFailure', 'The account record is missing.');
      await tx.update(accounts, { ...record, mfaOptions: options });
      return undefined;
    });
  },
};

function outputOf(options: AccountMfaOptions): Record<string, unknown> {
  return {
    RecoveryCodes: options.recoveryCodes,
    AdminReset: options.adminReset,
    EnrolmentGracePeriods: options.enrolmentGracePeriods,
    ...(options.lockout ? { LockoutFailures: options.lockout.failures } : {}),
    ...(options.orphanedDeviceHours !== undefined
      ? { OrphanedDeviceHours: options.orphanedDeviceHours }
      : {}),
  };
}

function optionsOf(input: Readonly<Record<string, unknown>>): MfaOptions {
  const options: MfaOptions = {};
  if (input.RecoveryCodes === true) options.recoveryCodes = true;
  if (input.AdminReset === true) options.adminReset = true;
  if (input.EnrolmentGracePeriods === true) options.enrolmentGracePeriods = true;
  if (input.LockoutFailures !== undefined) {
    options.lockout = { failures: wholeInRange(input.LockoutFailures, 'LockoutFailures', LOCKOUT_FAILURES) };
  }
  if (input.OrphanedDeviceHours !== undefined) {
    options.orphanedDeviceHours = wholeInRange(
      input.OrphanedDeviceHours,
      'OrphanedDeviceHours',
      ORPHANED_DEVICE_HOURS,
    );
  }
  return options;
}

/** A whole number within `range`, or a ValidationError naming the member. */
export function wholeInRange(value: unknown, name: string, range: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new IamError(
      'ValidationError',
      `The value of ${name} must be a whole number from ${range.min} to ${range.max}.`,
    );
  }
  return value;
}
