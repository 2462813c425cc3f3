// Resource control policies limit what is done to a member account's roles, whoever asks — a
// caller outside the organization included — and never to the management account's, nor IAM's
// actions (Organizations User Guide, "Resource control policies (RCPs)"). A change made through one
// node applies to the next request another node serves, though that node remembers the caller's
// policies and the caller's account has no revision that moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import type { Caller } from '../caller.ts';
import { decideFor } from '../authorize.ts';
import { organizationsOperations } from './index.ts';
import { governedByRcps, resourceControlPoliciesFor } from './rcp-scope.ts';
import { authorizeFederatedTrust } from '../sts/session-parts.ts';
import type { RoleRecord } from '../records.ts';
import { iamWithAccounts, rootCaller, testIam } from '../../../test/support/domain.ts';

const A = '111111111111';
/** A standalone account, in no organization. */
const D = '444444444444';

function rootOf(account: string): Caller {
  return rootCaller(account, { accessKeyId: `AKIAROOT${account}` });
}

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** What `caller` asking for `action` on `role` (trusting A and D) is decided, as a read transaction. */
async function decide(iam: Iam, caller: Caller, action: string, role: string): Promise<string> {
  await iam.refresh(caller.account);
  const account = role.split(':')[4]!;
  const trust = iam.compile(
    policy([
      {
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${D}:root`] },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ]),
    'trust',
    `${role} trust`,
  );
  const result = await iam.store.read((tx) =>
    decideFor(iam, tx, caller, {
      action,
      resource: role,
      ...(action.startsWith('sts:') ? { resourcePolicies: [trust], resourceAccount: account } : {}),
    }),
  );
  return result.decision === 'allowed' ? 'allowed' : `${result.decision} by ${result.deniedBy}`;
}

/** AssumeRoleWithWebIdentity's decision on a role of `account` trusting an OIDC provider. */
async function webIdentityDecision(iam: Iam, account: string): Promise<string> {
  const provider = `arn:aws:iam::${account}:oidc-provider/token.example.com`;
  const role: RoleRecord = {
    account,
    id: 'AROAWEBIDENTITY00001',
    name: 'ci',
    path: '/',
    createdAt: '2026-12-01T00:00:00Z',
    trustPolicy: policy([
      { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
    ]),
    maxSessionDuration: 3600,
    tags: [],
    inlinePolicies: {},
  };
  const roleArn = `arn:aws:iam::${account}:role/ci`;
  const action = 'sts:AssumeRoleWithWebIdentity';
  const rcps = await iam.store.read((tx) => resourceControlPoliciesFor(iam, tx, action, roleArn));
  try {
    authorizeFederatedTrust(iam, role, roleArn, { type: 'web-identity', arn: provider }, action, [{}], rcps);
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  }
}

test('which requests RCPs govern: STS actions on a role, not IAM actions', () => {
  assert.equal(governedByRcps('sts:AssumeRole', `arn:aws:iam::${A}:role/x`), true);
  assert.equal(governedByRcps('STS:TagSession', `arn:aws:iam::${A}:role/path/x`), true);
  assert.equal(governedByRcps('iam:DeleteRole', `arn:aws:iam::${A}:role/x`), false);
  assert.equal(governedByRcps('sts:GetFederationToken', `arn:aws:sts::${A}:federated-user/bob`), false);
});

test('an RCP on a member account refuses an outside caller on every node’s next request, never the management account’s roles nor IAM calls', async () => {
  // Two nodes of one database: each its own Iam, and its own memory, over the one store.
  const one = await iamWithAccounts([A, D]);
  const two = testIam({ store: one.store });
  const ctx = { iam: one, caller: rootOf(A) };
  const call = (name: string, input: Record<string, unknown> = {}) =>
    organizationsOperations[name]!(ctx, input);
  const { Organization } = (await call('CreateOrganization', { FeatureSet: 'ALL' })) as {
    Organization: { Id: string };
  };
  const started = (await call('CreateAccount', { Email: 'b@example.com', AccountName: 'B' })) as {
    CreateAccountStatus: { Id: string };
  };
  const status = (await call('DescribeCreateAccountStatus', {
    CreateAccountRequestId: started.CreateAccountStatus.Id,
  })) as { CreateAccountStatus: { AccountId: string } };
  const B = status.CreateAccountStatus.AccountId;
  const { Roots } = (await call('ListRoots')) as { Roots: { Id: string }[] };
  const rootId = Roots[0]!.Id;
  const roleInB = `arn:aws:iam::${B}:role/Shared`;
  const roleInA = `arn:aws:iam::${A}:role/Local`;

  // Remembered by node two before any RCP exists.
  assert.equal(await decide(two, rootOf(D), 'sts:AssumeRole', roleInB), 'allowed');
  assert.equal(await webIdentityDecision(two, B), 'allowed');
  await call('EnablePolicyType', { RootId: rootId, PolicyType: 'RESOURCE_CONTROL_POLICY' });
  assert.equal(await decide(two, rootOf(D), 'sts:AssumeRole', roleInB), 'allowed');

  const { Policy } = (await call('CreatePolicy', {
    Name: 'Perimeter',
    Description: '',
    Type: 'RESOURCE_CONTROL_POLICY',
    Content: policy([
      {
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': Organization.Id } },
      },
    ]),
  })) as { Policy: { PolicySummary: { Id: string } } };
  await call('AttachPolicy', { PolicyId: Policy.PolicySummary.Id, TargetId: rootId });

  // A web identity has no aws:PrincipalOrgID: the perimeter refuses it on B's role, not on A's.
  assert.equal(await webIdentityDecision(two, B), 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  assert.equal(await webIdentityDecision(two, A), 'allowed');

  // Node two, next request: the outside caller is refused on B's role, for each STS action.
  for (const action of ['sts:AssumeRole', 'sts:TagSession'])
    assert.equal(await decide(two, rootOf(D), action, roleInB), 'explicitDeny by resource control');
  // The management account is in the organization; and its own roles are never governed.
  assert.equal(await decide(two, rootOf(A), 'sts:AssumeRole', roleInB), 'allowed');
  assert.equal(await decide(two, rootOf(D), 'sts:AssumeRole', roleInA), 'allowed');
  // IAM's actions are not covered by RCPs: under an RCP denying everything to everyone, B's root
  // may not assume its own role, but still deletes it.
  const denyAll = (await call('CreatePolicy', {
    Name: 'DenyAll',
    Description: '',
    Type: 'RESOURCE_CONTROL_POLICY',
    Content: policy([{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }]),
  })) as { Policy: { PolicySummary: { Id: string } } };
  await call('AttachPolicy', { PolicyId: denyAll.Policy.PolicySummary.Id, TargetId: B });
  assert.equal(await decide(two, rootOf(B), 'sts:AssumeRole', roleInB), 'explicitDeny by resource control');
  assert.equal(await decide(two, rootOf(B), 'iam:DeleteRole', roleInB), 'allowed');

  await call('DetachPolicy', { PolicyId: denyAll.Policy.PolicySummary.Id, TargetId: B });
  await call('DetachPolicy', { PolicyId: Policy.PolicySummary.Id, TargetId: rootId });
  assert.equal(await decide(two, rootOf(D), 'sts:AssumeRole', roleInB), 'allowed');
});
