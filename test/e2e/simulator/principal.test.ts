// SimulatePrincipalPolicy and GetContextKeysForPrincipalPolicy: a user's own, group and managed
// policies, a role's policies and boundary, and the simulator agreeing with what the server
// enforces on that user's real calls. Also who may simulate what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetAccountSummaryCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetUserCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type EvaluationResult,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';

let server: Server;
let iam: IAMClient;
let dana: Credentials;

const ACCOUNT = ROOT.accountId;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[] = '*') => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});

async function userWithKey(name: string): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
}

before(async () => {
  server = await startServer();
  iam = server.iam();
  // The seed's story: everyone manages their own MFA, and is denied the rest without it.
  dana = await userWithKey('dana');
  await iam.send(new CreateGroupCommand({ GroupName: 'everyone' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'everyone',
      PolicyName: 'SelfManageMFA',
      PolicyDocument: SELF_MANAGED_MFA_POLICY,
    }),
  );
  await iam.send(new AddUserToGroupCommand({ GroupName: 'everyone', UserName: 'dana' }));
  const readUsers = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ReadUsers',
      PolicyDocument: policy(allow(['iam:ListUsers', 'iam:GetAccountSummary'])),
    }),
  );
  await iam.send(new AttachUserPolicyCommand({ UserName: 'dana', PolicyArn: readUsers.Policy!.Arn! }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'dana',
      PolicyName: 'Logs',
      PolicyDocument: policy(allow('logs:*')),
    }),
  );

  // A role with an inline policy and a boundary narrower than it.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'worker',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { Service: 'ec2.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'worker',
      PolicyName: 'S3All',
      PolicyDocument: policy(allow('s3:*')),
    }),
  );
  const boundary = await iam.send(
    new CreatePolicyCommand({ PolicyName: 'ReadOnlyS3', PolicyDocument: policy(allow('s3:GetObject')) }),
  );
  await iam.send(
    new PutRolePermissionsBoundaryCommand({ RoleName: 'worker', PermissionsBoundary: boundary.Policy!.Arn! }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'worker',
      PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    }),
  );
});
after(async () => {
  await server?.stop();
});

async function simulateOne(
  source: string,
  action: string,
  resource?: string,
  extra: Partial<ConstructorParameters<typeof SimulatePrincipalPolicyCommand>[0]> = {},
): Promise<EvaluationResult> {
  const out = await iam.send(
    new SimulatePrincipalPolicyCommand({
      PolicySourceArn: source,
      ActionNames: [action],
      ...(resource ? { ResourceArns: [resource] } : {}),
      ...extra,
    }),
  );
  assert.equal(out.EvaluationResults?.length, 1);
  return out.EvaluationResults![0]!;
}

test("a user's own, group and managed policies are simulated together, each named as AWS names it", async () => {
  const getUser = await simulateOne(userArn('dana'), 'iam:GetUser', userArn('dana'));
  assert.equal(getUser.EvalDecision, 'allowed');
  // The group's inline policy is "group_<group>_<policy>"; ${aws:username} is dana's own name.
  assert.deepEqual(
    getUser.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType, s.StartPosition?.Line]),
    [['group_everyone_SelfManageMFA', 'IAM Policy', 13]],
  );
  // Only the MFA key is left for the caller to supply: the principal's own keys are known.
  assert.deepEqual(getUser.MissingContextValues, ['aws:MultiFactorAuthPresent']);

  const otherUser = await simulateOne(userArn('dana'), 'iam:GetUser', userArn('someone-else'));
  assert.equal(otherUser.EvalDecision, 'implicitDeny');

  const listUsers = await simulateOne(userArn('dana'), 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`);
  assert.equal(listUsers.EvalDecision, 'explicitDeny');
  assert.deepEqual(
    listUsers.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['group_everyone_SelfManageMFA'],
  );

  const withMfa = await simulateOne(userArn('dana'), 'iam:ListUsers', `arn:aws:iam::${ACCOUNT}:user/`, {
    ContextEntries: [
      { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyValues: ['true'], ContextKeyType: 'boolean' },
    ],
  });
  assert.equal(withMfa.EvalDecision, 'allowed');
  assert.deepEqual(withMfa.MatchedStatements, [
    {
      SourcePolicyId: 'ReadUsers',
      SourcePolicyType: 'IAM Policy',
      StartPosition: { Line: 1, Column: 38 },
      EndPosition: { Line: 1, Column: 122 },
    },
  ]);

  const logs = await simulateOne(userArn('dana'), 'logs:PutLogEvents', undefined, {
    ContextEntries: [
      { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyValues: ['true'], ContextKeyType: 'boolean' },
    ],
  });
  assert.equal(logs.EvalDecision, 'allowed');
  assert.deepEqual(
    logs.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['user_dana_Logs'],
  );
  assert.equal(logs.PermissionsBoundaryDecisionDetail, undefined);
});

test("the simulator's decision for a user is the one the server enforces on that user's real calls", async () => {
  const asDana = server.iam(dana);
  const cases: { action: string; resource: string; call: () => Promise<unknown> }[] = [
    {
      action: 'iam:GetUser',
      resource: userArn('dana'),
      call: () => asDana.send(new GetUserCommand({ UserName: 'dana' })),
    },
    {
      action: 'iam:GetUser',
      resource: userArn('eve'),
      call: () => asDana.send(new GetUserCommand({ UserName: 'eve' })),
    },
    {
      action: 'iam:ListUsers',
      resource: `arn:aws:iam::${ACCOUNT}:user/`,
      call: () => asDana.send(new ListUsersCommand({})),
    },
    {
      action: 'iam:GetAccountSummary',
      resource: '*',
      call: () => asDana.send(new GetAccountSummaryCommand({})),
    },
    {
      action: 'iam:ListVirtualMFADevices',
      resource: '*',
      call: () => asDana.send(new ListVirtualMFADevicesCommand({})),
    },
  ];
  for (const { action, resource, call } of cases) {
    const simulated = await simulateOne(userArn('dana'), action, resource === '*' ? undefined : resource);
    let outcome = 'allowed';
    try {
      await call();
    } catch (error) {
      const e = error as { Code?: string; name: string; message: string };
      // Any other error (NoSuchEntity for a missing user) comes after authorization allowed the call.
      if ((e.Code ?? e.name) === 'AccessDenied')
        outcome = e.message.includes('with an explicit deny') ? 'explicitDeny' : 'implicitDeny';
    }
    assert.equal(simulated.EvalDecision, outcome, `${action} on ${resource}`);
  }
});

test("a role's policies are limited by its permissions boundary, reported in PermissionsBoundaryDecisionDetail", async () => {
  const put = await simulateOne(roleArn('worker'), 's3:PutObject', 'arn:aws:s3:::bucket/key');
  assert.equal(put.EvalDecision, 'implicitDeny');
  assert.deepEqual(put.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });
  assert.deepEqual(put.MatchedStatements, []);
  assert.equal(put.ResourceSpecificResults?.[0]?.EvalResourceDecision, 'implicitDeny');

  const get = await simulateOne(roleArn('worker'), 's3:GetObject', 'arn:aws:s3:::bucket/key');
  assert.equal(get.EvalDecision, 'allowed');
  assert.deepEqual(get.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: true });
  assert.deepEqual(
    get.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['AmazonS3ReadOnlyAccess', 'role_worker_S3All', 'ReadOnlyS3'],
  );

  // A boundary passed in replaces the role's own.
  const replaced = await simulateOne(roleArn('worker'), 's3:PutObject', 'arn:aws:s3:::bucket/key', {
    PermissionsBoundaryPolicyInputList: [policy(allow('s3:*'))],
  });
  assert.equal(replaced.EvalDecision, 'allowed');
  assert.deepEqual(
    replaced.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['role_worker_S3All', 'PermissionsBoundaryPolicyInputList.1'],
  );

  // Extra policies join the role's identity policies.
  const extra = await simulateOne(roleArn('worker'), 's3:GetObject', 'arn:aws:s3:::bucket/key', {
    PolicyInputList: [policy({ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::bucket/*' })],
  });
  assert.equal(extra.EvalDecision, 'explicitDeny');
  assert.deepEqual(
    extra.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['PolicyInputList.1'],
  );
});

test('a group can be simulated; a resource policy needs a user caller when the source is not a user', async () => {
  const group = await simulateOne(`arn:aws:iam::${ACCOUNT}:group/everyone`, 'iam:ListVirtualMFADevices');
  assert.equal(group.EvalDecision, 'allowed');
  const bucketPolicy = policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' });
  assert.deepEqual(
    await awsError(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: roleArn('worker'),
          ActionNames: ['s3:GetObject'],
          ResourcePolicy: bucketPolicy,
        }),
      ),
    ),
    {
      code: 'InvalidInput',
      message: 'Invalid caller - Caller must be an IAM user in this context.',
      status: 400,
    },
  );
  const asCaller = await simulateOne(roleArn('worker'), 's3:PutObject', 'arn:aws:s3:::bucket/key', {
    ResourcePolicy: policy({
      Effect: 'Allow',
      Principal: { AWS: userArn('dana') },
      Action: 's3:PutObject',
      Resource: '*',
    }),
    CallerArn: userArn('dana'),
  });
  assert.equal(asCaller.EvalDecision, 'allowed');
  assert.deepEqual(
    asCaller.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]),
    [['ResourcePolicy', 'Resource Policy']],
  );
  // A user source is its own caller.
  const danaBucket = await simulateOne(userArn('dana'), 's3:GetObject', 'arn:aws:s3:::b/k', {
    ResourcePolicy: bucketPolicy,
  });
  assert.equal(danaBucket.EvalDecision, 'explicitDeny'); // the MFA deny still applies
});

test('missing entities are NoSuchEntity, ARNs that name no user, group or role are InvalidInput', async () => {
  const send = (arn: string) =>
    awsError(
      iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: ['s3:GetObject'] })),
    );
  assert.deepEqual(await send(userArn('ghost')), {
    code: 'NoSuchEntity',
    message: 'The user with name ghost cannot be found.',
    status: 404,
  });
  assert.deepEqual(await send(roleArn('ghost')), {
    code: 'NoSuchEntity',
    message: 'The role with name ghost cannot be found.',
    status: 404,
  });
  assert.deepEqual(await send(`arn:aws:iam::${ACCOUNT}:group/ghost`), {
    code: 'NoSuchEntity',
    message: 'The group with name ghost cannot be found.',
    status: 404,
  });
  assert.deepEqual(await send(`arn:aws:iam::${ACCOUNT}:policy/ReadUsers`), {
    code: 'InvalidInput',
    message: `ARN arn:aws:iam::${ACCOUNT}:policy/ReadUsers is not valid.`,
    status: 400,
  });
  assert.equal(
    (
      await awsError(
        iam.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: userArn('ghost') })),
      )
    ).code,
    'NoSuchEntity',
  );
});

test("GetContextKeysForPrincipalPolicy lists the keys of the user's, its groups' and the extra policies", async () => {
  const out = await iam.send(
    new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: userArn('dana') }),
  );
  assert.deepEqual(out.ContextKeyNames, ['aws:username', 'aws:MultiFactorAuthPresent']);
  const extra = await iam.send(
    new GetContextKeysForPrincipalPolicyCommand({
      PolicySourceArn: userArn('dana'),
      PolicyInputList: [
        policy({
          ...allow('ec2:*'),
          Condition: { StringEquals: { 'ec2:Region': 'eu-west-1', 'aws:MultiFactorAuthPresent': 'x' } },
        }),
      ],
    }),
  );
  assert.deepEqual(extra.ContextKeyNames, ['aws:username', 'aws:MultiFactorAuthPresent', 'ec2:Region']);
  const role = await iam.send(
    new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: roleArn('worker') }),
  );
  assert.deepEqual(role.ContextKeyNames, []);
});

test('simulating needs permission: on the source ARN for principals, on "*" for custom policies; AccessDenied comes first', async () => {
  const eve = server.iam(await userWithKey('eve'));
  const denied = (action: string, resource?: string) => ({
    code: 'AccessDenied',
    message: `User: ${userArn('eve')} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} because no identity-based policy allows the ${action} action`,
    status: 403,
  });
  const principal = (arn: string) =>
    eve.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: ['s3:GetObject'] }));
  const custom = () =>
    eve.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy(allow('*'))],
        ActionNames: ['s3:GetObject'],
      }),
    );
  const keys = (arn: string) =>
    eve.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: arn }));
  const customKeys = () =>
    eve.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [policy(allow('*'))] }));

  assert.deepEqual(
    await awsError(principal(userArn('dana'))),
    denied('iam:SimulatePrincipalPolicy', userArn('dana')),
  );
  assert.deepEqual(
    await awsError(principal(userArn('ghost'))),
    denied('iam:SimulatePrincipalPolicy', userArn('ghost')),
  );
  assert.deepEqual(await awsError(custom()), denied('iam:SimulateCustomPolicy'));
  assert.deepEqual(
    await awsError(keys(userArn('dana'))),
    denied('iam:GetContextKeysForPrincipalPolicy', userArn('dana')),
  );
  assert.deepEqual(await awsError(customKeys()), denied('iam:GetContextKeysForCustomPolicy'));

  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'eve',
      PolicyName: 'Simulate',
      PolicyDocument: policy(
        allow(['iam:SimulatePrincipalPolicy', 'iam:GetContextKeysForPrincipalPolicy'], userArn('dana')),
        allow(['iam:SimulateCustomPolicy', 'iam:GetContextKeysForCustomPolicy']),
      ),
    }),
  );
  assert.equal((await principal(userArn('dana'))).EvaluationResults?.[0]?.EvalDecision, 'explicitDeny');
  assert.deepEqual(
    await awsError(principal(roleArn('worker'))),
    denied('iam:SimulatePrincipalPolicy', roleArn('worker')),
  );
  assert.equal((await custom()).EvaluationResults?.[0]?.EvalDecision, 'allowed');
  assert.deepEqual((await keys(userArn('dana'))).ContextKeyNames, [
    'aws:username',
    'aws:MultiFactorAuthPresent',
  ]);
  assert.deepEqual((await customKeys()).ContextKeyNames, []);
});
