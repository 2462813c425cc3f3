import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ELEMENTS_PER_STEP, parsePolicy, parsePolicyInSteps } from './parse.ts';
import { createRequest } from './request.ts';
import { evaluate } from './evaluate.ts';
import type { ParseResult } from './parse.ts';

/** Drives parsePolicyInSteps to its end, counting the pauses it offers. */
function stepThrough(text: string): { result: ParseResult; pauses: number } {
  const steps = parsePolicyInSteps(text, { kind: 'identity' });
  let pauses = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { result: step.value, pauses };
    pauses++;
  }
}

const document = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

// The largest single statement a simulator input can hold (131,072 characters): ten thousand
// condition values, which compiled in one piece hold the event loop for tens of milliseconds.
const conditionValues = Array.from({ length: 10_000 }, (_, i) => `*a?b${i}*`);
const oneLargeStatement = document([
  {
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: { StringLike: { 'aws:UserAgent': conditionValues } },
  },
]);

test('a large policy compiles in steps of at most ELEMENTS_PER_STEP elements, even within one statement', () => {
  assert.ok(oneLargeStatement.length <= 131_072);
  const { result, pauses } = stepThrough(oneLargeStatement);
  assert.equal(result.ok, true);
  // One pause after validation, then one per full step of condition values.
  assert.ok(pauses >= 1 + Math.floor(conditionValues.length / ELEMENTS_PER_STEP), `${pauses} pauses`);
});

test('a small policy compiles in one step after validation', () => {
  const { result, pauses } = stepThrough(
    document([{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]),
  );
  assert.equal(result.ok, true);
  assert.equal(pauses, 1);
});

test('a policy refused by validation is refused before any step', () => {
  const { result, pauses } = stepThrough(document([{ Effect: 'Allow', Action: 'iam', Resource: '*' }]));
  assert.equal(result.ok, false);
  assert.equal(pauses, 0);
  assert.deepEqual(
    result,
    parsePolicy(document([{ Effect: 'Allow', Action: 'iam', Resource: '*' }]), { kind: 'identity' }),
  );
});

test('compiled in steps, a policy decides as compiled at once', () => {
  const statements = [
    ...Array.from({ length: 600 }, (_, i) => ({
      Sid: `Read${i}`,
      Effect: 'Allow',
      Action: ['s3:GetObject', `ec2:Describe${i}*`],
      Resource: [`arn:aws:s3:::bucket${i}/*`, `arn:aws:ec2:*:*:instance/i-${i}?`],
    })),
    {
      Sid: 'DenyAgents',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        StringLike: { 'aws:UserAgent': conditionValues.slice(0, 700) },
        IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.1.0/24'] },
        Null: { 'aws:TokenIssueTime': 'false' },
      },
    },
  ];
  const text = document(statements);
  const stepped = stepThrough(text).result;
  const whole = parsePolicy(text, { kind: 'identity' });
  assert.ok(stepped.ok && whole.ok);
  const requests = [
    { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket7/key', context: {} },
    { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket700/key', context: {} },
    {
      action: 'ec2:Describe42Instances',
      resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-421',
      context: {},
    },
    {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket7/key',
      context: {
        'aws:UserAgent': 'xa-b12y',
        'aws:SourceIp': '10.1.2.3',
        'aws:TokenIssueTime': '2026-12-04T00:00:00Z',
      },
    },
    {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket7/key',
      context: {
        'aws:UserAgent': 'xa-b12y',
        'aws:SourceIp': '172.16.0.1',
        'aws:TokenIssueTime': '2026-12-04T00:00:00Z',
      },
    },
  ];
  const decisions = (policy: typeof stepped) =>
    requests.map((r) => {
      const request = createRequest({ ...r, principal: undefined });
      return evaluate({ identityPolicies: [policy.ok ? policy.policy : assert.fail()], request }).decision;
    });
  assert.deepEqual(decisions(stepped), decisions(whole));
  assert.deepEqual(decisions(whole), ['allowed', 'implicitDeny', 'allowed', 'explicitDeny', 'allowed']);
});

test('a compiled policy gives back the document as written, read again from its text', () => {
  const document = {
    Version: '2012-10-17',
    Id: 'doc',
    Statement: [{ Sid: 'A', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/*' }],
  };
  const parsed = parsePolicy(JSON.stringify(document), { kind: 'identity', id: 'p' });
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.policy.document, document);
  // A stored document with a repeated key reads as it was accepted: the last value.
  const stored = parsePolicy(
    '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}}',
    {
      kind: 'identity',
      stored: true,
    },
  );
  assert.ok(stored.ok);
  assert.deepEqual(stored.policy.document.Statement, { Effect: 'Allow', Action: '*', Resource: '*' });
});

test('policies compiled from different texts share the strings they hold', () => {
  const compile = (bucket: string) => {
    const parsed = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'S3:GetObject', Resource: `arn:aws:s3:::${bucket}` }],
      }),
      { kind: 'identity' },
    );
    assert.ok(parsed.ok);
    return parsed.policy;
  };
  const [one, two] = [compile('first'), compile('second')];
  const keyOf = (p: typeof one) => [...p.byAction.keys()][0]!;
  assert.equal(keyOf(one), 's3:getobject');
  assert.ok(Object.is(keyOf(one), keyOf(two)));
});

test('"service:*" takes every action of that service, and only actions written with its prefix', () => {
  const decide = (actions: object, action: string) => {
    const parsed = parsePolicy(document([{ Effect: 'Allow', ...actions, Resource: '*' }]), {
      kind: 'identity',
    });
    assert.ok(parsed.ok);
    return evaluate({ request: createRequest({ action, resource: '*' }), identityPolicies: [parsed.policy] })
      .decision;
  };
  const allowed = (actions: object, action: string) => decide(actions, action) === 'allowed';
  assert.equal(allowed({ Action: ['s3:*', 'ec2:Describe*'] }, 'S3:GetObject'), true);
  assert.equal(allowed({ Action: ['s3:*', 'ec2:Describe*'] }, 's3:'), true);
  assert.equal(allowed({ Action: ['s3:*', 'ec2:Describe*'] }, 's3'), false);
  assert.equal(allowed({ Action: ['s3:*', 'ec2:Describe*'] }, 's3x:GetObject'), false);
  assert.equal(allowed({ Action: ['s3:*', 'ec2:Describe*'] }, 'ec2:DescribeVpcs'), true);
  assert.equal(allowed({ NotAction: ['iam:*', 'sts:*'] }, 'iam:GetUser'), false);
  assert.equal(allowed({ NotAction: ['iam:*', 'sts:*'] }, 'iam'), true);
  assert.equal(allowed({ NotAction: ['iam:*', 'sts:*'] }, 'iamx:GetUser'), true);
});

test('a policy of few index keys and one of many find the same statements, and read as JSON', () => {
  // Nine services: past the keys a policy's index holds in a list, so the second is a Map.
  const services = ['s3', 'ec2', 'iam', 'sqs', 'sns', 'kms', 'logs', 'lambda', 'dynamodb'];
  const statements = (count: number) => [
    { Effect: 'Allow', Action: services.slice(0, count).map((s) => `${s}:Get*`), Resource: '*' },
    { Effect: 'Deny', Action: services.slice(0, count).map((s) => `${s}:GetSecret`), Resource: '*' },
  ];
  for (const count of [2, services.length]) {
    const parsed = parsePolicy(document(statements(count)), { kind: 'identity', id: `p${count}` });
    assert.ok(parsed.ok);
    const { policy } = parsed;
    assert.deepEqual([...policy.byService.keys()], services.slice(0, count));
    assert.deepEqual([...policy.byAction.keys()], [...services.slice(0, count).map((s) => `${s}:getsecret`)]);
    const decide = (action: string) => {
      const result = evaluate({
        request: createRequest({ action, resource: '*' }),
        identityPolicies: [policy],
      });
      assert.doesNotThrow(() => JSON.stringify(result));
      return `${result.decision} ${result.matchedStatements.map((s) => s.index).join(',')}`;
    };
    assert.equal(decide('S3:GetObject'), 'allowed 0');
    assert.equal(decide('s3:GetSecret'), 'explicitDeny 0,1');
    assert.equal(decide(`${services[count - 1]}:GetSecret`), 'explicitDeny 0,1');
    assert.equal(decide('s3:PutObject'), 'implicitDeny ');
    // An action asked for without a colon is no service's action, though its key is the service's.
    assert.equal(decide('s3'), 'implicitDeny ');
    assert.deepEqual(JSON.parse(JSON.stringify(policy)).id, `p${count}`);
  }
});
