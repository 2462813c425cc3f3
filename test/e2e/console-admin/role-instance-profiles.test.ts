// Instance profiles in the console, as the AWS console handles them: a role created for Amazon EC2
// gets an instance profile of its name; the role's page adds it to instance profiles (made when
// missing) and removes it; deleting the role takes it out of every profile and deletes its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListInstanceProfilesForRoleCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import {
  type ConsoleClient,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  userClient,
  visibleText,
} from './admin-client.ts';

let server: Server;
let root: ConsoleClient;
const ROLES = '/console/admin/roles';
const trust = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
const profilesOf = async (role: string) =>
  (await server.iam().send(new ListInstanceProfilesForRoleCommand({ RoleName: role }))).InstanceProfiles?.map(
    (p) => p.InstanceProfileName,
  );

before(async () => {
  server = await startServer();
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test('a role created for Amazon EC2 gets an instance profile of its name; a role for another service does not', async () => {
  const created = await submit(root, ROLES, `${ROLES}/create`, {
    'role-name': 'web',
    path: '/',
    'trust-policy': trust('ec2.amazonaws.com'),
  });
  assert.equal(created.posted.location, `${ROLES}/web?notice=created`);
  assert.deepEqual(await profilesOf('web'), ['web']);
  assert.match(
    visibleText(sectionOf(await root.get(`${ROLES}/web?tab=instance-profiles`), 'instance-profiles-heading')),
    /web arn:aws:iam::\d{12}:instance-profile\/web/,
  );

  await submit(root, ROLES, `${ROLES}/create`, {
    'role-name': 'fn',
    path: '/',
    'trust-policy': trust('lambda.amazonaws.com'),
  });
  assert.deepEqual(await profilesOf('fn'), []);
});

test("the role's page adds it to an instance profile, made when missing, and removes it; a bad name is refused in words", async () => {
  const page = `${ROLES}/fn`;
  const added = await submit(root, page, `${page}/instance-profiles/add`, {
    'instance-profile-name': 'batch',
  });
  assert.equal(added.posted.location, `${page}?tab=instance-profiles&notice=profile-added`);
  assert.equal(noticeText(added.page), 'The role was added to the instance profile.');
  assert.deepEqual(await profilesOf('fn'), ['batch']);

  const second = await submit(root, page, `${page}/instance-profiles/add`, {
    'instance-profile-name': 'batch',
  });
  // An instance profile holds one role (AWS's quota): IAM's LimitExceeded, in place.
  assert.match(errorText(second.page), /LimitExceeded/);

  const bad = await submit(root, page, `${page}/instance-profiles/add`, {
    'instance-profile-name': 'no spaces',
  });
  assert.match(errorText(bad.page), /instanceProfileName/);

  const removed = await submit(root, page, `${page}/instance-profiles/remove`, {
    'instance-profile-name': 'batch',
  });
  assert.equal(noticeText(removed.page), 'The role was removed from the instance profile.');
  assert.deepEqual(await profilesOf('fn'), []);
  // The profile stays, empty, as RemoveRoleFromInstanceProfile leaves it.
  const batch = await server.iam().send(new GetInstanceProfileCommand({ InstanceProfileName: 'batch' }));
  assert.deepEqual(batch.InstanceProfile?.Roles, []);
});

test('deleting a role from the console takes it out of its instance profiles and deletes the one of its name', async () => {
  const page = `${ROLES}/web`;
  await submit(root, page, `${page}/instance-profiles/add`, { 'instance-profile-name': 'shared' });
  assert.deepEqual((await profilesOf('web'))?.sort(), ['shared', 'web']);
  const deleted = await submit(root, page, `${page}/delete`, { confirm: 'web' });
  assert.equal(noticeText(deleted.page), 'The role was deleted.');
  const iam = server.iam();
  assert.equal((await awsError(iam.send(new GetRoleCommand({ RoleName: 'web' })))).code, 'NoSuchEntity');
  assert.equal(
    (await awsError(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })))).code,
    'NoSuchEntity',
  );
  const shared = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'shared' }));
  assert.deepEqual(shared.InstanceProfile?.Roles, []);
});

test('a user without iam:AddRoleToInstanceProfile sees AWS’s AccessDenied in place', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'viewer', Password: 'Viewer-Pass-123!' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'viewer',
      PolicyName: 'read',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
      }),
    }),
  );
  const viewer = await userClient(server, 'viewer', 'Viewer-Pass-123!');
  const refused = await submit(viewer, `${ROLES}/fn`, `${ROLES}/fn/instance-profiles/add`, {
    'instance-profile-name': 'batch',
  });
  assert.match(errorText(refused.page), /not authorized to perform: iam:AddRoleToInstanceProfile/);
  assert.deepEqual(await profilesOf('fn'), []);
});
