// Runs the policy engine's evaluation cases: every *.yaml file in this folder is a list of cases
// (see README.md here for the format), each one becomes a node:test test named "<file> › <case>".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  accessDeniedMessage,
  createRequest,
  evaluate,
  parsePolicy,
  type CompiledPolicy,
  type ContextValue,
  type EvaluationInput,
  type EvaluationResult,
  type PolicyKind,
  type Principal,
} from '../../src/policy/index.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The caller when a case names none. */
const DEFAULT_PRINCIPAL = 'arn:aws:iam::111122223333:user/alice';

type Mapping = Record<string, unknown>;

interface Case {
  readonly name: string;
  readonly source: string;
  readonly policies: Mapping;
  readonly resourceAccount?: string;
  readonly request: Mapping;
  readonly expect: Mapping;
  readonly todo?: string;
}

const CASE_KEYS = new Set([
  'name',
  'source',
  'policies',
  'resourceAccount',
  'request',
  'expect',
  'todo',
  'note',
]);
const POLICY_SETS = new Set(['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp']);
const REQUEST_KEYS = new Set(['action', 'resource', 'principal', 'context']);
const EXPECT_KEYS = new Set(['decision', 'deniedBy', 'decidingSids', 'missingContextKeys', 'message']);
const DECISIONS = new Set(['allowed', 'explicitDeny', 'implicitDeny']);

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(where: string, value: Mapping, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key))
      throw new Error(`${where}: unknown key "${key}" (allowed: ${[...allowed].join(', ')})`);
  }
}

/** Reads one file: either a list of cases, or a mapping with `cases` (and free-form `definitions` for anchors). */
function loadCases(file: string): Case[] {
  const document: unknown = parseYaml(readFileSync(join(here, file), 'utf8'), {
    merge: true,
    maxAliasCount: -1,
  });
  let list: unknown;
  if (Array.isArray(document)) list = document;
  else if (isMapping(document) && Array.isArray(document.cases)) {
    checkKeys(file, document, new Set(['definitions', 'cases']));
    list = document.cases;
  } else throw new Error(`${file}: expected a list of cases or a mapping with "cases"`);
  const cases: Case[] = [];
  const names = new Set<string>();
  (list as unknown[]).forEach((raw, i) => {
    const where = `${file} case #${i + 1}`;
    if (!isMapping(raw)) throw new Error(`${where}: a case must be a mapping`);
    checkKeys(where, raw, CASE_KEYS);
    if (typeof raw.name !== 'string' || raw.name === '') throw new Error(`${where}: missing name`);
    if (names.has(raw.name)) throw new Error(`${where}: duplicate case name "${raw.name}"`);
    names.add(raw.name);
    if (typeof raw.source !== 'string' || raw.source === '')
      throw new Error(`${where} (${raw.name}): missing source`);
    if (!isMapping(raw.policies)) throw new Error(`${where} (${raw.name}): policies must be a mapping`);
    checkKeys(`${where} (${raw.name}) policies`, raw.policies, POLICY_SETS);
    if (!isMapping(raw.request)) throw new Error(`${where} (${raw.name}): request must be a mapping`);
    checkKeys(`${where} (${raw.name}) request`, raw.request, REQUEST_KEYS);
    if (!isMapping(raw.expect)) throw new Error(`${where} (${raw.name}): expect must be a mapping`);
    checkKeys(`${where} (${raw.name}) expect`, raw.expect, EXPECT_KEYS);
    if (!DECISIONS.has(raw.expect.decision as string)) {
      throw new Error(`${where} (${raw.name}): expect.decision must be one of ${[...DECISIONS].join(', ')}`);
    }
    cases.push(raw as unknown as Case);
  });
  return cases;
}

/** JSON-stringifies one policy written as YAML (without our `id` key) and parses it with the engine. */
function compile(raw: unknown, kind: PolicyKind, fallbackId: string): CompiledPolicy {
  if (!isMapping(raw)) throw new Error(`${fallbackId}: a policy must be a mapping`);
  const { id, ...document } = raw;
  const policyId = typeof id === 'string' ? id : fallbackId;
  const result = parsePolicy(JSON.stringify(document), { kind, id: policyId });
  if (!result.ok) {
    throw new Error(
      `policy ${policyId} (${kind}) failed to parse: ${result.error.code}: ${result.error.message}`,
    );
  }
  return result.policy;
}

function compileList(raw: unknown, kind: PolicyKind, label: string): CompiledPolicy[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((p, i) => compile(p, kind, `${label}-${i + 1}`));
}

/** SCPs or RCPs: a list of levels (root, OU, account); a level is a list of policies or a single policy. */
function compileLevels(raw: unknown, kind: 'scp' | 'rcp'): CompiledPolicy[][] {
  if (!Array.isArray(raw)) throw new Error(`policies.${kind} must be a list of levels`);
  return raw.map((level, i) => compileList(level, kind, `${kind}-level${i + 1}`));
}

/** A principal given as its ARN: the account and type are read from the ARN. */
function principalFromArn(arn: string): Principal {
  const parts = arn.split(':');
  const account = parts[4] ?? '';
  const resource = parts.slice(5).join(':');
  if (parts[2] === 'iam' && resource === 'root') return { arn, account, type: 'root' };
  if (parts[2] === 'iam' && resource.startsWith('user/')) return { arn, account, type: 'user' };
  if (parts[2] === 'sts' && resource.startsWith('assumed-role/')) {
    const role = resource.split('/')[1] ?? '';
    return { arn, account, type: 'assumed-role', roleArn: `arn:${parts[1]}:iam::${account}:role/${role}` };
  }
  if (parts[2] === 'sts' && resource.startsWith('federated-user/'))
    return { arn, account, type: 'federated-user' };
  throw new Error(`cannot tell the principal type of "${arn}": write the principal as a mapping`);
}

function toPrincipal(raw: unknown): Principal {
  if (raw === undefined) return principalFromArn(DEFAULT_PRINCIPAL);
  if (typeof raw === 'string') return principalFromArn(raw);
  if (isMapping(raw) && typeof raw.arn === 'string') {
    const derived = raw.type === undefined ? principalFromArn(raw.arn) : undefined;
    return { ...derived, ...raw } as unknown as Principal;
  }
  throw new Error('request.principal must be an ARN or a mapping with arn');
}

function buildInput(c: Case): {
  input: EvaluationInput;
  principal: Principal;
  action: string;
  resource: string;
} {
  const p = c.policies;
  const r = c.request;
  if (typeof r.action !== 'string') throw new Error('request.action is required');
  if (typeof r.resource !== 'string') throw new Error('request.resource is required');
  if (r.context !== undefined && !isMapping(r.context)) throw new Error('request.context must be a mapping');
  const principal = toPrincipal(r.principal);
  const request = createRequest({
    action: r.action,
    resource: r.resource,
    principal,
    context: r.context as Record<string, ContextValue> | undefined,
  });
  const input: EvaluationInput = {
    request,
    identityPolicies: compileList(p.identity, 'identity', 'identity'),
    resourcePolicies: [
      ...compileList(p.resource, 'resource', 'resource'),
      ...compileList(p.trust, 'trust', 'trust'),
    ],
    resourceAccount: c.resourceAccount,
    permissionsBoundaries:
      p.boundary === undefined ? undefined : compileList(p.boundary, 'boundary', 'boundary'),
    sessionPolicies: p.session === undefined ? undefined : compileList(p.session, 'session', 'session'),
    serviceControlPolicies: p.scp === undefined ? undefined : compileLevels(p.scp, 'scp'),
    resourceControlPolicies: p.rcp === undefined ? undefined : compileLevels(p.rcp, 'rcp'),
  };
  return { input, principal, action: r.action, resource: r.resource };
}

function describeResult(result: EvaluationResult): string {
  const sids = (list: EvaluationResult['decidingStatements']) =>
    list.map((s) => `${s.policyType}:${s.policyId}#${s.sid ?? s.index}(${s.effect})`).join(', ');
  return [
    `decision=${result.decision}`,
    `deniedBy=${result.deniedBy ?? '-'}`,
    `deciding=[${sids(result.decidingStatements)}]`,
    `matched=[${sids(result.matchedStatements)}]`,
    `missing=[${result.missingContextKeys.join(', ')}]`,
  ].join(' ');
}

function sortedLower(values: readonly (string | null)[]): (string | null)[] {
  return values.map((v) => (v === null ? null : v.toLowerCase())).sort();
}

function runCase(c: Case): void {
  const { input, principal, action, resource } = buildInput(c);
  const result = evaluate(input);
  const e = c.expect;
  const why = `\n  source: ${c.source}\n  engine: ${describeResult(result)}`;
  assert.equal(result.decision, e.decision, `decision${why}`);
  if (e.deniedBy !== undefined) assert.equal(result.deniedBy ?? null, e.deniedBy, `deniedBy${why}`);
  if (e.decidingSids !== undefined) {
    if (!Array.isArray(e.decidingSids)) throw new Error('expect.decidingSids must be a list');
    const actual = result.decidingStatements.map((s) => s.sid ?? null).sort();
    const wanted = (e.decidingSids as (string | null)[]).slice().sort();
    assert.deepEqual(actual, wanted, `decidingSids${why}`);
  }
  if (e.missingContextKeys !== undefined) {
    if (!Array.isArray(e.missingContextKeys)) throw new Error('expect.missingContextKeys must be a list');
    assert.deepEqual(
      sortedLower(result.missingContextKeys),
      sortedLower(e.missingContextKeys as string[]),
      `missingContextKeys${why}`,
    );
  }
  if (e.message !== undefined) {
    const message = accessDeniedMessage({ principalArn: principal.arn, action, resource, result });
    assert.equal(message, e.message, `message${why}`);
  }
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

for (const file of files) {
  let cases: Case[];
  try {
    cases = loadCases(file);
  } catch (error) {
    test(`${file} › (loading the file)`, () => {
      throw error;
    });
    continue;
  }
  for (const c of cases) {
    const options = c.todo === undefined ? {} : { todo: c.todo };
    test(`${file} › ${c.name}`, options, () => runCase(c));
  }
}
