// AWS Organizations' resource control policies, driven by the real SDK: the policy type enabled on
// the root (RCPFullAWSAccess attached everywhere, never detached), RCPs created with AWS's rules
// for their content, attached and detached; and the classic data perimeter — an RCP on member
// account B denying sts:AssumeRole to principals outside the organization — refusing a user of a
// standalone account though B's role trusts it, while the management account's administrator still
// assumes the role and IAM calls are untouched, each change seen by the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeCreateAccountStatusCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  RemoveAccountFromOrganizationCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserCommand,
  PutUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const A = ROOT.accountId;
const RCP = 'RESOURCE_CONTROL_POLICY';
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let server: Server;
let admin: Credentials;
let partner: Credentials;
/** IAM in C, as the management account's administrator in OrganizationAccountAccessRole. */
let iamC: IAMClient;
let orgId = '';
let rootId = '';
let accountB = '';
let accountC = '';

async function createAccount(email: string, name: string): Promise<string> {
  const started = await server
    .organizations()
    .send(new CreateAccountCommand({ Email: email, AccountName: name }));
  for (let i = 0; i < 100; i++) {
    const { CreateAccountStatus: status } = await server
      .organizations()
      .send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
      );
    if (status!.State === 'SUCCEEDED') return status!.AccountId!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`account ${name} was not created`);
}

async function assume(credentials: Credentials, roleArn: string, name: string): Promise<Credentials> {
  const { Credentials: c } = await server
    .sts(credentials)
    .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: name }));
  return {
    accessKeyId: c!.AccessKeyId!,
    secretAccessKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
}

const accessRole = (account: string) => `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`;
const sharedRole = () => `arn:aws:iam::${accountB}:role/Shared`;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'admin' }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
  admin = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const { Organization } = await server
    .organizations()
    .send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  orgId = Organization!.Id!;
  rootId = (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!;
  accountB = await createAccount('b@example.com', 'B');
  // C leaves the organization: a standalone account, whose user "partner" may assume roles.
  accountC = await createAccount('c@example.com', 'C');
  await server.organizations().send(new RemoveAccountFromOrganizationCommand({ AccountId: accountC }));
  iamC = server.iam(await assume(admin, accessRole(accountC), 'setup'));
  await iamC.send(new CreateUserCommand({ UserName: 'partner' }));
  await iamC.send(
    new PutUserPolicyCommand({
      UserName: 'partner',
      PolicyName: 'assume',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
    }),
  );
  const partnerKey = await iamC.send(new CreateAccessKeyCommand({ UserName: 'partner' }));
  partner = {
    accessKeyId: partnerKey.AccessKey!.AccessKeyId!,
    secretAccessKey: partnerKey.AccessKey!.SecretAccessKey!,
  };
  // In B: a role trusting both the management account and C.
  await server.iam(await assume(admin, accessRole(accountB), 'setup')).send(
    new CreateRoleCommand({
      RoleName: 'Shared',
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam::${A}:root`, `arn:aws:iam::${accountC}:root`] },
          Action: 'sts:AssumeRole',
        },
      ]),
    }),
  );
});

after(async () => {
  await server?.stop();
});

test('EnablePolicyType: RCPs on the root, RCPFullAWSAccess attached to the root and every account', async () => {
  const notEnabled = await awsError(
    server
      .organizations()
      .send(new AttachPolicyCommand({ PolicyId: 'p-RCPFullAWSAccess', TargetId: accountB })),
  );
  assert.equal(notEnabled.code, 'PolicyTypeNotEnabledException');

  const { Root } = await server
    .organizations()
    .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: RCP }));
  assert.deepEqual(Root!.PolicyTypes, [{ Type: RCP, Status: 'ENABLED' }]);
  const again = await awsError(
    server.organizations().send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: RCP })),
  );
  assert.equal(again.code, 'PolicyTypeAlreadyEnabledException');

  const arn = 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess';
  for (const target of [rootId, accountB, A]) {
    const { Policies } = await server
      .organizations()
      .send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: RCP }));
    assert.deepEqual(
      Policies!.map((p) => [p.Id, p.Name, p.Type, p.AwsManaged, p.Arn]),
      [['p-RCPFullAWSAccess', 'RCPFullAWSAccess', RCP, true, arn]],
    );
    // SCPs are not enabled: no SCP is attached.
    const scps = await server
      .organizations()
      .send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' }));
    assert.deepEqual(scps.Policies, []);
  }
  const { Policy } = await server
    .organizations()
    .send(new DescribePolicyCommand({ PolicyId: 'p-RCPFullAWSAccess' }));
  assert.deepEqual(JSON.parse(Policy!.Content!), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
  });

  // AWS's managed RCP is neither changed, deleted nor detached.
  const update = await awsError(
    server.organizations().send(new UpdatePolicyCommand({ PolicyId: 'p-RCPFullAWSAccess', Name: 'Mine' })),
  );
  assert.equal(update.code, 'AccessDeniedException');
  const remove = await awsError(
    server.organizations().send(new DeletePolicyCommand({ PolicyId: 'p-RCPFullAWSAccess' })),
  );
  assert.equal(remove.code, 'AccessDeniedException');
  const detach = await awsError(
    server
      .organizations()
      .send(new DetachPolicyCommand({ PolicyId: 'p-RCPFullAWSAccess', TargetId: accountB })),
  );
  assert.equal(detach.code, 'ConstraintViolationException');
});

test('CreatePolicy: an RCP names Principal "*", only denies, and fits in 5,120 characters', async () => {
  const create = (content: string, name = 'Bad') =>
    server
      .organizations()
      .send(new CreatePolicyCommand({ Type: RCP, Name: name, Description: 'x', Content: content }));
  const deny = { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' };
  const malformed = [
    policy([{ ...deny, Effect: 'Allow' }]),
    policy([{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }]),
    policy([{ ...deny, Principal: { AWS: `arn:aws:iam::${accountC}:root` } }]),
  ];
  for (const content of malformed) {
    const refused = await awsError(create(content));
    assert.equal(refused.code, 'MalformedPolicyDocumentException', content);
  }
  const long = policy([{ ...deny, Sid: 'x'.repeat(5100) }]);
  const tooLong = await awsError(create(long));
  assert.equal(tooLong.code, 'ConstraintViolationException');
  const duplicate = await awsError(create(policy([deny]), 'RCPFullAWSAccess'));
  assert.equal(duplicate.code, 'DuplicatePolicyException');
  const { Policies } = await server.organizations().send(new ListPoliciesCommand({ Filter: RCP }));
  assert.deepEqual(
    Policies!.map((p) => p.Id),
    ['p-RCPFullAWSAccess'],
  );
});

test('a data-perimeter RCP on B refuses a principal outside the organization, not the management account, until detached', async () => {
  const outsiderAssumes = () =>
    server.sts(partner).send(new AssumeRoleCommand({ RoleArn: sharedRole(), RoleSessionName: 'partner' }));
  // Before: B's trust policy and C's identity policy allow it, RCPFullAWSAccess lets it through.
  await outsiderAssumes();

  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Type: RCP,
      Name: 'OrgPerimeter',
      Description: 'Roles are assumed by the organization only',
      Content: policy([
        {
          Sid: 'EnforceOrgIdentities',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sts:AssumeRole',
          Resource: '*',
          Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': orgId } },
        },
      ]),
    }),
  );
  const id = Policy!.PolicySummary!.Id!;
  assert.match(id, /^p-[0-9a-z]{8,}$/);
  assert.equal(
    Policy!.PolicySummary!.Arn,
    `arn:aws:organizations::${A}:policy/${orgId}/resource_control_policy/${id}`,
  );
  assert.equal(Policy!.PolicySummary!.Type, RCP);
  await server.organizations().send(new AttachPolicyCommand({ PolicyId: id, TargetId: accountB }));
  const { Targets } = await server.organizations().send(new ListTargetsForPolicyCommand({ PolicyId: id }));
  assert.deepEqual(
    Targets!.map((t) => [t.TargetId, t.Type]),
    [[accountB, 'ACCOUNT']],
  );

  const refused = await awsError(outsiderAssumes());
  assert.equal(refused.code, 'AccessDenied');
  assert.equal(
    refused.message,
    `User: arn:aws:iam::${accountC}:user/partner is not authorized to perform: sts:AssumeRole on resource: ${sharedRole()} with an explicit deny in a resource control policy`,
  );
  // The simulator applies B's RCPs to C's user too, with the context keys it is given.
  const simulate = (contextEntries: { key: string; value: string }[]) =>
    iamC.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${accountC}:user/partner`,
        ActionNames: ['sts:AssumeRole'],
        ResourceArns: [sharedRole()],
        ContextEntries: contextEntries.map(({ key, value }) => ({
          ContextKeyName: key,
          ContextKeyValues: [value],
          ContextKeyType: 'string',
        })),
      }),
    );
  const outside = (await simulate([{ key: 'aws:PrincipalOrgID', value: 'o-elsewhere1' }]))
    .EvaluationResults![0]!;
  assert.equal(outside.EvalDecision, 'explicitDeny');
  assert.deepEqual(outside.OrganizationsDecisionDetail, { AllowedByOrganizations: false });
  const inside = (await simulate([{ key: 'aws:PrincipalOrgID', value: orgId }])).EvaluationResults![0]!;
  assert.equal(inside.EvalDecision, 'allowed');
  assert.deepEqual(inside.OrganizationsDecisionDetail, { AllowedByOrganizations: true });

  // A principal of the management account is in the organization: it still assumes the role.
  await assume(admin, sharedRole(), 'admin');
  // RCPs do not cover IAM: B's administrator still manages B's users.
  const iamB = server.iam(await assume(admin, accessRole(accountB), 'admin'));
  await iamB.send(new CreateUserCommand({ UserName: 'someone' }));
  await iamB.send(new DeleteUserCommand({ UserName: 'someone' }));

  // The last custom RCP detached: RCPFullAWSAccess stays, and the outsider is let through again.
  await server.organizations().send(new DetachPolicyCommand({ PolicyId: id, TargetId: accountB }));
  await outsiderAssumes();
  await server.organizations().send(new DeletePolicyCommand({ PolicyId: id }));
});

test('an RCP on the root applies to every member account, never to the management account', async () => {
  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Type: RCP,
      Name: 'NoAssumeRole',
      Description: 'No role is assumed',
      Content: policy([{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }]),
    }),
  );
  const id = Policy!.PolicySummary!.Id!;
  await server.organizations().send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));
  const denied = await awsError(assume(admin, sharedRole(), 'admin'));
  assert.equal(denied.code, 'AccessDenied');
  assert.match(denied.message, /with an explicit deny in a resource control policy$/);
  // The management account's own roles are not governed by RCPs.
  await server.iam().send(
    new CreateRoleCommand({
      RoleName: 'Local',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
  await assume(admin, `arn:aws:iam::${A}:role/Local`, 'admin');

  // Disabling the type detaches every RCP: the role is assumed again; the policy stays.
  const { Root } = await server
    .organizations()
    .send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: RCP }));
  assert.deepEqual(Root!.PolicyTypes, []);
  await assume(admin, sharedRole(), 'admin');
  const { Policies } = await server.organizations().send(new ListPoliciesCommand({ Filter: RCP }));
  assert.deepEqual(Policies!.map((p) => p.Name).sort(), ['NoAssumeRole', 'RCPFullAWSAccess']);
});
