// Users, groups and roles as holders of policies (inline and attached): finding one by name, its
// ARN, the condition keys it brings, and the usual opening of an operation on it — authorize on
// its ARN first, then answer NoSuchEntity, as AWS does.
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import type { StoreTx, Table } from '../store.ts';
import { groups, roles, users } from '../tables.ts';
import type { GroupRecord, RoleRecord, UserRecord } from '../records.ts';
import { type OperationContext, check, resourceTagContext } from '../operation.ts';

export type HolderType = 'user' | 'group' | 'role';
export type HolderRecord = UserRecord | GroupRecord | RoleRecord;

export interface HolderKind {
  readonly type: HolderType;
  /** The input member naming the holder. */
  readonly nameMember: 'UserName' | 'GroupName' | 'RoleName';
  /** "User" as in "PoliciesPerUser", "iam:AttachUserPolicy" and "PutUserPolicy". */
  readonly word: 'User' | 'Group' | 'Role';
}

export const HOLDERS: Readonly<Record<HolderType, HolderKind>> = {
  user: { type: 'user', nameMember: 'UserName', word: 'User' },
  group: { type: 'group', nameMember: 'GroupName', word: 'Group' },
  role: { type: 'role', nameMember: 'RoleName', word: 'Role' },
};

/** Where each kind of holder is kept. */
export const HOLDER_TABLES: Readonly<Record<HolderType, Table<HolderRecord>>> = {
  user: users as Table<HolderRecord>,
  group: groups as Table<HolderRecord>,
  role: roles as Table<HolderRecord>,
};

export function findHolder(
  tx: StoreTx,
  account: string,
  type: HolderType,
  name: string,
): Promise<HolderRecord | undefined> {
  return tx.find(HOLDER_TABLES[type], { account, name_lower: name.toLowerCase() });
}

export function noSuchHolder(type: HolderType, name: string): IamError {
  return new IamError('NoSuchEntity', `The ${type} with name ${name} cannot be found.`);
}

/** The holder's ARN, or the one the name would have at path "/" when it does not exist. */
export function holderArn(
  account: string,
  type: HolderType,
  name: string,
  holder: HolderRecord | undefined,
): string {
  return iamArn(account, type, holder?.path ?? '/', holder?.name ?? name);
}

/** aws:ResourceTag/* and iam:PermissionsBoundary of a user or role (groups have neither). */
export function holderContext(holder: HolderRecord | undefined): Record<string, ContextValue> {
  if (!holder || !('tags' in holder)) return {};
  const boundary = holder.permissionsBoundary;
  return {
    ...resourceTagContext(holder.tags),
    ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}),
  };
}

/** Finds the holder, authorizes the action on its ARN with its condition keys, then NoSuchEntity. */
export async function authorizedHolder(
  ctx: OperationContext,
  tx: StoreTx,
  type: HolderType,
  action: string,
  name: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<HolderRecord> {
  const { account } = ctx.caller;
  const holder = await findHolder(tx, account, type, name);
  await check(ctx, tx, action, holderArn(account, type, name, holder), {
    ...holderContext(holder),
    ...context,
  });
  if (!holder) throw noSuchHolder(type, name);
  return holder;
}

/** Roles AWS keeps for itself (service-linked roles, IAM Identity Center roles). */
const PROTECTED_ROLE_PATHS = ['/aws-service-role/', '/aws-reserved/'];

/** Throws when only AWS may change the holder's policies. */
export function assertModifiableHolder(type: HolderType, holder: HolderRecord): void {
  if (type === 'role' && PROTECTED_ROLE_PATHS.some((p) => holder.path.startsWith(p))) {
    throw new IamError(
      'UnmodifiableEntity',
      `Cannot perform the operation on the protected role '${holder.name}' - this role is only modifiable by AWS`,
    );
  }
}

export function saveHolder(tx: StoreTx, type: HolderType, holder: HolderRecord): Promise<void> {
  return tx.update(HOLDER_TABLES[type], holder);
}
