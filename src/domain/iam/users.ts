// Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, their tags and permissions boundary.
import { newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn, rootArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { UserRecord } from '../records.ts';
import {
  accessKeys,
  accounts,
  groupMembers,
  mfaDevices,
  policyAttachments,
  serviceAccesses,
  users,
} from '../tables.ts';
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
  writeTx,
} from '../operation.ts';
import { requireAttachablePolicy } from './policy-refs.ts';

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

/** The user of this name in the account (names compare without case). */
export function findUser(tx: StoreTx, account: string, name: string): Promise<UserRecord | undefined> {
  return tx.find(users, { account, name_lower: name.toLowerCase() });
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

export function saveUser(tx: StoreTx, user: UserRecord): Promise<void> {
  return tx.update(users, user);
}

export const userOperations: Record<string, Operation> = {
  ...tagOperations<UserRecord>({
    noun: 'User',
    load: (ctx, tx, action, input, context) =>
      authorizedUser(ctx, tx, action, requiredStr(input, 'UserName'), context),
    table: users,
  }),

  async CreateUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const path = str(input, 'Path') ?? '/';
    const tags = tagsOf(input);
    const boundary = str(input, 'PermissionsBoundary');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateUser', iamArn(account, 'user', path, name), {
        ...requestTagContext(tags),
        ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
      });
      if (await findUser(tx, account, name))
        throw new IamError('EntityAlreadyExists', `User with name ${name} already exists.`);
      if ((await tx.count(users, { account })) >= USERS_QUOTA) {
        // Not confirmed against AWS: no recorded response with a public thread found (the text
        // is worded like AWS's recorded quota texts, e.g. RolesPerAccount, in roles.ts).
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
        inlinePolicies: {},
        ...(boundary ? { permissionsBoundary: boundary } : {}),
      };
      await tx.insert(users, user);
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
        const accountRecord = await tx.get(accounts, account);
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
      const page = await listPage(tx, users, input, {
        where: { account },
        prefix: { column: 'path', value: prefix },
        orderBy: 'name_lower',
      });
      return pageOutput('Users', page, (u) => userOutput(u, false));
    });
  },

  async UpdateUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const newName = str(input, 'NewUserName');
    const newPath = str(input, 'NewPath');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateUser', name);
      if (newName !== undefined && newName.toLowerCase() !== name.toLowerCase()) {
        // Renaming needs permission on the new name too, as AWS checks.
        await check(ctx, tx, 'iam:UpdateUser', iamArn(account, 'user', newPath ?? user.path, newName));
        if (await findUser(tx, account, newName))
          throw new IamError('EntityAlreadyExists', `User with name ${newName} already exists.`);
      }
      // Everything else refers to the user by id: renaming is this one change.
      user.name = newName ?? user.name;
      user.path = newPath ?? user.path;
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteUser(ctx, input) {
    const name = requiredStr(input, 'UserName');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteUser', name);
      await assertUserDeletable(tx, user);
      await tx.delete(users, user.id);
      // Its record of use goes with it (a use noted but not yet written may still land: nobody
      // ever reads it, as no one else has the id).
      await tx.deleteWhere(serviceAccesses, { principal_id: user.id });
      return undefined;
    });
  },

  async PutUserPermissionsBoundary(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const boundary = requiredStr(input, 'PermissionsBoundary');
    return writeTx(ctx, async (tx) => {
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
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteUserPermissionsBoundary', name);
      delete user.permissionsBoundary;
      await saveUser(tx, user);
      return undefined;
    });
  },
};

/** AWS refuses to delete a user that still holds anything; each holding has its own message. */
async function assertUserDeletable(tx: StoreTx, user: UserRecord): Promise<void> {
  const conflict = (message: string) => new IamError('DeleteConflict', message);
  const held = (table: Parameters<StoreTx['count']>[0], where: Parameters<StoreTx['count']>[1]) =>
    tx.count(table, where).then((n) => n > 0);
  if (user.loginProfile) throw conflict('Cannot delete entity, must delete login profile first.');
  if (await held(accessKeys, { account: user.account, user_id: user.id }))
    throw conflict('Cannot delete entity, must delete access keys first.');
  if (user.signingCertificates?.length)
    throw conflict('Cannot delete entity, must delete signing certificates first.');
  if (user.sshPublicKeys?.length) throw conflict('Cannot delete entity, must delete SSH public keys first.');
  // AWS's text for these is the generic one (recorded: DeleteUser with a service-specific credential).
  if (user.serviceCredentials?.length)
    throw conflict('Cannot delete entity, must remove referenced objects first.');
  if (await held(mfaDevices, { account: user.account, owner_id: user.id }))
    throw conflict('Cannot delete entity, must delete MFA device first.');
  if (Object.keys(user.inlinePolicies).length > 0)
    throw conflict('Cannot delete entity, must delete policies first.');
  if (await held(policyAttachments, { holder_id: user.id }))
    throw conflict('Cannot delete entity, must detach all policies first.');
  if (await held(groupMembers, { user_id: user.id }))
    throw conflict('Cannot delete entity, must remove users from group first.');
}
