// The permissions of a user, a group or a role, one set of sections and actions for all three:
// attached managed policies (attach by ARN or from the account's list, detach) and inline policies
// (view, add or replace with a JSON editor, delete), each through the holder's own IAM operations.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { csrfField, dangerForm, field, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  type Messages,
  action,
  adminPage,
  check,
  decodeDocument,
  documentBlock,
  firstProblem,
  page,
  path,
  plausibleName,
  postForm,
  section,
  statusOf,
  textarea,
  ADMIN,
} from './common.ts';
import { type ListQuery, listSection, parseListQuery, readList } from './listing.ts';
import { policyTable } from './policy-rows.ts';
import { editorState, refusal } from './policy-editor.ts';
import { tabUrl } from './tabs.ts';

/** The tab of a holder's page that holds its permissions. */
export const PERMISSIONS_TAB = 'permissions';

export interface HolderKind {
  readonly noun: 'user' | 'group' | 'role';
  readonly base: string;
  /** The input member naming the holder: UserName, GroupName, RoleName. */
  readonly param: 'UserName' | 'GroupName' | 'RoleName';
  /** The infix of the operations: User, Group, Role. */
  readonly op: 'User' | 'Group' | 'Role';
  readonly maxName: number;
}

export const USER: HolderKind = {
  noun: 'user',
  base: `${ADMIN}/users`,
  param: 'UserName',
  op: 'User',
  maxName: 64,
};
export const GROUP: HolderKind = {
  noun: 'group',
  base: `${ADMIN}/groups`,
  param: 'GroupName',
  op: 'Group',
  maxName: 128,
};
export const ROLE: HolderKind = {
  noun: 'role',
  base: `${ADMIN}/roles`,
  param: 'RoleName',
  op: 'Role',
  maxName: 64,
};

/** Renders the holder's detail page again (after a failed action, with the error and the draft). */
export type DetailRenderer = (
  signed: Signed,
  reply: FastifyReply,
  name: string,
  status: number,
  messages: Messages,
) => Promise<FastifyReply>;

export const POLICY_NOTICES: Readonly<Record<string, string>> = {
  attached: 'The policy was attached.',
  detached: 'The policy was detached.',
  'inline-saved': 'The inline policy was saved.',
  'inline-deleted': 'The inline policy was deleted.',
};

/** The attached and inline policies sections of a holder's page. */
export async function policySections(
  ctx: ConsoleContext,
  signed: Signed,
  kind: HolderKind,
  name: string,
  messages: Messages = {},
): Promise<Html> {
  const draft = messages.draft ?? {};
  const { caller } = signed;
  const csrf = signed.record.csrf;
  const holder = { [kind.param]: name };
  const attached = await callIam(caller, ctx, `ListAttached${kind.op}Policies`, {
    ...holder,
    MaxItems: 1000,
  });
  const inline = await callIam(caller, ctx, `List${kind.op}Policies`, { ...holder, MaxItems: 1000 });
  const documents = new Map<string, Html>();
  if (inline.ok) {
    for (const policyName of (inline.output.PolicyNames ?? []) as string[]) {
      const got = await callIam(caller, ctx, `Get${kind.op}Policy`, { ...holder, PolicyName: policyName });
      documents.set(
        policyName,
        got.ok
          ? documentBlock(decodeDocument(got.output.PolicyDocument), `Inline policy ${policyName}`)
          : html`<p>${got.error.message}</p>`,
      );
    }
  }
  const base = path(kind.base, name);
  // The picker searches every managed policy (AWS managed and customer managed) by name on a page
  // of its own; pasting an ARN stays possible for a policy known by its ARN.
  const attachForm = html`<form
      method="get"
      action="${base}/policies/pick"
      class="card"
      role="search"
      aria-label="Find a managed policy to attach"
    >
      <h3>Attach a managed policy</h3>
      ${field({ id: 'pick-q', name: 'q', label: 'Find policies by name', required: false, type: 'search', hint: 'AWS managed and customer managed policies, each with an Attach button.' })}
      <button type="submit">Find policies</button>
    </form>
    ${postForm(
      `${base}/policies/attach`,
      csrf,
      html`<h3>Attach a managed policy by ARN</h3>
        ${field({
          id: 'attach-arn',
          name: 'policy-arn',
          label: 'Policy ARN',
          value: draft['policy-arn'] ?? '',
          hint: 'For example arn:aws:iam::aws:policy/ReadOnlyAccess.',
        })}
        <button type="submit">Attach policy</button>`,
    )}`;
  const attachedSection = section(
    'Attached managed policies',
    `attached-${kind.noun}`,
    attached,
    (out) => {
      const list = (out.AttachedPolicies ?? []) as Record<string, string>[];
      return table(
        `Managed policies attached to this ${kind.noun}`,
        ['Policy name', 'ARN', 'Actions'],
        list.map((p) => [
          html`<a href="${ADMIN}/policies/view?arn=${encodeURIComponent(p.PolicyArn ?? '')}"
            >${p.PolicyName}</a
          >`,
          html`<code>${p.PolicyArn}</code>`,
          dangerForm(
            `${base}/policies/detach`,
            csrf,
            `Detach ${p.PolicyName ?? ''}`,
            { 'policy-arn': p.PolicyArn ?? '' },
            'The permissions this policy grants are removed at once.',
          ),
        ]),
      );
    },
    attachForm,
  );
  const inlineForm = postForm(
    `${base}/policies/inline/put`,
    csrf,
    html`<h3>Add or replace an inline policy</h3>
      ${field({ id: 'inline-name', name: 'policy-name', label: 'Policy name', value: draft['policy-name'] ?? '' })}
      ${textarea({
        id: 'inline-document',
        name: 'policy-document',
        label: 'Policy document (JSON)',
        value: draft['policy-document'] ?? EXAMPLE_POLICY,
        hint: 'A policy with the same name is replaced.',
        ...editorState(messages.editor, 'inline-document'),
      })}
      <button type="submit">Save inline policy</button>`,
  );
  const inlineSection = section(
    'Inline policies',
    `inline-${kind.noun}`,
    inline,
    (out) => {
      const names = (out.PolicyNames ?? []) as string[];
      return table(
        `Inline policies of this ${kind.noun}`,
        ['Policy name', 'Document', 'Actions'],
        names.map((n) => [
          n,
          html`<details>
            <summary>Show the policy document</summary>
            ${documents.get(n) ?? ''}
          </details>`,
          dangerForm(
            `${base}/policies/inline/delete`,
            csrf,
            `Delete ${n}`,
            { 'policy-name': n },
            'The inline policy and its permissions are deleted. This cannot be undone.',
          ),
        ]),
      );
    },
    inlineForm,
  );
  return html`${attachedSection} ${inlineSection}`;
}

export const EXAMPLE_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iam:GetUser",
      "Resource": "*"
    }
  ]
}`;

/** The attach, detach, put-inline and delete-inline actions of a kind of holder. */
export function registerPolicyActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  kind: HolderKind,
  render: DetailRenderer,
): void {
  type Params = { name: string };
  const failed = (
    signed: Signed,
    reply: FastifyReply,
    name: string,
    error: IamError,
    draft?: Record<string, string>,
  ) => render(signed, reply, name, statusOf(error), { error, draft, tab: PERMISSIONS_TAB });
  const done = (reply: FastifyReply, name: string, notice: string) =>
    reply
      .code(303)
      .header('location', tabUrl(path(kind.base, name), PERMISSIONS_TAB, notice))
      .send();
  const unknown = (reply: FastifyReply) => reply.code(303).header('location', kind.base).send();

  page<Params>(server, ctx, `${kind.base}/:name/policies/pick`, async (signed, query, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    return pickerPage(ctx, signed, reply, kind, name, parseListQuery(query));
  });

  action<Params>(server, ctx, `${kind.base}/:name/policies/attach`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const arn = formText(form, 'policy-arn', 2048);
    const problem = check.arn(arn);
    if (problem) return failed(signed, reply, name, problem, { 'policy-arn': arn });
    const result = await callIam(signed.caller, ctx, `Attach${kind.op}Policy`, {
      [kind.param]: name,
      PolicyArn: arn,
    });
    if (!result.ok) return failed(signed, reply, name, result.error, { 'policy-arn': arn });
    return done(reply, name, 'attached');
  });

  action<Params>(server, ctx, `${kind.base}/:name/policies/detach`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const arn = formText(form, 'policy-arn', 2048);
    const problem = check.arn(arn);
    if (problem) return failed(signed, reply, name, problem);
    const result = await callIam(signed.caller, ctx, `Detach${kind.op}Policy`, {
      [kind.param]: name,
      PolicyArn: arn,
    });
    if (!result.ok) return failed(signed, reply, name, result.error);
    return done(reply, name, 'detached');
  });

  action<Params>(
    server,
    ctx,
    `${kind.base}/:name/policies/inline/put`,
    async (signed, form, { name }, reply) => {
      if (!plausibleName(name, kind.maxName)) return unknown(reply);
      const policyName = formText(form, 'policy-name', 256);
      const document = (form.get('policy-document') ?? '').slice(0, 140_000);
      const draft = { 'policy-name': policyName, 'policy-document': document };
      const problem = firstProblem(check.policyName(policyName), check.document(document));
      if (problem) return failed(signed, reply, name, problem, draft);
      const result = await callIam(signed.caller, ctx, `Put${kind.op}Policy`, {
        [kind.param]: name,
        PolicyName: policyName,
        PolicyDocument: document,
      });
      if (!result.ok)
        return render(signed, reply, name, statusOf(result.error), {
          ...refusal(result.error, 'inline-document', document, 'identity'),
          draft,
          tab: PERMISSIONS_TAB,
        });
      return done(reply, name, 'inline-saved');
    },
  );

  action<Params>(
    server,
    ctx,
    `${kind.base}/:name/policies/inline/delete`,
    async (signed, form, { name }, reply) => {
      if (!plausibleName(name, kind.maxName)) return unknown(reply);
      const policyName = formText(form, 'policy-name', 256);
      const problem = check.policyName(policyName);
      if (problem) return failed(signed, reply, name, problem);
      const result = await callIam(signed.caller, ctx, `Delete${kind.op}Policy`, {
        [kind.param]: name,
        PolicyName: policyName,
      });
      if (!result.ok) return failed(signed, reply, name, result.error);
      return done(reply, name, 'inline-deleted');
    },
  );
}

/** What a picked policy becomes: attached to the holder, or its permissions boundary. */
export interface PickPurpose {
  /** The page's title, after which "user alice" follows. */
  readonly title: string;
  /** The picker's own path under the holder's page. */
  readonly pickPath: string;
  /** Where the row's button posts the policy's ARN (as "policy-arn"). */
  readonly actionPath: string;
  readonly button: string;
  /** The ARNs the button is pointless for, and what their row says instead. */
  readonly current: (
    signed: Signed,
  ) => Promise<{ ok: true; arns: Set<string> } | { ok: false; error: IamError }>;
  readonly currentLabel: string;
}

function attachPurpose(ctx: ConsoleContext, kind: HolderKind, name: string): PickPurpose {
  return {
    title: 'Attach a policy to',
    pickPath: '/policies/pick',
    actionPath: '/policies/attach',
    button: 'Attach',
    currentLabel: 'Attached',
    current: async (signed) => {
      const attached = await callIam(signed.caller, ctx, `ListAttached${kind.op}Policies`, {
        [kind.param]: name,
        MaxItems: 1000,
      });
      if (!attached.ok) return { ok: false, error: attached.error };
      return {
        ok: true,
        arns: new Set(
          ((attached.output.AttachedPolicies ?? []) as Record<string, string>[]).map(
            (p) => p.PolicyArn ?? '',
          ),
        ),
      };
    },
  };
}

/**
 * The policy picker: managed policies of both kinds whose name contains the search, paged in name
 * order like the lists, each with the purpose's button (or its "current" label when pointless).
 */
export async function pickerPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  kind: HolderKind,
  name: string,
  query: ListQuery,
  purpose: PickPurpose = attachPurpose(ctx, kind, name),
): Promise<FastifyReply> {
  const base = path(kind.base, name);
  const title = `${purpose.title} ${kind.noun} ${name}`;
  const current = await purpose.current(signed);
  if (!current.ok) {
    return adminPage(reply, signed, statusOf(current.error), {
      title,
      section: kind.base,
      body: html`<p><a href="${tabUrl(base, PERMISSIONS_TAB)}">Back to ${kind.noun} ${name}</a></p>`,
      messages: { error: current.error },
    });
  }
  const listed = await readList(
    {
      fetch: (input) => callIam(signed.caller, ctx, 'ListPolicies', { ...input, Scope: 'All' }),
      member: 'Policies',
      nameOf: 'PolicyName',
    },
    query,
  );
  const csrf = signed.record.csrf;
  const actionCell = (p: Record<string, unknown>): Html => {
    const arn = String(p.Arn);
    if (current.arns.has(arn)) return html`${purpose.currentLabel}`;
    return html`<form method="post" action="${base}${purpose.actionPath}" class="inline">
      ${csrfField(csrf)}
      <input type="hidden" name="policy-arn" value="${arn}" />
      <button type="submit" aria-label="${purpose.button} ${String(p.PolicyName)}">${purpose.button}</button>
    </form>`;
  };
  // A search that names a policy exactly finds it first, wherever the name falls in the list's
  // order ("ReadOnlyAccess" is also the end of a hundred other names).
  const exact = await exactMatches(ctx, signed, query.q);
  const exactSection =
    exact.length > 0
      ? html`<section aria-labelledby="exact-heading">
          <h2 id="exact-heading">Exact match</h2>
          ${policyTable('Managed policies named exactly as searched', exact, actionCell)}
        </section>`
      : '';
  const list = listSection({
    title: query.q ? `Managed policies whose name contains “${query.q}”` : 'Managed policies',
    id: 'pick-heading',
    base: `${base}${purpose.pickPath}`,
    noun: 'policies',
    query,
    listed,
    render: (rows) => policyTable('AWS managed and customer managed policies', rows, actionCell),
  });
  return adminPage(reply, signed, 200, {
    title,
    section: kind.base,
    body: html`<p><a href="${tabUrl(base, PERMISSIONS_TAB)}">Back to ${kind.noun} ${name}</a></p>
      ${exactSection} ${list}`,
  });
}

/** The AWS managed and customer managed policies at path "/" named exactly `q` (GetPolicy each). */
async function exactMatches(
  ctx: ConsoleContext,
  signed: Signed,
  q: string,
): Promise<Record<string, unknown>[]> {
  if (!plausibleName(q, 128)) return [];
  const found: Record<string, unknown>[] = [];
  for (const owner of [signed.caller.account, 'aws']) {
    const got = await callIam(signed.caller, ctx, 'GetPolicy', {
      PolicyArn: `arn:aws:iam::${owner}:policy/${q}`,
    });
    // Not found, or not allowed to look: the list below is the answer.
    if (got.ok) found.push(got.output.Policy as Record<string, unknown>);
  }
  return found;
}

/**
 * Removes what keeps a holder from being deleted, as the AWS console does before deleting: its
 * attached managed policies and its inline policies (each step authorized by the engine). Stops at
 * the first refusal and returns it.
 */
export async function removePolicies(
  ctx: ConsoleContext,
  signed: Signed,
  kind: HolderKind,
  name: string,
): Promise<IamError | undefined> {
  const holder = { [kind.param]: name };
  const attached = await callIam(signed.caller, ctx, `ListAttached${kind.op}Policies`, {
    ...holder,
    MaxItems: 1000,
  });
  if (!attached.ok) return attached.error;
  for (const p of (attached.output.AttachedPolicies ?? []) as Record<string, string>[]) {
    const r = await callIam(signed.caller, ctx, `Detach${kind.op}Policy`, {
      ...holder,
      PolicyArn: p.PolicyArn,
    });
    if (!r.ok) return r.error;
  }
  const inline = await callIam(signed.caller, ctx, `List${kind.op}Policies`, { ...holder, MaxItems: 1000 });
  if (!inline.ok) return inline.error;
  for (const policyName of (inline.output.PolicyNames ?? []) as string[]) {
    const r = await callIam(signed.caller, ctx, `Delete${kind.op}Policy`, {
      ...holder,
      PolicyName: policyName,
    });
    if (!r.ok) return r.error;
  }
  return undefined;
}
