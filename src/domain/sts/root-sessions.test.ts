// A root session (AssumeRoot) is the member account's root user less what its task policy denies:
// AWS's root-task policies hold only Deny statements, so the session may do exactly the task's
// actions on the root user itself, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAwsManagedPolicyCatalog } from '../../storage/aws-managed-policies.ts';
import type { Iam } from '../iam.ts';
import type { Caller } from '../caller.ts';
import { decideFor } from '../authorize.ts';
import { callerFor } from '../authenticate.ts';
import { stsSessions, users } from '../tables.ts';
import { organizationsOperations } from '../organizations/index.ts';
import { iamOperations } from '../iam/index.ts';
import { stsOperations } from './index.ts';
import { ROOT_TASK_POLICY_ARNS } from './root-sessions.ts';
import { iamWithAccounts, rootCaller, userCaller } from '../../../test/support/domain.ts';

const A = '111111111111';
const catalog = loadAwsManagedPolicyCatalog();

test('AssumeRoot accepts the five root-task policies: AWS managed, under /root-task/, Deny statements only', () => {
  assert.equal(ROOT_TASK_POLICY_ARNS.length, 5);
  for (const arn of ROOT_TASK_POLICY_ARNS) {
    const policy = catalog.get(arn);
    assert.ok(policy, arn);
    assert.equal(policy.path, '/root-task/');
    const document = JSON.parse(policy.document) as { Statement: { Effect: string }[] };
    assert.deepEqual([...new Set(document.Statement.map((s) => s.Effect))], ['Deny'], arn);
  }
});

async function setUp(): Promise<{ iam: Iam; admin: Caller; member: string }> {
  const iam = await iamWithAccounts([A], { awsManagedPolicies: catalog });
  const root = rootCaller(A, { accessKeyId: 'AKIAROOTROOTROOTROOT' });
  const ctx = { iam, caller: root };
  await organizationsOperations.CreateOrganization!(ctx, { FeatureSet: 'ALL' });
  const started = (await organizationsOperations.CreateAccount!(ctx, {
    Email: 'b@example.com',
    AccountName: 'B',
  })) as { CreateAccountStatus: { Id: string } };
  const status = (await organizationsOperations.DescribeCreateAccountStatus!(ctx, {
    CreateAccountRequestId: started.CreateAccountStatus.Id,
  })) as { CreateAccountStatus: { AccountId: string } };
  await organizationsOperations.EnableAWSServiceAccess!(ctx, { ServicePrincipal: 'iam.amazonaws.com' });
  await iamOperations.EnableOrganizationsRootSessions!(ctx, {});
  await iamOperations.CreateUser!(ctx, { UserName: 'admin' });
  await iamOperations.AttachUserPolicy!(ctx, {
    UserName: 'admin',
    PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  });
  const user = await iam.store.read((tx) => tx.find(users, { account: A, name_lower: 'admin' }));
  const admin = userCaller(user!);
  return { iam, admin, member: status.CreateAccountStatus.AccountId };
}

async function rootSession(iam: Iam, admin: Caller, member: string, task: string): Promise<Caller> {
  const out = (await stsOperations.AssumeRoot!(
    { iam, caller: admin },
    { TargetPrincipal: member, TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${task}` } },
  )) as { Credentials: { AccessKeyId: string } };
  const record = await iam.store.read((tx) => tx.get(stsSessions, out.Credentials.AccessKeyId));
  assert.equal(record?.type, 'root');
  const caller = await callerFor(iam, { kind: 'session', record: record! }, {});
  assert.equal(caller?.arn, `arn:aws:iam::${member}:root`);
  return caller!;
}

test("a root session may do its task's actions on the root user, and nothing else", async () => {
  const { iam, admin, member } = await setUp();
  const decide = (caller: Caller, action: string, resource: string) =>
    iam.store.read(async (tx) => (await decideFor(iam, tx, caller, { action, resource })).decision);
  const rootArn = `arn:aws:iam::${member}:root`;
  const userArn = `arn:aws:iam::${member}:user/someone`;

  const password = await rootSession(iam, admin, member, 'IAMCreateRootUserPassword');
  assert.equal(await decide(password, 'iam:CreateLoginProfile', rootArn), 'allowed');
  assert.equal(await decide(password, 'iam:GetLoginProfile', rootArn), 'allowed');
  assert.equal(await decide(password, 'iam:CreateLoginProfile', userArn), 'explicitDeny');
  assert.equal(await decide(password, 'iam:DeleteLoginProfile', rootArn), 'explicitDeny');
  assert.equal(await decide(password, 'iam:CreateUser', userArn), 'explicitDeny');

  const audit = await rootSession(iam, admin, member, 'IAMAuditRootUserCredentials');
  for (const action of ['iam:ListAccessKeys', 'iam:ListMFADevices', 'iam:GetLoginProfile'])
    assert.equal(await decide(audit, action, rootArn), 'allowed', action);
  assert.equal(await decide(audit, 'iam:DeleteAccessKey', rootArn), 'explicitDeny');

  const remove = await rootSession(iam, admin, member, 'IAMDeleteRootUserCredentials');
  for (const action of ['iam:DeleteAccessKey', 'iam:DeactivateMFADevice', 'iam:DeleteLoginProfile'])
    assert.equal(await decide(remove, action, rootArn), 'allowed', action);
  assert.equal(await decide(remove, 'iam:CreateLoginProfile', rootArn), 'explicitDeny');
});
