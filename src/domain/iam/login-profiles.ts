// Passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile,
// ChangePassword, and the account password policy (UpdateAccountPasswordPolicy,
// GetAccountPasswordPolicy, DeleteAccountPasswordPolicy).
//
// A user's password lives on its record as `loginProfile`, only as an argon2id hash. Hashing and
// verifying are slow on purpose, so they run outside any transaction: an operation first reads and
// authorizes (read transaction), then hashes, then authorizes again and writes (write transaction).
//
// AWS's rules (IAM API reference; IAM User Guide "Set an account password policy for IAM users";
// responses recorded from AWS in LocalStack's snapshots):
// - UpdateAccountPasswordPolicy replaces the whole policy: an omitted member reverts to its default
//   (MinimumPasswordLength 6, every Require* and AllowUsersToChangePassword false, no expiry, no
//   reuse prevention, no hard expiry). GetAccountPasswordPolicy then shows only what is set
//   (ExpirePasswords is true exactly when MaxPasswordAge is).
// - With no custom policy, AWS's default policy applies to IAM users' passwords: 8 to 128
//   characters, at least three of upper case, lower case, digits and symbols, and not the account's
//   name or e-mail address.
// - The policy is enforced on every password set (CreateLoginProfile, UpdateLoginProfile,
//   ChangePassword): PasswordPolicyViolation "Password does not conform to the account password
//   policy." (the text AWS's SDKs and CloudFormation report).
// - Called without UserName in a member account's root session (AssumeRoot), CreateLoginProfile,
//   GetLoginProfile and DeleteLoginProfile act on the root user's password (root-login-profile.ts).
// - ChangePassword changes the caller's own password. The root user gets InvalidUserType. The
//   caller needs iam:ChangePassword on itself, or the account policy's AllowUsersToChangePassword
//   (which also grants iam:GetAccountPasswordPolicy); an explicit deny still wins over the latter.
import { hashPassword, verifyPassword } from '../../crypto/passwords.ts';
import { accessDeniedMessage } from '../../policy/index.ts';
import { decideFor } from '../authorize.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { AccountRecord, LoginProfile, PasswordPolicy, UserRecord } from '../records.ts';
import { accounts, users } from '../tables.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  requiredStr,
  str,
  writeTx,
} from '../operation.ts';
import { authorizedUser, requiredTargetUserName, saveUser, userArn } from './users.ts';
import {
  actsOnRootUser,
  createRootLoginProfile,
  deleteRootLoginProfile,
  getRootLoginProfile,
} from './root-login-profile.ts';

/** Earlier passwords remembered for PasswordReusePrevention (its maximum). */
const MAX_REMEMBERED_PASSWORDS = 24;

/** The stored policy also remembers whether HardExpiry was given, to show it as AWS does. */
interface StoredPasswordPolicy extends PasswordPolicy {
  HardExpirySet?: boolean;
}

/** The characters AWS counts as symbols for RequireSymbols. */
const SYMBOLS = new Set("!@#$%^&*()_+-=[]{}|'");

export function passwordPolicyOutput(policy: StoredPasswordPolicy): Record<string, unknown> {
  return {
    MinimumPasswordLength: policy.MinimumPasswordLength,
    RequireSymbols: policy.RequireSymbols,
    RequireNumbers: policy.RequireNumbers,
    RequireUppercaseCharacters: policy.RequireUppercaseCharacters,
    RequireLowercaseCharacters: policy.RequireLowercaseCharacters,
    AllowUsersToChangePassword: policy.AllowUsersToChangePassword,
    ExpirePasswords: policy.MaxPasswordAge !== undefined,
    ...(policy.MaxPasswordAge !== undefined ? { MaxPasswordAge: policy.MaxPasswordAge } : {}),
    ...(policy.PasswordReusePrevention !== undefined
      ? { PasswordReusePrevention: policy.PasswordReusePrevention }
      : {}),
    ...(policy.HardExpirySet || policy.HardExpiry ? { HardExpiry: policy.HardExpiry } : {}),
  };
}

function policyViolation(): IamError {
  return new IamError('PasswordPolicyViolation', 'Password does not conform to the account password policy.');
}

/** Throws PasswordPolicyViolation unless the password meets the account's policy (or AWS's default). */
export function checkPasswordAgainstPolicy(account: AccountRecord, password: string): void {
  const policy = account.passwordPolicy;
  const upper = /[A-Z]/.test(password);
  const lower = /[a-z]/.test(password);
  const digit = /[0-9]/.test(password);
  if (policy) {
    if (password.length < policy.MinimumPasswordLength) throw policyViolation();
    if (policy.RequireUppercaseCharacters && !upper) throw policyViolation();
    if (policy.RequireLowercaseCharacters && !lower) throw policyViolation();
    if (policy.RequireNumbers && !digit) throw policyViolation();
    if (policy.RequireSymbols && ![...password].some((c) => SYMBOLS.has(c))) throw policyViolation();
    return;
  }
  // AWS's default policy.
  const symbol = /[^A-Za-z0-9]/.test(password);
  const classes = [upper, lower, digit, symbol].filter(Boolean).length;
  if (password.length < 8 || password.length > 128 || classes < 3) throw policyViolation();
  const lowered = password.toLowerCase();
  const names = [account.id, account.rootEmail, account.alias].filter((n): n is string => !!n);
  if (names.some((n) => n.toLowerCase() === lowered)) throw policyViolation();
}

/** Throws PasswordPolicyViolation when PasswordReusePrevention forbids reusing this password. */
async function checkReuse(account: AccountRecord, profile: LoginProfile | undefined, password: string) {
  const remember = account.passwordPolicy?.PasswordReusePrevention;
  if (!remember || !profile) return;
  const recent = [profile.passwordHash, ...profile.previousHashes].slice(0, remember);
  for (const hash of recent) {
    if (await verifyPassword(hash, password)) throw policyViolation();
  }
}

function profileOutput(user: UserRecord, profile: LoginProfile): Record<string, unknown> {
  return {
    UserName: user.name,
    CreateDate: profile.createdAt,
    PasswordResetRequired: profile.passwordResetRequired,
  };
}

function noSuchLoginProfile(userName: string): IamError {
  return new IamError('NoSuchEntity', `Login Profile for User ${userName} cannot be found.`);
}

async function loadAccount(tx: StoreTx, account: string): Promise<AccountRecord> {
  const record = await tx.get(accounts, account);
  if (!record) throw new IamError('ServiceFailure', 'The account record is missing.');
  return record;
}

/** The new profile state after a password change: the old hash joins the remembered ones. */
function withNewPassword(
  profile: LoginProfile,
  hash: string,
  now: string,
  resetRequired: boolean,
): LoginProfile {
  return {
    ...profile,
    passwordHash: hash,
    passwordChangedAt: now,
    passwordResetRequired: resetRequired,
    previousHashes: [profile.passwordHash, ...profile.previousHashes].slice(0, MAX_REMEMBERED_PASSWORDS),
  };
}

/**
 * Authorizes an action that AllowUsersToChangePassword also grants: allowed by policy, or by the
 * account setting unless a policy explicitly denies it.
 */
async function authorizeSelfService(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  resource: string,
  account: AccountRecord,
): Promise<void> {
  const result = await decideFor(ctx.iam, tx, ctx.caller, { action, resource });
  if (result.decision === 'allowed') return;
  if (result.decision !== 'explicitDeny' && account.passwordPolicy?.AllowUsersToChangePassword) return;
  throw new IamError(
    'AccessDenied',
    accessDeniedMessage({ principalArn: ctx.caller.arn, action, resource, result }),
  );
}

export const loginProfilesOperations: Record<string, Operation> = {
  async CreateLoginProfile(ctx, input) {
    if (actsOnRootUser(ctx, input)) return createRootLoginProfile(ctx, input);
    const name = requiredTargetUserName(ctx, input);
    const password = requiredStr(input, 'Password');
    const resetRequired = input.PasswordResetRequired === true;
    const { account } = ctx.caller;
    // Check everything that can fail before spending the time to hash.
    await ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:CreateLoginProfile', name);
      if (user.loginProfile) throw alreadyExists(user.name);
      checkPasswordAgainstPolicy(await loadAccount(tx, account), password);
    });
    const hash = await hashPassword(password);
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:CreateLoginProfile', name);
      if (user.loginProfile) throw alreadyExists(user.name);
      checkPasswordAgainstPolicy(await loadAccount(tx, account), password);
      const now = isoNow(ctx);
      const profile: LoginProfile = {
        passwordHash: hash,
        createdAt: now,
        passwordChangedAt: now,
        passwordResetRequired: resetRequired,
        previousHashes: [],
      };
      user.loginProfile = profile;
      await saveUser(tx, user);
      return { LoginProfile: profileOutput(user, profile) };
    });
  },

  async GetLoginProfile(ctx, input) {
    if (actsOnRootUser(ctx, input)) return getRootLoginProfile(ctx);
    const name = requiredTargetUserName(ctx, input);
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:GetLoginProfile', name);
      if (!user.loginProfile) throw noSuchLoginProfile(user.name);
      return { LoginProfile: profileOutput(user, user.loginProfile) };
    });
  },

  async UpdateLoginProfile(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const password = str(input, 'Password');
    const resetRequired =
      typeof input.PasswordResetRequired === 'boolean' ? input.PasswordResetRequired : undefined;
    const { account } = ctx.caller;
    let hash: string | undefined;
    if (password !== undefined) {
      const before = await ctx.iam.store.read(async (tx) => {
        const user = await authorizedUser(ctx, tx, 'iam:UpdateLoginProfile', name);
        if (!user.loginProfile) throw noSuchLoginProfile(user.name);
        const accountRecord = await loadAccount(tx, account);
        checkPasswordAgainstPolicy(accountRecord, password);
        return { accountRecord, profile: user.loginProfile };
      });
      await checkReuse(before.accountRecord, before.profile, password);
      hash = await hashPassword(password);
    }
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateLoginProfile', name);
      const profile = user.loginProfile;
      if (!profile) throw noSuchLoginProfile(user.name);
      if (hash !== undefined) {
        checkPasswordAgainstPolicy(await loadAccount(tx, account), password!);
        user.loginProfile = withNewPassword(
          profile,
          hash,
          isoNow(ctx),
          resetRequired ?? profile.passwordResetRequired,
        );
      } else if (resetRequired !== undefined) {
        profile.passwordResetRequired = resetRequired;
      }
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteLoginProfile(ctx, input) {
    if (actsOnRootUser(ctx, input)) return deleteRootLoginProfile(ctx);
    const name = requiredTargetUserName(ctx, input);
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteLoginProfile', name);
      if (!user.loginProfile) throw noSuchLoginProfile(user.name);
      delete user.loginProfile;
      await saveUser(tx, user);
      return undefined;
    });
  },

  async ChangePassword(ctx, input) {
    const oldPassword = requiredStr(input, 'OldPassword');
    const newPassword = requiredStr(input, 'NewPassword');
    const { caller } = ctx;
    if (caller.type !== 'user' || caller.userName === undefined) {
      throw new IamError('InvalidUserType', 'Only IAM users can change their own password.');
    }
    const userName = caller.userName;
    /** Authorizes the caller on itself and returns its record, its profile and the account. */
    const authorizeCaller = async (tx: StoreTx) => {
      const accountRecord = await loadAccount(tx, caller.account);
      // The caller is the user of its id: a user renamed or re-created meanwhile is not it.
      const user = await tx.get(users, caller.userId);
      if (!user) throw new IamError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
      await authorizeSelfService(ctx, tx, 'iam:ChangePassword', userArn(user), accountRecord);
      if (!user.loginProfile) throw noSuchLoginProfile(user.name);
      return { accountRecord, user, profile: user.loginProfile };
    };
    const before = await ctx.iam.store.read(authorizeCaller);
    if (!(await verifyPassword(before.profile.passwordHash, oldPassword))) {
      // Not confirmed against AWS: code and text (here and below) are ours; no recorded response
      // found, and the IAM API reference's ChangePassword errors name none for a wrong OldPassword.
      throw new IamError('AccessDenied', 'The old password is incorrect.');
    }
    checkPasswordAgainstPolicy(before.accountRecord, newPassword);
    await checkReuse(before.accountRecord, before.profile, newPassword);
    const hash = await hashPassword(newPassword);
    return writeTx(ctx, async (tx) => {
      const { accountRecord, user, profile } = await authorizeCaller(tx);
      if (profile.passwordHash !== before.profile.passwordHash) {
        // Changed meanwhile: the old password we checked is no longer the current one.
        throw new IamError('AccessDenied', 'The old password is incorrect.');
      }
      checkPasswordAgainstPolicy(accountRecord, newPassword);
      user.loginProfile = withNewPassword(profile, hash, isoNow(ctx), false);
      await saveUser(tx, user);
      return undefined;
    });
  },

  async UpdateAccountPasswordPolicy(ctx, input) {
    const num = (name: string): number | undefined =>
      typeof input[name] === 'number' ? (input[name] as number) : undefined;
    const bool = (name: string): boolean => input[name] === true;
    const maxAge = num('MaxPasswordAge');
    const reuse = num('PasswordReusePrevention');
    const hardExpiry = typeof input.HardExpiry === 'boolean' ? input.HardExpiry : undefined;
    // Not a partial update: whatever is omitted takes its default again.
    const policy: StoredPasswordPolicy = {
      MinimumPasswordLength: num('MinimumPasswordLength') ?? 6,
      RequireSymbols: bool('RequireSymbols'),
      RequireNumbers: bool('RequireNumbers'),
      RequireUppercaseCharacters: bool('RequireUppercaseCharacters'),
      RequireLowercaseCharacters: bool('RequireLowercaseCharacters'),
      AllowUsersToChangePassword: bool('AllowUsersToChangePassword'),
      ...(maxAge !== undefined ? { MaxPasswordAge: maxAge } : {}),
      ...(reuse !== undefined ? { PasswordReusePrevention: reuse } : {}),
      HardExpiry: hardExpiry ?? false,
      ...(hardExpiry !== undefined ? { HardExpirySet: true } : {}),
    };
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:UpdateAccountPasswordPolicy', '*');
      const accountRecord = await loadAccount(tx, ctx.caller.account);
      accountRecord.passwordPolicy = policy;
      await tx.update(accounts, accountRecord);
      return undefined;
    });
  },

  async GetAccountPasswordPolicy(ctx) {
    return ctx.iam.store.read(async (tx) => {
      const accountRecord = await loadAccount(tx, ctx.caller.account);
      await authorizeSelfService(ctx, tx, 'iam:GetAccountPasswordPolicy', '*', accountRecord);
      if (!accountRecord.passwordPolicy) {
        throw new IamError(
          'NoSuchEntity',
          `The Password Policy with domain name ${accountRecord.id} cannot be found.`,
        );
      }
      return { PasswordPolicy: passwordPolicyOutput(accountRecord.passwordPolicy) };
    });
  },

  async DeleteAccountPasswordPolicy(ctx) {
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:DeleteAccountPasswordPolicy', '*');
      const accountRecord = await loadAccount(tx, ctx.caller.account);
      if (!accountRecord.passwordPolicy) {
        throw new IamError('NoSuchEntity', 'The account policy with name PasswordPolicy cannot be found.');
      }
      delete accountRecord.passwordPolicy;
      await tx.update(accounts, accountRecord);
      return undefined;
    });
  },
};

function alreadyExists(userName: string): IamError {
  return new IamError('EntityAlreadyExists', `Login Profile for user ${userName} already exists.`);
}
