// The audit trail's redaction against AWS's own models: every member whose shape the IAM or STS
// model marks `sensitive` (a private key, a password, a secret, an assertion) is hidden in the
// recorded request and left out of the recorded response, whatever operation carries it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactRequest, redactResponse } from '../../domain/audit/redact.ts';
import { getModel, shapeOf, type QueryService, type ServiceModel } from './model/index.ts';

const MARKER = 'SENSITIVE-VALUE-MARKER';

/** One value per sensitive member reachable from `shapeName`, nested as the wire would nest it. */
function sample(model: ServiceModel, shapeName: string, depth = 0): unknown {
  const shape = shapeOf(model, shapeName);
  if (shape.sensitive) return MARKER;
  if (depth > 6) return undefined;
  if (shape.type === 'list' && shape.member) {
    const item = sample(model, shape.member.shape, depth + 1);
    return item === undefined ? undefined : [item];
  }
  if (shape.type !== 'structure' || !shape.members) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members)) {
    const value = sample(model, ref.shape, depth + 1);
    if (value !== undefined) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

for (const service of ['iam', 'sts'] as QueryService[]) {
  test(`${service}: no sensitive member of any request or response reaches the audit trail`, () => {
    const model = getModel(service);
    let checked = 0;
    for (const [name, operation] of Object.entries(model.operations)) {
      const input = operation.input && sample(model, operation.input.shape);
      if (input) {
        checked++;
        assert.ok(
          !JSON.stringify(redactRequest(input as Record<string, unknown>)).includes(MARKER),
          `${name} request`,
        );
      }
      const output = operation.output && sample(model, operation.output.shape);
      if (output) {
        checked++;
        assert.ok(
          !JSON.stringify(redactResponse(output as Record<string, unknown>)).includes(MARKER),
          `${name} response`,
        );
      }
    }
    assert.ok(checked > 0, 'the model marks some members sensitive');
  });
}

test('redaction keeps the rest of the request and says what it hid, as CloudTrail does', () => {
  assert.deepEqual(redactRequest({ UserName: 'alice', Password: 'p', PasswordResetRequired: true }), {
    userName: 'alice',
    password: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    passwordResetRequired: true,
  });
});
