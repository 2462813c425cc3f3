import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePolicyDocument } from './validate-policy.ts';
import { IamError } from '../errors.ts';

const doc = (statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

test('iam:PassRole on "*" is a SECURITY_WARNING at its statement, with a span from its { to after its }', () => {
  const text = doc([
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
  ]);
  const findings = validatePolicyDocument(text, 'IDENTITY_POLICY');
  assert.equal(findings.length, 1);
  const [finding] = findings;
  assert.equal(finding!.issueCode, 'PASS_ROLE_WITH_STAR_IN_RESOURCE');
  assert.equal(finding!.findingType, 'SECURITY_WARNING');
  const { path, span } = finding!.locations[0]!;
  assert.deepEqual(path, [{ value: 'Statement' }, { index: 1 }]);
  const open = text.indexOf('{', text.indexOf('},') + 2);
  assert.equal(text[span.start.offset], '{');
  assert.equal(span.start.offset, open);
  assert.equal(text[span.end.offset - 1], '}');
  assert.equal(text.slice(span.start.offset, span.end.offset).trim().startsWith('{'), true);
  // Line from 1, column from 0: the statement's { on line 9 of the pretty-printed text, 4 spaces in.
  assert.deepEqual(span.start, { line: 9, column: 4, offset: open });
  assert.equal(span.end.line, 13);
  assert.equal(span.end.column, 5);
});

test('Portcullis-only lint codes are not answered; AWS codes carry their learnMoreLink', () => {
  const text = doc([{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }]);
  assert.deepEqual(validatePolicyDocument(text, 'IDENTITY_POLICY'), []);
  const redundant = validatePolicyDocument(
    doc([{ Effect: 'Allow', Action: ['s3:Get*', 's3:GetObject'], Resource: '*' }]),
    'IDENTITY_POLICY',
  );
  assert.deepEqual(
    redundant.map((f) => [f.issueCode, f.findingType]),
    [['REDUNDANT_ACTION', 'SUGGESTION']],
  );
  assert.match(
    redundant[0]!.learnMoreLink,
    /#access-analyzer-reference-policy-checks-suggestion-redundant-action$/,
  );
});

test('text that is not JSON is one JSON_SYNTAX_ERROR at the character the parser stops at', () => {
  const findings = validatePolicyDocument(
    '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}',
    'IDENTITY_POLICY',
  );
  assert.deepEqual(findings, [
    {
      findingDetails: 'Fix the JSON syntax error at character 16 in line 3 with index 45.',
      findingType: 'ERROR',
      issueCode: 'JSON_SYNTAX_ERROR',
      learnMoreLink:
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-json-syntax-error',
      locations: [
        {
          path: [],
          span: { start: { line: 3, column: 16, offset: 45 }, end: { line: 3, column: 16, offset: 45 } },
        },
      ],
    },
  ]);
  const cut = validatePolicyDocument('{"Version": "2012-10-17"', 'IDENTITY_POLICY');
  assert.equal(cut[0]!.findingDetails, 'Fix the JSON syntax error at character 24 in line 1 with index 24.');
});

test('a role trust policy is read as one: its Principal is expected, not refused', () => {
  const trust = doc([
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ]);
  assert.deepEqual(
    validatePolicyDocument(trust, 'RESOURCE_POLICY', 'AWS::IAM::AssumeRolePolicyDocument'),
    [],
  );
});

test('RESOURCE_CONTROL_POLICY and oversized documents are refused with ValidationException', () => {
  for (const [text, type] of [
    [doc([]), 'RESOURCE_CONTROL_POLICY'],
    [' '.repeat(140_000), 'IDENTITY_POLICY'],
    [`"${'x'.repeat(40_000)}"`, 'IDENTITY_POLICY'],
  ] as const) {
    assert.throws(
      () => validatePolicyDocument(text, type),
      (e: unknown) =>
        e instanceof IamError && e.code === 'ValidationException' && e.members?.reason !== undefined,
    );
  }
});

test('redundant statements: covered by any statement of the same effect, resources and conditions', () => {
  const text = doc([
    { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    { Effect: 'Allow', Action: '*', Resource: '*' },
    { Effect: 'Allow', Action: ['S3:Get*', 'iam:GetUser'], Resource: '*' },
    { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
  ]);
  const found = validatePolicyDocument(text, 'IDENTITY_POLICY')
    .filter((f) => f.issueCode === 'REDUNDANT_STATEMENT')
    .map((f) => [f.locations[0]!.path[1], f.findingDetails]);
  assert.deepEqual(found, [
    [
      { index: 0 },
      'The statement is redundant because statement 1 grants the same access. We recommend that you remove it.',
    ],
    [
      { index: 2 },
      'The statement is redundant because statement 1 grants the same access. We recommend that you remove it.',
    ],
  ]);
});
