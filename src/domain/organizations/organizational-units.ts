// AWS Organizations' tree (API reference 2016-11-28): organizational units under the root or
// under each other, five levels deep at most, and the accounts in them — CreateOrganizationalUnit,
// UpdateOrganizationalUnit, DeleteOrganizationalUnit (only when empty), DescribeOrganizationalUnit,
// ListOrganizationalUnitsForParent, ListChildren, ListParents, ListAccountsForParent, MoveAccount.
// Only the management account may make these calls. Each is authorized as organizations:<Action>
// on the resources the Service Authorization Reference lists for it (the parent for calls about a
// parent's children, the OU, the child; MoveAccount: the account and both parents).
import { newOrganizationalUnitId } from '../../crypto/ids.ts';
import type { Input, Operation } from '../operation.ts';
import { isoNow, requestTagContext, requiredStr, str, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { OrganizationalUnitRecord, OrganizationRecord } from '../records.ts';
import { organizationAccounts, organizationalUnits } from '../tables.ts';
import { attachDefaultPolicies, detachAllFrom } from './scp-attachments.ts';
import { organizationTags } from './tags.ts';
import {
  ACCOUNT_ID,
  accountArn,
  accountNotFound,
  accountOutput,
  authorizedOrganization,
  CHILD_ID,
  maxResults,
  OU_ID,
  organizationalUnitArn,
  page,
  pageAfter,
  PARENT_ID,
  requirePattern,
  rootArn,
} from './organization.ts';

/** "OU maximum nesting in a root": five levels of OUs under the root (AWS Organizations quotas). */
export const MAX_OU_DEPTH = 5;
/** "Number of OUs in an organization": 2,000 (AWS Organizations quotas). */
export const OUS_PER_ORGANIZATION = 2000;

const parentNotFound = () =>
  new IamError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");
const ouNotFound = () =>
  new IamError(
    'OrganizationalUnitNotFoundException',
    "We can't find an OU with the OrganizationalUnitId that you specified.",
  );
const duplicateName = () =>
  new IamError('DuplicateOrganizationalUnitException', 'An OU with the same name already exists.');

function constraint(reason: string, message: string): IamError {
  return new IamError('ConstraintViolationException', message, { Reason: reason });
}

/** A root or an OU, as found in the caller's organization. */
interface Parent {
  readonly id: string;
  readonly type: 'ROOT' | 'ORGANIZATIONAL_UNIT';
  /** o-…/r-…/(ou-…/)*: the path of the accounts in it. */
  readonly path: string;
}

function parentArn(org: OrganizationRecord, id: string): string {
  return id.startsWith('r-') ? rootArn(org) : organizationalUnitArn(org, id);
}

function rootPath(org: OrganizationRecord): string {
  return `${org.id}/${org.rootId}/`;
}

/** How many OUs deep a path is (the root's own path: 0). */
function depthOf(path: string): number {
  return path.split('/').length - 3;
}

async function findParent(tx: StoreTx, org: OrganizationRecord, id: string): Promise<Parent | undefined> {
  if (id === org.rootId) return { id, type: 'ROOT', path: rootPath(org) };
  const ou = await findUnit(tx, org, id);
  return ou && { id, type: 'ORGANIZATIONAL_UNIT', path: ou.path };
}

async function findUnit(
  tx: StoreTx,
  org: OrganizationRecord,
  id: string,
): Promise<OrganizationalUnitRecord | undefined> {
  if (!id.startsWith('ou-')) return undefined;
  const ou = await tx.get(organizationalUnits, id);
  return ou && ou.organization === org.id ? ou : undefined;
}

async function requireUnit(
  tx: StoreTx,
  org: OrganizationRecord,
  id: string,
): Promise<OrganizationalUnitRecord> {
  const ou = await findUnit(tx, org, id);
  if (!ou) throw ouNotFound();
  return ou;
}

function unitOutput(org: OrganizationRecord, ou: OrganizationalUnitRecord): Record<string, unknown> {
  return { Id: ou.id, Arn: organizationalUnitArn(org, ou.id), Name: ou.name };
}

function listQuery(where: Record<string, string>, input: Input) {
  const after = pageAfter(input);
  return { where, ...(after !== undefined ? { after } : {}), limit: maxResults(input) + 1 };
}

function withNext<T>(key: string, items: T[], next: string | undefined): Record<string, unknown> {
  return { [key]: items, ...(next ? { NextToken: next } : {}) };
}

export const organizationalUnitOperations: Readonly<Record<string, Operation>> = {
  async CreateOrganizationalUnit(ctx, input) {
    const parentId = requirePattern(requiredStr(input, 'ParentId'), PARENT_ID);
    const name = requiredStr(input, 'Name');
    const tags = organizationTags(input);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(
        ctx,
        tx,
        'CreateOrganizationalUnit',
        (o) => [parentArn(o, parentId)],
        requestTagContext(tags),
      );
      const parent = await findParent(tx, org, parentId);
      if (!parent) throw parentNotFound();
      if (depthOf(parent.path) >= MAX_OU_DEPTH)
        throw constraint(
          'OU_DEPTH_LIMIT_EXCEEDED',
          'You attempted to create an OU tree that is too many levels deep.',
        );
      if ((await tx.count(organizationalUnits, { organization: org.id })) >= OUS_PER_ORGANIZATION)
        throw constraint(
          'OU_NUMBER_LIMIT_EXCEEDED',
          'You attempted to exceed the number of OUs that you can have in an organization.',
        );
      if (await tx.find(organizationalUnits, { parent: parentId, name })) throw duplicateName();
      let id: string;
      do id = newOrganizationalUnitId(org.rootId);
      while (await tx.get(organizationalUnits, id));
      const ou: OrganizationalUnitRecord = {
        id,
        account: org.account,
        organization: org.id,
        parent: parentId,
        name,
        path: `${parent.path}${id}/`,
        tags,
        createdAt: isoNow(ctx),
      };
      await tx.insert(organizationalUnits, ou);
      await attachDefaultPolicies(tx, org, id);
      return { OrganizationalUnit: unitOutput(org, ou) };
    });
  },

  async UpdateOrganizationalUnit(ctx, input) {
    const id = requirePattern(requiredStr(input, 'OrganizationalUnitId'), OU_ID);
    const name = str(input, 'Name');
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'UpdateOrganizationalUnit', (o) => [
        organizationalUnitArn(o, id),
      ]);
      const ou = await requireUnit(tx, org, id);
      if (name === undefined || name === ou.name) return { OrganizationalUnit: unitOutput(org, ou) };
      if (await tx.find(organizationalUnits, { parent: ou.parent, name })) throw duplicateName();
      const renamed = { ...ou, name };
      await tx.update(organizationalUnits, renamed);
      return { OrganizationalUnit: unitOutput(org, renamed) };
    });
  },

  async DeleteOrganizationalUnit(ctx, input) {
    const id = requirePattern(requiredStr(input, 'OrganizationalUnitId'), OU_ID);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'DeleteOrganizationalUnit', (o) => [
        organizationalUnitArn(o, id),
      ]);
      await requireUnit(tx, org, id);
      if (
        (await tx.count(organizationAccounts, { parent: id })) > 0 ||
        (await tx.count(organizationalUnits, { parent: id })) > 0
      )
        throw new IamError(
          'OrganizationalUnitNotEmptyException',
          'The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.',
        );
      await tx.delete(organizationalUnits, id);
      await detachAllFrom(tx, id);
      return undefined;
    });
  },

  async DescribeOrganizationalUnit(ctx, input) {
    const id = requirePattern(requiredStr(input, 'OrganizationalUnitId'), OU_ID);
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'DescribeOrganizationalUnit', (o) => [
        organizationalUnitArn(o, id),
      ]);
      return { OrganizationalUnit: unitOutput(org, await requireUnit(tx, org, id)) };
    });
  },

  async ListOrganizationalUnitsForParent(ctx, input) {
    const parentId = requirePattern(requiredStr(input, 'ParentId'), PARENT_ID);
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListOrganizationalUnitsForParent', (o) => [
        parentArn(o, parentId),
      ]);
      if (!(await findParent(tx, org, parentId))) throw parentNotFound();
      const rows = await tx.list(organizationalUnits, listQuery({ parent: parentId }, input));
      const { items, next } = page(rows, maxResults(input));
      return withNext(
        'OrganizationalUnits',
        items.map((ou) => unitOutput(org, ou)),
        next,
      );
    });
  },

  async ListAccountsForParent(ctx, input) {
    const parentId = requirePattern(requiredStr(input, 'ParentId'), PARENT_ID);
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListAccountsForParent', (o) => [
        parentArn(o, parentId),
      ]);
      if (!(await findParent(tx, org, parentId))) throw parentNotFound();
      const rows = await tx.list(organizationAccounts, listQuery({ parent: parentId }, input));
      const { items, next } = page(rows, maxResults(input));
      return withNext(
        'Accounts',
        items.map((member) => accountOutput(org, member)),
        next,
      );
    });
  },

  async ListChildren(ctx, input) {
    const parentId = requirePattern(requiredStr(input, 'ParentId'), PARENT_ID);
    const type = requiredStr(input, 'ChildType') as 'ACCOUNT' | 'ORGANIZATIONAL_UNIT';
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListChildren', (o) => [parentArn(o, parentId)]);
      if (!(await findParent(tx, org, parentId))) throw parentNotFound();
      const query = listQuery({ parent: parentId }, input);
      const rows =
        type === 'ACCOUNT'
          ? await tx.list(organizationAccounts, query)
          : await tx.list(organizationalUnits, query);
      const { items, next } = page<{ id: string }>(rows, maxResults(input));
      return withNext(
        'Children',
        items.map((child) => ({ Id: child.id, Type: type })),
        next,
      );
    });
  },

  async ListParents(ctx, input) {
    const childId = requirePattern(requiredStr(input, 'ChildId'), CHILD_ID);
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListParents', (o) => [
        ACCOUNT_ID.test(childId) ? accountArn(o, childId) : organizationalUnitArn(o, childId),
      ]);
      const child = ACCOUNT_ID.test(childId)
        ? await tx.get(organizationAccounts, childId)
        : await tx.get(organizationalUnits, childId);
      if (!child || child.organization !== org.id)
        throw new IamError(
          'ChildNotFoundException',
          "We can't find an organizational unit (OU) or Amazon Web Services account with the ChildId that you specified.",
        );
      // Every child has exactly one parent: the list is one item long, never paged.
      return {
        Parents: [{ Id: child.parent, Type: child.parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }],
      };
    });
  },

  async MoveAccount(ctx, input) {
    const accountId = requirePattern(requiredStr(input, 'AccountId'), ACCOUNT_ID);
    const sourceId = requirePattern(requiredStr(input, 'SourceParentId'), PARENT_ID);
    const destinationId = requirePattern(requiredStr(input, 'DestinationParentId'), PARENT_ID);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'MoveAccount', (o) => [
        accountArn(o, accountId),
        parentArn(o, sourceId),
        parentArn(o, destinationId),
      ]);
      const member = await tx.get(organizationAccounts, accountId);
      if (!member || member.organization !== org.id) throw accountNotFound();
      if (!(await findParent(tx, org, sourceId)))
        throw new IamError(
          'SourceParentNotFoundException',
          "We can't find a source root or OU with the ParentId that you specified.",
        );
      if (!(await findParent(tx, org, destinationId)))
        throw new IamError(
          'DestinationParentNotFoundException',
          "We can't find the destination container (a root or OU) with the ParentId that you specified.",
        );
      if (member.parent === destinationId)
        throw new IamError(
          'DuplicateAccountException',
          'That account is already present in the specified destination.',
        );
      // An account that is not in the source named is not found there.
      if (member.parent !== sourceId) throw accountNotFound();
      // The member's row is revisioned by the member account: its callers' cached org paths renew.
      await tx.update(organizationAccounts, { ...member, parent: destinationId });
      return undefined;
    });
  },
};
