// Groups and membership: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
// AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
//
// A membership is a row of its own naming the group's and the user's ids (group_members), so a
// group lists its members in the database, a user its groups, and renaming either changes
// nothing but its own row.
import { newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { GroupRecord, UserRecord } from '../records.ts';
import { groupMembers, groups, policyAttachments, users } from '../tables.ts';
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
  writeTx,
} from '../operation.ts';
import { authorizedUser, findUser, noSuchUser, userOutput } from './users.ts';

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
  return tx.find(groups, { account, name_lower: name.toLowerCase() });
}

/** The groups a user is in (at most GROUPS_PER_USER_QUOTA). */
export function groupsOfUser(tx: StoreTx, user: UserRecord): Promise<GroupRecord[]> {
  return tx.list(groups, {
    where: { id: { in: { table: groupMembers, column: 'group_id', where: { user_id: user.id } } } },
    orderBy: 'name_lower',
  });
}

function membershipId(group: GroupRecord, user: UserRecord): string {
  return `${group.id}/${user.id}`;
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
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreateGroup', iamArn(account, 'group', path, name));
      if (await findGroup(tx, account, name))
        throw new IamError('EntityAlreadyExists', `Group with name ${name} already exists.`);
      // Not confirmed against AWS: no recorded response with a public thread found (worded like
      // AWS's recorded quota texts, e.g. RolesPerAccount in roles.ts).
      if ((await tx.count(groups, { account })) >= GROUPS_QUOTA)
        throw new IamError('LimitExceeded', `Cannot exceed quota for GroupsPerAccount: ${GROUPS_QUOTA}`);
      const group: GroupRecord = {
        account,
        id: newUniqueId('AGPA'),
        name,
        path,
        createdAt: isoNow(ctx),
        inlinePolicies: {},
      };
      await tx.insert(groups, group);
      return { Group: groupOutput(group) };
    });
  },

  async GetGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:GetGroup', name);
      const page = await listPage(tx, users, input, {
        where: {
          account,
          id: { in: { table: groupMembers, column: 'user_id', where: { group_id: group.id } } },
        },
        orderBy: 'name_lower',
      });
      return {
        Group: groupOutput(group),
        ...pageOutput('Users', page, (u) => userOutput(u, false)),
      };
    });
  },

  async ListGroups(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListGroups', iamArn(account, 'group', prefix, ''));
      const page = await listPage(tx, groups, input, {
        where: { account },
        prefix: { column: 'path', value: prefix },
        orderBy: 'name_lower',
      });
      return pageOutput('Groups', page, groupOutput);
    });
  },

  async UpdateGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    const newName = str(input, 'NewGroupName');
    const newPath = str(input, 'NewPath');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:UpdateGroup', name);
      const targetName = newName ?? group.name;
      const targetPath = newPath ?? group.path;
      const targetArn = iamArn(account, 'group', targetPath, targetName);
      // The caller needs permission on the group under its new name (and path) as well.
      if (targetArn !== groupArn(group)) await check(ctx, tx, 'iam:UpdateGroup', targetArn);
      if (!sameName(targetName, group.name) && (await findGroup(tx, account, targetName)))
        throw new IamError('EntityAlreadyExists', `Group with name ${targetName} already exists.`);
      // Members and attachments refer to the group by id: renaming is this one change.
      group.name = targetName;
      group.path = targetPath;
      await tx.update(groups, group);
      return undefined;
    });
  },

  async DeleteGroup(ctx, input) {
    const name = requiredStr(input, 'GroupName');
    return writeTx(ctx, async (tx) => {
      const group = await authorizedGroup(ctx, tx, 'iam:DeleteGroup', name);
      const conflict = (message: string) => new IamError('DeleteConflict', message);
      if ((await tx.count(groupMembers, { group_id: group.id })) > 0)
        throw conflict('Cannot delete entity, must remove users from group first.');
      if (Object.keys(group.inlinePolicies).length > 0)
        throw conflict('Cannot delete entity, must delete policies first.');
      if ((await tx.count(policyAttachments, { holder_id: group.id })) > 0)
        throw conflict('Cannot delete entity, must detach all policies first.');
      await tx.delete(groups, group.id);
      return undefined;
    });
  },

  async AddUserToGroup(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    const userName = requiredStr(input, 'UserName');
    return writeTx(ctx, async (tx) => {
      const { group, user } = await membershipParties(ctx, tx, 'iam:AddUserToGroup', groupName, userName);
      // Adding a member twice succeeds and changes nothing, as on AWS.
      if (await tx.get(groupMembers, membershipId(group, user))) return undefined;
      // Not confirmed against AWS: no recorded response with a public thread found (worded like
      // AWS's recorded quota texts, e.g. PoliciesPerUser in managed-policies-attachments.ts).
      if ((await tx.count(groupMembers, { user_id: user.id })) >= GROUPS_PER_USER_QUOTA)
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER_QUOTA}`,
        );
      await tx.insert(groupMembers, {
        id: membershipId(group, user),
        account: user.account,
        groupId: group.id,
        userId: user.id,
        // An MFA enrolment grace period counts from the later of this and its own start.
        joinedAt: isoNow(ctx),
      });
      return undefined;
    });
  },

  async RemoveUserFromGroup(ctx, input) {
    const groupName = requiredStr(input, 'GroupName');
    const userName = requiredStr(input, 'UserName');
    return writeTx(ctx, async (tx) => {
      const { group, user } = await membershipParties(
        ctx,
        tx,
        'iam:RemoveUserFromGroup',
        groupName,
        userName,
      );
      // A user who is not a member is, from the group's side, a user that cannot be found.
      if (!(await tx.delete(groupMembers, membershipId(group, user)))) throw noSuchUser(userName);
      return undefined;
    });
  },

  async ListGroupsForUser(ctx, input) {
    const userName = requiredStr(input, 'UserName');
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:ListGroupsForUser', userName);
      const lower = (g: GroupRecord) => g.name.toLowerCase();
      return pageOutput('Groups', pageOf(await groupsOfUser(tx, user), lower, input), groupOutput);
    });
  },
};
