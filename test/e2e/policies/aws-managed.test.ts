// AWS managed policies: the whole catalog under arn:aws:iam::aws:policy/..., listed, read with
// their real documents, attached, and never changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
  type IAMClient,
  type Policy,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const AWS = (name: string, path = '/') => `arn:aws:iam::aws:policy${path}${name}`;

async function listAll(
  scope: 'All' | 'AWS' | 'Local',
  extra: { PathPrefix?: string; OnlyAttached?: boolean } = {},
): Promise<Policy[]> {
  const all: Policy[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListPoliciesCommand({ Scope: scope, MaxItems: 1000, Marker: marker, ...extra }),
    );
    all.push(...page.Policies!);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

test('ListPolicies --scope AWS lists the whole catalog in policy id order, 100 per page by default', async () => {
  const first = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
  assert.equal(first.Policies?.length, 100);
  assert.equal(first.IsTruncated, true);
  const all = await listAll('AWS');
  assert.ok(all.length >= 1300 && all.length <= 2000, `${all.length} AWS managed policies`);
  assert.ok(all.every((p) => p.Arn!.startsWith('arn:aws:iam::aws:policy/')));
  // AWS lists AWS managed policies by policy id (recorded list-policies responses: ANPAI23HZ27SI6FQMGNQ2,
  // ANPAI2D5NJKMU274MET4E, ANPAI2DV5ULJSO2FYVPYG, …), paths mixed.
  const ids = all.map((p) => p.PolicyId!);
  assert.deepEqual(ids, [...ids].sort());
  assert.deepEqual(
    first.Policies?.map((p) => p.PolicyId),
    ids.slice(0, 100),
  );
  assert.ok(new Set(first.Policies?.map((p) => p.Path)).size > 1);
  assert.equal(new Set(all.map((p) => p.Arn)).size, all.length);
  for (const name of [
    'AdministratorAccess',
    'PowerUserAccess',
    'AmazonEC2FullAccess',
    'AmazonDynamoDBReadOnlyAccess',
    'IAMUserChangePassword',
  ]) {
    assert.ok(
      all.some((p) => p.Arn === AWS(name)),
      name,
    );
  }
  const viewOnly = all.find((p) => p.PolicyName === 'ViewOnlyAccess');
  assert.equal(viewOnly?.Arn, AWS('ViewOnlyAccess', '/job-function/'));
  assert.equal(viewOnly?.Path, '/job-function/');
});

test('ListPolicies filters AWS managed policies by PathPrefix', async () => {
  const jobFunctions = await listAll('AWS', { PathPrefix: '/job-function/' });
  assert.ok(jobFunctions.length >= 5);
  assert.ok(jobFunctions.every((p) => p.Path === '/job-function/'));
  assert.ok(jobFunctions.some((p) => p.PolicyName === 'ViewOnlyAccess'));
});

test('GetPolicy and GetPolicyVersion return AdministratorAccess and its real document', async () => {
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: AWS('AdministratorAccess') }));
  assert.equal(got.Policy?.PolicyName, 'AdministratorAccess');
  assert.equal(got.Policy?.DefaultVersionId, 'v1');
  assert.equal(got.Policy?.IsAttachable, true);
  assert.match(got.Policy?.PolicyId ?? '', /^ANPA[A-Z0-9]{17}$/);
  assert.equal(got.Policy?.CreateDate?.toISOString(), '2015-02-06T18:39:46.000Z');
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: AWS('AdministratorAccess'), VersionId: 'v1' }),
  );
  assert.deepEqual(JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  const power = await iam.send(new GetPolicyCommand({ PolicyArn: AWS('PowerUserAccess') }));
  const powerDoc = await iam.send(
    new GetPolicyVersionCommand({
      PolicyArn: AWS('PowerUserAccess'),
      VersionId: power.Policy!.DefaultVersionId!,
    }),
  );
  const statements = JSON.parse(decodeURIComponent(powerDoc.PolicyVersion!.Document!)).Statement;
  assert.ok(statements.some((s: { NotAction?: string[] }) => s.NotAction?.includes('iam:*')));
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: AWS('PowerUserAccess') }));
  // Newest first; the default one is the newest.
  assert.deepEqual(versions.Versions?.[0]?.VersionId, power.Policy!.DefaultVersionId);
  assert.deepEqual(
    versions.Versions?.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId),
    [power.Policy!.DefaultVersionId],
  );
});

test("GetPolicy gives an AWS managed policy AWS's description; ListPolicies does not", async () => {
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3ReadOnlyAccess.html;
  // ListPolicies leaves Description out (IAM API reference, Policy: "included in the response to
  // the GetPolicy operation. It is not included in the response to the ListPolicies operation").
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: AWS('AmazonS3ReadOnlyAccess') }));
  assert.equal(
    got.Policy?.Description,
    'Provides read only access to all buckets via the AWS Management Console.',
  );
  const listed = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/', MaxItems: 1000 }));
  const s3 = listed.Policies?.find((p) => p.PolicyName === 'AmazonS3ReadOnlyAccess');
  assert.ok(s3);
  assert.equal(s3.Description, undefined);
});

test('an unknown AWS managed policy is NoSuchEntity', async () => {
  assert.deepEqual(await awsError(iam.send(new GetPolicyCommand({ PolicyArn: AWS('NoSuchAwsPolicy') }))), {
    code: 'NoSuchEntity',
    message: `Policy ${AWS('NoSuchAwsPolicy')} was not found.`,
    status: 404,
  });
  // The right name under the wrong path is unknown too.
  assert.equal(
    (await awsError(iam.send(new GetPolicyCommand({ PolicyArn: AWS('ViewOnlyAccess') })))).code,
    'NoSuchEntity',
  );
});

test('the well-known AWS managed policies attach to users, groups and roles', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'admins' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const names = [
    'AdministratorAccess',
    'PowerUserAccess',
    'AmazonEC2FullAccess',
    'AmazonDynamoDBReadOnlyAccess',
    'IAMUserChangePassword',
  ];
  for (const name of names)
    await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: AWS(name) }));
  await iam.send(
    new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: AWS('ViewOnlyAccess', '/job-function/') }),
  );
  await iam.send(
    new AttachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: AWS('AdministratorAccess') }),
  );
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: AWS('AdministratorAccess') }));
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'carol' }));
  assert.deepEqual(
    attached.AttachedPolicies?.map((p) => p.PolicyName),
    [...names, 'ViewOnlyAccess'],
  );
  const jobOnly = await iam.send(
    new ListAttachedUserPoliciesCommand({ UserName: 'carol', PathPrefix: '/job-function/' }),
  );
  assert.deepEqual(jobOnly.AttachedPolicies, [
    { PolicyName: 'ViewOnlyAccess', PolicyArn: AWS('ViewOnlyAccess', '/job-function/') },
  ]);

  const admin = await iam.send(new GetPolicyCommand({ PolicyArn: AWS('AdministratorAccess') }));
  assert.equal(admin.Policy?.AttachmentCount, 3);
  const entities = await iam.send(
    new ListEntitiesForPolicyCommand({ PolicyArn: AWS('AdministratorAccess') }),
  );
  assert.deepEqual(
    [
      entities.PolicyUsers?.map((u) => u.UserName),
      entities.PolicyGroups?.map((g) => g.GroupName),
      entities.PolicyRoles?.map((r) => r.RoleName),
    ],
    [['carol'], ['admins'], ['ops']],
  );
});

test('ListPolicies OnlyAttached with Scope AWS lists the AWS managed policies in use, with counts', async () => {
  const attached = await listAll('AWS', { OnlyAttached: true });
  assert.deepEqual(
    attached.map((p) => p.PolicyId!),
    attached.map((p) => p.PolicyId!).sort(),
  );
  assert.deepEqual(attached.map((p) => [p.PolicyName, p.AttachmentCount]).sort(), [
    ['AdministratorAccess', 3],
    ['AmazonDynamoDBReadOnlyAccess', 1],
    ['AmazonEC2FullAccess', 1],
    ['IAMUserChangePassword', 1],
    ['PowerUserAccess', 1],
    ['ViewOnlyAccess', 1],
  ]);
});

test('Scope All lists customer managed policies by name, then AWS managed ones by id, across pages', async () => {
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'AdministratorAccess',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }],
      }),
    }),
  );
  const all: Policy[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListPoliciesCommand({ MaxItems: 333, Marker: marker }));
    all.push(...page.Policies!);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const aws = await listAll('AWS');
  assert.equal(all.length, aws.length + 1);
  const admins = all.filter((p) => p.PolicyName === 'AdministratorAccess').map((p) => p.Arn);
  assert.deepEqual(admins, [
    `arn:aws:iam::${ROOT.accountId}:policy/AdministratorAccess`,
    AWS('AdministratorAccess'),
  ]);
  // The account's own policies first (the AWS CLI reference's list-policies example), then AWS's.
  const local = all.filter((p) => !p.Arn!.startsWith('arn:aws:iam::aws:'));
  assert.deepEqual(all.slice(0, local.length), local);
  const names = local.map((p) => p.PolicyName!.toLowerCase());
  assert.deepEqual(names, [...names].sort());
  assert.deepEqual(
    all.slice(local.length).map((p) => p.Arn),
    aws.map((p) => p.Arn),
  );
});

test('AWS managed policies cannot be changed or deleted', async () => {
  assert.deepEqual(
    await awsError(iam.send(new DeletePolicyCommand({ PolicyArn: AWS('AdministratorAccess') }))),
    {
      code: 'AccessDenied',
      message: 'Cannot delete policies outside your own account.',
      status: 403,
    },
  );
  assert.deepEqual(
    await awsError(
      iam.send(new DeletePolicyVersionCommand({ PolicyArn: AWS('AdministratorAccess'), VersionId: 'v1' })),
    ),
    {
      code: 'AccessDenied',
      message: 'Cannot delete policy versions for policies outside your own account.',
      status: 403,
    },
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new SetDefaultPolicyVersionCommand({ PolicyArn: AWS('AdministratorAccess'), VersionId: 'v1' }),
      ),
    ),
    { code: 'AccessDenied', message: 'Cannot update policies outside your own account.', status: 403 },
  );
});

test('service-role policies cannot be attached to users, groups or customer roles', async () => {
  const list = await listAll('AWS', { PathPrefix: '/aws-service-role/' });
  assert.ok(list.length > 100);
  const error = await awsError(
    iam.send(new AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: list[0]!.Arn! })),
  );
  assert.deepEqual(error, {
    code: 'PolicyNotAttachable',
    message: 'Cannot attach a Service Role Policy to a Customer Role.',
    status: 400,
  });
});
