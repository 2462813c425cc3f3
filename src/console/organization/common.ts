// What the organization pages share: their layout and sub-navigation, refusals in words, the
// organization's tree as the API lists it (ListRoots, then each parent's OUs and accounts page by
// page), and the input checks Organizations' API model makes before an operation sees the input.
import type { FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, callOrganizations } from '../context.ts';
import { alertBox, deniedBox, html, layout, trustedHtml, type Html } from '../html.ts';
import { sendHtml } from '../web.ts';
import { problemBox } from '../admin/common.ts';
import { POLICY_EDITOR_SCRIPT, type EditorProblem } from '../admin/policy-editor.ts';

export const ORG = '/console/organization';

/** The policy types these pages manage, each on its own page (others are not Portcullis's). */
export const POLICY_TYPES = {
  scp: { type: 'SERVICE_CONTROL_POLICY', title: 'Service control policies', short: 'SCP' },
  rcp: { type: 'RESOURCE_CONTROL_POLICY', title: 'Resource control policies', short: 'RCP' },
} as const;
export type PolicySlug = keyof typeof POLICY_TYPES;

export function policySlugOf(text: string | undefined): PolicySlug | undefined {
  return text === 'scp' || text === 'rcp' ? text : undefined;
}

export interface OrgMessages {
  readonly notice?: string | undefined;
  readonly error?: IamError | string | undefined;
  readonly draft?: Readonly<Record<string, string>> | undefined;
  /** A policy document refused: shown beside its editor, with what is wrong and where. */
  readonly editor?: EditorProblem | undefined;
}

export function orgPage(
  reply: FastifyReply,
  signed: Signed,
  status: number,
  options: { title: string; section: string; body: Html; messages?: OrgMessages },
): FastifyReply {
  const m = options.messages ?? {};
  const items = [
    { href: ORG, label: 'Accounts and OUs' },
    ...Object.entries(POLICY_TYPES).map(([slug, t]) => ({ href: `${ORG}/policies/${slug}`, label: t.title })),
  ];
  const subNav = html`<nav aria-label="Organization" class="subnav">
    <ul>
      ${items.map(
        (item) =>
          html`<li>
            <a href="${item.href}" ${item.href === options.section ? trustedHtml('aria-current="page"') : ''}
              >${item.label}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
  const body = html`${subNav} ${m.notice ? alertBox('success', m.notice) : ''}
  ${m.error ? orgProblem(m.error) : ''} ${options.body}`;
  const scripts = m.editor ? [POLICY_EDITOR_SCRIPT] : [];
  return sendHtml(
    reply,
    status,
    layout({ title: options.title, body, user: signed.user, current: ORG, scripts }),
  );
}

/**
 * A refusal in words: the engine's AccessDenied (and Organizations' AccessDeniedException, what a
 * member account or a caller without the organization gets) as a denied box, the rest as errors.
 */
export function orgProblem(error: IamError | string): Html {
  if (typeof error !== 'string' && error.code === 'AccessDeniedException') {
    return deniedBox(
      `${error.message} Only the organization's management account can manage the organization, and only with permission to.`,
    );
  }
  if (typeof error !== 'string' && error.code === 'AWSOrganizationsNotInUseException')
    return alertBox('info', `${error.message} The management account of an organization manages it here.`);
  return problemBox(error);
}

export function orgStatusOf(error: IamError | string): number {
  if (typeof error === 'string') return 400;
  if (error.code === 'AccessDenied' || error.code === 'AccessDeniedException') return 403;
  if (error.code.endsWith('NotFoundException') || error.code === 'AWSOrganizationsNotInUseException')
    return 404;
  if (error.code.startsWith('Duplicate') || error.code === 'ConstraintViolationException') return 409;
  return 400;
}

// ---- the tree

export interface OrgUnit {
  readonly id: string;
  readonly name: string;
  readonly parent: string;
}

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly status: string;
  readonly parent: string;
}

export interface OrgTree {
  readonly rootId: string;
  /** The policy types enabled in the root (ListRoots' PolicyTypes with Status ENABLED). */
  readonly enabledTypes: readonly string[];
  readonly units: readonly OrgUnit[];
  readonly accounts: readonly OrgAccount[];
  /** The tree was larger than the console reads in one request. */
  readonly partial: boolean;
}

/** OUs and accounts read per request (the quotas allow 2,000 OUs; a page shows a bounded part). */
const TREE_LIMIT = 500;

/** Every item of a List… operation, page by page with NextToken, at most `limit`. */
async function listAll(
  call: (input: Record<string, unknown>) => Promise<OperationResult>,
  member: string,
  limit: number,
): Promise<{ ok: true; items: Record<string, unknown>[] } | { ok: false; error: IamError }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined;
  do {
    const result = await call({ MaxResults: 20, ...(next ? { NextToken: next } : {}) });
    if (!result.ok) return result;
    items.push(...((result.output[member] ?? []) as Record<string, unknown>[]));
    next = typeof result.output.NextToken === 'string' ? result.output.NextToken : undefined;
  } while (next && items.length < limit);
  return { ok: true, items };
}

/** The organization as the caller may read it, breadth first from the root. */
export async function readTree(
  ctx: ConsoleContext,
  signed: Signed,
): Promise<{ ok: true; tree: OrgTree } | { ok: false; error: IamError }> {
  const call = (name: string, input: Record<string, unknown>) =>
    callOrganizations(signed.caller, ctx, name, input);
  const roots = await call('ListRoots', {});
  if (!roots.ok) return roots;
  const root = ((roots.output.Roots ?? []) as Record<string, unknown>[])[0];
  if (!root) return { ok: false, error: new IamError('AWSOrganizationsNotInUseException', 'No root.') };
  const rootId = String(root.Id);
  const enabledTypes = ((root.PolicyTypes ?? []) as Record<string, unknown>[])
    .filter((t) => t.Status === 'ENABLED')
    .map((t) => String(t.Type));
  const units: OrgUnit[] = [];
  const accounts: OrgAccount[] = [];
  const parents = [rootId];
  let partial = false;
  for (let i = 0; i < parents.length; i++) {
    if (units.length + accounts.length >= TREE_LIMIT) {
      partial = true;
      break;
    }
    const parent = parents[i]!;
    const ous = await listAll(
      (input) => call('ListOrganizationalUnitsForParent', { ...input, ParentId: parent }),
      'OrganizationalUnits',
      TREE_LIMIT,
    );
    if (!ous.ok) return ous;
    for (const ou of ous.items) {
      units.push({ id: String(ou.Id), name: String(ou.Name), parent });
      parents.push(String(ou.Id));
    }
    const members = await listAll(
      (input) => call('ListAccountsForParent', { ...input, ParentId: parent }),
      'Accounts',
      TREE_LIMIT,
    );
    if (!members.ok) return members;
    for (const a of members.items) {
      accounts.push({
        id: String(a.Id),
        name: String(a.Name),
        email: String(a.Email),
        status: String(a.Status),
        parent,
      });
    }
  }
  return { ok: true, tree: { rootId, enabledTypes, units, accounts, partial } };
}

/** Every place an account or OU can go: the root, then each OU by its path of names. */
export function parentChoices(tree: OrgTree): { value: string; label: string }[] {
  const byId = new Map(tree.units.map((u) => [u.id, u]));
  const pathOf = (unit: OrgUnit): string => {
    const names = [unit.name];
    let parent = byId.get(unit.parent);
    for (let depth = 0; parent && depth < 10; depth++) {
      names.unshift(parent.name);
      parent = byId.get(parent.parent);
    }
    return `Root / ${names.join(' / ')}`;
  };
  return [
    { value: tree.rootId, label: 'Root' },
    ...tree.units
      .map((u) => ({ value: u.id, label: pathOf(u) }))
      .sort((a, b) => a.label.localeCompare(b.label)),
  ];
}

/** Every target a policy can be attached to: the root, each OU, each account. */
export function targetChoices(tree: OrgTree): { value: string; label: string }[] {
  return [
    ...parentChoices(tree).map((c) => ({
      value: c.value,
      label: c.value === tree.rootId ? 'Root' : `OU ${c.label}`,
    })),
    ...tree.accounts.map((a) => ({ value: a.id, label: `Account ${a.name} (${a.id})` })),
  ];
}

// ---- input checks the API's model makes (the console calls the operations without the protocol)

function tooLong(what: string, max: number): IamError {
  return new IamError('InvalidInputException', `${what} must be at most ${max} characters.`, {
    Reason: 'MAX_LENGTH_EXCEEDED',
  });
}

function required(what: string): IamError {
  return new IamError('InvalidInputException', `${what} is required.`, { Reason: 'INPUT_REQUIRED' });
}

/** The model's length bounds for a text field: undefined when it is within them. */
export function lengthProblem(value: string, what: string, min: number, max: number): IamError | undefined {
  const length = [...value].length;
  if (length < min)
    return min === 1
      ? required(what)
      : new IamError('InvalidInputException', `${what} must be at least ${min} characters.`, {
          Reason: 'MIN_LENGTH_EXCEEDED',
        });
  if (length > max) return tooLong(what, max);
  return undefined;
}
