// scripts/build-aws-managed-policies.mjs, run as a maintainer runs it: on a copy of the repository's
// layout, so that the committed catalog is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAwsManagedPolicyCatalog } from '../../src/storage/aws-managed-policies.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

test('--account-details takes AWS ids and descriptions into the metadata and the catalog', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-policies-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src', 'storage'), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  for (const file of ['build-aws-managed-policies.mjs', 'aws-managed-policy-metadata.json']) {
    copyFileSync(join(repo, 'scripts', file), join(dir, 'scripts', file));
  }
  const details = join(repo, 'test', 'fixtures', 'aws-managed-policies', 'account-details.json');
  const { stdout } = await run(process.execPath, [
    join(dir, 'scripts', 'build-aws-managed-policies.mjs'),
    '--account-details',
    details,
  ]);
  assert.match(stdout, /^1 AWS managed policies from .* merged into /m);

  // The metadata keeps what it had and gains the account's word on AdministratorAccess; a customer
  // managed policy in the same output is not an AWS managed one.
  const metadata = JSON.parse(readFileSync(join(dir, 'scripts', 'aws-managed-policy-metadata.json'), 'utf8'));
  assert.equal(metadata.policies.AdministratorAccess.id, 'ANPAIWMBCKSKIEE64ZLYK');
  assert.equal(
    metadata.policies.AdministratorAccess.description,
    'Provides full access to AWS services and resources.',
  );
  assert.match(
    metadata.policies.AdministratorAccess.source,
    /^GetAccountAuthorizationDetails \(\d{4}-\d\d-\d\d\)$/,
  );
  assert.equal(metadata.policies['my-own-policy'], undefined);
  const committed = JSON.parse(
    readFileSync(join(repo, 'scripts', 'aws-managed-policy-metadata.json'), 'utf8'),
  );
  for (const [name, entry] of Object.entries(committed.policies)) {
    if (name !== 'AdministratorAccess') assert.deepEqual(metadata.policies[name], entry, name);
  }

  const catalog = loadAwsManagedPolicyCatalog(
    join(dir, 'src', 'storage', 'aws-managed-policies.json.gz'),
    join(dir, 'src', 'storage', 'aws-managed-policy-versions.br'),
  );
  const admin = catalog.get(ADMIN)!;
  assert.equal(admin.id, 'ANPAIWMBCKSKIEE64ZLYK');
  assert.equal(admin.description, 'Provides full access to AWS services and resources.');
  // The rest is the package's, as in the committed catalog.
  const shipped = loadAwsManagedPolicyCatalog();
  assert.equal(catalog.list().length, shipped.list().length);
  assert.equal(admin.document, shipped.get(ADMIN)!.document);
  assert.deepEqual(admin.versions, shipped.get(ADMIN)!.versions);
});
