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

/** An Allow statement's Action (or NotAction) patterns. */
export interface Grant {
  readonly not: boolean;
  readonly patterns: readonly ActionPattern[];
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
    grants.push({ not, patterns: written.map(pattern) });
  }
  return grants;
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
  for (const namespace of known) {
    for (const grant of grants) {
      if (await grantsService(grant, namespace)) {
        granted.push(namespace);
        break;
      }
    }
  }
  return granted.sort();
}

async function grantsService(grant: Grant, namespace: string): Promise<boolean> {
  const matching = grant.patterns.filter((p) => p.service.matches(namespace));
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
  const granted: string[] = [];
  for (const [key, name] of actions) {
    const allowed = grants.some((grant) => {
      const named = grant.patterns.some((p) => p.service.matches(namespace) && p.action.matches(key));
      return grant.not ? !named : named;
    });
    if (allowed) granted.push(name);
  }
  return granted.sort();
}

/** The name the reference gives a service ("Amazon S3"), or its namespace. */
export async function serviceName(namespace: string): Promise<string> {
  return (await serviceNames()).get(namespace) ?? namespace;
}
