import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, evaluate, parsePolicy, traceDecision, type CompiledPolicy } from './index.ts';
import type { EvaluationInput } from './evaluate.ts';
import type { PolicyKind, RequestInput } from './types.ts';
import type { DecisionTrace, StatementTrace } from './trace.ts';

const ACCOUNT = '111122223333';
const alice = { arn: `arn:aws:iam::${ACCOUNT}:user/alice`, account: ACCOUNT, type: 'user' as const };

function policy(id: string, statements: object[], kind: PolicyKind = 'identity'): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { kind, id });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.policy;
}

function trace(
  request: Omit<RequestInput, 'principal'>,
  sets: Omit<EvaluationInput, 'request'>,
): DecisionTrace {
  const input = { ...sets, request: createRequest({ ...request, principal: alice }) };
  const traced = traceDecision(input);
  // The trace's verdict is the engine's own.
  assert.deepEqual(traced.result, evaluate(input));
  return traced;
}

function statement(t: DecisionTrace, type: string, policyId: string, index: number): StatementTrace {
  const set = t.sets.find((s) => s.type === type);
  const found = set?.policies.find((p) => p.policyId === policyId)?.statements[index];
  assert.ok(found, `${type} ${policyId} #${index}`);
  return found;
}

const listUsers = { action: 'iam:ListUsers', resource: `arn:aws:iam::${ACCOUNT}:user/` };

test('an allow: the matching statement is matched, the others say which element did not match', () => {
  const t = trace(listUsers, {
    identityPolicies: [
      policy('p', [
        { Sid: 'Other', Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
        { Sid: 'OtherResource', Effect: 'Allow', Action: 'iam:List*', Resource: 'arn:aws:iam::*:role/*' },
        { Sid: 'Ok', Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
      ]),
    ],
  });
  assert.equal(t.result.decision, 'allowed');
  assert.equal(statement(t, 'identity-based', 'p', 0).outcome, 'action');
  const other = statement(t, 'identity-based', 'p', 1);
  assert.equal(other.outcome, 'resource');
  assert.deepEqual(other.resource, {
    element: 'Resource',
    values: ['arn:aws:iam::*:role/*'],
    matches: false,
  });
  assert.equal(statement(t, 'identity-based', 'p', 2).outcome, 'matched');
});

test('an explicit deny by a statement', () => {
  const t = trace(listUsers, {
    identityPolicies: [
      policy('p', [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'NoListing', Effect: 'Deny', Action: 'iam:List*', Resource: '*' },
      ]),
    ],
  });
  assert.equal(t.result.decision, 'explicitDeny');
  assert.equal(t.result.deniedBy, 'identity-based');
  const deny = statement(t, 'identity-based', 'p', 1);
  assert.equal(deny.outcome, 'matched');
  assert.equal(deny.effect, 'Deny');
  assert.equal(deny.sid, 'NoListing');
});

test('an implicit deny: nothing matched', () => {
  const t = trace(listUsers, {
    identityPolicies: [policy('p', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }])],
  });
  assert.equal(t.result.decision, 'implicitDeny');
  assert.equal(statement(t, 'identity-based', 'p', 0).outcome, 'action');
});

test('a condition key absent is told apart from one present but false', () => {
  const policies = [
    policy('mfa', [
      {
        Effect: 'Allow',
        Action: 'iam:*',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ]),
  ];
  const absent = statement(trace(listUsers, { identityPolicies: policies }), 'identity-based', 'mfa', 0);
  assert.equal(absent.outcome, 'condition');
  assert.deepEqual(absent.conditions, [
    {
      operator: 'Bool',
      key: 'aws:MultiFactorAuthPresent',
      policyValues: ['true'],
      requestValues: [],
      keyPresent: false,
      holds: false,
    },
  ]);
  const falseOne = statement(
    trace({ ...listUsers, context: { 'aws:MultiFactorAuthPresent': false } }, { identityPolicies: policies }),
    'identity-based',
    'mfa',
    0,
  );
  assert.equal(falseOne.outcome, 'condition');
  assert.equal(falseOne.conditions[0]!.keyPresent, true);
  assert.deepEqual(falseOne.conditions[0]!.requestValues, ['false']);
  assert.equal(falseOne.conditions[0]!.holds, false);
});

test('every condition is reported, the holding ones too', () => {
  const t = trace(
    { ...listUsers, context: { 'aws:SourceIp': '10.1.2.3' } },
    {
      identityPolicies: [
        policy('p', [
          {
            Effect: 'Allow',
            Action: 'iam:ListUsers',
            Resource: '*',
            Condition: {
              IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
              StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
            },
          },
        ]),
      ],
    },
  );
  const s = statement(t, 'identity-based', 'p', 0);
  assert.deepEqual(
    s.conditions.map((c) => [c.key, c.keyPresent, c.holds]),
    [
      ['aws:SourceIp', true, true],
      ['aws:RequestedRegion', false, false],
    ],
  );
});

test('NotAction: the action matches when it is not listed', () => {
  const policies = [policy('p', [{ Effect: 'Deny', NotAction: 'iam:ChangePassword', Resource: '*' }])];
  const denied = trace(listUsers, { identityPolicies: policies });
  assert.equal(denied.result.decision, 'explicitDeny');
  const s = statement(denied, 'identity-based', 'p', 0);
  assert.deepEqual(s.action, { element: 'NotAction', values: ['iam:ChangePassword'], matches: true });
  const spared = trace({ action: 'iam:ChangePassword', resource: alice.arn }, { identityPolicies: policies });
  assert.equal(statement(spared, 'identity-based', 'p', 0).outcome, 'action');
});

test('a permissions boundary that does not allow denies, and its statements are traced as a set', () => {
  const t = trace(listUsers, {
    identityPolicies: [policy('admin', [{ Effect: 'Allow', Action: '*', Resource: '*' }])],
    permissionsBoundaries: [
      policy('boundary', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }], 'boundary'),
    ],
  });
  assert.equal(t.result.decision, 'implicitDeny');
  assert.equal(t.result.deniedBy, 'permissions boundary');
  assert.deepEqual(
    t.sets.map((s) => s.type),
    ['identity-based', 'permissions boundary'],
  );
  assert.equal(statement(t, 'permissions boundary', 'boundary', 0).outcome, 'action');
});

test('a service control policy denies; each level is its own set', () => {
  const t = trace(listUsers, {
    identityPolicies: [policy('admin', [{ Effect: 'Allow', Action: '*', Resource: '*' }])],
    serviceControlPolicies: [
      [policy('FullAWSAccess', [{ Effect: 'Allow', Action: '*', Resource: '*' }], 'scp')],
      [
        policy('FullAWSAccess', [{ Effect: 'Allow', Action: '*', Resource: '*' }], 'scp'),
        policy('NoIam', [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }], 'scp'),
      ],
    ],
  });
  assert.equal(t.result.decision, 'explicitDeny');
  assert.equal(t.result.deniedBy, 'service control');
  const levels = t.sets.filter((s) => s.type === 'service control');
  assert.deepEqual(
    levels.map((s) => [s.level, s.policies.map((p) => p.policyId)]),
    [
      [0, ['FullAWSAccess']],
      [1, ['FullAWSAccess', 'NoIam']],
    ],
  );
  assert.equal(levels[1]!.policies[1]!.statements[0]!.outcome, 'matched');
});

test("a trust policy's Principal is traced with the grant it gives", () => {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/admin`;
  const t = trace(
    { action: 'sts:AssumeRole', resource: roleArn },
    {
      identityPolicies: [policy('p', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }])],
      resourcePolicies: [
        policy(
          'trust',
          [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
              Action: 'sts:AssumeRole',
            },
          ],
          'trust',
        ),
      ],
      resourceAccount: ACCOUNT,
    },
  );
  assert.equal(t.result.decision, 'implicitDeny');
  assert.equal(t.result.deniedBy, 'role trust');
  const s = statement(t, 'role trust', 'trust', 0);
  assert.equal(s.outcome, 'principal');
  assert.deepEqual(s.principal, {
    element: 'Principal',
    values: [`AWS: arn:aws:iam::${ACCOUNT}:user/bob`],
    matches: false,
    grant: null,
  });
});
