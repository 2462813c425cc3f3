import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicy } from '../policy/index.ts';
import { loadAwsManagedPolicyCatalog } from './aws-managed-policies.ts';

const catalog = loadAwsManagedPolicyCatalog();

test('the catalog holds every current AWS managed policy, ordered by policy id', () => {
  const all = catalog.list();
  assert.ok(all.length >= 1300 && all.length <= 2000, `${all.length} policies`);
  const ids = all.map((p) => p.id);
  assert.deepEqual(ids, [...ids].sort());
  assert.equal(new Set(all.map((p) => p.arn)).size, all.length);
  assert.equal(new Set(all.map((p) => p.id)).size, all.length);
  for (const p of all) {
    assert.equal(p.arn, `arn:aws:iam::aws:policy${p.path}${p.name}`);
    assert.match(p.id, /^ANPA[A-Z0-9]{17}$/);
    assert.match(p.defaultVersionId, /^v[1-9][0-9]*$/);
    assert.match(p.createDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(p.updateDate >= p.createDate, p.name);
    // Every version AWS keeps: v1…vN, the default the last of them, created when the policy was
    // last updated (IAM API reference, Policy: UpdateDate).
    assert.deepEqual(
      p.versions.map((v) => v.versionId),
      p.versions.map((_, i) => `v${i + 1}`),
      p.name,
    );
    assert.equal(p.versions.at(-1)?.versionId, p.defaultVersionId, p.name);
    assert.equal(p.versions.at(-1)?.createDate, p.updateDate, p.name);
    for (const v of p.versions) assert.match(v.createDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
});

test('PowerUserAccess has its twelve or more versions, the old documents read on demand', async () => {
  const power = catalog.get('arn:aws:iam::aws:policy/PowerUserAccess')!;
  assert.ok(power.versions.length >= 12, `${power.versions.length} versions`);
  const documents = await catalog.documents(power);
  // v1 (2015): everything but IAM.
  assert.deepEqual(JSON.parse(documents.get('v1')!), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
  });
  assert.equal(power.versions[0]?.createDate, '2015-02-06T18:39:47Z');
  assert.equal(documents.get(power.defaultVersionId), power.document);
  // Every recorded version has its document, and only those.
  assert.deepEqual(
    [...documents.keys()].sort(),
    power.versions
      .filter((v) => v.recorded)
      .map((v) => v.versionId)
      .sort(),
  );
  // Asked again, the same history (kept, not read again).
  assert.equal(await catalog.documents(power), documents);
});

test("every policy's history decompresses into one document per recorded older version", async () => {
  let versions = 0;
  let recorded = 0;
  for (const p of catalog.list()) {
    const documents = await catalog.documents(p);
    versions += p.versions.length;
    recorded += documents.size;
    assert.equal(documents.size, p.versions.filter((v) => v.recorded).length, p.name);
    for (const document of documents.values()) JSON.parse(document);
  }
  assert.ok(versions >= 7000, `${versions} versions`);
  assert.ok(recorded >= 6000, `${recorded} documents`);
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

test("descriptions and ids are the metadata's, copied from AWS; other policies have no description", () => {
  const metadata = JSON.parse(
    readFileSync(new URL('../../scripts/aws-managed-policy-metadata.json', import.meta.url), 'utf8'),
  ) as { policies: Record<string, { description?: string; id?: string; source: string }> };
  const byName = new Map(catalog.list().map((p) => [p.name, p]));
  for (const [name, entry] of Object.entries(metadata.policies)) {
    const policy = byName.get(name);
    assert.ok(policy, `${name} is in the metadata but not in the catalog`);
    assert.equal(policy.description, entry.description, name);
    if (entry.id) assert.equal(policy.id, entry.id, name);
    assert.match(entry.source, /^(https:\/\/docs\.aws\.amazon\.com\/|GetAccountAuthorizationDetails )/, name);
  }
  for (const policy of catalog.list()) {
    if (!(policy.name in metadata.policies)) assert.equal(policy.description, undefined, policy.name);
  }
});
