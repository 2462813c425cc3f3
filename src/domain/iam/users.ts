// Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, their tags and permissions boundary.
import { newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn, key, rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { AccessKeyRecord, AccountRecord, UserRecord } from '../records.ts';
import type { ContextValue } from '../../policy/index.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOutput,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagOperations,
  tagsOf,
} from '../operation.ts';
import { requireAttachablePolicy } from './policy-refs.ts';
import { renameMfaDeviceOwner } from './mfa-common.ts';

export const USERS_QUOTA = 5000;

export function userArn(user: Pick<UserRecord, 'account' | 'path' | 'name'>): string {
  return iamArn(user.account, 'user', user.path, user.name);
}

export function userOutput(user: UserRecord, withTags = true): Record<string, unknown> {
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: userArn(user),
    CreateDate: user.createdAt,
    ...(user.passwordLastUsed ? { PasswordLastUsed: user.passwordLastUsed } : {}),
    ...(user.permissionsBoundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: user.permissionsBoundary,
          },
        }
      : {}),
    ...(withTags && user.tags.length > 0 ? { Tags: user.tags } : {}),
  };
}

export function noSuchUser(name: string): IamError {
  return new IamError('NoSuchEntity', `The user with name ${name} cannot be found.`);
}

/** Loads a user by name, or null; the ARN for authorization is the user's if found, else path "/". */
export async function findUser(tx: StoreTx, account: string, name: string): Promise<UserRecord | undefined> {
  return tx.get<UserRecord>('user', key.entity(account, name));
}

export function userArnFor(account: string, name: string, user: UserRecord | undefined): string {
  return user ? userArn(user) : iamArn(account, 'user', '/', name);
}

/**
 * The usual opening of a per-user operation: find the user, authorize on its ARN (with its tags as
 * aws:ResourceTag), then fail with NoSuchEntity if it does not exist.
 */
export async function authorizedUser(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  name: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<UserRecord> {
  const user = await findUser(tx, ctx.caller.account, name);
  await check(ctx, tx, action, userArnFor(ctx.caller.account, name, user), {
    ...resourceTagContext(user?.tags),
    ...context,
  });
  if (!user) throw noSuchUser(name);
  return user;
}

/** The user named in the input, or the caller itself when UserName is omitted (as AWS does). */
export function targetUserName(ctx: OperationContext, input: Input): string | undefined {
  return str(input, 'UserName') ?? ctx.caller.userName;
}

/** As targetUserName, for operations that need a user: a caller that is none must name one. */
export function requiredTargetUserName(ctx: OperationContext, input: Input): string {
  const named = targetUserName(ctx, input);
  if (named === undefined) {
    throw new IamError('ValidationError', 'Must specify userName when calling with non-User credentials');
  }
  return named;
}

export async function saveUser(tx: StoreTx, user: UserRecord): Promise<void> {
  await tx.put('user', key.entity(user.account, user.name), user);
}

export const userOperations: Record<string, Operation> = {
  ...tagOperations<UserRecord>({
    noun: 'User',
    load: (ctx, tx, action, input, context) =>
      authorizedUser(ctx, tx, action, requiredStr(input, 'UserName'), context),
    save: saveUser,
  }),

  async CreateUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const path = str(input, 'Path') ?? '/';
    const tags = tagsOf(input);
    const boundary = str(input, 'PermissionsBoundary');
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      await check(ctx, tx, 'iam:CreateUser', iamArn(account, 'user', path, name), {
        ...requestTagContext(tags),
        ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
      });
      if (await findUser(tx, account, name))
        throw new IamError('EntityAlreadyExists', `User with name ${name} already exists.`);
      if ((await tx.count('user', key.accountPrefix(account))) >= USERS_QUOTA) {
        throw new IamError('LimitExceeded', `Cannot exceed quota for UsersPerAccount: ${USERS_QUOTA}`);
      }
      if (boundary) await requireAttachablePolicy(ctx, tx, boundary, 'boundary');
      const user: UserRecord = {
        account,
        id: newUniqueId('AIDA'),
        name,
        path,
        createdAt: isoNow(ctx),
        tags,
        attachedPolicies: [],
        inlinePolicies: {},
        groups: [],
        accessKeyIds: [],
        mfaSerials: [],
        ...(boundary ? { permissionsBoundary: boundary } : {}),
      };
      await tx.put('user', key.entity(account, name), user);
      return { User: userOutput(user) };
    });
  },

  async GetUser(ctx, input) {
    const name = targetUserName(ctx, input);
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      if (name === undefined) {
        // The root user asking about itself.
        await check(ctx, tx, 'iam:GetUser', rootArn(account));
        const accountRecord = await tx.get<AccountRecord>('account', account);
        return {
          User: {
            UserId: account,
            Arn: rootArn(account),
            CreateDate: accountRecord?.createdAt,
            ...(accountRecord?.rootPasswordLastUsed
              ? { PasswordLastUsed: accountRecord.rootPasswordLastUsed }
              : {}),
          },
        };
      }
      const user = await authorizedUser(ctx, tx, 'iam:GetUser', name);
      return { User: userOutput(user) };
    });
  },

  async ListUsers(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListUsers', iamArn(account, 'user', prefix, ''));
      const page = await listPage<UserRecord>(tx, 'user', key.accountPrefix(account), input, (u) =>
        u.path.startsWith(prefix),
      );
      return pageOutput('Users', page, (u) => userOutput(u, false));
    });
  },

  async UpdateUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const newName = str(input, 'NewUserName');
    const newPath = str(input, 'NewPath');
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateUser', name);
      if (newName !== undefined && newName.toLowerCase() !== name.toLowerCase()) {
        // Renaming needs permission on the new name too, as AWS checks.
        await check(ctx, tx, 'iam:UpdateUser', iamArn(account, 'user', newPath ?? user.path, newName));
        if (await findUser(tx, account, newName))
          throw new IamError('EntityAlreadyExists', `User with name ${newName} already exists.`);
      }
      await renameUser(tx, user, newName ?? user.name, newPath ?? user.path);
      return undefined;
    });
  },

  async DeleteUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    return ctx.iam.store.write(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteUser', name);
      assertUserDeletable(user);
      await tx.delete('user', key.entity(user.account, user.name));
      return undefined;
    });
  },

  async PutUserPermissionsBoundary(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const boundary = requiredStr(input, 'PermissionsBoundary');
    return ctx.iam.store.write(async (tx) => {
      const user = await findUser(tx, ctx.caller.account, name);
      await check(ctx, tx, 'iam:PutUserPermissionsBoundary', userArnFor(ctx.caller.account, name, user), {
        ...resourceTagContext(user?.tags),
        'iam:PermissionsBoundary': boundary,
      });
      if (!user) throw noSuchUser(name);
      await requireAttachablePolicy(ctx, tx, boundary, 'boundary');
      user.permissionsBoundary = boundary;
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteUserPermissionsBoundary(ctx, input) {
    const name = requiredStr(input, 'UserName');
    return ctx.iam.store.write(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteUserPermissionsBoundary', name);
      delete user.permissionsBoundary;
      await saveUser(tx, user);
      return undefined;
    });
  },
};

/** AWS refuses to delete a user that still holds anything; each holding has its own message. */
function assertUserDeletable(user: UserRecord): void {
  const conflict = (message: string) => new IamError('DeleteConflict', message);
  if (user.loginProfile) throw conflict('Cannot delete entity, must delete login profile first.');
  if (user.accessKeyIds.length > 0) throw conflict('Cannot delete entity, must delete access keys first.');
  if (user.signingCertificates?.length)
    throw conflict('Cannot delete entity, must delete signing certificates first.');
  if (user.sshPublicKeys?.length) throw conflict('Cannot delete entity, must delete SSH public keys first.');
  if (user.serviceCredentials?.length)
    throw conflict('Cannot delete entity, must delete service specific credentials first.');
  if (user.mfaSerials.length > 0) throw conflict('Cannot delete entity, must delete MFA device first.');
  if (Object.keys(user.inlinePolicies).length > 0)
    throw conflict('Cannot delete entity, must delete policies first.');
  if (user.attachedPolicies.length > 0)
    throw conflict('Cannot delete entity, must detach all policies first.');
  if (user.groups.length > 0) throw conflict('Cannot delete entity, must remove users from group first.');
}

async function renameUser(tx: StoreTx, user: UserRecord, newName: string, newPath: string): Promise<void> {
  const oldName = user.name;
  await tx.delete('user', key.entity(user.account, oldName));
  user.name = newName;
  user.path = newPath;
  await tx.put('user', key.entity(user.account, newName), user);
  // Memberships, attachments and keys name the user: move them along.
  for (const group of user.groups) {
    await tx.delete('group-member', key.groupMember(user.account, group, oldName));
    await tx.put('group-member', key.groupMember(user.account, group, newName), {
      groupName: group,
      userName: newName,
    });
  }
  for (const arn of user.attachedPolicies) {
    await tx.delete('policy-attachment', key.attachment(user.account, arn, 'user', oldName));
    await tx.put('policy-attachment', key.attachment(user.account, arn, 'user', newName), {
      policyArn: arn,
      entityType: 'user',
      entityName: newName,
    });
  }
  for (const id of user.accessKeyIds) {
    const accessKey = await tx.get<AccessKeyRecord>('access-key', id);
    if (accessKey) await tx.put('access-key', id, { ...accessKey, userName: newName });
  }
  await renameMfaDeviceOwner(tx, user.account, user.mfaSerials, newName);
}
