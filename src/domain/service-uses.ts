// When each principal last attempted to use each service (the last accessed reports: IAM User
// Guide, "Refine permissions in AWS using last accessed information"). AWS counts every
// authenticated attempt, "not just the successful ones" — a denied request too — so a use is
// noted where a request is decided (authorize.ts), before the decision. A role session's use is
// its role's, a federated user's its IAM user's; the root user is no IAM entity and is not
// tracked. Uses are batched as access keys' are (use-batches.ts).
import { serviceAccessLevels } from './access-analyzer/service-catalog.ts';
import type { Caller } from './caller.ts';
import type { Iam } from './iam.ts';
import { serviceAccesses } from './tables.ts';
import { useBatches } from './use-batches.ts';

/**
 * The services AWS tracks per action ("IAM action last accessed information services and
 * actions") of those whose calls reach this server: IAM (a guess that it is listed there and STS
 * is not: the list of services was not at hand).
 */
export const ACTION_LEVEL_SERVICES: ReadonlySet<string> = new Set(['iam']);

/**
 * Whether AWS tracks an action of such a service: "For actions, last accessed information reports
 * service management actions. Management actions include creation, deletion, and modification
 * actions" (IAM User Guide, "Refine permissions in AWS using last accessed information"). Read here
 * as the actions the Service Authorization Reference gives an access level other than Read or
 * List (a guess at the mapping: AWS's per-action list was not at hand).
 */
export async function isTrackedAction(namespace: string, action: string): Promise<boolean> {
  if (!ACTION_LEVEL_SERVICES.has(namespace)) return false;
  const level = (await serviceAccessLevels(namespace))?.get(action.toLowerCase());
  return level !== undefined && level !== 'Read' && level !== 'List';
}

const batches = useBatches(serviceAccesses);

/** The IAM entity (user or role id) a caller's use counts for, if any. */
export function usingPrincipalId(caller: Caller): string | undefined {
  if (caller.type === 'user') return caller.userId;
  if (caller.type === 'assumed-role') return caller.session?.role?.id;
  if (caller.type === 'federated-user') return caller.session?.principalId;
  return undefined;
}

/** Notes the caller's attempt at `action` ("iam:CreateUser"). */
export function recordServiceUse(iam: Iam, caller: Caller, action: string): void {
  const principalId = usingPrincipalId(caller);
  if (principalId === undefined) return;
  const colon = action.indexOf(':');
  if (colon <= 0) return;
  const service = action.slice(0, colon).toLowerCase();
  const requested = caller.requestContext['aws:RequestedRegion'];
  // A console call names no region: us-east-1, where CloudTrail records IAM's and STS's events as
  // global service events (CloudTrail User Guide); a guess that last accessed's region follows it.
  const region = typeof requested === 'string' ? requested : 'us-east-1';
  const row = (id: string, name?: string) => (date: string) => ({
    id,
    account: caller.account,
    principalId,
    service,
    ...(name !== undefined ? { action: name } : {}),
    date,
    region,
  });
  const serviceRow = `${principalId}|${service}`;
  batches.note(iam, serviceRow, region, row(serviceRow));
  if (ACTION_LEVEL_SERVICES.has(service)) {
    const name = action.slice(colon + 1);
    const actionRow = `${serviceRow}|${name}`;
    batches.note(iam, actionRow, region, row(actionRow, name));
  }
}

/** Writes the service uses this node has noted and not yet written. */
export function flushServiceUses(iam: Iam): Promise<void> {
  return batches.flush(iam);
}
