import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_POLICY_DOCUMENT_LENGTH,
  POLICY_MESSAGES as M,
  isKnownConditionOperator,
  isTrustPolicyAction,
  isValidPrincipal,
  validatePolicyText,
} from './validate.ts';
import type { PolicyKind } from './types.ts';

const KINDS: readonly PolicyKind[] = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'];

function text(doc: unknown): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc);
}

function rejects(doc: unknown, kind: PolicyKind, message: string): void {
  const result = validatePolicyText(text(doc), kind);
  assert.equal(result.ok, false, `expected a rejection for ${kind}: ${text(doc).slice(0, 200)}`);
  if (!result.ok) assert.deepEqual(result.error, { code: 'MalformedPolicyDocument', message });
}

function accepts(doc: unknown, kind: PolicyKind): void {
  const result = validatePolicyText(text(doc), kind);
  if (!result.ok)
    assert.fail(`expected ${kind} to accept, got "${result.error.message}": ${text(doc).slice(0, 300)}`);
  assert.deepEqual(result.document, typeof doc === 'string' ? JSON.parse(doc) : doc);
}

const V = '2012-10-17';
const BUCKET = 'arn:aws:s3:::example_bucket';
const allow = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action: 's3:ListBucket',
  Resource: BUCKET,
  ...extra,
});
const policy = (statement: unknown, extra: Record<string, unknown> = {}) => ({
  Version: V,
  Statement: statement,
  ...extra,
});
const trustStatement = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { Service: 'ec2.amazonaws.com' },
  Action: 'sts:AssumeRole',
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// The documents LocalStack sent to real IAM CreatePolicy, with the answers AWS gave
// (localstack/localstack tests/aws/services/iam/test_iam_policies.py, INVALID_POLICY_DOCUMENTS and
// VALID_POLICY_DOCUMENTS, with test_iam_policies.snapshot.json recorded 2026-02-18 / 2026-02-10).

const S = M.syntax;
const INVALID: ReadonlyArray<readonly [unknown, string]> = [
  /* 0 */ ['This is not a json document', S],
  /* 1 */ [{ Statement: allow() }, M.version],
  /* 2 */ [{ Version: '2008-10-17', Statement: allow() }, M.version],
  /* 3 */ [{ Version: '2013-10-17', Statement: allow() }, S],
  /* 4 */ [{ Version: V }, S],
  /* 5 */ [{ Version: V, Statement: ['afd'] }, S],
  /* 6 */ [policy(allow(), { 'Extra field': 'value' }), S],
  /* 7 */ [policy(allow({ 'Extra field': 'value' })), S],
  /* 8 */ [policy(allow(), { Id: ['cd3a324d2343d942772346-34234234423404-4c2242343242349d1642ee'] }), S],
  /* 9 */ [policy(allow(), { Id: {} }), S],
  /* 10 */ [policy(allow({ Effect: 'invalid' })), S],
  /* 11 */ [policy(allow({ Action: 'invalid' })), M.vendorPrefix],
  /* 12 */ [policy({ Effect: 'Allow', NotAction: '', Resource: BUCKET }), M.vendorPrefix],
  /* 13 */ [policy(allow({ Action: 'a a:ListBucket' })), 'Vendor a a is not valid'],
  /* 14 */ [policy(allow({ Action: 's3:List:Bucket' })), M.oneColon],
  /* 15 */ [policy([allow({ Action: 's3s:ListBucket' }), allow({ Action: 's:3s:ListBucket' })]), M.oneColon],
  /* 16 */ [
    policy(allow({ Resource: 'invalid resource' })),
    'Resource invalid resource must be in ARN format or "*".',
  ],
  /* 17 */ [
    policy([
      {
        Sid: 'EnableDisableHongKong',
        Effect: 'Allow',
        Action: ['account:EnableRegion', 'account:DisableRegion'],
        Resource: '',
        Condition: { StringEquals: { 'account:TargetRegion': 'ap-east-1' } },
      },
      {
        Sid: 'ViewConsole',
        Effect: 'Allow',
        Action: ['aws-portal:ViewAccount', 'account:ListRegions'],
        Resource: '',
      },
    ]),
    'Resource  must be in ARN format or "*".',
  ],
  /* 18 */ [
    policy(allow({ Action: 's:3:ListBucket', Resource: 'sdfsadf' })),
    'Resource sdfsadf must be in ARN format or "*".',
  ],
  /* 19 */ [policy(allow({ Resource: ['adf'] })), 'Resource adf must be in ARN format or "*".'],
  /* 20 */ [policy(allow({ Resource: '' })), 'Resource  must be in ARN format or "*".'],
  /* 21 */ [
    policy({ Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:bsdfdsafsad' }),
    'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
  ],
  /* 22 */ [
    policy({ Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:b:cadfsdf' }),
    'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
  ],
  /* 23 */ [
    policy({ Effect: 'Allow', NotAction: 's3s:ListBucket', Resource: 'a:b:c:d:e:f:g:h' }),
    'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
  ],
  /* 24 */ [
    policy(allow({ Resource: 'aws:s3:::example_bucket' })),
    'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
  ],
  /* 25 */ [
    policy(allow({ Resource: ['arn:error:s3:::example_bucket', 'arn:error:s3::example_bucket'] })),
    'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
  ],
  /* 26 */ [{ Version: V, Statement: [] }, S],
  /* 27 */ [policy({ Effect: 'Allow', Action: 's3:ListBucket' }), M.resources],
  /* 28 */ [policy(allow({ Resource: [] })), M.resources],
  /* 29 */ [policy({ Effect: 'Allow', Action: 'invalid' }), M.resources],
  /* 30 */ [policy({ Effect: 'Allow', Resource: BUCKET }), M.actions],
  /* 31 */ [policy({ Action: 's3:ListBucket', Resource: BUCKET }), S],
  /* 32 */ [policy({ Effect: 'Allow' }), M.actions],
  /* 33 */ [policy(allow({ Action: [] })), M.actions],
  /* 34 */ [policy([{ Effect: 'Deny' }, allow()]), M.actions],
  /* 35 */ [policy(allow({ Resource: 'arn:aws:iam:::example_bucket' })), M.iamResourcePath],
  /* 36 */ [policy(allow({ Resource: 'arn:aws:s3::example_bucket' })), M.legacy],
  /* 37 */ [policy({ Effect: 'Allow', Resource: 'arn:aws:s3::example_bucket' }), M.legacy],
  /* 38 */ [policy(allow({ Resource: 'arn:aws' })), M.resourceVendor],
  /* 39 */ [policy(allow({ Resource: { a: BUCKET } })), S],
  /* 40 */ [policy(allow({ Effect: 'Deny', Resource: ['adfdf', {}] })), S],
  /* 41 */ [policy({ Effect: 'Allow', NotAction: 's3:ListBucket', Resource: BUCKET, NotResource: [] }), S],
  /* 42 */ [policy(allow({ Effect: 'Deny', Action: [[]] })), S],
  /* 43 */ [policy({ Effect: 'Allow', NotAction: 's3s:ListBucket', Action: [], Resource: BUCKET }), S],
  /* 44 */ [policy(allow({ Action: {} })), S],
  /* 45 */ [policy(allow({ Condition: [] })), S],
  /* 46 */ [policy(allow({ Condition: 'a' })), S],
  /* 47 */ [policy(allow({ Condition: { a: 'b' } })), S],
  /* 48 */ [policy(allow({ Condition: { DateGreaterThan: 'b' } })), S],
  /* 49 */ [policy(allow({ Condition: { DateGreaterThan: [] } })), S],
  /* 50 */ [policy(allow({ Condition: { DateGreaterThan: { a: {} } } })), S],
  /* 51 */ [policy({ Effect: 'Allow', Resource: BUCKET, Condition: { DateGreaterThan: { a: {} } } }), S],
  /* 52 */ [policy(allow({ Condition: { x: { a: '1' } } })), S],
  /* 53 */ [policy(allow({ Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'asf' } } })), S],
  /* 54 */ [
    policy(allow({ Condition: [{ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } }] })),
    S,
  ],
  /* 55 */ [
    policy(allow({ Resource: 'arn:aws:iam:us-east-1::example_bucket' })),
    'IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.',
  ],
  /* 56 */ [
    policy(allow({ Resource: 'arn:aws:s3:us-east-1::example_bucket' })),
    'Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.',
  ],
  /* 57 */ [policy(allow({ Sid: {} })), S],
  /* 58 */ [policy(allow({ Sid: [] })), S],
  /* 59 */ [policy([allow({ Sid: 'sdf' }), { Sid: 'sdf', Effect: 'Allow' }]), M.sidUnique],
  /* 60 */ [{ Statement: [allow({ Sid: 'sdf' }), { Sid: 'sdf', Effect: 'Allow' }] }, M.version],
  /* 61 */ [policy({ Effect: 'Allow', NotAction: 's3:ListBucket', Action: 'iam:dsf', Resource: BUCKET }), S],
  /* 62 */ [policy(allow({ NotResource: '*' })), S],
  /* 63 */ [policy(allow({ Effect: 'denY' })), M.legacy],
  /* 64 */ [policy(allow({ Condition: { DateGreaterThan: { a: 'sdfdsf' } } })), M.legacy],
  /* 65 */ [{ Statement: allow({ Condition: { DateGreaterThan: { a: 'sdfdsf' } } }) }, M.version],
  /* 66 */ [{ Statement: allow({ Effect: 'denY' }) }, M.version],
  /* 67 */ [policy({ Effect: 'Allow', Condition: { DateGreaterThan: { a: 'sdfdsf' } } }), M.legacy],
  /* 68 */ [
    policy({ Effect: 'Allow', NotAction: 's3:ListBucket', Resource: 'arn:aws::::example_bucket' }),
    M.legacy,
  ],
  /* 69 */ [policy({ Effect: 'allow', Resource: 'arn:aws:s3:us-east-1::example_bucket' }), M.legacy],
  /* 70 */ [policy([allow({ Sid: 'sdf', Effect: 'aLLow' }), { Sid: 'sdf', Effect: 'Allow' }]), M.legacy],
  /* 71 */ [
    policy({ Effect: 'Allow', Action: 's3:ListBucket', NotResource: 'arn:aws:s3::example_bucket' }),
    M.legacy,
  ],
  /* 72 */ [policy(allow({ Condition: { DateLessThanEquals: { a: '234-13' } } })), M.legacy],
  /* 73 */ [
    policy(allow({ Condition: { DateLessThanEquals: { a: '2016-12-13t2:00:00.593194+1' } } })),
    M.legacy,
  ],
  /* 74 */ [
    policy(allow({ Condition: { DateLessThanEquals: { a: '2016-12-13t2:00:00.1999999999+10:59' } } })),
    M.legacy,
  ],
  /* 75 */ [policy(allow({ Condition: { DateLessThan: { a: '9223372036854775808' } } })), M.legacy],
  /* 76 */ [
    policy(
      allow({ Resource: 'arn:error:s3:::example_bucket', Condition: { DateGreaterThan: { a: 'sdfdsf' } } }),
    ),
    M.legacy,
  ],
  /* 77 */ [policy(allow({ Resource: 'arn:aws::fdsasf' })), M.legacy],
];

const SELF_MANAGE_CREDENTIALS = policy([
  {
    Sid: 'AllowViewAccountInfo',
    Effect: 'Allow',
    Action: ['iam:GetAccountPasswordPolicy', 'iam:GetAccountSummary', 'iam:ListVirtualMFADevices'],
    Resource: '*',
  },
  {
    Sid: 'AllowManageOwnPasswords',
    Effect: 'Allow',
    Action: ['iam:ChangePassword', 'iam:GetUser'],
    Resource: 'arn:aws:iam::*:user/${aws:username}',
  },
  {
    Sid: 'AllowManageOwnAccessKeys',
    Effect: 'Allow',
    Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    Resource: 'arn:aws:iam::*:user/${aws:username}',
  },
  {
    Sid: 'AllowManageOwnVirtualMFADevice',
    Effect: 'Allow',
    Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
    Resource: 'arn:aws:iam::*:mfa/${aws:username}',
  },
  {
    Sid: 'AllowManageOwnUserMFA',
    Effect: 'Allow',
    Action: ['iam:DeactivateMFADevice', 'iam:EnableMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
    Resource: 'arn:aws:iam::*:user/${aws:username}',
  },
  {
    Sid: 'DenyAllExceptListedIfNoMFA',
    Effect: 'Deny',
    NotAction: [
      'iam:CreateVirtualMFADevice',
      'iam:EnableMFADevice',
      'iam:GetUser',
      'iam:ListMFADevices',
      'iam:ListVirtualMFADevices',
      'iam:ResyncMFADevice',
      'sts:GetSessionToken',
    ],
    Resource: '*',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  },
]);

const VALID: readonly unknown[] = [
  /* 0 */ policy(allow({ Resource: [BUCKET] })),
  /* 1 */ policy(allow({ Action: 'iam: asdf safdsf af ' })),
  /* 2 */ policy(allow({ Resource: [BUCKET, '*'] })),
  /* 3 */ policy(allow({ Action: '*' })),
  /* 4 */ policy([allow()]),
  /* 5 */ policy({
    Effect: 'Allow',
    Action: 'service-prefix:action-name',
    Resource: '*',
    Condition: {
      DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' },
      DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' },
    },
  }),
  /* 6 */ policy(allow({ Action: 'fsx:ListBucket' })),
  /* 7 */ policy(allow({ Resource: 'arn:aws:iam:::user/example_bucket' })),
  /* 8 */ policy(allow({ Resource: 'arn:aws:s33:::example_bucket' })),
  /* 9 */ policy(allow({ Resource: 'arn:aws:fdsasf' })),
  /* 10 */ policy(allow({ Condition: {} })),
  /* 11 */ policy(allow({ Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } } })),
  /* 12 */ policy(allow({ Resource: 'arn:aws:cloudwatch:us-east-1::example_bucket' })),
  /* 13 */ policy(allow({ Resource: 'arn:aws:ec2:us-east-1::example_bucket' })),
  /* 14 */ policy(allow({ Resource: 'arn:aws:invalid-service:::example_bucket' })),
  /* 15 */ policy(allow({ Resource: 'arn:aws:invalid-service:us-east-1::example_bucket' })),
  /* 16 */ policy(
    allow({
      Condition: {
        DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' },
        DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' },
      },
    }),
  ),
  /* 17 */ policy(allow({ Condition: { DateGreaterThan: {} } })),
  /* 18 */ policy(allow({ Condition: { DateGreaterThan: { a: [] } } })),
  /* 19 */ policy(allow({ Condition: { a: {} } })),
  /* 20 */ policy(allow({ Sid: 'dsfsdfsdfsdfsdfsadfsd' })),
  /* 21 */ policy([
    {
      Sid: 'ConsoleDisplay',
      Effect: 'Allow',
      Action: [
        'iam:GetRole',
        'iam:GetUser',
        'iam:ListRoles',
        'iam:ListRoleTags',
        'iam:ListUsers',
        'iam:ListUserTags',
      ],
      Resource: '*',
    },
    {
      Sid: 'AddTag',
      Effect: 'Allow',
      Action: ['iam:TagUser', 'iam:TagRole'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:RequestTag/CostCenter': ['A-123', 'B-456'] },
        'ForAllValues:StringEquals': { 'aws:TagKeys': 'CostCenter' },
      },
    },
  ]),
  /* 22 */ policy({ Effect: 'Allow', NotAction: 's3:ListBucket', Resource: BUCKET }),
  /* 23 */ policy({
    Effect: 'Deny',
    Action: 's3:*',
    NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'],
  }),
  /* 24 */ policy({ Effect: 'Allow', NotAction: 's3:ListBucket', Resource: BUCKET }, { Id: 'sdfsdfsdf' }),
  /* 25 */ policy(allow({ Action: 'aaaaaadsfdsafsadfsadfaaaaa:ListBucket' })),
  /* 26 */ policy(allow({ Action: 's3-s:ListBucket' })),
  /* 27 */ policy(allow({ Action: 's3.s:ListBucket' })),
  /* 28 */ policy({ Effect: 'Allow', NotAction: 's3:ListBucket', NotResource: '*' }),
  /* 29 */ policy([allow({ Sid: 'sdf' }), allow()]),
  /* 30 */ policy(allow({ Condition: { DateGreaterThan: { a: '01T' } } })),
  /* 31 */ policy(allow({ Condition: { x: {}, y: {} } })),
  /* 32 */ policy(allow({ Condition: { StringEqualsIfExists: { a: 'asf' } } })),
  /* 33 */ policy(allow({ Condition: { 'ForAnyValue:StringEqualsIfExists': { a: 'asf' } } })),
  /* 34 */ policy(allow({ Condition: { DateLessThanEquals: { a: '2019-07-01T13:20:15Z' } } })),
  /* 35 */ policy(allow({ Condition: { DateLessThanEquals: { a: '2016-12-13T21:20:37.593194+00:00' } } })),
  /* 36 */ policy(allow({ Condition: { DateLessThanEquals: { a: '2016-12-13t2:00:00.593194+23' } } })),
  /* 37 */ policy(allow({ Condition: { DateLessThan: { a: '-292275054' } } })),
  /* 38 */ SELF_MANAGE_CREDENTIALS,
  /* 39 */ policy([
    {
      Sid: 'ListAndDescribe',
      Effect: 'Allow',
      Action: [
        'dynamodb:List*',
        'dynamodb:DescribeReservedCapacity*',
        'dynamodb:DescribeLimits',
        'dynamodb:DescribeTimeToLive',
      ],
      Resource: '*',
    },
    {
      Sid: 'SpecificTable',
      Effect: 'Allow',
      Action: [
        'dynamodb:BatchGet*',
        'dynamodb:Get*',
        'dynamodb:Query',
        'dynamodb:Delete*',
        'dynamodb:PutItem',
      ],
      Resource: 'arn:aws:dynamodb:*:*:table/MyTable',
    },
  ]),
  /* 40 */ policy([
    {
      Effect: 'Allow',
      Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      Resource: ['arn:aws:ec2:*:*:volume/*', 'arn:aws:ec2:*:*:instance/*'],
      Condition: { ArnEquals: { 'ec2:SourceInstanceARN': 'arn:aws:ec2:*:*:instance/instance-id' } },
    },
  ]),
  /* 41 */ policy([
    {
      Effect: 'Allow',
      Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      Resource: 'arn:aws:ec2:*:*:volume/*',
      Condition: { StringEquals: { 'ec2:ResourceTag/VolumeUser': '${aws:username}' } },
    },
  ]),
  /* 42 */ policy([
    {
      Sid: 'StartStopIfTags',
      Effect: 'Allow',
      Action: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:DescribeTags'],
      Resource: 'arn:aws:ec2:region:account-id:instance/*',
      Condition: {
        StringEquals: { 'ec2:ResourceTag/Project': 'DataAnalytics', 'aws:PrincipalTag/Department': 'Data' },
      },
    },
  ]),
  /* 43 */ policy([
    {
      Sid: 'ReadWriteDeleteYourObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [
        'arn:aws:s3:::bucket-name/cognito/application-name/${cognito-identity.amazonaws.com:sub}',
        'arn:aws:s3:::bucket-name/cognito/application-name/${cognito-identity.amazonaws.com:sub}/*',
      ],
    },
  ]),
  /* 44 */ policy([
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::bucket-name',
      Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:userid}/*'] } },
    },
    {
      Effect: 'Allow',
      Action: 's3:*',
      Resource: [
        'arn:aws:s3:::bucket-name/home/${aws:userid}',
        'arn:aws:s3:::bucket-name/home/${aws:userid}/*',
      ],
    },
  ]),
  /* 45 */ policy([
    {
      Sid: 'AllObjectActions',
      Effect: 'Allow',
      Action: 's3:*Object',
      Resource: ['arn:aws:s3:::bucket-name/*'],
    },
  ]),
  /* 47 */ policy([
    {
      Action: 'ec2:*',
      Resource: '*',
      Effect: 'Allow',
      Condition: { StringEquals: { 'ec2:Region': 'region' } },
    },
  ]),
  /* 48 */ policy([
    { Effect: 'Allow', Action: 'rds:*', Resource: ['arn:aws:rds:region:*:*'] },
    { Effect: 'Allow', Action: ['rds:Describe*'], Resource: ['*'] },
  ]),
  /* 49 */ policy([
    { Sid: '', Effect: 'Allow', Action: 'rds:*', Resource: ['arn:aws:rds:region:*:*'] },
    { Sid: '', Effect: 'Allow', Action: ['rds:Describe*'], Resource: ['*'] },
  ]),
  /* 50 */ policy([
    {
      Sid: '',
      Effect: 'Allow',
      Action: ['s3:*'],
      Resource: [
        'arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point',
        'arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point/object/*',
      ],
    },
  ]),
];

describe('AWS-recorded CreatePolicy answers (LocalStack snapshot corpus)', () => {
  INVALID.forEach(([doc, message], i) => {
    test(`invalid-${i}: ${message.slice(0, 60)}`, () => rejects(doc, 'identity', message));
  });
  VALID.forEach((doc, i) => {
    test(`valid document #${i} is accepted as written`, () => accepts(doc, 'identity'));
  });
});

// ---------------------------------------------------------------------------------------------

describe('input handling', () => {
  test('text longer than the API limit is refused before parsing', () => {
    const long = JSON.stringify(policy(allow({ Sid: 'x'.repeat(MAX_POLICY_DOCUMENT_LENGTH) })));
    for (const kind of KINDS) rejects(long, kind, M.tooLong);
  });

  test('text exactly at the API limit is parsed (and here judged on content)', () => {
    const base = JSON.stringify(policy(allow({ Sid: '' })));
    const padded = base + ' '.repeat(MAX_POLICY_DOCUMENT_LENGTH - base.length);
    assert.equal(padded.length, MAX_POLICY_DOCUMENT_LENGTH);
    accepts(padded, 'identity');
  });

  test('invalid JSON: "Syntax errors in policy." except for trust policies', () => {
    for (const bad of ['', '{', '{"Version": "2012-10-17",}', '\uFEFF{}', 'null x']) {
      rejects(bad, 'identity', M.syntax);
      rejects(bad, 'trust', M.invalidJson);
    }
  });

  test('trust policy with a trailing comma (CreateRole, AWS-recorded) is invalid Json', () => {
    rejects(
      '{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":"*","Effect":"Allow",}]}',
      'trust',
      M.invalidJson,
    );
  });

  test('a JSON value that is not an object', () => {
    for (const bad of ['[]', '5', '"policy"', 'null', 'true']) {
      rejects(bad, 'identity', M.syntax);
      rejects(bad, 'trust', M.invalidJson);
    }
  });

  test('deep nesting returns a result', () => {
    rejects('['.repeat(100_000), 'identity', M.syntax);
    rejects('['.repeat(60_000) + ']'.repeat(60_000), 'identity', M.syntax);
    rejects(
      `{"Version":"2012-10-17","Statement":${'['.repeat(60_000)}${']'.repeat(60_000)}}`,
      'identity',
      M.syntax,
    );
  });

  test('__proto__ and constructor keys are data, never prototypes', () => {
    rejects('{"__proto__":{"polluted":1},"Version":"2012-10-17","Statement":[]}', 'identity', M.syntax);
    const doc =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",' +
      '"Condition":{"StringEquals":{"__proto__":"x","constructor":["y"]}}}}';
    const result = validatePolicyText(doc, 'identity');
    assert.ok(result.ok);
    const statement = result.document.Statement as { Condition: Record<string, Record<string, unknown>> };
    const block = statement.Condition.StringEquals!;
    assert.deepEqual(Object.keys(block), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(block), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(block, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    rejects(doc.replace('"StringEquals"', '"__proto__"'), 'identity', M.syntax);
  });

  test('odd unicode is kept as written', () => {
    const doc = policy(
      allow({
        Action: 's3:Get\u{1F600}\uD800Object',
        Condition: { StringLike: { 's3:prefix': 'caf\u00e9/\uDFFF' } },
      }),
    );
    accepts(doc, 'identity');
  });

  test('the returned document is a copy', () => {
    const source = policy([allow()]);
    const result = validatePolicyText(JSON.stringify(source), 'identity');
    assert.ok(result.ok);
    assert.notEqual(result.document, source);
    assert.deepEqual(result.document, source);
  });
});

describe('document rules', () => {
  test('unknown top-level key', () => rejects(policy(allow(), { Extra: {} }), 'identity', M.syntax));
  test('missing Statement', () => rejects({ Version: V }, 'identity', M.syntax));
  test('Statement neither object nor array', () => {
    rejects(policy('statement'), 'identity', M.syntax);
    rejects(policy(null), 'identity', M.syntax);
  });
  test('Version other than the two IAM versions', () => {
    for (const v of ['2012-10-18', '2012-10-17 ', 2012, null])
      rejects({ Version: v, Statement: allow() }, 'identity', M.syntax);
  });
  test('identity policies need Version 2012-10-17', () => {
    rejects({ Version: '2008-10-17', Statement: allow() }, 'identity', M.version);
    rejects({ Statement: allow() }, 'boundary', M.version);
  });
  test('resource-based, trust and session policies accept 2008-10-17 and no Version', () => {
    accepts({ Version: '2008-10-17', Statement: trustStatement() }, 'trust');
    accepts({ Statement: trustStatement() }, 'trust');
    accepts({ Version: '2008-10-17', Statement: allow({ Principal: '*' }) }, 'resource');
    accepts({ Statement: allow() }, 'session');
  });
  test('Id must be a string', () => rejects(policy(allow(), { Id: 5 }), 'identity', M.syntax));
});

describe('statement rules', () => {
  test('unknown statement key', () => rejects(policy(allow({ Resources: '*' })), 'identity', M.syntax));
  test('Effect other than Allow or Deny, in any case', () => {
    rejects(policy(allow({ Effect: 'Permit' })), 'identity', M.syntax);
    rejects(policy(allow({ Effect: true })), 'identity', M.syntax);
  });
  test('Effect in the wrong case fails legacy parsing', () =>
    rejects(policy(allow({ Effect: 'DENY' })), 'identity', M.legacy));
  test('both Action and NotAction', () =>
    rejects(policy(allow({ NotAction: 's3:*' })), 'identity', M.syntax));
  test('neither Action nor NotAction', () =>
    rejects(policy({ Effect: 'Allow', Resource: '*' }), 'identity', M.actions));
  test('both Resource and NotResource', () =>
    rejects(policy(allow({ NotResource: [BUCKET] })), 'identity', M.syntax));
  test('both Principal and NotPrincipal', () =>
    rejects(policy(allow({ Principal: '*', NotPrincipal: { AWS: '123456789012' } })), 'resource', M.syntax));
  test('Sid characters', () => {
    rejects(policy(allow({ Sid: 'Atomic_Red_Team' })), 'identity', M.sidAlphanumeric);
    rejects(policy(allow({ Sid: 'with space' })), 'session', M.sidAlphanumeric);
    accepts(policy(allow({ Sid: 'Abc123' })), 'identity');
    accepts(policy(allow({ Sid: 'S3 read access', Principal: '*' })), 'resource');
  });
  test('duplicate Sid', () =>
    rejects(policy([allow({ Sid: 'A' }), allow({ Sid: 'A' })]), 'identity', M.sidUnique));
  test('empty Action and Resource lists', () => {
    rejects(policy(allow({ Action: [] })), 'identity', M.actions);
    rejects(policy({ Effect: 'Allow', NotAction: [], Resource: '*' }), 'identity', M.actions);
    rejects(policy({ Effect: 'Allow', Action: '*', NotResource: [] }), 'identity', M.resources);
  });
});

describe('actions', () => {
  test('vendor prefix, colons and vendor characters', () => {
    rejects(policy(allow({ Action: 'ListBucket' })), 'identity', M.vendorPrefix);
    rejects(policy(allow({ Action: ':ListBucket' })), 'identity', M.vendorPrefix);
    rejects(policy(allow({ Action: 's3:Get:Object' })), 'identity', M.oneColon);
    rejects(
      policy(allow({ Action: ['s3:GetObject', 's_3:GetObject'] })),
      'identity',
      'Vendor s_3 is not valid',
    );
    rejects(
      policy({ Effect: 'Deny', NotAction: 'iam*:Get', Resource: '*' }),
      'identity',
      'Vendor iam* is not valid',
    );
  });
  test('wildcards', () => {
    accepts(
      policy(allow({ Action: ['*', '*:*', 's3:*', 'iam:Get*', 'ec2:Describe?nstances', 'iam:*MFA*'] })),
      'identity',
    );
  });
  test('an Action fault is reported after a resource fault', () =>
    rejects(
      policy(allow({ Action: 'nope', Resource: 'nope' })),
      'identity',
      'Resource nope must be in ARN format or "*".',
    ));
});

describe('resources', () => {
  test('ARN partitions', () => {
    for (const p of ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', '*']) {
      accepts(policy(allow({ Resource: `arn:${p}:s3:::bucket/*` })), 'identity');
    }
    rejects(
      policy(allow({ Resource: 'arn:amazon:s3:::bucket' })),
      'identity',
      'Partition "amazon" is not valid for resource "arn:amazon:s3:::bucket".',
    );
  });
  test('wildcards and policy variables', () => {
    accepts(
      policy(
        allow({
          Resource: [
            'arn:aws:s3:::*',
            'arn:aws:ec2:*:*:instance/i-*',
            'arn:aws:s3:::home/${aws:username}/*',
            'arn:aws:iam::*:*',
            'arn:aws:iam::123456789012:root',
            'arn:aws:dynamodb:us-east-1:123456789012:table/T?',
          ],
        }),
      ),
      'identity',
    );
  });
  test('IAM resource path', () => {
    rejects(
      policy(allow({ Resource: 'arn:aws:iam::123456789012:users/bob' })),
      'identity',
      M.iamResourcePath,
    );
    accepts(policy(allow({ Resource: 'arn:aws:iam::123456789012:policy/p' })), 'identity');
  });
  test('regional S3 resources that carry an account are accepted', () => {
    accepts(
      policy(
        allow({
          Resource: [
            'arn:aws:s3:us-east-1:123456789012:job/*',
            'arn:aws:s3:us-east-1:123456789012:storage-lens/x',
          ],
        }),
      ),
      'identity',
    );
    rejects(
      policy(allow({ Resource: 'arn:aws:s3' })),
      'identity',
      'Resource arn:aws:s3 can not contain region information.',
    );
  });
  test('IAM and S3 resources cannot carry a region', () => {
    rejects(
      policy(allow({ Resource: 'arn:aws:iam:*::role/r' })),
      'identity',
      'IAM resource arn:aws:iam:*::role/r cannot contain region information.',
    );
    rejects(
      policy(allow({ Resource: 'arn:aws:s3:eu-west-1::b' })),
      'identity',
      'Resource arn:aws:s3:eu-west-1::b can not contain region information.',
    );
  });
  test('a resource that is not an ARN (real CloudTrail record)', () =>
    rejects(
      policy(allow({ Resource: '174313347505.dkr.ecr.us-west-2.amazonaws.com/mhart-experimental' })),
      'identity',
      'Resource 174313347505.dkr.ecr.us-west-2.amazonaws.com/mhart-experimental must be in ARN format or "*".',
    ));
});

describe('conditions', () => {
  test('operators', () => {
    for (const op of [
      'StringEquals',
      'StringNotEqualsIgnoreCase',
      'StringLikeIfExists',
      'NumericGreaterThanEqualsIfExists',
      'DateNotEquals',
      'Bool',
      'BoolIfExists',
      'BinaryEquals',
      'BinaryEqualsIfExists',
      'IpAddress',
      'NotIpAddressIfExists',
      'ArnLike',
      'ArnNotEqualsIfExists',
      'Null',
      'ForAllValues:StringLike',
      'ForAnyValue:StringEqualsIfExists',
      'ForAnyValue:Null',
    ]) {
      assert.ok(isKnownConditionOperator(op), op);
    }
    for (const op of [
      'NullIfExists',
      'stringequals',
      'StringEqual',
      'ForAnyValues:StringEquals',
      'ForAnyValue::StringEquals',
      'IfExists',
      '',
      'NumericBetween',
    ]) {
      assert.ok(!isKnownConditionOperator(op), op);
    }
  });
  test('an unknown operator is rejected unless its block is empty', () => {
    rejects(policy(allow({ Condition: { StringEqualz: { 'aws:username': 'bob' } } })), 'identity', M.syntax);
    accepts(policy(allow({ Condition: { StringEqualz: {} } })), 'identity');
  });
  test('condition values: strings, numbers, booleans, lists of them', () => {
    accepts(
      policy(
        allow({
          Condition: {
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
            Bool: { 'aws:SecureTransport': [false, 'true'] },
            StringEquals: { 's3:prefix': [] },
          },
        }),
      ),
      'identity',
    );
  });
  test('condition values that are objects, nulls or nested lists', () => {
    rejects(policy(allow({ Condition: { StringEquals: { k: null } } })), 'identity', M.syntax);
    rejects(policy(allow({ Condition: { StringEquals: { k: [null] } } })), 'identity', M.syntax);
    rejects(policy(allow({ Condition: { StringEquals: { k: [['a']] } } })), 'identity', M.syntax);
    rejects(policy(allow({ Condition: { StringEquals: { k: { a: 'b' } } } })), 'identity', M.syntax);
  });
  test('dates', () => {
    for (const d of [
      '2020-01-01',
      '2020-01-01T00:00:00Z',
      '2020-01-01T10:00:00-05:00',
      '1700000000',
      '2020-06',
      2020,
    ]) {
      accepts(policy(allow({ Condition: { DateGreaterThan: { 'aws:CurrentTime': d } } })), 'identity');
    }
    for (const d of [
      'yesterday',
      '2020-13-01',
      '2020-01-32',
      '2020-01-01T24:00:00Z',
      '2020-01-01T00:60:00Z',
      '1.5',
      true,
    ]) {
      rejects(
        policy(allow({ Condition: { DateGreaterThan: { 'aws:CurrentTime': d } } })),
        'identity',
        M.legacy,
      );
    }
  });
});

describe('principals by kind', () => {
  for (const kind of ['identity', 'boundary', 'session'] as const) {
    test(`${kind} policies may not name a principal`, () => {
      rejects(policy(allow({ Principal: '*' })), kind, M.principalNotAllowed);
      rejects(policy(allow({ NotPrincipal: { AWS: '123456789012' } })), kind, M.principalNotAllowed);
    });
  }
  test('resource-based policies need Principal or NotPrincipal', () => {
    rejects(policy(allow()), 'resource', M.missingPrincipal);
    accepts(policy(allow({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })), 'resource');
    accepts(
      policy(
        allow({
          Effect: 'Deny',
          NotPrincipal: { AWS: ['arn:aws:iam::111122223333:user/Bob', '111122223333'] },
        }),
      ),
      'resource',
    );
  });
  test('principal values', () => {
    for (const value of [
      '*',
      '123456789012',
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::123456789012:user/division/user-name',
      'arn:aws:iam::123456789012:role/role-name',
      'arn:aws:sts::123456789012:assumed-role/role-name/role-session-name',
      'arn:aws:sts::123456789012:federated-user/user-name',
      'arn:aws-cn:iam::123456789012:root',
    ]) {
      assert.ok(isValidPrincipal('AWS', value, true), value);
    }
    for (const value of [
      'x',
      '12345678901',
      'arn:aws:iam::123456789012:user/user-*',
      'arn:aws:iam::123456789012:group/g',
      'arn:aws:s3:::bucket',
    ]) {
      assert.ok(!isValidPrincipal('AWS', value, true), value);
    }
    assert.ok(isValidPrincipal('Service', 'lambda.amazonaws.com', true));
    assert.ok(!isValidPrincipal('Service', 'lambda', true));
    assert.ok(isValidPrincipal('Federated', 'arn:aws:iam::123456789012:saml-provider/ExampleProvider', true));
    assert.ok(
      isValidPrincipal(
        'Federated',
        'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        true,
      ),
    );
    assert.ok(isValidPrincipal('Federated', 'cognito-identity.amazonaws.com', true));
    assert.ok(
      isValidPrincipal(
        'CanonicalUser',
        '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        false,
      ),
    );
    assert.ok(
      !isValidPrincipal(
        'CanonicalUser',
        '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        true,
      ),
    );
  });
  test('an invalid principal is reported with its type and value', () => {
    rejects(
      policy(trustStatement({ Principal: { AWS: 'x' } })),
      'trust',
      'Invalid principal in policy: "AWS":"x"',
    );
    rejects(
      policy(trustStatement({ Principal: { Service: 'ec2' } })),
      'trust',
      'Invalid principal in policy: "SERVICE":"ec2"',
    );
    rejects(
      policy(allow({ Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:user/*'] } })),
      'resource',
      'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"',
    );
  });
});

describe('trust policies', () => {
  const docs = [
    policy(trustStatement({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })),
    policy(trustStatement()),
    policy([
      trustStatement({ Principal: { AWS: '*' }, Condition: { StringEquals: { 'sts:ExternalId': '12345' } } }),
    ]),
    policy(
      trustStatement({
        Principal: {
          Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' } },
      }),
    ),
    policy(
      trustStatement({
        Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/ExampleOrgSSOProvider' },
        Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      }),
    ),
    policy(
      trustStatement({
        Principal: { AWS: ['arn:aws:iam::111122223333:role/r'], Service: ['ec2.amazonaws.com'] },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:SetContext'],
      }),
    ),
    policy(trustStatement({ Action: 'sts:AssumeRole*' })),
    policy(trustStatement({ Principal: '*', Effect: 'Deny' })),
  ];
  docs.forEach((doc, i) =>
    test(`AWS-documented trust policy #${i} is accepted`, () => accepts(doc, 'trust')),
  );

  test('Resource is prohibited (AWS-recorded, UpdateAssumeRolePolicy)', () =>
    rejects(policy(trustStatement({ Resource: BUCKET })), 'trust', 'Has prohibited field Resource'));
  test('NotResource and NotPrincipal are prohibited', () => {
    rejects(policy(trustStatement({ NotResource: '*' })), 'trust', 'Has prohibited field NotResource');
    rejects(
      policy({ Effect: 'Deny', NotPrincipal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' }),
      'trust',
      'Has prohibited field NotPrincipal',
    );
  });
  test('only STS AssumeRole actions (AWS-recorded, UpdateAssumeRolePolicy)', () => {
    rejects(policy(trustStatement({ Action: 'sts:InvalidAction' })), 'trust', M.trustActions);
    for (const action of [
      '*',
      'sts:*',
      's3:GetObject',
      'sts:Get*',
      ['sts:AssumeRole', 'sts:GetCallerIdentity'],
    ]) {
      rejects(policy(trustStatement({ Action: action })), 'trust', M.trustActions);
    }
    rejects(policy({ Effect: 'Allow', Principal: '*', NotAction: 's3:*' }), 'trust', M.trustActions);
  });
  test('trust action wildcards', () => {
    for (const a of [
      'sts:AssumeRole',
      'STS:assumerole',
      'sts:AssumeRole*',
      'sts:AssumeRoleWith*',
      'sts:*Role',
      'sts:A*Role',
      'sts:Assume?ole',
      'sts:Set*',
      'sts:TagSession',
    ]) {
      assert.ok(isTrustPolicyAction(a), a);
    }
    for (const a of ['*', 'sts:*', 'sts:Assume*', 'sts:AssumeRoot', 'sts:Get*', 'iam:AssumeRole', 'sts:']) {
      assert.ok(!isTrustPolicyAction(a), a);
    }
  });
  test('a statement with no principals', () => {
    rejects(policy({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust', M.noPrincipals);
    rejects(policy(trustStatement({ Principal: { AWS: [] } })), 'trust', M.noPrincipals);
    rejects(policy(trustStatement({ Principal: {} })), 'trust', M.noPrincipals);
  });
  test('trust policies need actions', () =>
    rejects(policy({ Effect: 'Allow', Principal: '*' }), 'trust', M.actions));
});

describe('service control policies', () => {
  test('a valid SCP', () => {
    accepts(
      policy([
        { Effect: 'Allow', Action: '*', Resource: '*' },
        {
          Sid: 'DenyOutsideEU',
          Effect: 'Deny',
          NotAction: ['iam:*', 'organizations:*', 'sts:*'],
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] } },
        },
      ]),
      'scp',
    );
  });
  test('every fault gets the Organizations message', () => {
    rejects(policy(allow({ Principal: { AWS: '*' } })), 'scp', M.organizations);
    rejects({ Statement: allow() }, 'scp', M.organizations);
    rejects('not json', 'scp', M.organizations);
    rejects(policy(allow({ Action: 'nope' })), 'scp', M.organizations);
  });
});

// Organizations User Guide, "RCP syntax": the elements of a resource-based policy, Principal "*" only.
describe('resource control policies', () => {
  const perimeter = {
    Sid: 'EnforceOrgIdentities',
    Effect: 'Deny',
    Principal: '*',
    Action: ['sts:AssumeRole', 's3:*'],
    Resource: '*',
    Condition: {
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  };
  test('a data-perimeter RCP, and RCPFullAWSAccess', () => {
    accepts(policy([perimeter]), 'rcp');
    accepts(policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }), 'rcp');
    accepts(
      policy({ Effect: 'Deny', Principal: '*', Action: 'sts:*', NotResource: 'arn:aws:iam::*:role/x' }),
      'rcp',
    );
  });
  test('Principal must be "*": missing, an account or NotPrincipal is refused with the Organizations message', () => {
    rejects(policy({ ...perimeter, Principal: undefined }), 'rcp', M.organizations);
    rejects(policy({ ...perimeter, Principal: { AWS: '*' } }), 'rcp', M.organizations);
    rejects(policy({ ...perimeter, Principal: { AWS: '111122223333' } }), 'rcp', M.organizations);
    const { Principal: _p, ...noPrincipal } = perimeter;
    rejects(policy({ ...noPrincipal, NotPrincipal: { AWS: '111122223333' } }), 'rcp', M.organizations);
  });
  test('NotAction, an older Version and every other fault are refused alike', () => {
    const { Action: _a, ...noAction } = perimeter;
    rejects(policy({ ...noAction, NotAction: 'sts:AssumeRole' }), 'rcp', M.organizations);
    rejects(policy([perimeter], { Version: '2008-10-17' }), 'rcp', M.organizations);
    rejects(policy({ ...perimeter, Resource: undefined }), 'rcp', M.organizations);
    rejects('not json', 'rcp', M.organizations);
  });
});

describe('valid documents from the AWS docs, per kind', () => {
  const powerUser = policy([
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
        'account:ListRegions',
      ],
      Resource: '*',
    },
  ]);
  const forceMfa = policy([
    {
      Sid: 'BlockMostAccessUnlessSignedInWithMFA',
      Effect: 'Deny',
      NotAction: [
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ListMFADevices',
        'iam:ListUsers',
        'iam:ListVirtualMFADevices',
        'iam:ResyncMFADevice',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
    {
      Sid: 'AllowDeactivateOwnMFAOnlyWhenUsingMFA',
      Effect: 'Allow',
      Action: ['iam:DeactivateMFADevice'],
      Resource: ['arn:aws:iam::*:mfa/${aws:username}', 'arn:aws:iam::*:user/${aws:username}'],
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    {
      Sid: 'AllowUsersToChangeOwnPasswordAndEnableMFA',
      Effect: 'Allow',
      Action: ['iam:ChangePassword', 'iam:GetUser'],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
      Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
    },
  ]);
  for (const kind of ['identity', 'boundary', 'session', 'scp'] as const) {
    test(`${kind}: self-managed MFA, PowerUserAccess-like and force-MFA policies`, () => {
      accepts(SELF_MANAGE_CREDENTIALS, kind);
      accepts(powerUser, kind);
      accepts(forceMfa, kind);
    });
  }
  test('resource: an S3 bucket policy', () => {
    accepts(
      {
        Version: '2012-10-17',
        Id: 'Policy1',
        Statement: [
          {
            Sid: 'Public read',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::amzn-s3-demo-bucket/*',
          },
          {
            Sid: 'DenyInsecure',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: ['arn:aws:s3:::amzn-s3-demo-bucket', 'arn:aws:s3:::amzn-s3-demo-bucket/*'],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
      'resource',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The last grammar rules (issue #13): repeated keys, wildcards in an action's service prefix,
// null inside lists, and the older Version per kind.

/** A statement written as text, so that it can repeat a key JSON.stringify would merge. */
const statementText = (pairs: string) => `{"Version":"2012-10-17","Statement":{${pairs}}}`;
const ALLOW_PAIRS = '"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"';
const JSON_MESSAGE: Record<PolicyKind, string> = {
  identity: M.syntax,
  boundary: M.syntax,
  session: M.syntax,
  resource: M.syntax,
  trust: M.invalidJson,
  scp: M.organizations,
  rcp: M.organizations,
};

describe('a key repeated in any object is refused as malformed JSON', () => {
  test('Effect twice in a statement (JSON.parse would keep the Allow)', () => {
    const text = statementText(`"Effect":"Deny",${ALLOW_PAIRS}`);
    assert.equal((JSON.parse(text) as { Statement: { Effect: string } }).Statement.Effect, 'Allow');
    for (const kind of ['identity', 'boundary', 'session', 'scp'] as const)
      rejects(text, kind, JSON_MESSAGE[kind]);
  });

  test('Statement or Version twice in the document, even with equal values', () => {
    const statement = `{${ALLOW_PAIRS}}`;
    rejects(
      `{"Version":"2012-10-17","Statement":${statement},"Statement":${statement}}`,
      'identity',
      M.syntax,
    );
    rejects(`{"Version":"2012-10-17","Version":"2012-10-17","Statement":${statement}}`, 'identity', M.syntax);
  });

  test('a repeated key inside Condition, a condition block or Principal', () => {
    rejects(
      statementText(
        `${ALLOW_PAIRS},"Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}`,
      ),
      'identity',
      M.syntax,
    );
    rejects(
      statementText(
        `${ALLOW_PAIRS},"Condition":{"StringEquals":{"aws:username":"alice","aws:username":"bob"}}`,
      ),
      'session',
      M.syntax,
    );
    const principals =
      '"Principal":{"AWS":"arn:aws:iam::123456789012:root","AWS":"arn:aws:iam::210987654321:root"}';
    rejects(statementText(`${ALLOW_PAIRS},${principals}`), 'resource', M.syntax);
    rejects(
      statementText(`"Effect":"Allow",${principals},"Action":"sts:AssumeRole"`),
      'trust',
      M.invalidJson,
    );
  });

  test('a key spelled with escapes is the same key', () => {
    rejects(statementText(`"Eff\\u0065ct":"Deny",${ALLOW_PAIRS}`), 'identity', M.syntax);
  });

  test('equal keys in different objects, equal values and values equal to keys are fine', () => {
    accepts(policy([allow({ Sid: 'A' }), allow({ Sid: 'B' })]), 'identity');
    accepts(policy(allow({ Sid: 'Effect', Action: ['s3:GetObject', 's3:GetObject'] })), 'identity');
    accepts(
      policy(
        allow({
          Condition: { StringEquals: { 'aws:username': 'alice' }, StringLike: { 'aws:username': 'a*' } },
        }),
      ),
      'identity',
    );
  });

  test('keys that differ only in case are different JSON keys', () => {
    // Condition keys are case-insensitive when evaluated, but the text does not repeat a key.
    accepts(
      policy(allow({ Condition: { StringEquals: { 'aws:username': 'alice', 'AWS:UserName': 'alice' } } })),
      'identity',
    );
  });

  test('the check runs before every other rule', () => {
    // Without the repeated key this document fails on its Version; with it, it is not JSON IAM reads.
    rejects(
      `{"Version":"2008-10-17","Statement":{${ALLOW_PAIRS},"Sid":"a","Sid":"b"}}`,
      'identity',
      M.syntax,
    );
  });
});

describe("a wildcard in an action's service prefix", () => {
  test('is refused in Action and NotAction with the prefix named', () => {
    for (const action of ['s3*:GetObject', '*3:GetObject', 's?:GetObject', 'iam*:*', '**:GetObject']) {
      const vendor = action.slice(0, action.indexOf(':'));
      rejects(policy(allow({ Action: action })), 'identity', `Vendor ${vendor} is not valid`);
      rejects(
        policy({ Effect: 'Deny', NotAction: ['s3:GetObject', action], Resource: '*' }),
        'session',
        `Vendor ${vendor} is not valid`,
      );
    }
  });

  test('is refused in trust and resource-based policies too', () => {
    rejects(
      { Version: V, Statement: trustStatement({ Action: 'st?:AssumeRole' }) },
      'trust',
      'Vendor st? is not valid',
    );
    rejects(
      policy(allow({ Principal: '*', Action: 's3*:GetObject' })),
      'resource',
      'Vendor s3* is not valid',
    );
  });

  test('a prefix that is only "*", and wildcards in the action name, are accepted', () => {
    accepts(
      policy(allow({ Action: ['*', '*:*', '*:GetObject', 's3:*', 's3:Get*', 's3:?etObject'] })),
      'identity',
    );
  });
});

describe('null inside a list is not a policy value (the grammar allows strings, and numbers and Booleans in conditions)', () => {
  const withNull: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['Action', { Action: ['s3:GetObject', null] }],
    ['NotAction', { Action: undefined, NotAction: [null] }],
    ['Resource', { Resource: [BUCKET, null] }],
    ['NotResource', { Resource: undefined, NotResource: [null, BUCKET] }],
    ['a condition value', { Condition: { StringEquals: { 'aws:username': ['alice', null] } } }],
  ];
  for (const [where, extra] of withNull) {
    test(`in ${where}`, () => {
      for (const kind of ['identity', 'session', 'boundary'] as const)
        rejects(policy(allow(extra)), kind, M.syntax);
      rejects(policy(allow({ Principal: '*', ...extra })), 'resource', M.syntax);
    });
  }
  test('in a Principal list', () => {
    rejects(
      policy(allow({ Principal: { AWS: ['arn:aws:iam::123456789012:root', null] } })),
      'resource',
      M.syntax,
    );
    rejects({ Version: V, Statement: trustStatement({ Principal: { Service: [null] } }) }, 'trust', M.syntax);
  });
  test('in the Statement list', () => {
    rejects(policy([allow(), null]), 'identity', M.syntax);
  });
  test('as the whole value', () => {
    rejects(policy(allow({ Action: null })), 'identity', M.syntax);
    rejects(policy(allow({ Resource: null })), 'identity', M.syntax);
  });
});

describe('Version 2008-10-17, or none, by where the policy is used', () => {
  const old = (statement: Record<string, unknown>) => ({ Version: '2008-10-17', Statement: statement });
  const none = (statement: Record<string, unknown>) => ({ Statement: statement });
  test('identity policies and permissions boundaries are refused', () => {
    for (const kind of ['identity', 'boundary'] as const) {
      rejects(old(allow()), kind, M.version);
      rejects(none(allow()), kind, M.version);
    }
  });
  test('resource-based, trust and session policies are accepted', () => {
    for (const doc of [old, none]) {
      accepts(doc(allow({ Principal: '*', Resource: 'arn:aws:s3:::bucket/${aws:username}/*' })), 'resource');
      accepts(doc(trustStatement()), 'trust');
      accepts(doc(allow()), 'session');
    }
  });
});
