// The per-service checks of Access Analyzer's ValidatePolicy: actions, services and condition keys
// that AWS's Service Authorization Reference does not know. The reference itself is data read
// outside lint (lint does no I/O); lint is handed a catalog of the services a policy names.
import { compileGlob } from '../policy/index.ts';
import type { Finding, IssueCode } from './findings.ts';
import { finding, list, type PolicyFile } from './policy-file.ts';
import { checkResources, type ResourceCatalog } from './resources.ts';

/** What lint asks of AWS's Service Authorization Reference. Every name is lower case. */
export interface ServiceCatalog extends ResourceCatalog {
  /** The actions of a service, or undefined for a prefix that names no service. */
  actions(service: string): ReadonlySet<string> | undefined;
  /**
   * The condition keys written with this prefix (`aws` for the global keys), `${...}` standing for
   * any non-empty text (aws:RequestTag/${TagKey}); undefined for a prefix no service has.
   */
  conditionKeys(prefix: string): readonly string[] | undefined;
}

/**
 * The prefixes of the actions and condition keys a document names, and the service fields of its
 * resource ARNs, lower case: the services a catalog must hold to check it. Text that is not a
 * policy names none.
 */
export function servicesNamed(text: string): string[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  const prefixes = new Set<string>();
  const addPrefix = (prefix: string | undefined) => {
    if (prefix) prefixes.add(prefix.toLowerCase());
  };
  const add = (name: unknown) => {
    if (typeof name !== 'string') return;
    const colon = name.indexOf(':');
    if (colon > 0) addPrefix(name.slice(0, colon));
  };
  const statements = (document as { Statement?: unknown } | null)?.Statement;
  for (const s of Array.isArray(statements) ? statements : [statements]) {
    if (typeof s !== 'object' || s === null) continue;
    const { Action, NotAction, Resource, NotResource, Condition } = s as Record<string, unknown>;
    for (const a of [Action, NotAction].flat()) add(a);
    for (const r of [Resource, NotResource].flat()) if (typeof r === 'string') addPrefix(r.split(':')[2]);
    if (typeof Condition === 'object' && Condition !== null)
      for (const block of Object.values(Condition))
        if (typeof block === 'object' && block !== null) Object.keys(block).forEach(add);
  }
  return [...prefixes];
}

export function checkServices(file: PolicyFile, catalog: ServiceCatalog): Finding[] {
  const findings: Finding[] = [];
  const budget = { left: WILDCARD_BUDGET };
  file.statements.forEach((s, index) => {
    for (const element of ['Action', 'NotAction'] as const) {
      list(s[element]).forEach((action, i) => {
        const problem = actionProblem(action, catalog, budget);
        if (problem)
          findings.push(finding(file, problem.code, problem.details, index, undefined, [element, i]));
      });
    }
    for (const [operator, block] of Object.entries(s.Condition ?? {})) {
      for (const key of Object.keys(block ?? {})) {
        const problem = conditionKeyProblem(key, catalog);
        if (problem)
          findings.push(
            finding(file, problem.code, problem.details, index, undefined, ['Condition', operator, key]),
          );
      }
    }
  });
  return [...findings, ...checkResources(file, catalog)];
}

type Problem = {
  code: IssueCode;
  details: string;
};

/**
 * How many action names the wildcard patterns of one document may be compared with. Real policies
 * stay far below it; a document made of thousands of distinct patterns that each scan a large
 * service would otherwise hold the event loop, so past it a pattern is taken as matching.
 */
const WILDCARD_BUDGET = 200_000;

/** Each service's action names on one line each, to look for a pattern's literal pieces at once. */
const joined = new WeakMap<ReadonlySet<string>, string>();

function actionProblem(
  action: string,
  catalog: ServiceCatalog,
  budget: { left: number },
): Problem | undefined {
  const colon = action.indexOf(':');
  // `*` alone, and a service prefix with a wildcard, name no one service to look up.
  if (colon < 0) return undefined;
  const service = action.slice(0, colon).toLowerCase();
  if (/[*?]/.test(service)) return undefined;
  const actions = catalog.actions(service);
  if (actions === undefined)
    return {
      code: 'INVALID_SERVICE_IN_ACTION',
      details: `The service ${action.slice(0, colon)} specified in the action does not exist.`,
    };
  const name = action.slice(colon + 1).toLowerCase();
  return actions.has(name) || (/[*?]/.test(name) && wildcardMatches(name, actions, budget))
    ? undefined
    : { code: 'INVALID_ACTION', details: `The action ${action} does not exist.` };
}

function wildcardMatches(pattern: string, actions: ReadonlySet<string>, budget: { left: number }): boolean {
  let names = joined.get(actions);
  if (names === undefined) {
    names = [...actions].join('\n');
    joined.set(actions, names);
  }
  // A literal piece no action holds: nothing matches, found without comparing action by action.
  if (pattern.split(/[*?]+/).some((piece) => !names.includes(piece))) return false;
  if (budget.left < actions.size) return true;
  budget.left -= actions.size;
  const glob = compileGlob(pattern, true);
  for (const a of actions) if (glob.matches(a)) return true;
  return false;
}

/** Condition key patterns compiled once: `${...}` matches any non-empty text, the rest literally. */
const patterns = new Map<string, RegExp>();
function keyPattern(key: string): RegExp {
  let pattern = patterns.get(key);
  if (!pattern) {
    const source = key
      .split(/\$\{[^}]*\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    pattern = new RegExp(`^${source}$`, 's');
    patterns.set(key, pattern);
  }
  return pattern;
}

function conditionKeyProblem(key: string, catalog: ServiceCatalog): Problem | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = key.slice(0, colon).toLowerCase();
  const lower = key.toLowerCase();
  const keys = catalog.conditionKeys(prefix);
  if (keys?.some((k) => keyPattern(k).test(lower))) return undefined;
  // The one global key AWS names as unsupported, with what to write instead.
  if (lower === 'aws:arn')
    return {
      code: 'UNSUPPORTED_GLOBAL_CONDITION_KEY',
      details: `The condition key ${key} is not supported. Use aws:PrincipalArn or aws:SourceArn instead.`,
    };
  if (prefix === 'aws')
    return {
      code: 'INVALID_GLOBAL_CONDITION_KEY',
      details: `The condition key ${key} does not exist. Use a valid condition key.`,
    };
  // An OpenID Connect provider's keys are named by its URL (token.actions.githubusercontent.com:sub):
  // any provider can be one, so a key under a host name is not refused.
  if (keys === undefined && /[./]/.test(prefix)) return undefined;
  if (keys === undefined)
    return {
      code: 'INVALID_SERVICE',
      details: `The service ${key.slice(0, colon)} does not exist. Use a valid service name.`,
    };
  return {
    code: 'INVALID_SERVICE_CONDITION_KEY',
    details: `The condition key ${key} does not exist in the service ${key.slice(0, colon)}. Use a valid condition key.`,
  };
}
