import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let server: Server;
before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['ec2-role', 'other-role']) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  }
});
after(async () => {
  await server?.stop();
});

const notFound = (name: string) => ({
  code: 'NoSuchEntity',
  message: `Instance Profile ${name} cannot be found.`,
  status: 404,
});

test('an instance profile is created with an AIPA id and its path, empty of roles', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateInstanceProfileCommand({ InstanceProfileName: 'web', Path: '/app/' }),
  );
  const profile = created.InstanceProfile!;
  assert.equal(profile.Arn, `arn:aws:iam::${ACCOUNT}:instance-profile/app/web`);
  assert.equal(profile.Path, '/app/');
  assert.match(profile.InstanceProfileId ?? '', /^AIPA[A-Z0-9]{17}$/);
  assert.ok(profile.CreateDate instanceof Date);
  assert.deepEqual(profile.Roles, []);
  assert.equal(profile.Tags, undefined);

  const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })))
    .InstanceProfile!;
  assert.equal(got.InstanceProfileId, profile.InstanceProfileId);
  assert.deepEqual(got.Roles, []);
  assert.deepEqual(got.Tags, []);
});

test('instance profile names are unique regardless of case; an unknown one is NoSuchEntity', async () => {
  const iam = server.iam();
  assert.deepEqual(
    await awsError(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'WEB' }))),
    {
      code: 'EntityAlreadyExists',
      message: 'Instance Profile WEB already exists.',
      status: 409,
    },
  );
  const ghost = 'nonexistent-profile';
  assert.deepEqual(
    await awsError(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: ghost }))),
    notFound(ghost),
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: ghost }))),
    notFound(ghost),
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new TagInstanceProfileCommand({ InstanceProfileName: ghost, Tags: [{ Key: 'k', Value: 'v' }] }),
      ),
    ),
    notFound(ghost),
  );
  assert.deepEqual(
    await awsError(iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: ghost, TagKeys: ['k'] }))),
    notFound(ghost),
  );
  assert.deepEqual(
    await awsError(iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: ghost }))),
    notFound(ghost),
  );
});

test('a role is added to a profile, shown in it, and removed again', async () => {
  const iam = server.iam();
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'ec2-role' }));
  const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })))
    .InstanceProfile!;
  assert.equal(got.Roles?.length, 1);
  const role = got.Roles![0]!;
  assert.equal(role.RoleName, 'ec2-role');
  assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/ec2-role`);
  assert.match(role.RoleId ?? '', /^AROA/);
  assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), TRUST);

  await iam.send(
    new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'ec2-role' }),
  );
  const emptied = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })))
    .InstanceProfile!;
  assert.deepEqual(emptied.Roles, []);
});

test('a profile holds at most one role', async () => {
  const iam = server.iam();
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'single' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'single', RoleName: 'ec2-role' }),
  );
  const error = await awsError(
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'single', RoleName: 'other-role' })),
  );
  // AWS's response, recorded in LocalStack's snapshot:
  // https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_instance_profiles.snapshot.json
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    status: 409,
  });
});

test('adding and removing roles report the missing profile, role or membership as AWS does', async () => {
  const iam = server.iam();
  const noRole = {
    code: 'NoSuchEntity',
    message: 'The role with name nonexistent-role cannot be found.',
    status: 404,
  };
  assert.deepEqual(
    await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'nonexistent-profile',
          RoleName: 'ec2-role',
        }),
      ),
    ),
    notFound('nonexistent-profile'),
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'nonexistent-role' }),
      ),
    ),
    noRole,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new RemoveRoleFromInstanceProfileCommand({
          InstanceProfileName: 'nonexistent-profile',
          RoleName: 'ec2-role',
        }),
      ),
    ),
    notFound('nonexistent-profile'),
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new RemoveRoleFromInstanceProfileCommand({
          InstanceProfileName: 'web',
          RoleName: 'nonexistent-role',
        }),
      ),
    ),
    noRole,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'other-role' }),
      ),
    ),
    {
      code: 'NoSuchEntity',
      message: 'Role other-role in Instance Profile web cannot be found.',
      status: 404,
    },
  );
});

test('a profile holding a role cannot be deleted; emptied, it can', async () => {
  const iam = server.iam();
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'doomed' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'doomed', RoleName: 'other-role' }),
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'doomed' }))),
    {
      code: 'DeleteConflict',
      message: 'Cannot delete entity, must remove roles from instance profile first.',
      status: 409,
    },
  );
  // Nor can the role in it.
  assert.deepEqual(await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'other-role' }))), {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must remove roles from instance profile first.',
    status: 409,
  });
  await iam.send(
    new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'doomed', RoleName: 'other-role' }),
  );
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'doomed' }));
  assert.deepEqual(
    await awsError(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'doomed' }))),
    notFound('doomed'),
  );
});

test('ListInstanceProfilesForRole lists the profiles holding the role, with paging', async () => {
  const iam = server.iam();
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'holder-a', Path: '/holders/' }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'holder-b', Path: '/holders/' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'holder-a', RoleName: 'ec2-role' }),
  );
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'holder-b', RoleName: 'ec2-role' }),
  );

  const all = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ec2-role' }));
  assert.deepEqual(
    all.InstanceProfiles?.map((p) => p.InstanceProfileName),
    ['holder-a', 'holder-b', 'single'],
  );
  assert.equal(all.IsTruncated, false);
  for (const profile of all.InstanceProfiles ?? []) assert.equal(profile.Roles?.[0]?.RoleName, 'ec2-role');

  const first = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ec2-role', MaxItems: 2 }));
  assert.equal(first.IsTruncated, true);
  const rest = await iam.send(
    new ListInstanceProfilesForRoleCommand({ RoleName: 'ec2-role', MaxItems: 2, Marker: first.Marker }),
  );
  assert.equal(rest.IsTruncated, false);
  assert.deepEqual(
    [...first.InstanceProfiles!, ...rest.InstanceProfiles!].map((p) => p.InstanceProfileName),
    ['holder-a', 'holder-b', 'single'],
  );

  const empty = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'other-role' }));
  assert.deepEqual(empty.InstanceProfiles, []);
  assert.deepEqual(
    await awsError(iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'nonexistent-role' }))),
    {
      code: 'NoSuchEntity',
      message: 'The role with name nonexistent-role cannot be found.',
      status: 404,
    },
  );
});

test('ListInstanceProfiles filters by PathPrefix and pages with Marker and MaxItems', async () => {
  const iam = server.iam();
  const prefixed = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/holders/' }));
  assert.deepEqual(
    prefixed.InstanceProfiles?.map((p) => p.InstanceProfileName),
    ['holder-a', 'holder-b'],
  );
  assert.equal(prefixed.InstanceProfiles?.[0]?.Roles?.[0]?.RoleName, 'ec2-role');

  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(new ListInstanceProfilesCommand({ MaxItems: 2, Marker: marker }));
    names.push(...(page.InstanceProfiles ?? []).map((p) => p.InstanceProfileName!));
    marker = page.IsTruncated ? page.Marker : undefined;
    pages++;
  } while (marker);
  assert.deepEqual(names, ['holder-a', 'holder-b', 'single', 'web']);
  assert.equal(pages, 2);

  const none = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/nothing/' }));
  assert.deepEqual(none.InstanceProfiles, []);
  assert.equal(none.IsTruncated, false);
});

test('instance profile tags are set at creation, added, listed in order, paged and removed', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateInstanceProfileCommand({
      InstanceProfileName: 'tagged',
      Tags: [{ Key: 'InitialKey', Value: 'InitialValue' }],
    }),
  );
  assert.deepEqual(created.InstanceProfile?.Tags, [{ Key: 'InitialKey', Value: 'InitialValue' }]);
  await iam.send(
    new TagInstanceProfileCommand({
      InstanceProfileName: 'tagged',
      Tags: [
        { Key: 'MyKey', Value: 'myValue' },
        { Key: 'a', Value: '' },
      ],
    }),
  );
  const listed = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged' }));
  assert.deepEqual(listed.Tags, [
    { Key: 'InitialKey', Value: 'InitialValue' },
    { Key: 'MyKey', Value: 'myValue' },
    { Key: 'a', Value: '' },
  ]);
  const first = await iam.send(
    new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged', MaxItems: 2 }),
  );
  assert.equal(first.IsTruncated, true);
  const rest = await iam.send(
    new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged', MaxItems: 2, Marker: first.Marker }),
  );
  assert.deepEqual([...first.Tags!, ...rest.Tags!], listed.Tags);

  await iam.send(
    new UntagInstanceProfileCommand({ InstanceProfileName: 'tagged', TagKeys: ['initialkey', 'a'] }),
  );
  const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'tagged' }));
  assert.deepEqual(got.InstanceProfile?.Tags, [{ Key: 'MyKey', Value: 'myValue' }]);

  const duplicate = await awsError(
    iam.send(
      new TagInstanceProfileCommand({
        InstanceProfileName: 'tagged',
        Tags: [
          { Key: 'x', Value: '1' },
          { Key: 'X', Value: '2' },
        ],
      }),
    ),
  );
  assert.deepEqual(duplicate, {
    code: 'InvalidInput',
    message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    status: 400,
  });
});

test('instance profiles and their roles survive a restart', async () => {
  server = await server.restart();
  const iam = server.iam();
  const web = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })))
    .InstanceProfile!;
  assert.equal(web.Path, '/app/');
  const single = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'single' })))
    .InstanceProfile!;
  assert.equal(single.Roles?.[0]?.RoleName, 'ec2-role');
  const tags = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'tagged' }));
  assert.deepEqual(tags.Tags, [{ Key: 'MyKey', Value: 'myValue' }]);
});
