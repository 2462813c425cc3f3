// What every Organizations operation shares: the caller's organization (and whether the caller
// manages it), the ARNs of its parts, its input patterns, its errors and its pages.
import type { OperationContext, Input } from '../operation.ts';
import { check, resourceTagContext, str } from '../operation.ts';
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { OrganizationAccountRecord, OrganizationRecord, Tag } from '../records.ts';
import { organizationAccounts, organizationalUnits, organizationPolicies, organizations } from '../tables.ts';

/** MaxResults when a list call names none. */
export const MAX_RESULTS = 20;

export const notInUse = () =>
  new IamError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
export const notManagement = () =>
  new IamError('AccessDeniedException', "You don't have permissions to access this resource.");
export const accountNotFound = () =>
  new IamError('AccountNotFoundException', "You specified an account that doesn't exist.");

export function invalid(reason: string, message: string): IamError {
  return new IamError('InvalidInputException', message, { Reason: reason });
}

export function organizationArn(org: OrganizationRecord): string {
  return `arn:aws:organizations::${org.account}:organization/${org.id}`;
}

export function accountArn(org: OrganizationRecord, accountId: string): string {
  return `arn:aws:organizations::${org.account}:account/${org.id}/${accountId}`;
}

export function rootArn(org: OrganizationRecord): string {
  return `arn:aws:organizations::${org.account}:root/${org.id}/${org.rootId}`;
}

export function organizationalUnitArn(org: OrganizationRecord, ouId: string): string {
  return `arn:aws:organizations::${org.account}:ou/${org.id}/${ouId}`;
}

export function accountOutput(
  org: OrganizationRecord,
  member: OrganizationAccountRecord,
): Record<string, unknown> {
  return {
    Id: member.id,
    Arn: accountArn(org, member.id),
    Email: member.email,
    Name: member.name,
    // A closed account stays listed, SUSPENDED, as AWS lists it in the 90 days after closure.
    Status: member.closedAt ? 'SUSPENDED' : 'ACTIVE',
    State: member.closedAt ? 'SUSPENDED' : 'ACTIVE',
    JoinedMethod: member.joinedMethod,
    JoinedTimestamp: member.joinedAt,
  };
}

/** The caller's organization, whatever its part in it. */
export async function organizationOf(ctx: OperationContext, tx: StoreTx): Promise<OrganizationRecord> {
  const membership = await tx.get(organizationAccounts, ctx.caller.account);
  const org = membership && (await tx.get(organizations, membership.organization));
  if (!org) throw notInUse();
  return org;
}

/** The organization the caller's account manages: member accounts may not make this call. */
export async function managedOrganization(ctx: OperationContext, tx: StoreTx): Promise<OrganizationRecord> {
  const org = await organizationOf(ctx, tx);
  if (org.account !== ctx.caller.account) throw notManagement();
  return org;
}

// Patterns of the API model the JSON codec does not check (it checks types, lengths and enums).
export function requirePattern(value: string, pattern: RegExp): string {
  if (!pattern.test(value))
    throw invalid('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');
  return value;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** A root or an OU (the model's ParentId, its alternatives anchored both). */
export const PARENT_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
/** An account or an OU (the model's ChildId). */
export const CHILD_ID = /^(?:\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

export function maxResults(input: Input): number {
  return typeof input.MaxResults === 'number' ? input.MaxResults : MAX_RESULTS;
}

/** NextToken is opaque to clients: the last id of the page before, encoded. */
export function pageAfter(input: Input): string | undefined {
  const token = str(input, 'NextToken');
  if (token === undefined) return undefined;
  const after = Buffer.from(token, 'base64url').toString('utf8');
  if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== token || !/^[\w-]+$/.test(after))
    throw invalid(
      'INVALID_NEXT_TOKEN',
      'You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.',
    );
  return after;
}

/** A page of rows read with limit + 1: the extra row only says that there is more. */
export function page<T extends { id: string }>(
  rows: readonly T[],
  limit: number,
): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: [...rows] };
  const items = rows.slice(0, limit);
  return { items, next: Buffer.from(items[items.length - 1]!.id, 'utf8').toString('base64url') };
}

/**
 * The tags of the resource an ARN of the organization names (its last part is the resource's id):
 * an account, an OU, the root or a customer managed policy. None for anything else (`*`, an AWS
 * managed policy, a resource not in the organization).
 */
export async function tagsOfResource(
  tx: StoreTx,
  org: OrganizationRecord,
  arn: string,
): Promise<readonly Tag[]> {
  const id = arn.slice(arn.lastIndexOf('/') + 1);
  if (ACCOUNT_ID.test(id)) {
    const member = await tx.get(organizationAccounts, id);
    return member?.organization === org.id ? (member.tags ?? []) : [];
  }
  if (id.startsWith('ou-')) {
    const ou = await tx.get(organizationalUnits, id);
    return ou?.organization === org.id ? ou.tags : [];
  }
  if (id === org.rootId) return org.rootTags ?? [];
  if (id.startsWith('p-')) {
    const policy = await tx.get(organizationPolicies, id);
    return policy?.organization === org.id ? policy.tags : [];
  }
  return [];
}

/**
 * Authorizes organizations:<action> on one resource of the organization, with the resource's tags
 * as aws:ResourceTag/<key> (Service Authorization Reference: the account, organizationalunit, root
 * and policy resource types carry it) beside the call's own context.
 */
export async function checkOn(
  ctx: OperationContext,
  tx: StoreTx,
  org: OrganizationRecord,
  action: string,
  resource: string,
  context?: Readonly<Record<string, ContextValue>>,
): Promise<void> {
  const tags = resource === '*' ? [] : await tagsOfResource(tx, org, resource);
  await check(ctx, tx, `organizations:${action}`, resource, { ...resourceTagContext(tags), ...context });
}

/**
 * The organization the caller manages, once the call is authorized on each resource (named from
 * the organization; "*" for an account in none). Authorization comes first, as on AWS: a caller
 * not allowed learns nothing of what exists.
 */
export async function authorizedOrganization(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  resources: (org: OrganizationRecord) => readonly string[],
  context?: Readonly<Record<string, ContextValue>>,
): Promise<OrganizationRecord> {
  const membership = await tx.get(organizationAccounts, ctx.caller.account);
  const org = membership && (await tx.get(organizations, membership.organization));
  if (org) for (const resource of resources(org)) await checkOn(ctx, tx, org, action, resource, context);
  else await check(ctx, tx, `organizations:${action}`, '*', context);
  if (!org) throw notInUse();
  if (org.account !== ctx.caller.account) throw notManagement();
  return org;
}
