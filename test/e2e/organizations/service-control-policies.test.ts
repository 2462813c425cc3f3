// AWS Organizations' service control policies, driven by the real SDK and the AWS CLI: the policy
// type enabled on the root (FullAWSAccess attached everywhere), SCPs created, attached and detached
// with AWS's ids, ARNs, errors and quotas; and every IAM and STS call of a member account limited
// by the SCPs along its path — its administrator's role session too — while the management
// account never is, each change seen by the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  MoveAccountCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const A = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const DENY_CREATE_USER = policy([{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }]);

let server: Server;
let admin: Credentials;
let orgId = '';
let rootId = '';
let ouId = '';
let accountB = '';

/** A session of OrganizationAccountAccessRole in B, as the management account's administrator. */
async function adminInB(): Promise<Credentials> {
  const { Credentials: c } = await server.sts(admin).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'admin',
    }),
  );
  return {
    accessKeyId: c!.AccessKeyId!,
    secretAccessKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
}

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
  const started = await server
    .organizations()
    .send(new CreateAccountCommand({ Email: 'b@example.com', AccountName: 'B' }));
  for (let i = 0; i < 100 && !accountB; i++) {
    const { CreateAccountStatus: status } = await server
      .organizations()
      .send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
      );
    if (status!.State === 'SUCCEEDED') accountB = status!.AccountId!;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(accountB, 'account B was created');
  ouId = (
    await server
      .organizations()
      .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }))
  ).OrganizationalUnit!.Id!;
  await server
    .organizations()
    .send(new MoveAccountCommand({ AccountId: accountB, SourceParentId: rootId, DestinationParentId: ouId }));
});

after(async () => {
  await server?.stop();
});

test('EnablePolicyType: SCPs on the root, FullAWSAccess attached to the root, every OU and account', async () => {
  const notEnabled = await awsError(
    server.organizations().send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: ouId })),
  );
  assert.equal(notEnabled.code, 'PolicyTypeNotEnabledException');

  const { Root } = await server
    .organizations()
    .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  assert.deepEqual(Root!.PolicyTypes, [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
  const { Roots } = await server.organizations().send(new ListRootsCommand({}));
  assert.deepEqual(Roots![0]!.PolicyTypes, [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
  const { Organization } = await server.organizations().send(new DescribeOrganizationCommand({}));
  assert.deepEqual(Organization!.AvailablePolicyTypes, [
    { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
  ]);
  const again = await awsError(
    server
      .organizations()
      .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' })),
  );
  assert.equal(again.code, 'PolicyTypeAlreadyEnabledException');

  for (const target of [rootId, ouId, accountB, A]) {
    const { Policies } = await server
      .organizations()
      .send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' }));
    assert.deepEqual(
      Policies!.map((p) => [p.Id, p.Name, p.AwsManaged, p.Arn]),
      [
        [
          'p-FullAWSAccess',
          'FullAWSAccess',
          true,
          'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
        ],
      ],
      target,
    );
  }
  const { Policy } = await server
    .organizations()
    .send(new DescribePolicyCommand({ PolicyId: 'p-FullAWSAccess' }));
  assert.deepEqual(JSON.parse(Policy!.Content!).Statement, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  // A new OU gets FullAWSAccess too.
  const later = await server
    .organizations()
    .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Later' }));
  const { Policies } = await server.organizations().send(
    new ListPoliciesForTargetCommand({
      TargetId: later.OrganizationalUnit!.Id!,
      Filter: 'SERVICE_CONTROL_POLICY',
    }),
  );
  assert.deepEqual(
    Policies!.map((p) => p.Id),
    ['p-FullAWSAccess'],
  );
});

test('CreatePolicy, UpdatePolicy, DeletePolicy: AWS’s ids and ARNs, SCP syntax, names unique', async () => {
  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Name: 'Scratch',
      Description: 'a test',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: DENY_CREATE_USER,
    }),
  );
  const id = Policy!.PolicySummary!.Id!;
  assert.match(id, /^p-[a-z0-9]{8}$/);
  assert.equal(
    Policy!.PolicySummary!.Arn,
    `arn:aws:organizations::${A}:policy/${orgId}/service_control_policy/${id}`,
  );
  assert.equal(Policy!.PolicySummary!.AwsManaged, false);
  assert.equal(Policy!.Content, DENY_CREATE_USER);

  const duplicate = await awsError(
    server.organizations().send(
      new CreatePolicyCommand({
        Name: 'Scratch',
        Description: '',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: DENY_CREATE_USER,
      }),
    ),
  );
  assert.equal(duplicate.code, 'DuplicatePolicyException');
  const withPrincipal = policy([{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }]);
  for (const content of [
    withPrincipal,
    '{"Version":"2012-10-17"',
    policy([{ Effect: 'Allow', Resource: '*' }]),
  ]) {
    const malformed = await awsError(
      server.organizations().send(
        new CreatePolicyCommand({
          Name: 'Bad',
          Description: '',
          Type: 'SERVICE_CONTROL_POLICY',
          Content: content,
        }),
      ),
    );
    assert.equal(malformed.code, 'MalformedPolicyDocumentException', content);
  }
  const long = policy([{ Sid: 'x'.repeat(5200), Effect: 'Deny', Action: '*', Resource: '*' }]);
  const tooLong = await awsError(
    server.organizations().send(
      new CreatePolicyCommand({
        Name: 'Long',
        Description: '',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: long,
      }),
    ),
  );
  assert.equal(tooLong.code, 'ConstraintViolationException');

  const updated = await server
    .organizations()
    .send(new UpdatePolicyCommand({ PolicyId: id, Name: 'Renamed', Description: 'new' }));
  assert.equal(updated.Policy!.PolicySummary!.Name, 'Renamed');
  assert.equal(updated.Policy!.Content, DENY_CREATE_USER);
  const { Policies } = await server
    .organizations()
    .send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
  assert.deepEqual(Policies!.map((p) => p.Name).sort(), ['FullAWSAccess', 'Renamed']);

  await server.organizations().send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId }));
  const inUse = await awsError(server.organizations().send(new DeletePolicyCommand({ PolicyId: id })));
  assert.equal(inUse.code, 'PolicyInUseException');
  const twice = await awsError(
    server.organizations().send(new AttachPolicyCommand({ PolicyId: id, TargetId: rootId })),
  );
  assert.equal(twice.code, 'DuplicatePolicyAttachmentException');
  const { Targets } = await server.organizations().send(new ListTargetsForPolicyCommand({ PolicyId: id }));
  assert.deepEqual(Targets, [
    {
      TargetId: rootId,
      Arn: `arn:aws:organizations::${A}:root/${orgId}/${rootId}`,
      Name: 'Root',
      Type: 'ROOT',
    },
  ]);
  await server.organizations().send(new DetachPolicyCommand({ PolicyId: id, TargetId: rootId }));
  await server.organizations().send(new DeletePolicyCommand({ PolicyId: id }));
  const gone = await awsError(server.organizations().send(new DescribePolicyCommand({ PolicyId: id })));
  assert.equal(gone.code, 'PolicyNotFoundException');

  // Every target keeps one SCP at least.
  const last = await awsError(
    server.organizations().send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: accountB })),
  );
  assert.equal(last.code, 'ConstraintViolationException');
  const missingTarget = await awsError(
    server
      .organizations()
      .send(new AttachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: '999999999999' })),
  );
  assert.equal(missingTarget.code, 'TargetNotFoundException');
  const awsManaged = await awsError(
    server.organizations().send(new DeletePolicyCommand({ PolicyId: 'p-FullAWSAccess' })),
  );
  assert.equal(awsManaged.code, 'AccessDeniedException');
});

test('five SCPs per target at most', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { Policy } = await server.organizations().send(
      new CreatePolicyCommand({
        Name: `Quota${i}`,
        Description: '',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: DENY_CREATE_USER,
      }),
    );
    ids.push(Policy!.PolicySummary!.Id!);
  }
  const target = (
    await server
      .organizations()
      .send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Quota' }))
  ).OrganizationalUnit!.Id!;
  // FullAWSAccess is one of the five.
  for (const id of ids.slice(0, 4))
    await server.organizations().send(new AttachPolicyCommand({ PolicyId: id, TargetId: target }));
  const sixth = await awsError(
    server.organizations().send(new AttachPolicyCommand({ PolicyId: ids[4], TargetId: target })),
  );
  assert.equal(sixth.code, 'ConstraintViolationException');
});

test('only the management account manages SCPs', async () => {
  const inB = await adminInB();
  const denied = await awsError(
    server.organizations(inB).send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' })),
  );
  assert.equal(denied.code, 'AccessDeniedException');
});

test('an SCP on B’s OU denying iam:CreateUser stops B’s administrator, not the management account; detaching restores it', async () => {
  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Name: 'NoNewUsers',
      Description: 'no IAM users',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: DENY_CREATE_USER,
    }),
  );
  const scp = Policy!.PolicySummary!.Id!;
  const inB = await adminInB();
  await server.iam(inB).send(new CreateUserCommand({ UserName: 'before' }));

  await server.organizations().send(new AttachPolicyCommand({ PolicyId: scp, TargetId: ouId }));
  const denied = await awsError(server.iam(inB).send(new CreateUserCommand({ UserName: 'during' })));
  assert.equal(denied.code, 'AccessDenied');
  assert.match(denied.message, /with an explicit deny in a service control policy/);
  // Other calls of B are still allowed (FullAWSAccess at every level).
  await server.iam(inB).send(new DeleteUserCommand({ UserName: 'before' }));
  // A new session of the role is limited the same way; the management account is not.
  const fresh = await adminInB();
  assert.equal(
    (await awsError(server.iam(fresh).send(new CreateUserCommand({ UserName: 'x' })))).code,
    'AccessDenied',
  );
  await server.iam(admin).send(new CreateUserCommand({ UserName: 'management-user' }));
  await server.iam().send(new CreateUserCommand({ UserName: 'management-user-2' }));

  // The simulator reports what the organization's SCPs decide for a member account.
  const { EvaluationResults } = await server.iam(inB).send(
    new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`,
      ActionNames: ['iam:CreateUser', 'iam:ListUsers'],
    }),
  );
  assert.deepEqual(
    EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision, r.OrganizationsDecisionDetail]),
    [
      ['iam:CreateUser', 'explicitDeny', { AllowedByOrganizations: false }],
      ['iam:ListUsers', 'allowed', { AllowedByOrganizations: true }],
    ],
  );

  await server.organizations().send(new DetachPolicyCommand({ PolicyId: scp, TargetId: ouId }));
  await server.iam(inB).send(new CreateUserCommand({ UserName: 'after' }));
});

test('an OU whose only SCP allows nothing else denies implicitly; DisablePolicyType lifts every SCP', async () => {
  const { Policy } = await server.organizations().send(
    new CreatePolicyCommand({
      Name: 'OnlyReads',
      Description: '',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: policy([{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'sts:*'], Resource: '*' }]),
    }),
  );
  const scp = Policy!.PolicySummary!.Id!;
  await server.organizations().send(new AttachPolicyCommand({ PolicyId: scp, TargetId: ouId }));
  await server.organizations().send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: ouId }));
  const inB = await adminInB();
  const denied = await awsError(server.iam(inB).send(new CreateUserCommand({ UserName: 'blocked' })));
  assert.equal(denied.code, 'AccessDenied');
  assert.match(denied.message, /service control policy/);

  await server
    .organizations()
    .send(new DisablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  await server.iam(inB).send(new CreateUserCommand({ UserName: 'unblocked' }));
  const { Roots } = await server.organizations().send(new ListRootsCommand({}));
  assert.deepEqual(Roots![0]!.PolicyTypes, []);
  const { Targets } = await server.organizations().send(new ListTargetsForPolicyCommand({ PolicyId: scp }));
  assert.deepEqual(Targets, []);
  await server
    .organizations()
    .send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
});

test('the AWS CLI creates an SCP and attaches it', async () => {
  const cli = async (...args: string[]) => {
    const { stdout } = await run(
      AWS,
      ['--endpoint-url', server.url, '--region', 'us-east-1', '--output', 'json', 'organizations', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: server.dataDir,
          AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
          AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };
  const made = (await cli(
    'create-policy',
    '--type',
    'SERVICE_CONTROL_POLICY',
    '--name',
    'FromCli',
    '--description',
    'no users',
    '--content',
    DENY_CREATE_USER,
  )) as { Policy: { PolicySummary: { Id: string; Type: string } } };
  assert.equal(made.Policy.PolicySummary.Type, 'SERVICE_CONTROL_POLICY');
  const id = made.Policy.PolicySummary.Id;
  assert.deepEqual(await cli('attach-policy', '--policy-id', id, '--target-id', accountB), {});
  const listed = (await cli(
    'list-policies-for-target',
    '--target-id',
    accountB,
    '--filter',
    'SERVICE_CONTROL_POLICY',
  )) as {
    Policies: { Id: string }[];
  };
  assert.deepEqual(listed.Policies.map((p) => p.Id).sort(), [id, 'p-FullAWSAccess'].sort());
  const inB = await adminInB();
  assert.equal(
    (await awsError(server.iam(inB).send(new CreateUserCommand({ UserName: 'cli' })))).code,
    'AccessDenied',
  );
});
