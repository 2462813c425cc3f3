// AWS managed policies as AWS keeps them: every version (ListPolicyVersions, GetPolicyVersion of
// an old one), GetPolicy's shape, ListPolicies's order and filters across pages, and
// GetAccountAuthorizationDetails's AWSManagedPolicy filter — driven by the AWS SDK.
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
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  PutUserPermissionsBoundaryCommand,
  type IAMClient,
  type ListPoliciesCommandInput,
  type ManagedPolicyDetail,
  type Policy,
  type PolicyVersion,
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
const POWER_USER = AWS('PowerUserAccess');

async function listAll(input: ListPoliciesCommandInput): Promise<Policy[]> {
  const all: Policy[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListPoliciesCommand({ ...input, Marker: marker }));
    all.push(...page.Policies!);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

async function allVersions(arn: string, maxItems?: number): Promise<PolicyVersion[]> {
  const all: PolicyVersion[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListPolicyVersionsCommand({ PolicyArn: arn, Marker: marker, MaxItems: maxItems }),
    );
    all.push(...page.Versions!);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

test('ListPolicyVersions on PowerUserAccess lists its twelve or more versions, newest first', async () => {
  // AWS keeps every version of an AWS managed policy (IAM User Guide, "Versioning IAM policies":
  // AWS managed policies are updated by AWS, each update a new version); PowerUserAccess is at v12
  // or later.
  const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: POWER_USER }))).Policy!;
  const versions = await allVersions(POWER_USER);
  assert.ok(versions.length >= 12, `${versions.length} versions`);
  const newest = Number(policy.DefaultVersionId!.slice(1));
  assert.deepEqual(
    versions.map((v) => v.VersionId),
    Array.from({ length: newest }, (_, i) => `v${newest - i}`),
  );
  assert.deepEqual(
    versions.map((v) => v.IsDefaultVersion),
    versions.map((_, i) => i === 0),
  );
  // The default version was created when the policy was last updated (API reference, Policy:
  // UpdateDate); ListPolicyVersions sends no documents.
  assert.equal(versions[0]!.CreateDate?.toISOString(), policy.UpdateDate?.toISOString());
  assert.equal(versions.at(-1)!.CreateDate?.toISOString(), '2015-02-06T18:39:47.000Z');
  assert.ok(versions.every((v) => v.Document === undefined && v.CreateDate instanceof Date));
  // Paged by MaxItems, the same list.
  assert.deepEqual(
    (await allVersions(POWER_USER, 5)).map((v) => v.VersionId),
    versions.map((v) => v.VersionId),
  );
});

test('GetPolicyVersion returns an old version of an AWS managed policy with its document', async () => {
  const v1 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: POWER_USER, VersionId: 'v1' }));
  assert.equal(v1.PolicyVersion?.VersionId, 'v1');
  assert.equal(v1.PolicyVersion?.IsDefaultVersion, false);
  assert.equal(v1.PolicyVersion?.CreateDate?.toISOString(), '2015-02-06T18:39:47.000Z');
  // URL-encoded on the wire (RFC 3986), as for customer managed versions.
  assert.deepEqual(JSON.parse(decodeURIComponent(v1.PolicyVersion!.Document!)), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
  });
  const v2 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: POWER_USER, VersionId: 'v2' }));
  assert.notEqual(v2.PolicyVersion?.Document, v1.PolicyVersion?.Document);
  // A version past the newest does not exist.
  assert.deepEqual(
    await awsError(iam.send(new GetPolicyVersionCommand({ PolicyArn: POWER_USER, VersionId: 'v999' }))),
    {
      code: 'NoSuchEntity',
      message: `Policy ${POWER_USER} version v999 does not exist or is not attachable.`,
      status: 404,
    },
  );
});

test('GetPolicy of an AWS managed policy carries an empty Tags list', async () => {
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: AWS('AdministratorAccess') }));
  assert.deepEqual(got.Policy?.Tags, []);
  // ListPolicies carries no tags (API reference, Policy: "not included in the response to the
  // ListPolicies operation").
  const listed = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 5 }));
  assert.ok(listed.Policies!.every((p) => p.Tags === undefined));
});

test('ListPolicies --scope AWS pages through the whole catalog in policy id order', async () => {
  const first = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
  const all = await listAll({ Scope: 'AWS', MaxItems: 250 });
  const ids = all.map((p) => p.PolicyId!);
  assert.deepEqual(ids, [...ids].sort());
  assert.equal(new Set(ids).size, all.length);
  assert.deepEqual(
    first.Policies!.map((p) => p.PolicyId),
    ids.slice(0, 100),
  );
  // Paged in 100s by default, the same policies.
  const byDefault = await listAll({ Scope: 'AWS' });
  assert.deepEqual(
    byDefault.map((p) => p.Arn),
    all.map((p) => p.Arn),
  );
  assert.ok(all.length >= 1500, `${all.length} policies`);
});

test('filtered ListPolicies misses no policy, whatever the page size', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'filtered' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'filtered' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'filtered',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ROOT.accountId}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  const local = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'filtered-local',
      Path: '/job-function/',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }],
      }),
    }),
  );
  const attached = [
    AWS('ViewOnlyAccess', '/job-function/'),
    AWS('AmazonS3ReadOnlyAccess'),
    local.Policy!.Arn!,
  ];
  await iam.send(new AttachUserPolicyCommand({ UserName: 'filtered', PolicyArn: attached[0] }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'filtered', PolicyArn: attached[1] }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'filtered', PolicyArn: attached[2] }));
  const boundary = AWS('AmazonEC2ReadOnlyAccess');
  await iam.send(
    new PutUserPermissionsBoundaryCommand({ UserName: 'filtered', PermissionsBoundary: boundary }),
  );

  const whole = await listAll({ MaxItems: 1000 });
  const cases: { input: ListPoliciesCommandInput; keep: (p: Policy) => boolean }[] = [
    { input: { PathPrefix: '/job-function/' }, keep: (p) => p.Path!.startsWith('/job-function/') },
    { input: { PathPrefix: '/service-role/' }, keep: (p) => p.Path!.startsWith('/service-role/') },
    { input: { OnlyAttached: true }, keep: (p) => p.AttachmentCount! > 0 },
    { input: { PolicyUsageFilter: 'PermissionsPolicy' }, keep: (p) => p.AttachmentCount! > 0 },
    {
      input: { PolicyUsageFilter: 'PermissionsBoundary' },
      keep: (p) => p.PermissionsBoundaryUsageCount! > 0,
    },
    {
      input: { OnlyAttached: true, PathPrefix: '/job-function/' },
      keep: (p) => p.AttachmentCount! > 0 && p.Path!.startsWith('/job-function/'),
    },
  ];
  for (const { input, keep } of cases) {
    const expected = whole.filter(keep).map((p) => p.Arn);
    assert.ok(expected.length > 0, JSON.stringify(input));
    for (const MaxItems of [1, 2, 7, 100]) {
      const got = await listAll({ ...input, MaxItems });
      assert.deepEqual(
        got.map((p) => p.Arn),
        expected,
        `${JSON.stringify(input)} by ${MaxItems}`,
      );
    }
  }
  assert.deepEqual((await listAll({ OnlyAttached: true })).map((p) => p.Arn).sort(), [...attached].sort());
  assert.deepEqual(
    (await listAll({ Scope: 'AWS', PolicyUsageFilter: 'PermissionsBoundary' })).map((p) => p.Arn),
    [boundary],
  );
});

test('GetAccountAuthorizationDetails --filter AWSManagedPolicy returns the attached ones with their versions', async () => {
  // API reference, GetAccountAuthorizationDetails: Policies lists the managed policies in the
  // account; of AWS's, only those in use (the others belong to no account).
  await iam.send(new CreateUserCommand({ UserName: 'details' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'details', PolicyArn: POWER_USER }));
  // ReadOnlyAccess has the longest history: 150 and more documents, 6 MB and more on the wire.
  await iam.send(new AttachUserPolicyCommand({ UserName: 'details', PolicyArn: AWS('ReadOnlyAccess') }));
  const policies: ManagedPolicyDetail[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['AWSManagedPolicy'], Marker: marker }),
    );
    assert.deepEqual([page.UserDetailList, page.GroupDetailList, page.RoleDetailList], [[], [], []]);
    policies.push(...page.Policies!);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  assert.ok(policies.every((p) => p.Arn!.startsWith('arn:aws:iam::aws:policy/')));
  assert.ok(policies.every((p) => (p.AttachmentCount ?? 0) + (p.PermissionsBoundaryUsageCount ?? 0) > 0));
  const power = policies.find((p) => p.Arn === POWER_USER)!;
  assert.equal(power.AttachmentCount, 1);
  const listed = await allVersions(POWER_USER);
  const versions = power.PolicyVersionList!;
  // Newest first, the default one first; every version whose document the catalog holds.
  assert.equal(versions[0]!.VersionId, power.DefaultVersionId);
  assert.equal(versions[0]!.IsDefaultVersion, true);
  assert.ok(versions.length >= 10, `${versions.length} versions`);
  assert.ok(versions.every((v) => listed.some((l) => l.VersionId === v.VersionId)));
  const v1 = versions.find((v) => v.VersionId === 'v1')!;
  assert.deepEqual(JSON.parse(decodeURIComponent(v1.Document!)).Statement, [
    { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
  ]);
  const current = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: POWER_USER, VersionId: power.DefaultVersionId! }),
  );
  assert.equal(versions[0]!.Document, current.PolicyVersion!.Document);
  const readOnly = policies.find((p) => p.Arn === AWS('ReadOnlyAccess'))!;
  assert.ok(readOnly.PolicyVersionList!.length >= 150, `${readOnly.PolicyVersionList!.length} versions`);
  assert.equal(readOnly.PolicyVersionList![0]!.VersionId, readOnly.DefaultVersionId);
  // Unattached AWS managed policies are not listed.
  assert.equal(
    policies.some((p) => p.Arn === AWS('AdministratorAccess')),
    false,
  );
});
