// The committed models: complete (every reference resolves), enough for the wire, and every
// pattern usable from JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, javaPatternToJs } from '../codec/patterns.ts';
import { findOperation, getModel, shapeOf, type ModelledService } from './index.ts';

const services: ModelledService[] = ['iam', 'sts', 'organizations'];

test('metadata names the protocol, version and namespace', () => {
  assert.equal(getModel('iam').metadata.apiVersion, '2010-05-08');
  assert.equal(getModel('iam').metadata.protocol, 'query');
  assert.equal(getModel('iam').metadata.xmlNamespace, 'https://iam.amazonaws.com/doc/2010-05-08/');
  assert.equal(getModel('sts').metadata.apiVersion, '2011-06-15');
  assert.equal(getModel('sts').metadata.xmlNamespace, 'https://sts.amazonaws.com/doc/2011-06-15/');
  assert.equal(getModel('organizations').metadata.protocol, 'json');
  assert.equal(getModel('organizations').metadata.targetPrefix, 'AWSOrganizationsV20161128');
});

test('every shape reference resolves and every operation is keyed by its name', () => {
  for (const service of services) {
    const model = getModel(service);
    for (const [name, op] of Object.entries(model.operations)) {
      assert.equal(op.name, name);
      for (const ref of [op.input?.shape, op.output?.shape, ...(op.errors ?? [])]) {
        if (ref !== undefined) assert.ok(shapeOf(model, ref), `${service} ${name} -> ${ref}`);
      }
      if (model.metadata.protocol === 'query' && op.output)
        assert.equal(op.output.resultWrapper, `${name}Result`);
    }
    for (const [name, shape] of Object.entries(model.shapes)) {
      const refs = [...Object.values(shape.members ?? {}), shape.member, shape.key, shape.value];
      for (const ref of refs)
        if (ref !== undefined) assert.ok(shapeOf(model, ref.shape), `${service} ${name} -> ${ref.shape}`);
    }
  }
});

test('the models are frozen', () => {
  assert.ok(Object.isFrozen(getModel('iam').shapes.userNameType));
  assert.throws(() => {
    (getModel('sts').shapes as Record<string, unknown>).x = 1;
  });
});

test('no documentation is committed', () => {
  for (const service of services) assert.doesNotMatch(JSON.stringify(getModel(service)), /"documentation"/);
});

test('operations are looked up as own names only', () => {
  assert.ok(findOperation(getModel('iam'), 'CreateUser'));
  assert.equal(findOperation(getModel('iam'), 'constructor'), undefined);
  assert.equal(findOperation(getModel('iam'), '__proto__'), undefined);
});

test('every pattern in the models compiles to a JavaScript RegExp', () => {
  for (const service of services) {
    for (const [name, shape] of Object.entries(getModel(service).shapes)) {
      if (shape.pattern !== undefined)
        assert.ok(compilePattern(shape.pattern), `${service} ${name}: ${shape.pattern}`);
    }
  }
});

test('patterns match the whole value, as Java matches() does', () => {
  const userName = compilePattern('[\\w+=,.@-]+')!;
  assert.ok(userName.test('bob.smith@example'));
  assert.ok(!userName.test('bob smith'));
  assert.ok(!userName.test(''));
  const alternation = compilePattern('(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)')!;
  assert.ok(alternation.test('/'));
  assert.ok(alternation.test('/a/b/'));
  assert.ok(!alternation.test('/a'));
  assert.ok(!alternation.test('x/'));
});

test('Java-only escapes are translated; Unicode classes keep working', () => {
  assert.equal(javaPatternToJs('[\\w+=,.@\\:-]*'), '[\\w+=,.@:-]*');
  const colon = compilePattern('[\\w+=,.@\\:-]*')!;
  assert.ok(colon.test('a:b'));
  const tagKey = compilePattern('[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+')!;
  assert.ok(tagKey.test('Ünïcode key 1'));
  assert.ok(!tagKey.test('bad!'));
});

test('a model pattern with \\u10000 means what it means in Java: no supplementary characters', () => {
  const arn = compilePattern(
    '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+',
  )!;
  assert.ok(arn.test('arn:aws:iam::123456789012:role/é'));
  assert.ok(!arn.test('😀'));
});
