// The root user's console password, as a root session (AssumeRoot) manages it: CreateLoginProfile,
// GetLoginProfile and DeleteLoginProfile called without UserName act on the member account's root
// user, on the resource arn:aws:iam::<account>:root that the root-task policies name
// (IAMCreateRootUserPassword, IAMAuditRootUserCredentials, IAMDeleteRootUserCredentials). Only a
// root session may omit UserName for the root user: with the root user's own keys IAM asks for
// one, as it always has ("you must use an AssumeRoot session to omit the user name", IAM API
// reference, CreateLoginProfile).
//
// The password is the account's root password (the one the console's root sign-in checks), kept as
// an argon2id hash. The account password policy is for IAM users; the root user's password follows
// AWS's own rules for it (8 to 128 characters, three kinds of characters, not the account's name
// or e-mail address), which are the default policy's.
import { hashPassword } from '../../crypto/passwords.ts';
import { IamError } from '../errors.ts';
import { rootArn } from '../names.ts';
import type { AccountRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { accounts } from '../tables.ts';
import { type Input, type OperationContext, check, isoNow, requiredStr, str, writeTx } from '../operation.ts';
import { checkPasswordAgainstPolicy } from './login-profiles.ts';

/** A call without UserName from a root session acts on that account's root user. */
export function actsOnRootUser(ctx: OperationContext, input: Input): boolean {
  return str(input, 'UserName') === undefined && ctx.caller.session?.type === 'root';
}

/** The root user has no user name; its login profile names none either. */
const ROOT_USER_NAME = '';

async function authorizedRoot(ctx: OperationContext, tx: StoreTx, action: string): Promise<AccountRecord> {
  const { account } = ctx.caller;
  await check(ctx, tx, action, rootArn(account));
  const record = await tx.get(accounts, account);
  if (!record) throw new IamError('ServiceFailure', 'The account record is missing.');
  return record;
}

function checkRootPassword(account: AccountRecord, password: string): void {
  checkPasswordAgainstPolicy({ ...account, passwordPolicy: undefined }, password);
}

function alreadyExists(): IamError {
  return new IamError('EntityAlreadyExists', 'Login Profile for the root user already exists.');
}

function noSuchLoginProfile(): IamError {
  return new IamError('NoSuchEntity', 'Login Profile for the root user cannot be found.');
}

function profileOutput(account: AccountRecord): Record<string, unknown> {
  return {
    LoginProfile: {
      UserName: ROOT_USER_NAME,
      CreateDate: account.rootPasswordCreatedAt ?? account.createdAt,
      PasswordResetRequired: false,
    },
  };
}

export async function createRootLoginProfile(ctx: OperationContext, input: Input) {
  const password = requiredStr(input, 'Password');
  const checkFirst = async (tx: StoreTx) => {
    const account = await authorizedRoot(ctx, tx, 'iam:CreateLoginProfile');
    if (account.rootPasswordHash !== '') throw alreadyExists();
    checkRootPassword(account, password);
    return account;
  };
  // Everything that can fail is checked before the slow hash, and again where the write happens.
  await ctx.iam.store.read(checkFirst);
  const hash = await hashPassword(password);
  return writeTx(ctx, async (tx) => {
    const account = await checkFirst(tx);
    const updated: AccountRecord = { ...account, rootPasswordHash: hash, rootPasswordCreatedAt: isoNow(ctx) };
    await tx.update(accounts, updated);
    return profileOutput(updated);
  });
}

export function getRootLoginProfile(ctx: OperationContext) {
  return ctx.iam.store.read(async (tx) => {
    const account = await authorizedRoot(ctx, tx, 'iam:GetLoginProfile');
    if (account.rootPasswordHash === '') throw noSuchLoginProfile();
    return profileOutput(account);
  });
}

export function deleteRootLoginProfile(ctx: OperationContext) {
  return writeTx(ctx, async (tx) => {
    const account = await authorizedRoot(ctx, tx, 'iam:DeleteLoginProfile');
    if (account.rootPasswordHash === '') throw noSuchLoginProfile();
    const { rootPasswordCreatedAt: _gone, ...rest } = account;
    await tx.update(accounts, { ...rest, rootPasswordHash: '' });
    return undefined;
  });
}
