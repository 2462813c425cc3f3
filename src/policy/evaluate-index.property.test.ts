// The statement index (INVARIANT(index) in ast.ts) only narrows where evaluation looks: evaluating
// with it must give what trying every statement gives, for any statements and any request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type CompiledPolicy, POLICY_SHAPE, indexLength } from './ast.ts';
import { RECORD } from './statement.ts';
import { evaluate } from './evaluate.ts';
import { parsePolicy } from './parse.ts';
import { createRequest } from './request.ts';

const services = ['s3', 'ec2', 'iam', 'dynamodb'];
const names = ['GetObject', 'getobject', 'PutObject', 'ListBuckets', 'DescribeInstances', 'GetUser', 'Query'];
const service = fc.constantFrom(...services);
const name = fc.constantFrom(...names);
const wildName = fc.constantFrom('Get*', '*Object', '?etUser', '*', 'List?uckets', 'Put*t');

const writtenAction = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(service, name).map(([s, n]) => `${s}:${n}`) },
  { weight: 3, arbitrary: fc.tuple(service, wildName).map(([s, n]) => `${s}:${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('*', 'S3:GETOBJECT', 'Ec2:Describe*', 'iam:*') },
);
const resource = fc.constantFrom(
  '*',
  'arn:aws:s3:::bucket/*',
  'arn:aws:iam::123456789012:user/alice',
  'arn:aws:*:*:*:*',
);
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  actions: fc.array(writtenAction, { minLength: 1, maxLength: 4 }),
  not: fc.boolean(),
  Resource: resource,
});

/** The same policy with every statement in anyService: evaluation then tries each one. */
function unindexed(policy: CompiledPolicy): CompiledPolicy {
  // Own fields only: the id, which evaluation reports, and those it reads. Its list keeps the
  // index (statements whose actions it lists look there), but its shape says there is none.
  const count = policy.shape >>> POLICY_SHAPE.countShift;
  const first = indexLength(policy.shape);
  return {
    id: policy.id,
    entries: policy.entries,
    shape: policy.shape & ~(POLICY_SHAPE.mapped | (POLICY_SHAPE.keysMask << POLICY_SHAPE.keysShift)),
    anyService: Array.from({ length: count }, (_, i) => first + i * RECORD),
  } as unknown as CompiledPolicy;
}

const sorted = (statements: readonly { policyId: string; index: number; effect: string }[]) =>
  statements.map((s) => `${s.policyId}#${s.index}:${s.effect}`).sort();

test('evaluation through the statement index equals trying every statement', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(statement, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
      fc.tuple(service, name),
      resource.filter((r) => !r.includes('*')),
      (policies, [requestService, requestName], requestResource) => {
        const compiled = policies.map((statements, p) => {
          const text = JSON.stringify({
            Version: '2012-10-17',
            Statement: statements.map((s) => ({
              Effect: s.Effect,
              [s.not ? 'NotAction' : 'Action']: s.actions,
              Resource: s.Resource,
            })),
          });
          const parsed = parsePolicy(text, { kind: 'identity', id: `p${p}` });
          assert.ok(parsed.ok, text);
          return parsed.policy;
        });
        const request = createRequest({
          action: `${requestService}:${requestName}`,
          resource: requestResource,
        });
        const indexed = evaluate({ request, identityPolicies: compiled });
        const plain = evaluate({ request, identityPolicies: compiled.map(unindexed) });
        assert.equal(indexed.decision, plain.decision);
        assert.deepEqual(sorted(indexed.matchedStatements), sorted(plain.matchedStatements));
        assert.deepEqual(sorted(indexed.decidingStatements), sorted(plain.decidingStatements));
      },
    ),
    { numRuns: 2000 },
  );
});

test('a statement listing several actions of a service, some with wildcards, is found for each', () => {
  const parsed = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:Put*', 'ec2:RunInstances'], Resource: '*' },
        { Effect: 'Deny', Action: ['ec2:RunInstances', 'ec2:RunInstances'], Resource: '*' },
      ],
    }),
    { kind: 'identity', id: 'p' },
  );
  assert.ok(parsed.ok);
  const decide = (action: string) =>
    evaluate({ request: createRequest({ action, resource: '*' }), identityPolicies: [parsed.policy] });
  assert.equal(decide('s3:GetObject').decision, 'allowed');
  assert.equal(decide('S3:PUTOBJECT').decision, 'allowed');
  assert.equal(decide('s3:ListBucket').decision, 'implicitDeny');
  const run = decide('ec2:runinstances');
  assert.equal(run.decision, 'explicitDeny');
  assert.deepEqual(
    run.matchedStatements.map((s) => s.index),
    [0, 1],
    'each statement once, in document order',
  );
});
