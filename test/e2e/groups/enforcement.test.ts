// Group membership and inline policies decide what a user's own access key may do.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  GetGroupCommand,
  GetUserCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateGroupCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
import { selfManagedMfa } from '../../../bench/workloads/policies.ts';

let server: Server;
let root: IAMClient;
let keysServed = true;
before(async () => {
  server = await startServer();
  root = server.iam();
});
after(async () => {
  await server?.stop();
});

const ACCOUNT = ROOT.accountId;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function policy(
  effect: 'Allow' | 'Deny',
  action: string | string[],
  resource: string | string[] = '*',
): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: effect, Action: action, Resource: resource }],
  });
}

function noAllow(user: string, action: string, resource: string): string {
  return `User: ${userArn(user)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
}

function explicitDeny(user: string, action: string, resource: string): string {
  return `User: ${userArn(user)} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`;
}

/** Creates a user and an access key for it, and a client signing with that key (or skips the test). */
async function userClient(t: TestContext, name: string): Promise<IAMClient | undefined> {
  if (!keysServed) {
    t.skip('CreateAccessKey is not implemented yet');
    return undefined;
  }
  await root.send(new CreateUserCommand({ UserName: name }));
  try {
    const { AccessKey } = await root.send(new CreateAccessKeyCommand({ UserName: name }));
    return server.iam({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
  } catch (error) {
    if ((error as { name?: string }).name !== 'InvalidAction') throw error;
    keysServed = false;
    t.skip('CreateAccessKey is not implemented yet');
    return undefined;
  }
}

test('a group inline policy allows its members, and stops allowing a removed member', async (t) => {
  const member = await userClient(t, 'member');
  if (!member) return;
  const listUsersResource = `arn:aws:iam::${ACCOUNT}:user/`;
  assert.deepEqual(await awsError(member.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: noAllow('member', 'iam:ListUsers', listUsersResource),
    status: 403,
  });

  await root.send(new CreateGroupCommand({ GroupName: 'listers' }));
  await root.send(
    new PutGroupPolicyCommand({
      GroupName: 'listers',
      PolicyName: 'list',
      PolicyDocument: policy('Allow', 'iam:ListUsers'),
    }),
  );
  await root.send(new AddUserToGroupCommand({ GroupName: 'listers', UserName: 'member' }));
  const listed = await member.send(new ListUsersCommand({}));
  assert.ok(listed.Users?.some((u) => u.UserName === 'member'));

  // Renaming the group keeps the membership, and so the permission.
  await root.send(new UpdateGroupCommand({ GroupName: 'listers', NewGroupName: 'readers' }));
  await member.send(new ListUsersCommand({}));

  await root.send(new RemoveUserFromGroupCommand({ GroupName: 'readers', UserName: 'member' }));
  assert.deepEqual(await awsError(member.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: noAllow('member', 'iam:ListUsers', listUsersResource),
    status: 403,
  });
});

test('a Deny in a group inline policy overrides an Allow in the user inline policy', async (t) => {
  const denied = await userClient(t, 'denied');
  if (!denied) return;
  await root.send(
    new PutUserPolicyCommand({
      UserName: 'denied',
      PolicyName: 'allow',
      PolicyDocument: policy('Allow', 'iam:ListUsers'),
    }),
  );
  await denied.send(new ListUsersCommand({}));
  await root.send(new CreateGroupCommand({ GroupName: 'blocked' }));
  await root.send(
    new PutGroupPolicyCommand({
      GroupName: 'blocked',
      PolicyName: 'deny',
      PolicyDocument: policy('Deny', 'iam:ListUsers'),
    }),
  );
  await root.send(new AddUserToGroupCommand({ GroupName: 'blocked', UserName: 'denied' }));
  assert.deepEqual(await awsError(denied.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('denied', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
});

test('the seed self-managed MFA policy on a group lets a user read itself and not another user', async (t) => {
  const self = await userClient(t, 'selfie');
  if (!self) return;
  await root.send(new CreateUserCommand({ UserName: 'someone-else' }));
  await root.send(new CreateGroupCommand({ GroupName: 'everyone' }));
  await root.send(
    new PutGroupPolicyCommand({
      GroupName: 'everyone',
      PolicyName: 'SelfManageMFA',
      PolicyDocument: JSON.stringify(selfManagedMfa),
    }),
  );
  await root.send(new AddUserToGroupCommand({ GroupName: 'everyone', UserName: 'selfie' }));

  const me = await self.send(new GetUserCommand({ UserName: 'selfie' }));
  assert.equal(me.User?.Arn, userArn('selfie'));
  const implicitMe = await self.send(new GetUserCommand({}));
  assert.equal(implicitMe.User?.UserName, 'selfie');

  assert.deepEqual(await awsError(self.send(new GetUserCommand({ UserName: 'someone-else' }))), {
    code: 'AccessDenied',
    message: noAllow('selfie', 'iam:GetUser', userArn('someone-else')),
    status: 403,
  });
  // Everything outside the policy's NotAction list is denied without MFA (long-term keys carry none).
  assert.deepEqual(await awsError(self.send(new ListUsersCommand({}))), {
    code: 'AccessDenied',
    message: explicitDeny('selfie', 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`),
    status: 403,
  });
});

test('group operations are authorized on the group ARN before the group is looked up', async (t) => {
  const nobody = await userClient(t, 'nobody');
  if (!nobody) return;
  assert.deepEqual(await awsError(nobody.send(new GetGroupCommand({ GroupName: 'missing' }))), {
    code: 'AccessDenied',
    message: noAllow('nobody', 'iam:GetGroup', `arn:aws:iam::${ACCOUNT}:group/missing`),
    status: 403,
  });
  assert.deepEqual(
    await awsError(nobody.send(new CreateGroupCommand({ GroupName: 'mine', Path: '/teams/' }))),
    {
      code: 'AccessDenied',
      message: noAllow('nobody', 'iam:CreateGroup', `arn:aws:iam::${ACCOUNT}:group/teams/mine`),
      status: 403,
    },
  );
  await root.send(new CreateGroupCommand({ GroupName: 'guarded' }));
  assert.deepEqual(
    await awsError(
      nobody.send(
        new PutGroupPolicyCommand({
          GroupName: 'guarded',
          PolicyName: 'p',
          PolicyDocument: policy('Allow', '*'),
        }),
      ),
    ),
    {
      code: 'AccessDenied',
      message: noAllow('nobody', 'iam:PutGroupPolicy', `arn:aws:iam::${ACCOUNT}:group/guarded`),
      status: 403,
    },
  );
  assert.deepEqual(
    await awsError(
      nobody.send(
        new PutUserPolicyCommand({
          UserName: 'nobody',
          PolicyName: 'p',
          PolicyDocument: policy('Allow', '*'),
        }),
      ),
    ),
    {
      code: 'AccessDenied',
      message: noAllow('nobody', 'iam:PutUserPolicy', userArn('nobody')),
      status: 403,
    },
  );
  assert.deepEqual(
    await awsError(nobody.send(new AddUserToGroupCommand({ GroupName: 'guarded', UserName: 'nobody' }))),
    {
      code: 'AccessDenied',
      message: noAllow('nobody', 'iam:AddUserToGroup', `arn:aws:iam::${ACCOUNT}:group/guarded`),
      status: 403,
    },
  );
});

test('a policy scoped to group/team-* allows those groups only, including for a rename', async (t) => {
  const lead = await userClient(t, 'lead');
  if (!lead) return;
  await root.send(
    new PutUserPolicyCommand({
      UserName: 'lead',
      PolicyName: 'teams',
      PolicyDocument: policy(
        'Allow',
        ['iam:CreateGroup', 'iam:GetGroup', 'iam:AddUserToGroup', 'iam:UpdateGroup'],
        `arn:aws:iam::${ACCOUNT}:group/team-*`,
      ),
    }),
  );
  await lead.send(new CreateGroupCommand({ GroupName: 'team-a' }));
  await lead.send(new AddUserToGroupCommand({ GroupName: 'team-a', UserName: 'lead' }));
  const group = await lead.send(new GetGroupCommand({ GroupName: 'team-a' }));
  assert.deepEqual(
    group.Users?.map((u) => u.UserName),
    ['lead'],
  );
  // A missing group the caller may read is NoSuchEntity.
  assert.equal(
    (await awsError(lead.send(new GetGroupCommand({ GroupName: 'team-zz' })))).code,
    'NoSuchEntity',
  );

  assert.deepEqual(await awsError(lead.send(new CreateGroupCommand({ GroupName: 'ops-a' }))), {
    code: 'AccessDenied',
    message: noAllow('lead', 'iam:CreateGroup', `arn:aws:iam::${ACCOUNT}:group/ops-a`),
    status: 403,
  });
  // Renaming needs the permission on the new name as well.
  assert.deepEqual(
    await awsError(lead.send(new UpdateGroupCommand({ GroupName: 'team-a', NewGroupName: 'ops-a' }))),
    {
      code: 'AccessDenied',
      message: noAllow('lead', 'iam:UpdateGroup', `arn:aws:iam::${ACCOUNT}:group/ops-a`),
      status: 403,
    },
  );
  await lead.send(new UpdateGroupCommand({ GroupName: 'team-a', NewGroupName: 'team-b' }));
  assert.equal((await lead.send(new GetGroupCommand({ GroupName: 'team-b' }))).Group?.GroupName, 'team-b');
});
