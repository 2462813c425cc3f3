// SimulateCustomPolicy and GetContextKeysForCustomPolicy, driven through the AWS SDK against the
// real server: the seed's self-managed MFA policy, boundaries, resource policies, context entries
// of every shape, paging and malformed inputs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetContextKeysForCustomPolicyCommand,
  SimulateCustomPolicyCommand,
  type ContextEntry,
  type EvaluationResult,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';

let server: Server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const ACCOUNT = ROOT.accountId;
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[] = '*', extra: object = {}) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const mfa = (value: 'true' | 'false'): ContextEntry => ({
  ContextKeyName: 'aws:MultiFactorAuthPresent',
  ContextKeyValues: [value],
  ContextKeyType: 'boolean',
});

async function simulate(input: ConstructorParameters<typeof SimulateCustomPolicyCommand>[0]) {
  return server.iam().send(new SimulateCustomPolicyCommand(input));
}

async function only(
  input: ConstructorParameters<typeof SimulateCustomPolicyCommand>[0],
): Promise<EvaluationResult> {
  const out = await simulate(input);
  assert.equal(out.EvaluationResults?.length, 1);
  return out.EvaluationResults![0]!;
}

test('the seed MFA policy explicitly denies ec2:RunInstances without MFA, naming the deny statement and its position', async () => {
  const result = await only({
    PolicyInputList: [SELF_MANAGED_MFA_POLICY],
    ActionNames: ['ec2:RunInstances'],
  });
  assert.equal(result.EvalActionName, 'ec2:RunInstances');
  assert.equal(result.EvalResourceName, '*');
  assert.equal(result.EvalDecision, 'explicitDeny');
  // DenyAllExceptListedIfNoMFA: it starts where the previous statement's '}' ends (line 88) and
  // ends just after its own '}' (line 109), as AWS's simulator counts.
  assert.deepEqual(result.MatchedStatements, [
    {
      SourcePolicyId: 'PolicyInputList.1',
      SourcePolicyType: 'IAM Policy',
      StartPosition: { Line: 88, Column: 10 },
      EndPosition: { Line: 109, Column: 10 },
    },
  ]);
  // BoolIfExists treats the absent key as a match, and the key is reported missing all the same.
  assert.ok(result.MissingContextValues?.includes('aws:MultiFactorAuthPresent'));
  assert.equal(result.PermissionsBoundaryDecisionDetail, undefined);
});

test('with aws:MultiFactorAuthPresent false it is still denied; with true and ec2:* allowed it is allowed', async () => {
  const denied = await only({
    PolicyInputList: [SELF_MANAGED_MFA_POLICY],
    ActionNames: ['ec2:RunInstances'],
    ContextEntries: [mfa('false')],
  });
  assert.equal(denied.EvalDecision, 'explicitDeny');
  assert.ok(!denied.MissingContextValues?.includes('aws:MultiFactorAuthPresent'));

  const noAllow = await only({
    PolicyInputList: [SELF_MANAGED_MFA_POLICY],
    ActionNames: ['ec2:RunInstances'],
    ContextEntries: [mfa('true')],
  });
  assert.equal(noAllow.EvalDecision, 'implicitDeny');
  assert.deepEqual(noAllow.MatchedStatements, []);

  const ec2 = JSON.stringify({ Version: '2012-10-17', Statement: [allow('ec2:*')] });
  const allowed = await only({
    PolicyInputList: [SELF_MANAGED_MFA_POLICY, ec2],
    ActionNames: ['ec2:RunInstances'],
    ContextEntries: [mfa('true')],
  });
  assert.equal(allowed.EvalDecision, 'allowed');
  assert.deepEqual(allowed.MatchedStatements, [
    {
      SourcePolicyId: 'PolicyInputList.2',
      SourcePolicyType: 'IAM Policy',
      StartPosition: { Line: 1, Column: 38 },
      EndPosition: { Line: 1, Column: 88 },
    },
  ]);
  assert.deepEqual(allowed.MissingContextValues, ['aws:username']);
});

test('an action the MFA policy exempts is allowed without MFA; a single statement object is positioned as AWS does', async () => {
  const result = await only({
    PolicyInputList: [SELF_MANAGED_MFA_POLICY],
    ActionNames: ['iam:ListVirtualMFADevices'],
  });
  assert.equal(result.EvalDecision, 'allowed');
  assert.deepEqual(
    result.MatchedStatements?.map((s) => [s.SourcePolicyId, s.StartPosition, s.EndPosition]),
    [['PolicyInputList.1', { Line: 3, Column: 19 }, { Line: 13, Column: 10 }]],
  );
  // AWS's own example: {"Version":"2012-10-17","Statement":{...}} matches at columns 38 to 167.
  const example = await only({
    PolicyInputList: [
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}',
    ],
    ActionNames: ['dynamodb:CreateBackup'],
    ContextEntries: [
      {
        ContextKeyName: 'aws:CurrentTime',
        ContextKeyValues: ['2019-04-25T11:00:00Z'],
        ContextKeyType: 'date',
      },
    ],
  });
  assert.equal(example.EvalDecision, 'allowed');
  assert.deepEqual(example.MatchedStatements, [
    {
      SourcePolicyId: 'PolicyInputList.1',
      SourcePolicyType: 'IAM Policy',
      StartPosition: { Line: 1, Column: 38 },
      EndPosition: { Line: 1, Column: 167 },
    },
  ]);
  assert.deepEqual(example.MissingContextValues, []);
});

test('a permissions boundary that does not allow the action gives implicitDeny and AllowedByPermissionsBoundary false', async () => {
  const boundary = policy(allow('s3:*'));
  const denied = await only({
    PolicyInputList: [policy(allow(['ec2:*', 's3:*']))],
    PermissionsBoundaryPolicyInputList: [boundary],
    ActionNames: ['ec2:RunInstances'],
  });
  assert.equal(denied.EvalDecision, 'implicitDeny');
  assert.deepEqual(denied.MatchedStatements, []);
  assert.deepEqual(denied.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });

  const allowed = await only({
    PolicyInputList: [policy(allow(['ec2:*', 's3:*']))],
    PermissionsBoundaryPolicyInputList: [boundary],
    ActionNames: ['s3:GetObject'],
    ResourceArns: ['arn:aws:s3:::bucket/key'],
  });
  assert.equal(allowed.EvalDecision, 'allowed');
  assert.deepEqual(allowed.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: true });
  assert.deepEqual(
    allowed.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['PolicyInputList.1', 'PermissionsBoundaryPolicyInputList.1'],
  );

  const error = await awsError(
    simulate({
      PolicyInputList: [policy(allow('*'))],
      PermissionsBoundaryPolicyInputList: [boundary, boundary],
      ActionNames: ['s3:GetObject'],
    }),
  );
  assert.deepEqual(error, {
    code: 'InvalidInput',
    message: 'The list of Permissions Boundary policies cannot exceed 1 items.',
    status: 400,
  });
});

test('explicit deny in a boundary wins over an identity allow', async () => {
  const result = await only({
    PolicyInputList: [policy(allow('*'))],
    PermissionsBoundaryPolicyInputList: [
      policy(allow('*'), { Effect: 'Deny', Action: 'iam:*', Resource: '*' }),
    ],
    ActionNames: ['iam:CreateUser'],
  });
  assert.equal(result.EvalDecision, 'explicitDeny');
  assert.deepEqual(
    result.MatchedStatements?.map((s) => s.SourcePolicyId),
    ['PermissionsBoundaryPolicyInputList.1'],
  );
  assert.deepEqual(result.PermissionsBoundaryDecisionDetail, { AllowedByPermissionsBoundary: false });
});

test('a resource policy naming a same-account user allows it on its own, with CallerArn and ResourceOwner', async () => {
  const bucketPolicy = policy({
    Sid: 'AllowAlice',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::shared/*',
  });
  const nothing = policy(allow('sqs:SendMessage'));
  const result = await only({
    PolicyInputList: [nothing],
    ActionNames: ['s3:GetObject'],
    ResourceArns: ['arn:aws:s3:::shared/report.csv'],
    ResourcePolicy: bucketPolicy,
    ResourceOwner: `arn:aws:iam::${ACCOUNT}:root`,
    CallerArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  });
  assert.equal(result.EvalDecision, 'allowed');
  assert.equal(result.EvalResourceName, 'arn:aws:s3:::shared/report.csv');
  assert.deepEqual(result.MatchedStatements, [
    {
      SourcePolicyId: 'ResourcePolicy',
      SourcePolicyType: 'Resource Policy',
      StartPosition: { Line: 1, Column: 38 },
      EndPosition: { Line: 1, Column: 193 },
    },
  ]);
  assert.deepEqual(result.EvalDecisionDetails, {
    'IAM Policy': 'implicitDeny',
    'Resource Policy': 'allowed',
  });
  assert.equal(result.ResourceSpecificResults?.length, 1);
  assert.equal(result.ResourceSpecificResults![0]!.EvalResourceDecision, 'allowed');

  // Another user of the account is not named: only its own (empty) identity policies count.
  const bob = await only({
    PolicyInputList: [nothing],
    ActionNames: ['s3:GetObject'],
    ResourceArns: ['arn:aws:s3:::shared/report.csv'],
    ResourcePolicy: bucketPolicy,
    CallerArn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  });
  assert.equal(bob.EvalDecision, 'implicitDeny');

  // Cross-account: the resource policy must allow and so must the caller's identity policies.
  const crossPolicy = policy({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::shared/*',
  });
  const cross = (identity: string) =>
    only({
      PolicyInputList: [identity],
      ActionNames: ['s3:GetObject'],
      ResourceArns: ['arn:aws:s3:::shared/report.csv'],
      ResourcePolicy: crossPolicy,
      ResourceOwner: 'arn:aws:iam::210987654321:root',
      CallerArn: `arn:aws:iam::${ACCOUNT}:user/carol`,
    });
  const withoutIdentity = await cross(nothing);
  assert.equal(withoutIdentity.EvalDecision, 'implicitDeny');
  assert.deepEqual(withoutIdentity.ResourceSpecificResults![0]!.EvalDecisionDetails, {
    'IAM Policy': 'implicitDeny',
    'Resource Policy': 'allowed',
  });
  assert.equal((await cross(policy(allow('s3:GetObject')))).EvalDecision, 'allowed');
});

test('a resource policy needs an IAM user as CallerArn, and ResourceOwner must be an account root ARN', async () => {
  const bucketPolicy = policy({
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::shared/*',
  });
  const base = {
    PolicyInputList: [policy(allow('s3:*'))],
    ActionNames: ['s3:GetObject'],
    ResourcePolicy: bucketPolicy,
  };
  const invalidCaller = {
    code: 'InvalidInput',
    message: 'Invalid caller - Caller must be an IAM user in this context.',
    status: 400,
  };
  assert.deepEqual(await awsError(simulate(base)), invalidCaller);
  assert.deepEqual(
    await awsError(simulate({ ...base, CallerArn: `arn:aws:iam::${ACCOUNT}:role/some-role` })),
    invalidCaller,
  );
  assert.deepEqual(
    await awsError(
      simulate({ ...base, CallerArn: `arn:aws:iam::${ACCOUNT}:user/alice`, ResourceOwner: ACCOUNT }),
    ),
    { code: 'InvalidInput', message: `'${ACCOUNT}' is not a valid as a Resource Owner.`, status: 400 },
  );
});

test('multi-valued context entries work with ForAnyValue and ForAllValues', async () => {
  const tagged = policy(
    allow('ec2:CreateTags', '*', {
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } },
    }),
    {
      Effect: 'Deny',
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['secret*'] } },
    },
  );
  const run = (keys: string[], type: ContextEntry['ContextKeyType'] = 'stringList') =>
    only({
      PolicyInputList: [tagged],
      ActionNames: ['ec2:CreateTags'],
      ContextEntries: [{ ContextKeyName: 'aws:TagKeys', ContextKeyValues: keys, ContextKeyType: type }],
    });
  assert.equal((await run(['cost', 'owner'])).EvalDecision, 'allowed');
  assert.equal((await run(['cost'])).EvalDecision, 'implicitDeny');
  assert.equal((await run(['owner', 'secret-x'])).EvalDecision, 'explicitDeny');

  const allValues = policy(
    allow('ec2:CreateTags', '*', {
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } },
    }),
  );
  const all = (keys: string[]) =>
    only({
      PolicyInputList: [allValues],
      ActionNames: ['ec2:CreateTags'],
      ContextEntries: [
        { ContextKeyName: 'aws:TagKeys', ContextKeyValues: keys, ContextKeyType: 'stringList' },
      ],
    });
  assert.equal((await all(['team'])).EvalDecision, 'allowed');
  assert.equal((await all(['team', 'cost'])).EvalDecision, 'implicitDeny');

  // Numeric, IP and date entries reach their condition families.
  const typed = policy(
    allow('s3:GetObject', '*', {
      Condition: {
        NumericLessThan: { 's3:max-keys': '10' },
        IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
        DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
      },
    }),
  );
  const typedRun = (maxKeys: string, ip: string) =>
    only({
      PolicyInputList: [typed],
      ActionNames: ['s3:GetObject'],
      ContextEntries: [
        { ContextKeyName: 's3:max-keys', ContextKeyValues: [maxKeys], ContextKeyType: 'numeric' },
        { ContextKeyName: 'aws:SourceIp', ContextKeyValues: [ip], ContextKeyType: 'ip' },
        {
          ContextKeyName: 'aws:CurrentTime',
          ContextKeyValues: ['2026-06-01T00:00:00Z'],
          ContextKeyType: 'date',
        },
      ],
    });
  assert.equal((await typedRun('5', '203.0.113.7')).EvalDecision, 'allowed');
  assert.equal((await typedRun('50', '203.0.113.7')).EvalDecision, 'implicitDeny');
  assert.equal((await typedRun('5', '198.51.100.1')).EvalDecision, 'implicitDeny');
});

test('several resources: each has its result, and the action takes the most restrictive decision', async () => {
  const out = await simulate({
    PolicyInputList: [policy(allow('s3:GetObject', 'arn:aws:s3:::open/*'))],
    ActionNames: ['s3:GetObject'],
    ResourceArns: ['arn:aws:s3:::open/a', 'arn:aws:s3:::closed/b'],
  });
  const result = out.EvaluationResults![0]!;
  assert.equal(result.EvalDecision, 'implicitDeny');
  assert.deepEqual(
    result.ResourceSpecificResults?.map((r) => [r.EvalResourceName, r.EvalResourceDecision]),
    [
      ['arn:aws:s3:::open/a', 'allowed'],
      ['arn:aws:s3:::closed/b', 'implicitDeny'],
    ],
  );
  assert.equal(
    result.ResourceSpecificResults![0]!.MatchedStatements?.[0]?.SourcePolicyId,
    'PolicyInputList.1',
  );
});

test('results are paged by action with MaxItems and Marker', async () => {
  const actions = ['iam:GetUser', 'iam:ListUsers', 'iam:CreateUser', 'iam:DeleteUser', 's3:GetObject'];
  const input = { PolicyInputList: [policy(allow('iam:*'))], ActionNames: actions };
  const first = await simulate({ ...input, MaxItems: 2 });
  assert.equal(first.IsTruncated, true);
  assert.ok(first.Marker);
  const seen = first.EvaluationResults!.map((r) => r.EvalActionName);
  let marker: string | undefined = first.Marker;
  while (marker) {
    const next = await simulate({ ...input, MaxItems: 2, Marker: marker });
    seen.push(...next.EvaluationResults!.map((r) => r.EvalActionName));
    marker = next.IsTruncated ? next.Marker : undefined;
  }
  assert.deepEqual(seen, actions);
  const all = await simulate(input);
  assert.equal(all.IsTruncated, false);
  assert.equal(all.Marker, undefined);
  assert.deepEqual(
    all.EvaluationResults!.map((r) => r.EvalDecision),
    ['allowed', 'allowed', 'allowed', 'allowed', 'implicitDeny'],
  );
  assert.equal((await awsError(simulate({ ...input, Marker: 'not-a-marker' }))).code, 'ValidationError');
});

test('malformed policy inputs are MalformedPolicyDocument with the engine message', async () => {
  const cases: [ConstructorParameters<typeof SimulateCustomPolicyCommand>[0], string][] = [
    [{ PolicyInputList: ['{not json'], ActionNames: ['s3:GetObject'] }, 'Syntax errors in policy.'],
    [
      {
        PolicyInputList: [
          JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }),
        ],
        ActionNames: ['s3:GetObject'],
      },
      'Policy statement must contain actions.',
    ],
    [
      {
        PolicyInputList: [policy(allow('*'))],
        PermissionsBoundaryPolicyInputList: [JSON.stringify({ Statement: [allow('*')] })],
        ActionNames: ['s3:GetObject'],
      },
      'Policy document must be version 2012-10-17 or greater.',
    ],
    [
      {
        PolicyInputList: [policy(allow('*'))],
        ActionNames: ['s3:GetObject'],
        ResourcePolicy: policy(allow('s3:*')),
        CallerArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      },
      'Missing required field Principal',
    ],
  ];
  for (const [input, message] of cases) {
    assert.deepEqual(
      await awsError(simulate(input)),
      { code: 'MalformedPolicyDocument', message, status: 400 },
      message,
    );
  }
});

test('GetContextKeysForCustomPolicy lists condition keys and policy variables as written, once each', async () => {
  const out = await server.iam().send(
    new GetContextKeysForCustomPolicyCommand({
      PolicyInputList: [
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}',
        SELF_MANAGED_MFA_POLICY,
        policy(
          allow('s3:ListBucket', 'arn:aws:s3:::b', {
            Condition: {
              StringLike: { 's3:prefix': ['home/${aws:userid}/*', '${*}'] },
              'ForAnyValue:StringEquals': { 'AWS:USERNAME': 'x', 'aws:TagKeys': 'team' },
            },
          }),
        ),
      ],
    }),
  );
  assert.deepEqual(out.ContextKeyNames, [
    'aws:username',
    'aws:CurrentTime',
    'aws:MultiFactorAuthPresent',
    's3:prefix',
    'aws:userid',
    'aws:TagKeys',
  ]);
  const error = await awsError(
    server.iam().send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: ['[]'] })),
  );
  assert.deepEqual(error, {
    code: 'MalformedPolicyDocument',
    message: 'Syntax errors in policy.',
    status: 400,
  });
});
