import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccountAliasCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  ListAccountAliasesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
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

const LIST_BUCKET = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Action: 's3:ListBucket', Resource: '*', Effect: 'Allow' }],
});
const TRUST_EC2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

// ---- aliases

test('an account has no alias at first; one is created, replaced by a new one, and deleted', async () => {
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp' }));
  const listed = await iam.send(new ListAccountAliasesCommand({}));
  assert.deepEqual(listed.AccountAliases, ['example-corp']);
  assert.equal(listed.IsTruncated, false);
  // Only one alias: a new one overwrites the previous.
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'example-corp-2' }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ['example-corp-2']);
  const wrong = await awsError(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-corp' })));
  assert.deepEqual(wrong, {
    code: 'NoSuchEntity',
    message: 'The account alias example-corp cannot be found.',
    status: 404,
  });
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'example-corp-2' }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
});

test('an alias must be 3-63 lower-case letters, digits and single hyphens, and not an account number', async () => {
  for (const bad of ['ab', 'Upper', '-lead', 'trail-', 'dou--ble', 'a'.repeat(64)]) {
    const error = await awsError(iam.send(new CreateAccountAliasCommand({ AccountAlias: bad })));
    assert.equal(error.code, 'ValidationError', bad);
    assert.equal(error.status, 400);
  }
  const digits = await awsError(iam.send(new CreateAccountAliasCommand({ AccountAlias: '123456789012' })));
  assert.equal(digits.code, 'ValidationError');
});

test('an alias already in use is EntityAlreadyExists with AWS message', async () => {
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'taken-alias' }));
  const error = await awsError(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'taken-alias' })));
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'The account alias taken-alias already exists.',
    status: 409,
  });
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'taken-alias' }));
});

// ---- summary

test("GetAccountSummary answers every key with AWS's quotas, and the root user's key and password", async () => {
  const { SummaryMap } = await iam.send(new GetAccountSummaryCommand({}));
  const map = SummaryMap as Record<string, number>;
  assert.deepEqual(Object.keys(map).sort(), [
    'AccessKeysPerUserQuota',
    'AccountAccessKeysPresent',
    'AccountMFAEnabled',
    'AccountPasswordPresent',
    'AccountSigningCertificatesPresent',
    'AssumeRolePolicySizeQuota',
    'AttachedPoliciesPerGroupQuota',
    'AttachedPoliciesPerRoleQuota',
    'AttachedPoliciesPerUserQuota',
    'GlobalEndpointTokenVersion',
    'GroupPolicySizeQuota',
    'Groups',
    'GroupsPerUserQuota',
    'GroupsQuota',
    'InstanceProfiles',
    'InstanceProfilesQuota',
    'MFADevices',
    'MFADevicesInUse',
    'Policies',
    'PoliciesQuota',
    'PolicySizeQuota',
    'PolicyVersionsInUse',
    'PolicyVersionsInUseQuota',
    'Providers',
    'RolePolicySizeQuota',
    'Roles',
    'RolesQuota',
    'ServerCertificates',
    'ServerCertificatesQuota',
    'SigningCertificatesPerUserQuota',
    'UserPolicySizeQuota',
    'Users',
    'UsersQuota',
    'VersionsPerPolicyQuota',
  ]);
  assert.equal(map.UsersQuota, 5000);
  assert.equal(map.GroupsQuota, 300);
  assert.equal(map.RolesQuota, 1000);
  assert.equal(map.PoliciesQuota, 1500);
  assert.equal(map.AccessKeysPerUserQuota, 2);
  assert.equal(map.PolicySizeQuota, 6144);
  assert.equal(map.AccountAccessKeysPresent, 1);
  assert.equal(map.AccountPasswordPresent, 1);
  assert.equal(map.AccountMFAEnabled, 0);
});

test('GetAccountSummary counts users, groups, roles, policies and instance profiles', async () => {
  const before = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap as Record<string, number>;
  await iam.send(new CreateUserCommand({ UserName: 'counted' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'counted-group' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'counted-role', AssumeRolePolicyDocument: TRUST_EC2 }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'counted-policy', PolicyDocument: LIST_BUCKET }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'counted-profile' }));
  const after = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap as Record<string, number>;
  for (const k of ['Users', 'Groups', 'Roles', 'Policies', 'PolicyVersionsInUse', 'InstanceProfiles']) {
    assert.equal(after[k]! - before[k]!, 1, k);
  }
});

// ---- authorization details

type Details = Required<
  Pick<
    GetAccountAuthorizationDetailsCommandOutput,
    'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
  >
>;

async function allDetails(filter?: string[]): Promise<Details> {
  const out: Details = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: filter as never, Marker: marker, MaxItems: 2 }),
    );
    out.UserDetailList.push(...(page.UserDetailList ?? []));
    out.GroupDetailList.push(...(page.GroupDetailList ?? []));
    out.RoleDetailList.push(...(page.RoleDetailList ?? []));
    out.Policies.push(...(page.Policies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

test('GetAccountAuthorizationDetails shows each entity with its policies, URL-encoded as AWS returns them', async () => {
  const policy = await iam.send(
    new CreatePolicyCommand({ PolicyName: 'details-policy', PolicyDocument: LIST_BUCKET }),
  );
  const policyArn = policy.Policy!.Arn!;
  await iam.send(new CreateUserCommand({ UserName: 'details-user' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'details-group' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'details-role',
      Path: '/my-path/',
      AssumeRolePolicyDocument: TRUST_EC2,
    }),
  );
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'details-profile' }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'details-profile', RoleName: 'details-role' }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'details-user',
      PolicyName: 'user-inline',
      PolicyDocument: LIST_BUCKET,
    }),
  );
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'details-group',
      PolicyName: 'group-inline',
      PolicyDocument: LIST_BUCKET,
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'details-role',
      PolicyName: 'role-inline',
      PolicyDocument: LIST_BUCKET,
    }),
  );
  await iam.send(new AttachUserPolicyCommand({ UserName: 'details-user', PolicyArn: policyArn }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'details-group', PolicyArn: policyArn }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'details-role', PolicyArn: policyArn }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'details-user',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMUserChangePassword',
    }),
  );
  await iam.send(new AddUserToGroupCommand({ GroupName: 'details-group', UserName: 'details-user' }));
  await iam.send(new TagUserCommand({ UserName: 'details-user', Tags: [{ Key: 'team', Value: 'blue' }] }));

  const details = await allDetails();
  const user = details.UserDetailList.find((u) => u.UserName === 'details-user')!;
  assert.equal(user.Arn, `arn:aws:iam::${ROOT.accountId}:user/details-user`);
  assert.deepEqual(user.GroupList, ['details-group']);
  assert.deepEqual(user.Tags, [{ Key: 'team', Value: 'blue' }]);
  assert.deepEqual(user.AttachedManagedPolicies, [
    { PolicyName: 'details-policy', PolicyArn: policyArn },
    { PolicyName: 'IAMUserChangePassword', PolicyArn: 'arn:aws:iam::aws:policy/IAMUserChangePassword' },
  ]);
  assert.equal(user.UserPolicyList?.[0]?.PolicyName, 'user-inline');
  const encoded = user.UserPolicyList![0]!.PolicyDocument!;
  assert.ok(encoded.startsWith('%7B%22Version%22'), encoded);
  assert.deepEqual(JSON.parse(decodeURIComponent(encoded)), JSON.parse(LIST_BUCKET));

  const group = details.GroupDetailList.find((g) => g.GroupName === 'details-group')!;
  assert.equal(group.GroupPolicyList?.[0]?.PolicyName, 'group-inline');
  assert.deepEqual(group.AttachedManagedPolicies, [{ PolicyName: 'details-policy', PolicyArn: policyArn }]);

  const role = details.RoleDetailList.find((r) => r.RoleName === 'details-role')!;
  assert.equal(role.Arn, `arn:aws:iam::${ROOT.accountId}:role/my-path/details-role`);
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(TRUST_EC2));
  assert.equal(role.RolePolicyList?.[0]?.PolicyName, 'role-inline');
  assert.deepEqual(
    role.InstanceProfileList?.map((p) => p.InstanceProfileName),
    ['details-profile'],
  );
  assert.deepEqual(
    role.InstanceProfileList?.[0]?.Roles?.map((r) => r.RoleName),
    ['details-role'],
  );
  assert.deepEqual(role.Tags, []);

  const local = details.Policies.find((p) => p.PolicyName === 'details-policy')!;
  assert.equal(local.AttachmentCount, 3);
  assert.equal(local.PermissionsBoundaryUsageCount, 0);
  assert.equal(local.IsAttachable, true);
  assert.equal(local.DefaultVersionId, 'v1');
  assert.equal(local.PolicyVersionList?.length, 1);
  assert.equal(local.PolicyVersionList![0]!.IsDefaultVersion, true);
  assert.deepEqual(
    JSON.parse(decodeURIComponent(local.PolicyVersionList![0]!.Document!)),
    JSON.parse(LIST_BUCKET),
  );
  // AWS managed policies appear only when in use in the account.
  const awsManaged = details.Policies.filter((p) => p.Arn?.startsWith('arn:aws:iam::aws:policy/'));
  assert.deepEqual(
    awsManaged.map((p) => p.PolicyName),
    ['IAMUserChangePassword'],
  );
  assert.equal(awsManaged[0]!.AttachmentCount, 1);
});

test('GetAccountAuthorizationDetails filters by entity type', async () => {
  const users = await allDetails(['User']);
  assert.ok(users.UserDetailList.length > 0);
  assert.deepEqual([users.GroupDetailList, users.RoleDetailList, users.Policies], [[], [], []]);
  const local = await allDetails(['LocalManagedPolicy']);
  assert.ok(local.Policies.length > 0);
  assert.ok(local.Policies.every((p) => p.Arn?.startsWith(`arn:aws:iam::${ROOT.accountId}:policy/`)));
  const awsManaged = await allDetails(['AWSManagedPolicy']);
  assert.deepEqual(
    awsManaged.Policies.map((p) => p.PolicyName),
    ['IAMUserChangePassword'],
  );
  assert.deepEqual(awsManaged.UserDetailList, []);
});

test('GetAccountAuthorizationDetails pages through all lists under one Marker', async () => {
  const first = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1 }));
  const count =
    (first.UserDetailList?.length ?? 0) +
    (first.GroupDetailList?.length ?? 0) +
    (first.RoleDetailList?.length ?? 0) +
    (first.Policies?.length ?? 0);
  assert.equal(count, 1);
  assert.equal(first.IsTruncated, true);
  const whole = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
  const paged = await allDetails();
  assert.deepEqual(
    paged.UserDetailList.map((u) => u.UserName),
    whole.UserDetailList!.map((u) => u.UserName),
  );
  assert.equal(paged.Policies.length, whole.Policies!.length);
});

test('account operations are authorized on "*": a user without permission is denied with AWS message', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'nosy' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'nosy' }));
  const asNosy = server.iam({
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  });
  const summary = await awsError(asNosy.send(new GetAccountSummaryCommand({})));
  assert.deepEqual(summary, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:user/nosy is not authorized to perform: iam:GetAccountSummary because no identity-based policy allows the iam:GetAccountSummary action`,
    status: 403,
  });
  const alias = await awsError(asNosy.send(new CreateAccountAliasCommand({ AccountAlias: 'nosy-alias' })));
  assert.equal(alias.code, 'AccessDenied');
  const details = await awsError(asNosy.send(new GetAccountAuthorizationDetailsCommand({})));
  assert.equal(details.code, 'AccessDenied');
});
