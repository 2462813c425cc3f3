// The permissions of a user, a group or a role, one set of sections and actions for all three:
// attached managed policies (attach by ARN or from the account's list, detach) and inline policies
// (view, add or replace with a JSON editor, delete), each through the holder's own IAM operations.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  type Messages,
  action,
  check,
  decodeDocument,
  documentBlock,
  firstProblem,
  path,
  plausibleName,
  postForm,
  section,
  select,
  statusOf,
  textarea,
  ADMIN,
} from './common.ts';

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
  draft: Readonly<Record<string, string>> = {},
): Promise<Html> {
  const { caller } = signed;
  const csrf = signed.record.csrf;
  const holder = { [kind.param]: name };
  const attached = await callIam(caller, ctx, `ListAttached${kind.op}Policies`, {
    ...holder,
    MaxItems: 1000,
  });
  const local = await callIam(caller, ctx, 'ListPolicies', { Scope: 'Local', MaxItems: 1000 });
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
  const localPolicies = local.ok ? ((local.output.Policies ?? []) as Record<string, string>[]) : [];
  const attachForm = postForm(
    `${base}/policies/attach`,
    csrf,
    html`<h3>Attach a managed policy</h3>
      ${
        localPolicies.length > 0
          ? select({
              id: 'attach-pick',
              name: 'policy-pick',
              label: 'Customer managed policy',
              options: [
                { value: '', label: '(choose a policy, or type an ARN below)' },
                ...localPolicies.map((p) => ({ value: p.Arn ?? '', label: p.PolicyName ?? '' })),
              ],
            })
          : ''
      }
      ${field({
        id: 'attach-arn',
        name: 'policy-arn',
        label: 'Policy ARN',
        required: false,
        value: draft['policy-arn'] ?? '',
        hint: 'For example arn:aws:iam::aws:policy/ReadOnlyAccess. AWS managed policies are listed on the Policies page.',
      })}
      <button type="submit">Attach policy</button>`,
  );
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
  ) => render(signed, reply, name, statusOf(error), { error, draft });
  const done = (reply: FastifyReply, name: string, notice: string) =>
    reply
      .code(303)
      .header('location', `${path(kind.base, name)}?notice=${notice}`)
      .send();
  const unknown = (reply: FastifyReply) => reply.code(303).header('location', kind.base).send();

  action<Params>(server, ctx, `${kind.base}/:name/policies/attach`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const arn = formText(form, 'policy-arn', 2048) || formText(form, 'policy-pick', 2048);
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
      if (!result.ok) return failed(signed, reply, name, result.error, draft);
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
