// Who may manage roles and instance profiles, and PassRole: putting a role into an instance profile
// hands it to EC2, so AWS also requires iam:PassRole on the role (iam:PassedToService =
// ec2.amazonaws.com), as in the seed's example policy that lets a user pass one role only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListRolesCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

let server: Server;
before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: 'sample-ec2-role', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateRoleCommand({ RoleName: 'admin-role', AssumeRolePolicyDocument: TRUST }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'team-role',
      AssumeRolePolicyDocument: TRUST,
      Tags: [{ Key: 'team', Value: 'blue' }],
    }),
  );
  for (const name of ['profile-1', 'profile-2', 'profile-3', 'profile-4']) {
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
  }
});
after(async () => {
  await server?.stop();
});

/** A user with one inline policy and an access key, and an IAM client signing as that user. */
async function userWithPolicy(name: string, statements: unknown[] | undefined): Promise<IAMClient> {
  const root = server.iam();
  await root.send(new CreateUserCommand({ UserName: name }));
  if (statements) {
    await root.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'policy',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
  }
  const key = await root.send(new CreateAccessKeyCommand({ UserName: name }));
  return server.iam({
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  });
}

function denied(user: string, action: string, resource: string) {
  return {
    code: 'AccessDenied',
    message: `User: ${userArn(user)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    status: 403,
  };
}

test('a user without permissions is denied every role operation, even for a role that does not exist', async () => {
  const iam = await userWithPolicy('nobody', undefined);
  assert.deepEqual(
    await awsError(iam.send(new CreateRoleCommand({ RoleName: 'mine', AssumeRolePolicyDocument: TRUST }))),
    denied('nobody', 'iam:CreateRole', roleArn('mine')),
  );
  assert.deepEqual(
    await awsError(iam.send(new GetRoleCommand({ RoleName: 'no-such-role' }))),
    denied('nobody', 'iam:GetRole', roleArn('no-such-role')),
  );
  assert.deepEqual(
    await awsError(iam.send(new ListRolesCommand({}))),
    denied('nobody', 'iam:ListRoles', `arn:aws:iam::${ACCOUNT}:role/`),
  );
});

test('a policy allowing role reads by tag lets the user read only the matching roles', async () => {
  const iam = await userWithPolicy('blue-reader', [
    {
      Effect: 'Allow',
      Action: 'iam:GetRole',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } },
    },
  ]);
  const got = await iam.send(new GetRoleCommand({ RoleName: 'team-role' }));
  assert.equal(got.Role?.RoleName, 'team-role');
  assert.deepEqual(
    await awsError(iam.send(new GetRoleCommand({ RoleName: 'admin-role' }))),
    denied('blue-reader', 'iam:GetRole', roleArn('admin-role')),
  );
});

test('CreateRole can be allowed only with a required request tag', async () => {
  const iam = await userWithPolicy('tagging-creator', [
    {
      Effect: 'Allow',
      Action: 'iam:CreateRole',
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestTag/owner': 'tagging-creator' } },
    },
  ]);
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'owned-role',
      AssumeRolePolicyDocument: TRUST,
      Tags: [{ Key: 'owner', Value: 'tagging-creator' }],
    }),
  );
  assert.equal(created.Role?.RoleName, 'owned-role');
  assert.deepEqual(
    await awsError(
      iam.send(new CreateRoleCommand({ RoleName: 'untagged-role', AssumeRolePolicyDocument: TRUST })),
    ),
    denied('tagging-creator', 'iam:CreateRole', roleArn('untagged-role')),
  );
});

test('PassRole: a user may put into an instance profile only the role its policy lets it pass', async () => {
  // The seed's example: full rights on the instance-profile action, iam:PassRole on one role only.
  const iam = await userWithPolicy('ec2-operator', [
    {
      Effect: 'Allow',
      Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
      Resource: '*',
    },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn('sample-ec2-role') },
  ]);
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile-1', RoleName: 'sample-ec2-role' }),
  );
  const added = await server.iam().send(new GetInstanceProfileCommand({ InstanceProfileName: 'profile-1' }));
  assert.deepEqual(
    added.InstanceProfile?.Roles?.map((r) => r.RoleName),
    ['sample-ec2-role'],
  );
  await iam.send(
    new RemoveRoleFromInstanceProfileCommand({
      InstanceProfileName: 'profile-1',
      RoleName: 'sample-ec2-role',
    }),
  );

  assert.deepEqual(
    await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile-2', RoleName: 'admin-role' }),
      ),
    ),
    denied('ec2-operator', 'iam:PassRole', roleArn('admin-role')),
  );
  const unchanged = await server
    .iam()
    .send(new GetInstanceProfileCommand({ InstanceProfileName: 'profile-2' }));
  assert.deepEqual(unchanged.InstanceProfile?.Roles, []);
});

test('PassRole: without iam:PassRole at all, adding a role is denied on the role', async () => {
  const iam = await userWithPolicy('no-pass', [
    { Effect: 'Allow', Action: 'iam:AddRoleToInstanceProfile', Resource: '*' },
  ]);
  assert.deepEqual(
    await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'profile-3',
          RoleName: 'sample-ec2-role',
        }),
      ),
    ),
    denied('no-pass', 'iam:PassRole', roleArn('sample-ec2-role')),
  );
});

test('PassRole without iam:AddRoleToInstanceProfile is denied on the instance profile', async () => {
  const iam = await userWithPolicy('pass-only', [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }]);
  assert.deepEqual(
    await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'profile-3',
          RoleName: 'sample-ec2-role',
        }),
      ),
    ),
    denied('pass-only', 'iam:AddRoleToInstanceProfile', `arn:aws:iam::${ACCOUNT}:instance-profile/profile-3`),
  );
});

test('PassRole is checked with iam:PassedToService = ec2.amazonaws.com', async () => {
  const toEc2 = await userWithPolicy('pass-to-ec2', [
    { Effect: 'Allow', Action: 'iam:AddRoleToInstanceProfile', Resource: '*' },
    {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
  ]);
  await toEc2.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile-3', RoleName: 'sample-ec2-role' }),
  );

  const toLambda = await userWithPolicy('pass-to-lambda', [
    { Effect: 'Allow', Action: 'iam:AddRoleToInstanceProfile', Resource: '*' },
    {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    },
  ]);
  assert.deepEqual(
    await awsError(
      toLambda.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'profile-4',
          RoleName: 'sample-ec2-role',
        }),
      ),
    ),
    denied('pass-to-lambda', 'iam:PassRole', roleArn('sample-ec2-role')),
  );
});

test('an explicit deny of PassRole wins over an allow', async () => {
  const iam = await userWithPolicy('denied-pass', [
    { Effect: 'Allow', Action: ['iam:AddRoleToInstanceProfile', 'iam:PassRole'], Resource: '*' },
    { Effect: 'Deny', Action: 'iam:PassRole', Resource: roleArn('admin-role') },
  ]);
  const error = await awsError(
    iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'profile-4', RoleName: 'admin-role' }),
    ),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: `User: ${userArn('denied-pass')} is not authorized to perform: iam:PassRole on resource: ${roleArn('admin-role')} with an explicit deny in an identity-based policy`,
    status: 403,
  });
});
