// MFA recovery codes (MfaOptions.recoveryCodes, off by default): ten one-time codes an IAM user or
// the root user gets when enabling MFA, usable once each at the console's MFA step instead of a
// device, and regenerable. None of AWS, LocalStack or moto has them; Keycloak-class systems do.
//
// Security properties:
// - the codes leave the domain once, in GenerateRecoveryCodes' output (the audit trail drops that
//   member, audit/redact.ts); the owner's record keeps only the sealer's MAC of each code, bound
//   to the account and the owner's id, so a hash copied to another user matches nothing;
// - a code is checked and removed in one write transaction, so two nodes given the same code at
//   once let one of them through (the store's writers of an account take turns);
// - every stored hash is compared (in constant time, macMatches) whatever matched before;
// - the switch is read at every use: an account that turns the option off stops accepting codes.
//
// The hashes are MACs under the current master key (or a previous one while a rotation runs,
// macMatches); a MAC cannot be re-keyed, so codes issued before a rotation stop working once the
// old key is dropped, and users generate new ones.
import { newRecoveryCodes, normalizeRecoveryCode } from '../../crypto/recovery-codes.ts';
import { IamError } from '../errors.ts';
import type { Iam } from '../iam.ts';
import { type Operation, type OperationContext, check, isoNow, writeTx } from '../operation.ts';
import { rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { RecoveryCodeSet } from '../records.ts';
import { accounts, users } from '../tables.ts';
import { type Principal, iso } from '../console-sessions.ts';
import { authorizedUser } from '../iam/users.ts';
import { type MfaOwner, authorizedOwner, enabledMfaDevicesOf, ownerIdOf } from '../iam/mfa-common.ts';
import { accountMfaOptions, requireMfaOption } from './mfa-options.ts';

const MAC_PURPOSE = 'mfa-recovery-code';

export const recoveryCodeOperations: Record<string, Operation> = {
  /**
   * Ten new codes for the caller itself (an IAM user or the root user), replacing any it had; with
   * KeepExisting, codes are made only when none remain (what enabling a further device does).
   * Output: RecoveryCodes (the new codes, or none when kept) and RemainingCodes.
   */
  async GenerateRecoveryCodes(ctx, input) {
    const keep = input.KeepExisting === true;
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const owner = await ownOwner(ctx, tx, 'portcullis:GenerateRecoveryCodes');
      await requireMfaOption(tx, account, 'recoveryCodes', RECOVERY_CODES_OFF);
      if ((await enabledMfaDevicesOf(tx, account, owner)).length === 0) {
        throw new IamError(
          'ValidationError',
          'Recovery codes are issued to identities with MFA: enable an MFA device first.',
        );
      }
      const current = codesOf(await ownerRecord(tx, account, owner));
      if (keep && current && current.hashes.length > 0)
        return { RecoveryCodes: [], RemainingCodes: current.hashes.length };
      const codes = newRecoveryCodes();
      const ownerId = ownerIdOf(owner);
      await saveCodes(tx, account, owner, {
        hashes: codes.map((code) => ctx.iam.sealer.mac(MAC_PURPOSE, macInput(account, ownerId, code))),
        generatedAt: isoNow(ctx),
        ...(current?.lastUsedAt ? { lastUsedAt: current.lastUsedAt } : {}),
      });
      return { RecoveryCodes: codes, RemainingCodes: codes.length };
    });
  },

  /**
   * Whether the account offers recovery codes, and for a user (UserName; the caller when omitted)
   * how many unused codes remain, when they were generated and when one was last used.
   */
  async GetRecoveryCodeStatus(ctx, input) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const owner = await authorizedOwner(ctx, tx, 'portcullis:GetRecoveryCodeStatus', input);
      const enabled = (await accountMfaOptions(tx, account)).recoveryCodes;
      const set = codesOf(await ownerRecord(tx, account, owner));
      return {
        Enabled: enabled,
        RemainingCodes: set?.hashes.length ?? 0,
        ...(set ? { GeneratedDate: set.generatedAt } : {}),
        ...(set?.lastUsedAt ? { LastUsedDate: set.lastUsedAt } : {}),
      };
    });
  },
};

export type RecoveryCodeUse = { readonly ok: true; readonly remaining: number } | { readonly ok: false };

/**
 * The console's MFA step: `typed` checked against the principal's unused codes and, when one
 * matches, removed in the same write transaction (with the time of use). There is no session
 * Caller yet: the principal proved its password, and the throttles are the console's.
 */
export async function useRecoveryCode(
  iam: Iam,
  account: string,
  principal: Principal,
  typed: string,
): Promise<RecoveryCodeUse> {
  const code = normalizeRecoveryCode(typed);
  if (principal.kind === 'sts-session' || code === undefined) return { ok: false };
  return iam.store.write(
    async (tx): Promise<RecoveryCodeUse> => {
      if (!(await accountMfaOptions(tx, account)).recoveryCodes) return { ok: false };
      const owner = await principalOwner(tx, account, principal);
      const set = owner && codesOf(await ownerRecord(tx, account, owner));
      if (!owner || !set) return { ok: false };
      const value = macInput(account, ownerIdOf(owner), code);
      let found = -1;
      set.hashes.forEach((hash, index) => {
        if (iam.sealer.macMatches(MAC_PURPOSE, value, hash) && found < 0) found = index;
      });
      if (found < 0) return { ok: false };
      const hashes = set.hashes.filter((_, index) => index !== found);
      await saveCodes(tx, account, owner, { ...set, hashes, lastUsedAt: iso(iam.now()) });
      return { ok: true, remaining: hashes.length };
    },
    { account },
  );
}

/** How many unused codes the principal has (0 when the option is off): the MFA step's offer. */
export function recoveryCodesRemaining(iam: Iam, account: string, principal: Principal): Promise<number> {
  return iam.store.read(async (tx) => {
    if (!(await accountMfaOptions(tx, account)).recoveryCodes) return 0;
    const owner = await principalOwner(tx, account, principal);
    return owner ? (codesOf(await ownerRecord(tx, account, owner))?.hashes.length ?? 0) : 0;
  });
}

/**
 * Called, in the same transaction, wherever an MFA device is removed: once the owner has no MFA
 * device left, its recovery codes go too (codes stand in for a device, never for MFA itself).
 */
export async function forgetRecoveryCodesWithoutMfa(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
): Promise<void> {
  if ((await enabledMfaDevicesOf(tx, account, owner)).length > 0) return;
  if (codesOf(await ownerRecord(tx, account, owner))) await saveCodes(tx, account, owner, undefined);
}

const RECOVERY_CODES_OFF = 'Recovery codes are not turned on for this account.';

/** The caller itself as an owner of codes, authorized for `action` on its own ARN. */
async function ownOwner(ctx: OperationContext, tx: StoreTx, action: string): Promise<MfaOwner> {
  const { caller } = ctx;
  if (caller.type === 'root') {
    await check(ctx, tx, action, rootArn(caller.account));
    return { kind: 'root' };
  }
  if (caller.type === 'user' && caller.userName !== undefined) {
    const user = await authorizedUser(ctx, tx, action, caller.userName);
    if (user.id === caller.userId) return { kind: 'user', user };
  }
  throw new IamError('ValidationError', 'Recovery codes belong to IAM users and the root user.');
}

async function principalOwner(
  tx: StoreTx,
  account: string,
  principal: Principal,
): Promise<MfaOwner | undefined> {
  if (principal.kind === 'root') return { kind: 'root' };
  if (principal.kind !== 'user') return undefined;
  const user = await tx.get(users, principal.id);
  return user && user.account === account ? { kind: 'user', user } : undefined;
}

/** The record the owner's codes live on, as this transaction reads it now. */
async function ownerRecord(tx: StoreTx, account: string, owner: MfaOwner) {
  return owner.kind === 'root'
    ? { kind: 'root' as const, record: await tx.get(accounts, account) }
    : { kind: 'user' as const, record: await tx.get(users, owner.user.id) };
}

function codesOf(found: Awaited<ReturnType<typeof ownerRecord>>): RecoveryCodeSet | undefined {
  return found.kind === 'root' ? found.record?.rootRecoveryCodes : found.record?.recoveryCodes;
}

async function saveCodes(
  tx: StoreTx,
  account: string,
  owner: MfaOwner,
  set: RecoveryCodeSet | undefined,
): Promise<void> {
  const found = await ownerRecord(tx, account, owner);
  if (found.kind === 'root') {
    if (!found.record) throw new IamError('ServiceFailure', 'The account record is missing.');
    const { rootRecoveryCodes: _old, ...rest } = found.record;
    await tx.update(accounts, set ? { ...rest, rootRecoveryCodes: set } : rest);
  } else {
    if (!found.record) throw new IamError('NoSuchEntity', 'The user cannot be found.');
    const { recoveryCodes: _old, ...rest } = found.record;
    await tx.update(users, set ? { ...rest, recoveryCodes: set } : rest);
  }
}

/** What is MACed: the code bound to its account and owner (a user's id, or "root"). */
function macInput(account: string, ownerId: string, code: string): string {
  return `${account}\u0000${ownerId}\u0000${normalizeRecoveryCode(code) ?? ''}`;
}
