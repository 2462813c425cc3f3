import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../policy/index.ts';
import { loadAwsManagedPolicyCatalog } from './aws-managed-policies.ts';

const catalog = loadAwsManagedPolicyCatalog();

test('the catalog holds every current AWS managed policy, ordered by name', () => {
  const all = catalog.list();
  assert.ok(all.length >= 1300 && all.length <= 2000, `${all.length} policies`);
  const names = all.map((p) => p.name.toLowerCase());
  assert.deepEqual(names, [...names].sort());
  assert.equal(new Set(all.map((p) => p.arn)).size, all.length);
  assert.equal(new Set(all.map((p) => p.id)).size, all.length);
  for (const p of all) {
    assert.equal(p.arn, `arn:aws:iam::aws:policy${p.path}${p.name}`);
    assert.match(p.id, /^ANPA[A-Z0-9]{17}$/);
    assert.match(p.defaultVersionId, /^v[1-9][0-9]*$/);
    assert.match(p.createDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(p.updateDate >= p.createDate, p.name);
  }
});

test('well-known policies are found by ARN with their real documents and paths', () => {
  const admin = catalog.get('arn:aws:iam::aws:policy/AdministratorAccess');
  assert.deepEqual(JSON.parse(admin!.document), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  assert.equal(admin?.createDate, '2015-02-06T18:39:46Z');
  for (const arn of [
    'arn:aws:iam::aws:policy/PowerUserAccess',
    'arn:aws:iam::aws:policy/AmazonEC2FullAccess',
    'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess',
    'arn:aws:iam::aws:policy/IAMUserChangePassword',
    'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
  ]) {
    assert.ok(catalog.get(arn), arn);
  }
  assert.equal(catalog.get('arn:aws:iam::aws:policy/ViewOnlyAccess'), undefined);
  assert.equal(catalog.get('arn:aws:iam::aws:policy/NoSuchPolicy'), undefined);
});

test('every document the engine may be asked to evaluate parses as an identity policy', () => {
  const failures: string[] = [];
  for (const p of catalog.list()) {
    // Service-role policies attach only to service-linked roles, which nobody here can assume.
    if (p.path === '/aws-service-role/') continue;
    const parsed = parsePolicy(p.document, { kind: 'identity', id: p.arn });
    if (!parsed.ok) failures.push(`${p.name}: ${parsed.error.message}`);
  }
  assert.deepEqual(failures, []);
});

test('loading is lazy and fast', () => {
  const fresh = loadAwsManagedPolicyCatalog();
  const start = performance.now();
  fresh.get('arn:aws:iam::aws:policy/AdministratorAccess');
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 1000, `loaded in ${elapsed.toFixed(0)} ms`);
});
