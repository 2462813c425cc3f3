// Groups and membership: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
// AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
//
// Membership is kept twice, always written in the same transaction: as the user's `groups` list
// (read on every authorization of that user) and as `group-member` records keyed
// "<account>/<group>/<user>" (lower case), which list a group's members in name order.
import { newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn, key } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { GroupMemberRecord, GroupRecord, PolicyAttachmentRecord, UserRecord } from '../records.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOf,
  pageOutput,
  requiredStr,
  str,
} from '../operation.ts';
import { authorizedUser, findUser, noSuchUser, saveUser, userOutput } from './users.ts';

/** AWS's default quota of groups per account (IAM and AWS STS quotas). */
export const GROUPS_QUOTA = 300;
/** A user may be a member of at most 10 groups (fixed). */
export const GROUPS_PER_USER_QUOTA = 10;

export function groupArn(group: Pick<GroupRecord, 'account' | 'path' | 'name'>): string {
  return iamArn(group.account, 'group', group.path, group.name);
}

/** The group's ARN if it exists, else the ARN the name would have at path "/" (for authorization). */
export function groupArnFor(account: string, name: string, group: GroupRecord | undefined): string {
  return group ? groupArn(group) : iamArn(account, 'group', '/', name);
}

export function groupOutput(group: GroupRecord): Record<string, unknown> {
  return {
    Path: group.path,
    GroupName: group.name,
    GroupId: group.id,
    Arn: groupArn(group),
    CreateDate: group.createdAt,
  };
}

export function noSuchGroup(name: string): IamError {
  return new IamError('NoSuchEntity', `The group with name ${name} cannot be found.`);
}

export function findGroup(tx: StoreTx, account: string, name: string): Promise<GroupRecord | undefined> {
  return tx.get<GroupRecord>('group', key.entity(account, name));
}

/** Finds the group, authorizes `action` on its ARN, then fails with NoSuchEntity if it is missing. */
export async function authorizedGroup(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  name: string,
): Promise<GroupRecord> {
  const group = await findGroup(tx, ctx.caller.account, name);
  await check(ctx, tx, action, groupArnFor(ctx.caller.account, name, group));
  if (!group) throw noSuchGroup(name);
  return group;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The opening of AddUserToGroup / RemoveUserFromGroup: authorize on the group, then report a
 * missing user before a missing group (AWS answers "The user with name X cannot be found." when
 * both are missing).
 */
async function membershipParties(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  groupName: string,
  userName: string,
): Promise<{ group: GroupRecord; user: UserRecord }> {
  const { account } = ctx.caller;
  const group = await findGroup(tx, account, groupName);
  await check(ctx, tx, action, groupArnFor(account, groupName, group));
  const user = await findUser(tx, account, userName);
  if (!user) throw noSuchUser(userName);
  if (!group) throw noSuchGroup(groupName);
  return { group, user };
}

export const groupsOperations: Record<string, Operation> = {
  async CreateGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const path = str(input, 'Path') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      await check(ctx, tx, 'iam:CreateGroup', iamArn(account, 'group', path, name));
      if (await findGroup(tx, account, name))
        throw new IamError('EntityAlreadyExists', `Group with name ${name} already exists.`);
      if ((await tx.count('group', key.accountPrefix(account))) >= GROUPS_QUOTA)
        throw new IamError('LimitExceeded', `Cannot exceed quota for GroupsPerAccount: ${GROUPS_QUOTA}`);
      const group: GroupRecord = {
        account,
        id: newUniqueId('AGPA'),
        name,
        path,
        createdAt: isoNow(ctx),
        attachedPolicies: [],
        inlinePolicies: {},
      };
      await tx.put('group', key.entity(account, name), group);
      return { Group: groupOutput(group) };
    });
  },

  async GetGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:GetGroup', name);
      const page = await listPage<GroupMemberRecord>(
        tx,
        'group-member',
        key.groupMembers(account, group.name),
        input,
      );
      const users: UserRecord[] = [];
      for (const member of page.items) {
        const user = await findUser(tx, account, member.userName);
        if (user) users.push(user);
      }
      return {
        Group: groupOutput(group),
        ...pageOutput('Users', { ...page, items: users }, (u) => userOutput(u, false)),
      };
    });
  },

  async ListGroups(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListGroups', iamArn(account, 'group', prefix, ''));
      const page = await listPage<GroupRecord>(tx, 'group', key.accountPrefix(account), input, (g) =>
        g.path.startsWith(prefix),
      );
      return pageOutput('Groups', page, groupOutput);
    });
  },

  async UpdateGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const newName = str(input, 'NewGroupName');
    const newPath = str(input, 'NewPath');
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:UpdateGroup', name);
      const targetName = newName ?? group.name;
      const targetPath = newPath ?? group.path;
      const targetArn = iamArn(account, 'group', targetPath, targetName);
      // The caller needs permission on the group under its new name (and path) as well.
      if (targetArn !== groupArn(group)) await check(ctx, tx, 'iam:UpdateGroup', targetArn);
      if (!sameName(targetName, group.name) && (await findGroup(tx, account, targetName)))
        throw new IamError('EntityAlreadyExists', `Group with name ${targetName} already exists.`);
      await renameGroup(tx, group, targetName, targetPath);
      return undefined;
    });
  },

  async DeleteGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const { account } = ctx.caller;
    return ctx.iam.store.write(async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:DeleteGroup', name);
      const conflict = (message: string) => new IamError('DeleteConflict', message);
      if ((await tx.count('group-member', key.groupMembers(account, group.name))) > 0)
        throw conflict('Cannot delete entity, must remove users from group first.');
      if (Object.keys(group.inlinePolicies).length > 0)
        throw conflict('Cannot delete entity, must delete policies first.');
      if (group.attachedPolicies.length > 0)
        throw conflict('Cannot delete entity, must detach all policies first.');
      await tx.delete('group', key.entity(account, group.name));
      return undefined;
    });
  },

  async AddUserToGroup(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.write(async (tx) => {
      const { group, user } = await membershipParties(ctx, tx, 'iam:AddUserToGroup', groupName, userName);
      // Adding a member twice succeeds and changes nothing, as on AWS.
      if (user.groups.some((g) => sameName(g, group.name))) return undefined;
      if (user.groups.length >= GROUPS_PER_USER_QUOTA)
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER_QUOTA}`,
        );
      user.groups.push(group.name);
      await saveUser(tx, user);
      const member: GroupMemberRecord = { groupName: group.name, userName: user.name };
      await tx.put('group-member', key.groupMember(user.account, group.name, user.name), member);
      return undefined;
    });
  },

  async RemoveUserFromGroup(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.write(async (tx) => {
      const { group, user } = await membershipParties(
        ctx,
        tx,
        'iam:RemoveUserFromGroup',
        groupName,
        userName,
      );
      const index = user.groups.findIndex((g) => sameName(g, group.name));
      // A user who is not a member is, from the group's side, a user that cannot be found.
      if (index < 0) throw noSuchUser(userName);
      user.groups.splice(index, 1);
      await saveUser(tx, user);
      await tx.delete('group-member', key.groupMember(user.account, group.name, user.name));
      return undefined;
    });
  },

  async ListGroupsForUser(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:ListGroupsForUser', userName);
      const groups: GroupRecord[] = [];
      for (const name of user.groups) {
        const group = await findGroup(tx, user.account, name);
        if (group) groups.push(group);
      }
      const lower = (g: GroupRecord) => g.name.toLowerCase();
      groups.sort((a, b) => (lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0));
      return pageOutput('Groups', pageOf(groups, lower, input), groupOutput);
    });
  },
};

/** Renames and/or moves a group, carrying memberships, users' group lists and attachments along. */
async function renameGroup(tx: StoreTx, group: GroupRecord, newName: string, newPath: string): Promise<void> {
  const { account } = group;
  const oldName = group.name;
  const members = await tx.list<GroupMemberRecord>('group-member', {
    prefix: key.groupMembers(account, oldName),
  });
  await tx.delete('group', key.entity(account, oldName));
  group.name = newName;
  group.path = newPath;
  await tx.put('group', key.entity(account, newName), group);
  for (const { key: memberKey, value: member } of members) {
    await tx.delete('group-member', memberKey);
    const moved: GroupMemberRecord = { groupName: newName, userName: member.userName };
    await tx.put('group-member', key.groupMember(account, newName, member.userName), moved);
    const user = await findUser(tx, account, member.userName);
    if (user) {
      user.groups = user.groups.map((g) => (sameName(g, oldName) ? newName : g));
      await saveUser(tx, user);
    }
  }
  for (const arn of group.attachedPolicies) {
    await tx.delete('policy-attachment', key.attachment(account, arn, 'group', oldName));
    const moved: PolicyAttachmentRecord = { policyArn: arn, entityType: 'group', entityName: newName };
    await tx.put('policy-attachment', key.attachment(account, arn, 'group', newName), moved);
  }
}
