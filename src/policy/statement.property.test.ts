// A statement is judged by its own elements only (statement.ts): its record says where its values
// run in the policy's list and how many there are, and a statement's answer must not change with
// the statements around it. Each statement of a random policy answers as the same statement
// compiled alone, for any request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePolicy } from './parse.ts';
import { createRequest } from './request.ts';
import type { CompiledStatement } from './ast.ts';
import type { PolicyKind } from './types.ts';
import type { MissingKeySink } from './conditions/condition.ts';

const IGNORE_MISSING: MissingKeySink = { missing() {} };

const ACCOUNT = '111122223333';
const names = [
  'GetObject',
  'PutObject',
  'ListBucket',
  'DeleteObject',
  'GetObjectAcl',
  'Tag',
  'Get1',
  'Get2',
  'Get3',
];
const exactAction = fc
  .tuple(fc.constantFrom('s3', 'ec2'), fc.constantFrom(...names))
  .map(([s, n]) => `${s}:${n}`);
const wildAction = fc.constantFrom('s3:Get*', 's3:*', 'ec2:Describe*', '*', 's3:?etObject');
// Up to twelve actions: past eight, exact ones are held in a Set.
const actions = fc.array(
  fc.oneof({ weight: 4, arbitrary: exactAction }, { weight: 1, arbitrary: wildAction }),
  {
    minLength: 1,
    maxLength: 12,
  },
);
const bucket = fc.constantFrom('a', 'b', 'shared', 'shared-bucket');
const resource = fc.oneof(
  bucket.map((b) => `arn:aws:s3:::${b}`),
  bucket.map((b) => `arn:aws:s3:::${b}/*`),
  fc.tuple(bucket, fc.integer({ min: 0, max: 11 })).map(([b, i]) => `arn:aws:s3:::${b}/k${i}`),
  fc.constantFrom('arn:aws:s3:::*/k1', 'arn:aws:s3:::sh?red/*', '*'),
);
// Up to twelve resources: past eight, exact ARNs are held in a Set.
const resources = fc.array(resource, { minLength: 1, maxLength: 12 });

const statement = (kind: PolicyKind) =>
  fc.record({
    Sid: fc.option(fc.constantFrom('One', 'Two', 'Three'), { nil: undefined }),
    Effect: fc.constantFrom('Allow', 'Deny'),
    notAction: fc.boolean(),
    actions,
    notResource: fc.boolean(),
    resources,
    condition: fc.boolean(),
    principal: kind === 'resource' ? fc.constantFrom('alice', 'carol', '*') : fc.constant(undefined),
  });

type Written = {
  Sid: string | undefined;
  Effect: string;
  notAction: boolean;
  actions: string[];
  notResource: boolean;
  resources: string[];
  condition: boolean;
  principal: string | undefined;
};

function document(statements: readonly Written[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s, i) => ({
      // Sids are unique within a policy.
      ...(s.Sid === undefined ? {} : { Sid: `${s.Sid}${i}` }),
      Effect: s.Effect,
      [s.notAction ? 'NotAction' : 'Action']: s.actions,
      [s.notResource ? 'NotResource' : 'Resource']: s.resources,
      ...(s.principal === undefined
        ? {}
        : { Principal: s.principal === '*' ? '*' : { AWS: `arn:aws:iam::${ACCOUNT}:user/${s.principal}` } }),
      ...(s.condition ? { Condition: { Bool: { 'aws:SecureTransport': 'true' } } } : {}),
    })),
  });
}

function compiled(kind: PolicyKind, statements: readonly Written[]): readonly CompiledStatement[] | null {
  const parsed = parsePolicy(document(statements), { kind, id: 'p' });
  // A random statement may be one IAM refuses (a NotResource with NotAction of `*`, …): skipped.
  return parsed.ok ? parsed.policy.statements : null;
}

const request = fc.record({
  action: fc.oneof(exactAction, fc.constantFrom('s3:GetObjectTorrent', 'iam:GetUser')),
  resource: fc.oneof(
    fc.tuple(bucket, fc.integer({ min: 0, max: 12 })).map(([b, i]) => `arn:aws:s3:::${b}/k${i}`),
    bucket.map((b) => `arn:aws:s3:::${b}`),
  ),
  principal: fc.constantFrom('alice', 'carol', 'dave'),
  secure: fc.boolean(),
});

for (const kind of ['identity', 'resource'] as const) {
  test(`a ${kind} policy's statement answers as it does compiled alone, whatever its neighbours`, () => {
    fc.assert(
      fc.property(
        fc.array(statement(kind), { minLength: 2, maxLength: 6 }),
        fc.array(request, { minLength: 1, maxLength: 8 }),
        (statements, requests) => {
          const together = compiled(kind, statements);
          if (!together) return;
          statements.forEach((written, i) => {
            const alone = compiled(kind, [{ ...written, Sid: undefined }])![0]!;
            const inPolicy = together[i]!;
            for (const r of requests) {
              const prepared = createRequest({
                action: r.action,
                resource: r.resource,
                principal: {
                  type: 'user',
                  account: ACCOUNT,
                  arn: `arn:aws:iam::${ACCOUNT}:user/${r.principal}`,
                },
                context: { 'aws:SecureTransport': String(r.secure) },
              });
              const what = `statement ${i} of ${document(statements)} for ${JSON.stringify(r)}`;
              assert.equal(
                inPolicy.matchesAction(prepared.actionKey, prepared.service),
                alone.matchesAction(prepared.actionKey, prepared.service),
                `Action: ${what}`,
              );
              assert.equal(
                inPolicy.matchesResource(prepared),
                alone.matchesResource(prepared),
                `Resource: ${what}`,
              );
              assert.equal(
                inPolicy.principal?.match(prepared.principal) ?? null,
                alone.principal?.match(prepared.principal) ?? null,
                `Principal: ${what}`,
              );
              const holds = (s: CompiledStatement) =>
                s.conditions.map((c) => c.evaluate(prepared.context, IGNORE_MISSING));
              assert.deepEqual(holds(inPolicy), holds(alone), `Condition: ${what}`);
              assert.equal(inPolicy.effect, written.Effect);
              assert.equal(inPolicy.index, i);
              assert.equal(inPolicy.sid, written.Sid === undefined ? undefined : `${written.Sid}${i}`);
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });
}
