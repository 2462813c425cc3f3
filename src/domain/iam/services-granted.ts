// Which services, and which of a service's actions, a permissions policy allows: what the last
// accessed reports list ("the services that the resource could access using permissions
// policies", API reference, GetServiceLastAccessedDetails), read against AWS's Service
// Authorization Reference. Only Allow statements grant; a Deny takes nothing away from the list
// (a guess: AWS says the report "only applies permissions policy logic", and lists services a
// policy allows).
import { compileGlob, type Glob } from '../../policy/index.ts';
import { serviceActions, serviceNames } from '../access-analyzer/service-catalog.ts';

interface ActionPattern {
  readonly service: Glob;
  readonly action: Glob;
}

/**
 * An Allow statement's Action (or NotAction) patterns, those naming one service kept by it (a
 * managed policy may list thousands: each service looks up its own, not all of them).
 */
export interface Grant {
  readonly not: boolean;
  readonly byService: ReadonlyMap<string, readonly ActionPattern[]>;
  /** Patterns whose service part has a wildcard ("*", "s3*:Get*"). */
  readonly wild: readonly ActionPattern[];
}

const oneOrMany = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The Allow statements of a stored (valid) policy document. */
export function grantsOf(document: string): Grant[] {
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(document) as { Statement?: unknown };
  } catch {
    return [];
  }
  const grants: Grant[] = [];
  for (const statement of oneOrMany(parsed.Statement)) {
    if (!statement || typeof statement !== 'object') continue;
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow') continue;
    const not = s.Action === undefined;
    const written = oneOrMany(not ? s.NotAction : s.Action).filter((a): a is string => typeof a === 'string');
    const byService = new Map<string, ActionPattern[]>();
    const wild: ActionPattern[] = [];
    for (const text of written) {
      const colon = text.indexOf(':');
      const service = colon < 0 ? text : text.slice(0, colon).toLowerCase();
      if (text === '*' || /[*?]/.test(service)) wild.push(pattern(text));
      else {
        const list = byService.get(service);
        if (list) list.push(pattern(text));
        else byService.set(service, [pattern(text)]);
      }
    }
    grants.push({ not, byService, wild });
  }
  return grants;
}

/** The grant's patterns that may name actions of this service. */
function patternsFor(grant: Grant, namespace: string): ActionPattern[] {
  return [
    ...(grant.byService.get(namespace) ?? []),
    ...grant.wild.filter((p) => p.service.matches(namespace)),
  ];
}

function pattern(text: string): ActionPattern {
  if (text === '*') return { service: compileGlob('*'), action: compileGlob('*') };
  const colon = text.indexOf(':');
  return {
    service: compileGlob(colon < 0 ? text : text.slice(0, colon), true),
    action: compileGlob(colon < 0 ? '' : text.slice(colon + 1), true),
  };
}

/** The service namespaces the grants allow some action of, sorted. */
export async function servicesGranted(grants: readonly Grant[]): Promise<string[]> {
  if (grants.length === 0) return [];
  const known = [...(await serviceNames()).keys()];
  const granted: string[] = [];
  for (const namespace of known) if (await grantsService(grants, namespace)) granted.push(namespace);
  return granted.sort();
}

/** Whether the grants allow some action of the service. */
export async function grantsService(grants: readonly Grant[], namespace: string): Promise<boolean> {
  for (const grant of grants) if (await grantService(grant, namespace)) return true;
  return false;
}

async function grantService(grant: Grant, namespace: string): Promise<boolean> {
  const matching = patternsFor(grant, namespace);
  if (grant.not) {
    // NotAction allows every action it does not name: the service is granted unless all of it is
    // excluded (a partly excluded service keeps its other actions; a guess that the actions
    // excluded are not all of the service's, one by one).
    return !matching.some((p) => p.action.matchesEverything);
  }
  if (matching.some((p) => p.action.matchesEverything)) return true;
  if (matching.length === 0) return false;
  const actions = await serviceActions(namespace);
  if (!actions) return false;
  for (const key of actions.keys()) if (matching.some((p) => p.action.matches(key))) return true;
  return false;
}

/** The actions of one service the grants allow, as AWS writes them, sorted. */
export async function actionsGranted(grants: readonly Grant[], namespace: string): Promise<string[]> {
  const actions = await serviceActions(namespace);
  if (!actions) return [];
  const relevant = grants.map((grant) => ({ not: grant.not, patterns: patternsFor(grant, namespace) }));
  const granted: string[] = [];
  for (const [key, name] of actions) {
    const allowed = relevant.some((grant) => {
      const named = grant.patterns.some((p) => p.action.matches(key));
      return grant.not ? !named : named;
    });
    if (allowed) granted.push(name);
  }
  return granted.sort();
}

/**
 * The names AWS's own reports give services where they differ from the Service Authorization
 * Reference's ("AWS Identity and Access Management (IAM)", "Amazon S3"): as recorded in the IAM API
 * model's example for GetServiceLastAccessedDetails. Other services keep the reference's name (a
 * guess: no recorded report names them).
 */
const REPORT_NAMES: ReadonlyMap<string, string> = new Map([
  ['iam', 'AWS Identity and Access Management'],
  ['s3', 'Amazon Simple Storage Service'],
]);

/** The name a last accessed report gives a service ("Amazon Simple Storage Service"), or its namespace. */
export async function serviceName(namespace: string): Promise<string> {
  return REPORT_NAMES.get(namespace) ?? (await serviceNames()).get(namespace) ?? namespace;
}
