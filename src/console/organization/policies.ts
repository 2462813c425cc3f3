// The organization's authorization policies, one page per type (service control policies, resource
// control policies), for the management account:
//
//   /console/organization/policies/<scp|rcp>               the type's status in the root (enable,
//                                                          disable), its policies, "Create policy"
//   /console/organization/policies/<scp|rcp>/view?id=p-…   a policy: its document (edit it, with
//                                                          the name and description), its targets
//                                                          (attach to the root, an OU or an
//                                                          account; detach), delete
//
// Each action is the Organizations operation the API runs (EnablePolicyType, CreatePolicy,
// UpdatePolicy, AttachPolicy, …) as the console's caller; the document is checked by the same
// validation the API applies, and a refusal is shown in place with what was typed kept, as on the
// IAM policy pages.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callOrganizations } from '../context.ts';
import { buttonForm, dangerForm, field, html, table } from '../html.ts';
import { formText, redirect } from '../web.ts';
import { action, documentBlock, noticeOf, page, postForm, select, textarea } from '../admin/common.ts';
import { editorState, refusal } from '../admin/policy-editor.ts';
import {
  ORG,
  POLICY_TYPES,
  type OrgMessages,
  type PolicySlug,
  lengthProblem,
  orgPage,
  orgProblem,
  orgStatusOf,
  policySlugOf,
  readTree,
  targetChoices,
} from './common.ts';

const NOTICES: Readonly<Record<string, string>> = {
  enabled: 'The policy type was enabled. FullAWSAccess is attached to the root, every OU and every account.',
  disabled: 'The policy type was disabled. Its policies were detached from every target.',
  created: 'The policy was created.',
  updated: 'The policy was saved.',
  attached: 'The policy was attached.',
  detached: 'The policy was detached.',
  deleted: 'The policy was deleted.',
};

const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;
const TARGET_ID = /^(?:r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
/** The model's Content bound; the type's own limit (5,120 characters for an SCP) is the operation's. */
const CONTENT_MAX = 1_000_000;

const EXAMPLE_CONTENT = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Example",
      "Effect": "Deny",
      "Action": "iam:CreateUser",
      "Resource": "*"
    }
  ]
}`;

const base = (slug: PolicySlug) => `${ORG}/policies/${slug}`;
const viewUrl = (slug: PolicySlug, id: string, notice?: string) =>
  `${base(slug)}/view?id=${encodeURIComponent(id)}${notice ? `&notice=${notice}` : ''}`;

export function registerOrganizationPolicies(server: FastifyInstance, ctx: ConsoleContext): void {
  page<{ slug: string }>(server, ctx, `${ORG}/policies/:slug`, async (signed, query, params, reply) => {
    const slug = policySlugOf(params.slug);
    if (!slug) return redirect(reply, ORG);
    return listPage(ctx, signed, reply, slug, 200, { notice: noticeOf(query, NOTICES) });
  });

  page<{ slug: string }>(server, ctx, `${ORG}/policies/:slug/view`, async (signed, query, params, reply) => {
    const slug = policySlugOf(params.slug);
    const id = query.id ?? '';
    if (!slug || !POLICY_ID.test(id)) return redirect(reply, ORG);
    return viewPage(ctx, signed, reply, slug, id, 200, { notice: noticeOf(query, NOTICES) });
  });

  /** An action of a type's list page: the page again with the error, or a redirect. */
  const typeAction = (
    suffix: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
      slug: PolicySlug,
    ) => Promise<{ error?: IamError; draft?: Record<string, string>; to?: string }>,
  ) =>
    action<{ slug: string }>(
      server,
      ctx,
      `${ORG}/policies/:slug/${suffix}`,
      async (signed, form, params, reply) => {
        const slug = policySlugOf(params.slug);
        if (!slug) return redirect(reply, ORG);
        const outcome = await run(signed, form, slug);
        if (outcome.error) {
          const id = formText(form, 'policy-id', 160);
          const content = outcome.draft?.content;
          const messages = {
            ...(content === undefined
              ? { error: outcome.error }
              : refusal(outcome.error, 'content', content, slug)),
            draft: outcome.draft,
          };
          const status = orgStatusOf(outcome.error);
          return POLICY_ID.test(id)
            ? viewPage(ctx, signed, reply, slug, id, status, messages)
            : listPage(ctx, signed, reply, slug, status, messages);
        }
        return redirect(reply, outcome.to ?? base(slug));
      },
    );

  const call = (signed: Signed, name: string, input: Record<string, unknown>) =>
    callOrganizations(signed.caller, ctx, name, input);

  for (const [suffix, operation, notice] of [
    ['enable', 'EnablePolicyType', 'enabled'],
    ['disable', 'DisablePolicyType', 'disabled'],
  ] as const) {
    typeAction(suffix, async (signed, form, slug) => {
      const rootId = formText(form, 'root-id', 40);
      const result = await call(signed, operation, { RootId: rootId, PolicyType: POLICY_TYPES[slug].type });
      return result.ok ? { to: `${base(slug)}?notice=${notice}` } : { error: result.error };
    });
  }

  typeAction('create', async (signed, form, slug) => {
    const { draft, problem } = readPolicyForm(form);
    if (problem) return { error: problem, draft };
    const result = await call(signed, 'CreatePolicy', {
      Name: draft.name,
      Description: draft.description,
      Content: draft.content,
      Type: POLICY_TYPES[slug].type,
    });
    if (!result.ok) return { error: result.error, draft };
    const summary = (result.output.Policy as { PolicySummary: Record<string, unknown> }).PolicySummary;
    return { to: viewUrl(slug, String(summary.Id), 'created') };
  });

  typeAction('update', async (signed, form, slug) => {
    const id = formText(form, 'policy-id', 160);
    const { draft, problem } = readPolicyForm(form);
    if (problem) return { error: problem, draft };
    const result = await call(signed, 'UpdatePolicy', {
      PolicyId: id,
      Name: draft.name,
      Description: draft.description,
      Content: draft.content,
    });
    return result.ok ? { to: viewUrl(slug, id, 'updated') } : { error: result.error, draft };
  });

  for (const [suffix, operation, notice] of [
    ['attach', 'AttachPolicy', 'attached'],
    ['detach', 'DetachPolicy', 'detached'],
  ] as const) {
    typeAction(suffix, async (signed, form, slug) => {
      const id = formText(form, 'policy-id', 160);
      const target = formText(form, 'target-id', 80);
      if (!TARGET_ID.test(target))
        return { error: new IamError('InvalidInputException', 'Choose a root, an OU or an account.') };
      const result = await call(signed, operation, { PolicyId: id, TargetId: target });
      return result.ok ? { to: viewUrl(slug, id, notice) } : { error: result.error };
    });
  }

  typeAction('delete', async (signed, form, slug) => {
    const id = formText(form, 'policy-id', 160);
    const result = await call(signed, 'DeletePolicy', { PolicyId: id });
    return result.ok ? { to: `${base(slug)}?notice=deleted` } : { error: result.error };
  });
}

/** The editor's fields, checked against the API model's bounds. */
function readPolicyForm(form: URLSearchParams): {
  draft: { name: string; description: string; content: string };
  problem?: IamError | undefined;
} {
  const draft = {
    name: formText(form, 'name', 200),
    description: formText(form, 'description', 600),
    content: (form.get('content') ?? '').slice(0, CONTENT_MAX + 1),
  };
  const problem =
    lengthProblem(draft.name, 'The policy name', 1, 128) ??
    lengthProblem(draft.description, 'The description', 0, 512) ??
    lengthProblem(draft.content, 'The policy document', 1, CONTENT_MAX);
  return { draft, problem };
}

function editorFields(draft: Readonly<Record<string, string>>, content: string, messages: OrgMessages) {
  return html`${field({ id: 'name', label: 'Policy name', value: draft.name ?? '', hint: 'Up to 128 characters.' })}
  ${field({ id: 'description', label: 'Description', value: draft.description ?? '', required: false })}
  ${textarea({
    id: 'content',
    label: 'Policy document (JSON)',
    value: draft.content ?? content,
    hint: 'Organizations checks the document when you save it; a problem is shown here, with its line and column.',
    ...editorState(messages.editor, 'content'),
  })}`;
}

async function listPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  slug: PolicySlug,
  status: number,
  messages: OrgMessages,
): Promise<FastifyReply> {
  const kind = POLICY_TYPES[slug];
  const roots = await callOrganizations(signed.caller, ctx, 'ListRoots', {});
  const title = kind.title;
  if (!roots.ok)
    return orgPage(reply, signed, messages.error ? status : orgStatusOf(roots.error), {
      title,
      section: base(slug),
      body: orgProblem(roots.error),
      messages,
    });
  const root = ((roots.output.Roots ?? []) as Record<string, unknown>[])[0] ?? {};
  const rootId = String(root.Id ?? '');
  const enabled = ((root.PolicyTypes ?? []) as Record<string, unknown>[]).some(
    (t) => t.Type === kind.type && t.Status === 'ENABLED',
  );
  const csrf = signed.record.csrf;
  const typeSection = html`<section aria-labelledby="type-heading">
    <h2 id="type-heading">Policy type</h2>
    <p>
      ${kind.title} are <strong>${enabled ? 'enabled' : 'disabled'}</strong> in the root
      <code>${rootId}</code>.
    </p>
    ${
      enabled
        ? dangerForm(
            `${base(slug)}/disable`,
            csrf,
            `Disable ${kind.title.toLowerCase()}`,
            { 'root-id': rootId },
            'Every policy of this type is detached from every target; the policies themselves are kept.',
          )
        : buttonForm(`${base(slug)}/enable`, csrf, `Enable ${kind.title.toLowerCase()}`, {
            'root-id': rootId,
          })
    }
  </section>`;
  if (!enabled)
    return orgPage(reply, signed, status, { title, section: base(slug), body: typeSection, messages });
  const listed = await callOrganizations(signed.caller, ctx, 'ListPolicies', {
    Filter: kind.type,
    MaxResults: 20,
  });
  const policies = listed.ok ? ((listed.output.Policies ?? []) as Record<string, unknown>[]) : [];
  const draft = messages.draft ?? {};
  const body = html`${typeSection}
    <section aria-labelledby="policies-heading">
      <h2 id="policies-heading">Policies</h2>
      ${
        listed.ok
          ? table(
              title,
              ['Name', 'Description', 'Type'],
              policies.map((p) => [
                html`<a href="${viewUrl(slug, String(p.Id))}">${String(p.Name)}</a>`,
                String(p.Description ?? ''),
                p.AwsManaged ? 'AWS managed' : 'Customer managed',
              ]),
            )
          : orgProblem(listed.error)
      }
      ${listed.ok && listed.output.NextToken ? html`<p class="partial">The first 20 policies are listed.</p>` : ''}
    </section>
    <section aria-labelledby="create-policy-heading">
      <h2 id="create-policy-heading">Create policy</h2>
      ${postForm(`${base(slug)}/create`, csrf, html`${editorFields(draft, EXAMPLE_CONTENT, messages)} <button type="submit">Create policy</button>`)}
    </section>`;
  return orgPage(reply, signed, status, { title, section: base(slug), body, messages });
}

async function viewPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  slug: PolicySlug,
  id: string,
  status: number,
  messages: OrgMessages,
): Promise<FastifyReply> {
  const described = await callOrganizations(signed.caller, ctx, 'DescribePolicy', { PolicyId: id });
  if (!described.ok)
    return orgPage(reply, signed, messages.error ? status : orgStatusOf(described.error), {
      title: 'Policy',
      section: base(slug),
      body: orgProblem(described.error),
      messages,
    });
  const policy = described.output.Policy as { PolicySummary: Record<string, unknown>; Content: string };
  const summary = policy.PolicySummary;
  const awsManaged = summary.AwsManaged === true;
  const csrf = signed.record.csrf;
  const hidden = { 'policy-id': id };
  const [targets, tree] = await Promise.all([
    callOrganizations(signed.caller, ctx, 'ListTargetsForPolicy', { PolicyId: id, MaxResults: 20 }),
    readTree(ctx, signed),
  ]);
  const targetRows = targets.ok ? ((targets.output.Targets ?? []) as Record<string, unknown>[]) : [];
  const attachedIds = new Set(targetRows.map((t) => String(t.TargetId)));
  const choices = tree.ok ? targetChoices(tree.tree).filter((c) => !attachedIds.has(c.value)) : [];
  const draft = messages.draft ?? {};
  const body = html`<section aria-labelledby="summary-heading">
      <h2 id="summary-heading">${String(summary.Name)}</h2>
      <dl>
        <dt>Policy ID</dt>
        <dd><code>${id}</code></dd>
        <dt>ARN</dt>
        <dd><code>${String(summary.Arn ?? '')}</code></dd>
        <dt>Description</dt>
        <dd>${String(summary.Description ?? '')}</dd>
        <dt>Type</dt>
        <dd>${String(summary.Type ?? '')}${awsManaged ? ' (AWS managed)' : ''}</dd>
      </dl>
      ${documentBlock(policy.Content, 'Policy document')}
    </section>
    <section aria-labelledby="targets-heading">
      <h2 id="targets-heading">Targets</h2>
      ${
        targets.ok
          ? table(
              'Targets',
              ['Name', 'ID', 'Type', ''],
              targetRows.map((t) => [
                String(t.Name ?? ''),
                html`<code>${String(t.TargetId)}</code>`,
                String(t.Type ?? ''),
                dangerForm(
                  `${base(slug)}/detach`,
                  csrf,
                  `Detach from ${String(t.Name ?? t.TargetId)}`,
                  { ...hidden, 'target-id': String(t.TargetId) },
                  'The policy no longer applies to this target.',
                ),
              ]),
            )
          : orgProblem(targets.error)
      }
      ${
        choices.length > 0
          ? postForm(
              `${base(slug)}/attach`,
              csrf,
              html`<input type="hidden" name="policy-id" value="${id}" />
                ${select({ id: 'target-id', label: 'Attach to', options: choices })}
                <button type="submit">Attach policy</button>`,
            )
          : ''
      }
    </section>
    ${
      awsManaged
        ? ''
        : html`<section aria-labelledby="edit-heading">
              <h2 id="edit-heading">Edit policy</h2>
              ${postForm(
                `${base(slug)}/update`,
                csrf,
                html`<input type="hidden" name="policy-id" value="${id}" />
                  ${editorFields(
                    {
                      name: draft.name ?? String(summary.Name ?? ''),
                      description: draft.description ?? String(summary.Description ?? ''),
                      ...(draft.content !== undefined ? { content: draft.content } : {}),
                    },
                    policy.Content,
                    messages,
                  )}
                  <button type="submit">Save changes</button>`,
              )}
            </section>
            <section aria-labelledby="delete-heading">
              <h2 id="delete-heading">Delete policy</h2>
              ${dangerForm(`${base(slug)}/delete`, csrf, 'Delete policy', hidden, 'The policy is deleted. Detach it from every target first.')}
            </section>`
    }`;
  return orgPage(reply, signed, status, {
    title: `Policy ${String(summary.Name)}`,
    section: base(slug),
    body,
    messages,
  });
}
