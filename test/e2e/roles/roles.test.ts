import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;

/** A trust policy as people write it, white space and all, so we can check it comes back as sent. */
const TRUST = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  },
  null,
  2,
);

function trustWith(statement: Record<string, unknown>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('a role is created with an AROA id, its path, and the trust policy read back exactly as sent', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'web-server',
      Path: '/app/',
      AssumeRolePolicyDocument: TRUST,
      Description: 'serves the web',
    }),
  );
  const role = created.Role!;
  assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/app/web-server`);
  assert.equal(role.Path, '/app/');
  assert.match(role.RoleId ?? '', /^AROA[A-Z0-9]{17}$/);
  assert.ok(role.CreateDate instanceof Date);
  // AWS returns the document URL-encoded (RFC 3986); decoded, it is the text we sent.
  assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), TRUST);
  assert.equal(role.AssumeRolePolicyDocument!.includes('{'), false);
  // As recorded from AWS, CreateRole's answer leaves out MaxSessionDuration and RoleLastUsed.
  assert.equal(role.MaxSessionDuration, undefined);
  assert.equal(role.RoleLastUsed, undefined);

  const got = (await iam.send(new GetRoleCommand({ RoleName: 'web-server' }))).Role!;
  assert.equal(got.RoleId, role.RoleId);
  assert.equal(got.Description, 'serves the web');
  assert.equal(got.MaxSessionDuration, 3600);
  assert.deepEqual(got.RoleLastUsed, {});
  assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument!), TRUST);
  assert.equal(got.Tags, undefined);
  assert.equal(got.PermissionsBoundary, undefined);
});

test('role names are unique regardless of case', async () => {
  const error = await awsError(
    server.iam().send(new CreateRoleCommand({ RoleName: 'WEB-SERVER', AssumeRolePolicyDocument: TRUST })),
  );
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'Role with name WEB-SERVER already exists.',
    status: 409,
  });
});

test('an unknown role is NoSuchEntity for every role operation', async () => {
  const iam = server.iam();
  const expected = {
    code: 'NoSuchEntity',
    message: 'The role with name ghost cannot be found.',
    status: 404,
  };
  assert.deepEqual(await awsError(iam.send(new GetRoleCommand({ RoleName: 'ghost' }))), expected);
  assert.deepEqual(await awsError(iam.send(new UpdateRoleCommand({ RoleName: 'ghost' }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'ghost', Description: 'x' }))),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: TRUST }))),
    expected,
  );
  assert.deepEqual(await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'ghost' }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new TagRoleCommand({ RoleName: 'ghost', Tags: [{ Key: 'k', Value: 'v' }] }))),
    expected,
  );
  assert.deepEqual(
    await awsError(iam.send(new UntagRoleCommand({ RoleName: 'ghost', TagKeys: ['k'] }))),
    expected,
  );
  assert.deepEqual(await awsError(iam.send(new ListRoleTagsCommand({ RoleName: 'ghost' }))), expected);
  assert.deepEqual(
    await awsError(iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'ghost' }))),
    expected,
  );
});

test('trust policies are validated with AWS messages', async () => {
  const iam = server.iam();
  const create = (name: string, document: string) =>
    awsError(iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document })));

  assert.deepEqual(await create('bad-json', '{"Version": "2012-10-17", "Statement": ['), {
    code: 'MalformedPolicyDocument',
    message: 'This policy contains invalid Json',
    status: 400,
  });
  assert.deepEqual(
    await create(
      'bad-resource',
      trustWith({
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: '*',
      }),
    ),
    { code: 'MalformedPolicyDocument', message: 'Has prohibited field Resource', status: 400 },
  );
  assert.deepEqual(
    await create(
      'bad-action',
      trustWith({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 's3:GetObject' }),
    ),
    {
      code: 'MalformedPolicyDocument',
      message: 'AssumeRole policy may only specify STS AssumeRole actions.',
      status: 400,
    },
  );
  // None of them was created.
  const roles = await iam.send(new ListRolesCommand({}));
  assert.deepEqual(
    (roles.Roles ?? []).filter((r) => r.RoleName!.startsWith('bad-')),
    [],
  );
});

test('a trust policy over 2,048 characters (white space not counted) is LimitExceeded', async () => {
  const principals = Array.from({ length: 80 }, (_, i) => `arn:aws:iam::${ACCOUNT}:user/someone-${i}`);
  const document = trustWith({ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' });
  assert.ok(document.length > 2048);
  const error = await awsError(
    server.iam().send(new CreateRoleCommand({ RoleName: 'too-big', AssumeRolePolicyDocument: document })),
  );
  // AWS: "LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048 status code: 409",
  // https://github.com/kubeflow/kubeflow/issues/6687
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    status: 409,
  });
  // UpdateAssumeRolePolicy as well: "(LimitExceeded) when calling the UpdateAssumeRolePolicy
  // operation: Cannot exceed quota for ACLSizePerRole: 2048", https://github.com/apache/airflow/pull/27331
  await server
    .iam()
    .send(new CreateRoleCommand({ RoleName: 'growing-trust', AssumeRolePolicyDocument: TRUST }));
  assert.deepEqual(
    await awsError(
      server
        .iam()
        .send(new UpdateAssumeRolePolicyCommand({ RoleName: 'growing-trust', PolicyDocument: document })),
    ),
    { code: 'LimitExceeded', message: 'Cannot exceed quota for ACLSizePerRole: 2048', status: 409 },
  );
  await server.iam().send(new DeleteRoleCommand({ RoleName: 'growing-trust' }));
});

test('MaxSessionDuration must lie between 3600 and 43200 seconds', async () => {
  const iam = server.iam();
  const low = await awsError(
    iam.send(
      new CreateRoleCommand({ RoleName: 'short', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 3599 }),
    ),
  );
  assert.deepEqual(low, {
    code: 'ValidationError',
    message:
      "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    status: 400,
  });
  const high = await awsError(
    iam.send(
      new CreateRoleCommand({ RoleName: 'long', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 43201 }),
    ),
  );
  assert.deepEqual(high, {
    code: 'ValidationError',
    message:
      "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
    status: 400,
  });
  const updateLow = await awsError(
    iam.send(new UpdateRoleCommand({ RoleName: 'web-server', MaxSessionDuration: 60 })),
  );
  assert.equal(updateLow.code, 'ValidationError');
  assert.equal(updateLow.status, 400);

  await iam.send(
    new CreateRoleCommand({
      RoleName: 'twelve-hours',
      AssumeRolePolicyDocument: TRUST,
      MaxSessionDuration: 43200,
    }),
  );
  const got = await iam.send(new GetRoleCommand({ RoleName: 'twelve-hours' }));
  assert.equal(got.Role?.MaxSessionDuration, 43200);
});

test('UpdateRole changes Description and MaxSessionDuration and leaves omitted ones alone', async () => {
  const iam = server.iam();
  await iam.send(
    new CreateRoleCommand({ RoleName: 'updatable', AssumeRolePolicyDocument: TRUST, Description: 'initial' }),
  );
  await iam.send(
    new UpdateRoleCommand({ RoleName: 'updatable', Description: 'updated', MaxSessionDuration: 7200 }),
  );
  let role = (await iam.send(new GetRoleCommand({ RoleName: 'updatable' }))).Role!;
  assert.equal(role.Description, 'updated');
  assert.equal(role.MaxSessionDuration, 7200);

  const described = await iam.send(
    new UpdateRoleDescriptionCommand({ RoleName: 'updatable', Description: 'via description' }),
  );
  assert.equal(described.Role?.Description, 'via description');
  assert.equal(described.Role?.RoleName, 'updatable');

  await iam.send(new UpdateRoleCommand({ RoleName: 'updatable' }));
  role = (await iam.send(new GetRoleCommand({ RoleName: 'updatable' }))).Role!;
  assert.equal(role.Description, 'via description');
  assert.equal(role.MaxSessionDuration, 7200);
});

test('UpdateAssumeRolePolicy replaces the trust policy and validates it as CreateRole does', async () => {
  const iam = server.iam();
  const next = trustWith({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 'sts:AssumeRole',
  });
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'updatable', PolicyDocument: next }));
  const role = (await iam.send(new GetRoleCommand({ RoleName: 'updatable' }))).Role!;
  assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), next);

  const update = (document: string) =>
    awsError(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'updatable', PolicyDocument: document })),
    );
  assert.deepEqual(await update('not json'), {
    code: 'MalformedPolicyDocument',
    message: 'This policy contains invalid Json',
    status: 400,
  });
  assert.deepEqual(
    await update(
      trustWith({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'iam:CreateUser' }),
    ),
    {
      code: 'MalformedPolicyDocument',
      message: 'AssumeRole policy may only specify STS AssumeRole actions.',
      status: 400,
    },
  );
  assert.deepEqual(
    await update(
      trustWith({
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: '*',
      }),
    ),
    { code: 'MalformedPolicyDocument', message: 'Has prohibited field Resource', status: 400 },
  );
  // The failed updates changed nothing.
  const after = (await iam.send(new GetRoleCommand({ RoleName: 'updatable' }))).Role!;
  assert.equal(decodeURIComponent(after.AssumeRolePolicyDocument!), next);
});

test('ListRoles filters by PathPrefix and pages with Marker and MaxItems', async () => {
  const iam = server.iam();
  for (const i of [0, 1, 2, 3, 4]) {
    await iam.send(
      new CreateRoleCommand({
        RoleName: `paged-${i}`,
        Path: '/paged/',
        AssumeRolePolicyDocument: TRUST,
        ...(i % 2 === 0 ? { Description: `Role ${i}` } : {}),
        Tags: [{ Key: 'n', Value: String(i) }],
      }),
    );
  }
  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: marker }));
    for (const role of page.Roles ?? []) {
      names.push(role.RoleName!);
      // ListRoles leaves out Tags, PermissionsBoundary and RoleLastUsed, but has MaxSessionDuration.
      assert.equal(role.Tags, undefined);
      assert.equal(role.RoleLastUsed, undefined);
      assert.equal(role.MaxSessionDuration, 3600);
    }
    if (page.IsTruncated) assert.ok(page.Marker);
    marker = page.IsTruncated ? page.Marker : undefined;
    pages++;
  } while (marker);
  assert.deepEqual(names, ['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
  assert.equal(pages, 3);

  const all = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/' }));
  assert.equal(all.IsTruncated, false);
  assert.deepEqual(
    all.Roles?.map((r) => r.Description),
    ['Role 0', undefined, 'Role 2', undefined, 'Role 4'],
  );
  const none = await iam.send(new ListRolesCommand({ PathPrefix: '/nothing-here/' }));
  assert.deepEqual(none.Roles, []);
  assert.equal(none.IsTruncated, false);
});

test('tags are set at creation, added, replaced by key, listed, paged and removed', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'tagged',
      AssumeRolePolicyDocument: TRUST,
      Tags: [{ Key: 'team', Value: 'blue' }],
    }),
  );
  assert.deepEqual(created.Role?.Tags, [{ Key: 'team', Value: 'blue' }]);
  await iam.send(
    new TagRoleCommand({
      RoleName: 'tagged',
      Tags: [
        { Key: 'env', Value: 'prod' },
        { Key: 'TEAM', Value: 'red' },
      ],
    }),
  );
  const listed = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }));
  assert.deepEqual(listed.Tags, [
    { Key: 'env', Value: 'prod' },
    { Key: 'TEAM', Value: 'red' },
  ]);
  assert.equal(listed.IsTruncated, false);
  const first = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 1 }));
  assert.equal(first.IsTruncated, true);
  const second = await iam.send(
    new ListRoleTagsCommand({ RoleName: 'tagged', MaxItems: 1, Marker: first.Marker }),
  );
  assert.deepEqual([...first.Tags!, ...second.Tags!], listed.Tags);

  await iam.send(new UntagRoleCommand({ RoleName: 'tagged', TagKeys: ['team'] }));
  const got = await iam.send(new GetRoleCommand({ RoleName: 'tagged' }));
  assert.deepEqual(got.Role?.Tags, [{ Key: 'env', Value: 'prod' }]);
});

test('duplicate tag keys are InvalidInput; more than 50 tags on a role is LimitExceeded', async () => {
  const iam = server.iam();
  const duplicate = await awsError(
    iam.send(
      new CreateRoleCommand({
        RoleName: 'dup-tags',
        AssumeRolePolicyDocument: TRUST,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'A', Value: '2' },
        ],
      }),
    ),
  );
  assert.deepEqual(duplicate, {
    code: 'InvalidInput',
    message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    status: 400,
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'many-tags',
      AssumeRolePolicyDocument: TRUST,
      Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
    }),
  );
  const tooMany = await awsError(
    iam.send(new TagRoleCommand({ RoleName: 'many-tags', Tags: [{ Key: 'one-more', Value: 'v' }] })),
  );
  // AWS's text (recorded for TagOpenIDConnectProvider in LocalStack's snapshot:
  // https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_oidc.snapshot.json).
  assert.deepEqual(tooMany, {
    code: 'LimitExceeded',
    message: 'The number of tags has reached the maximum limit.',
    status: 409,
  });
  const overModel = await awsError(
    iam.send(
      new CreateRoleCommand({
        RoleName: 'fifty-one',
        AssumeRolePolicyDocument: TRUST,
        Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      }),
    ),
  );
  assert.deepEqual(overModel, {
    code: 'ValidationError',
    message:
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    status: 400,
  });
});

test('an AWS managed policy is a permissions boundary: set at creation, shown by GetRole, removed, put back', async () => {
  const iam = server.iam();
  const awsManaged = 'arn:aws:iam::aws:policy/PowerUserAccess';
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'bounded',
      AssumeRolePolicyDocument: TRUST,
      PermissionsBoundary: awsManaged,
    }),
  );
  // On the wire AWS names the type "Policy" (recorded responses; AWS CLI examples).
  assert.deepEqual(created.Role?.PermissionsBoundary, {
    PermissionsBoundaryType: 'Policy',
    PermissionsBoundaryArn: awsManaged,
  });
  let got = await iam.send(new GetRoleCommand({ RoleName: 'bounded' }));
  assert.deepEqual(got.Role?.PermissionsBoundary, {
    PermissionsBoundaryType: 'Policy',
    PermissionsBoundaryArn: awsManaged,
  });

  await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
  got = await iam.send(new GetRoleCommand({ RoleName: 'bounded' }));
  assert.equal(got.Role?.PermissionsBoundary, undefined);

  await iam.send(
    new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: awsManaged }),
  );
  got = await iam.send(new GetRoleCommand({ RoleName: 'bounded' }));
  assert.deepEqual(got.Role?.PermissionsBoundary, {
    PermissionsBoundaryType: 'Policy',
    PermissionsBoundaryArn: awsManaged,
  });
  // ListRoles does not show the boundary.
  const listed = await iam.send(new ListRolesCommand({}));
  assert.equal(listed.Roles?.find((r) => r.RoleName === 'bounded')?.PermissionsBoundary, undefined);
});

test('a customer managed policy is a permissions boundary', async () => {
  const iam = server.iam();
  const policy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'role-boundary',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      }),
    }),
  );
  const boundaryArn = policy.Policy!.Arn!;
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'customer-bounded',
      AssumeRolePolicyDocument: TRUST,
      PermissionsBoundary: boundaryArn,
    }),
  );
  assert.deepEqual(created.Role?.PermissionsBoundary, {
    PermissionsBoundaryType: 'Policy',
    PermissionsBoundaryArn: boundaryArn,
  });
  await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'customer-bounded' }));
  await iam.send(
    new PutRolePermissionsBoundaryCommand({ RoleName: 'customer-bounded', PermissionsBoundary: boundaryArn }),
  );
  const got = await iam.send(new GetRoleCommand({ RoleName: 'customer-bounded' }));
  assert.equal(got.Role?.PermissionsBoundary?.PermissionsBoundaryArn, boundaryArn);
});

test('a boundary that is not a policy ARN, or no such policy, is refused with AWS messages', async () => {
  const iam = server.iam();
  const notArn = `arn:aws:iam::${ACCOUNT}:not_a_policy/invalid`;
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'nb',
          AssumeRolePolicyDocument: TRUST,
          PermissionsBoundary: notArn,
        }),
      ),
    ),
    { code: 'InvalidInput', message: `ARN ${notArn} is not valid.`, status: 400 },
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: 'web-server', PermissionsBoundary: notArn }),
      ),
    ),
    { code: 'InvalidInput', message: `ARN ${notArn} is not valid.`, status: 400 },
  );
  const missing = `arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy`;
  const expected = {
    code: 'NoSuchEntity',
    message: `Scope ARN: ${missing} does not exist or is not attachable.`,
    status: 404,
  };
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'nb',
          AssumeRolePolicyDocument: TRUST,
          PermissionsBoundary: missing,
        }),
      ),
    ),
    expected,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: 'web-server', PermissionsBoundary: missing }),
      ),
    ),
    expected,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: 'nonexistent-role', PermissionsBoundary: missing }),
      ),
    ),
    { code: 'NoSuchEntity', message: 'The role with name nonexistent-role cannot be found.', status: 404 },
  );
});

test('a role with inline policies, attached policies or in an instance profile cannot be deleted', async () => {
  const iam = server.iam();
  await iam.send(new CreateRoleCommand({ RoleName: 'busy', AssumeRolePolicyDocument: TRUST }));
  const conflict = (message: string) => ({ code: 'DeleteConflict', message, status: 409 });

  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'busy-profile' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'busy-profile', RoleName: 'busy' }),
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'busy' }))),
    conflict('Cannot delete entity, must remove roles from instance profile first.'),
  );
  await iam.send(
    new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'busy-profile', RoleName: 'busy' }),
  );

  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'busy',
      PolicyName: 'inline',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' }],
      }),
    }),
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'busy' }))),
    conflict('Cannot delete entity, must delete policies first.'),
  );
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'busy', PolicyName: 'inline' }));

  const managed = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'busy', PolicyArn: managed }));
  assert.deepEqual(
    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'busy' }))),
    conflict('Cannot delete entity, must detach all policies first.'),
  );
  await iam.send(new DetachRolePolicyCommand({ RoleName: 'busy', PolicyArn: managed }));

  await iam.send(new DeleteRoleCommand({ RoleName: 'busy' }));
  assert.deepEqual(await awsError(iam.send(new GetRoleCommand({ RoleName: 'busy' }))), {
    code: 'NoSuchEntity',
    message: 'The role with name busy cannot be found.',
    status: 404,
  });
});

test('roles and everything set on them survive a restart', async () => {
  server = await server.restart();
  const iam = server.iam();
  const role = (await iam.send(new GetRoleCommand({ RoleName: 'updatable' }))).Role!;
  assert.equal(role.Description, 'via description');
  assert.equal(role.MaxSessionDuration, 7200);
  const web = (await iam.send(new GetRoleCommand({ RoleName: 'web-server' }))).Role!;
  assert.equal(decodeURIComponent(web.AssumeRolePolicyDocument!), TRUST);
  assert.equal(web.Path, '/app/');
  const tagged = await iam.send(new ListRoleTagsCommand({ RoleName: 'tagged' }));
  assert.deepEqual(tagged.Tags, [{ Key: 'env', Value: 'prod' }]);
  const bounded = (await iam.send(new GetRoleCommand({ RoleName: 'bounded' }))).Role!;
  assert.equal(
    bounded.PermissionsBoundary?.PermissionsBoundaryArn,
    'arn:aws:iam::aws:policy/PowerUserAccess',
  );
});
