// Roles: the list and "Create role" (with its trust policy), and a role's page: the summary, with the
// maximum session duration and description (UpdateRole) and deleting the role (its policies and
// instance profiles seen to first), above four tabs — Permissions (boundary, attached and inline
// policies), Trust relationships (UpdateAssumeRolePolicy), Tags, Instance profiles.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { field, html, table, type Html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  check,
  decodeDocument,
  deleteConfirmation,
  firstProblem,
  noticeOf,
  page,
  path,
  plausibleName,
  postForm,
  section,
  select,
  statusOf,
  textarea,
} from './common.ts';
import { trustFromTemplate } from './trust-templates.ts';
import { editorState, refusal } from './policy-editor.ts';
import { type Tab, chosenTab, tabUrl, tabbed } from './tabs.ts';
import { ACCESS_ADVISOR, ACCESS_ADVISOR_TAB, accessAdvisorPanel } from './access-advisor.ts';
import {
  PERMISSIONS_TAB,
  POLICY_NOTICES,
  ROLE,
  policySections,
  registerPolicyActions,
  removePolicies,
} from './holder-policies.ts';
import { BOUNDARY_NOTICES, boundaryOf, boundarySection, registerBoundaryActions } from './boundary.ts';
import { TAGS_TAB, TAG_NOTICES, type Tag, registerTagActions, tagsSection } from './tags.ts';
import { fieldProblem } from './validation-words.ts';
import { type ListQuery, listSection, parseListQuery, readList } from './listing.ts';
import {
  INSTANCE_PROFILES_TAB,
  INSTANCE_PROFILE_NOTICES,
  addToInstanceProfile,
  instanceProfileSection,
  registerInstanceProfileActions,
  removeFromInstanceProfiles,
  trustsEc2,
} from './role-instance-profiles.ts';

const BASE = `${ADMIN}/roles`;
const TRUST_TAB = 'trust-relationships';

/** A role's page, tab by tab, as AWS's console has it. */
const TABS: readonly Tab[] = [
  { id: PERMISSIONS_TAB, label: 'Permissions' },
  { id: TRUST_TAB, label: 'Trust relationships' },
  { id: TAGS_TAB, label: 'Tags' },
  { id: INSTANCE_PROFILES_TAB, label: 'Instance profiles' },
  ACCESS_ADVISOR,
];

const NOTICES: Readonly<Record<string, string>> = {
  ...POLICY_NOTICES,
  ...TAG_NOTICES,
  ...BOUNDARY_NOTICES,
  ...INSTANCE_PROFILE_NOTICES,
  created: 'The role was created.',
  deleted: 'The role was deleted.',
  'trust-updated': 'The trust policy was updated.',
  updated: 'The role was updated.',
};

const TEMPLATE_FIELDS = ['trust-template', 'provider', 'audience', 'subject'] as const;

function defaultTrustPolicy(account: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
      ],
    },
    null,
    2,
  );
}

/** A duration typed in the form: a number for the operation (which checks its range), or nothing. */
function durationOf(text: string): number | undefined {
  if (text === '') return undefined;
  return /^\d{1,9}$/.test(text) ? Number(text) : 0;
}

export function registerRoles(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, query, _params, reply) =>
    listPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }, parseListQuery(query)),
  );

  action(server, ctx, `${BASE}/create`, async (signed, form, _params, reply) => {
    const name = formText(form, 'role-name', 256);
    const rolePath = formText(form, 'path', 600) || '/';
    const document = (form.get('trust-policy') ?? '').slice(0, 140_000);
    const description = formText(form, 'description', 1200);
    const duration = formText(form, 'max-session-duration', 16);
    const draft: Record<string, string> = {
      'role-name': name,
      path: rolePath,
      'trust-policy': document,
      description,
      'max-session-duration': duration,
    };
    for (const key of TEMPLATE_FIELDS) draft[key] = formText(form, key, 2048);
    if (form.get('intent') === 'template') {
      // The wizard's trusted entity: the trust policy is written from the template, for review.
      const filled = trustFromTemplate(
        draft['trust-template']!,
        draft.provider!,
        draft.audience!,
        draft.subject!,
      );
      if ('problem' in filled) return listPage(ctx, signed, reply, 400, { error: filled.problem, draft });
      return listPage(ctx, signed, reply, 200, {
        notice: 'The trust policy was written from the template: review it, then create the role.',
        draft: { ...draft, 'trust-policy': filled.policy },
      });
    }
    const fail = (error: IamError) =>
      listPage(ctx, signed, reply, statusOf(error), {
        ...refusal(error, 'trust-policy', document, 'trust'),
        draft,
      });
    const problem = firstProblem(
      check.roleName(name),
      check.path(rolePath),
      check.document(document, 'assumeRolePolicyDocument'),
    );
    if (problem) return fail(problem);
    const maxSessionDuration = durationOf(duration);
    const created = await callIam(signed.caller, ctx, 'CreateRole', {
      RoleName: name,
      Path: rolePath,
      AssumeRolePolicyDocument: document,
      ...(description ? { Description: description } : {}),
      ...(maxSessionDuration !== undefined ? { MaxSessionDuration: maxSessionDuration } : {}),
    });
    if (!created.ok) return fail(created.error);
    // As the AWS console does for a role Amazon EC2 may assume: an instance profile of its name.
    if (trustsEc2(document)) {
      const error = await addToInstanceProfile(ctx, signed, name, name);
      if (error)
        return detailPage(ctx, signed, reply, name, statusOf(error), {
          error: `The role was created, but its instance profile was not. ${error.code}: ${error.message}`,
          tab: INSTANCE_PROFILES_TAB,
        });
    }
    return redirect(reply, `${path(BASE, name)}?notice=created`);
  });

  page<{ name: string }>(server, ctx, `${BASE}/:name`, async (signed, query, { name }, reply) => {
    if (!plausibleName(name, 64)) return redirect(reply, BASE);
    return detailPage(ctx, signed, reply, name, 200, { notice: noticeOf(query, NOTICES), tab: query.tab });
  });

  const render = (signed: Signed, reply: FastifyReply, name: string, status: number, messages: Messages) =>
    detailPage(ctx, signed, reply, name, status, messages);
  registerPolicyActions(server, ctx, ROLE, render);
  registerTagActions(server, ctx, ROLE, render);
  registerBoundaryActions(server, ctx, ROLE, render);
  registerInstanceProfileActions(server, ctx, render);

  action<{ name: string }>(
    server,
    ctx,
    `${BASE}/:name/trust-policy`,
    async (signed, form, { name }, reply) => {
      if (!plausibleName(name, 64)) return redirect(reply, BASE);
      const document = (form.get('trust-policy') ?? '').slice(0, 140_000);
      const draft = { 'trust-policy': document };
      const problem = check.document(document);
      if (problem)
        return render(signed, reply, name, statusOf(problem), { error: problem, draft, tab: TRUST_TAB });
      const result = await callIam(signed.caller, ctx, 'UpdateAssumeRolePolicy', {
        RoleName: name,
        PolicyDocument: document,
      });
      if (!result.ok)
        return render(signed, reply, name, statusOf(result.error), {
          ...refusal(result.error, 'trust-policy', document, 'trust'),
          draft,
          tab: TRUST_TAB,
        });
      return redirect(reply, tabUrl(path(BASE, name), TRUST_TAB, 'trust-updated'));
    },
  );

  action<{ name: string }>(server, ctx, `${BASE}/:name/update`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, 64)) return redirect(reply, BASE);
    const description = formText(form, 'description', 1200);
    const duration = durationOf(formText(form, 'max-session-duration', 16));
    // The settings sit above the tabs: back to the tab they were changed on.
    const tab = chosenTab(TABS, formText(form, 'tab', 40));
    const result = await callIam(signed.caller, ctx, 'UpdateRole', {
      RoleName: name,
      Description: description,
      ...(duration !== undefined ? { MaxSessionDuration: duration } : {}),
    });
    if (!result.ok) return render(signed, reply, name, statusOf(result.error), { error: result.error, tab });
    return redirect(reply, tabUrl(path(BASE, name), tab, 'updated'));
  });

  action<{ name: string }>(server, ctx, `${BASE}/:name/delete`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, 64)) return redirect(reply, BASE);
    // The Delete form sits above the tabs: a refusal is shown on the tab it was posted from.
    const tab = formText(form, 'tab', 40);
    if (formText(form, 'confirm', 256) !== name) {
      return render(signed, reply, name, 400, {
        error: 'To confirm the deletion, type the role name in the confirmation field.',
        tab,
      });
    }
    const error =
      (await removeFromInstanceProfiles(ctx, signed, name)) ??
      (await removePolicies(ctx, signed, ROLE, name));
    if (error) return render(signed, reply, name, statusOf(error), { error, tab });
    const deleted = await callIam(signed.caller, ctx, 'DeleteRole', { RoleName: name });
    if (!deleted.ok)
      return render(signed, reply, name, statusOf(deleted.error), { error: deleted.error, tab });
    return redirect(reply, `${BASE}?notice=deleted`);
  });
}

async function listPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: Messages,
  query: ListQuery = parseListQuery({}),
): Promise<FastifyReply> {
  const listed = await readList(
    {
      fetch: (input) => callIam(signed.caller, ctx, 'ListRoles', input),
      member: 'Roles',
      nameOf: 'RoleName',
    },
    query,
  );
  const draft = messages.draft ?? {};
  const list = listSection({
    title: 'Roles',
    id: 'roles-heading',
    base: BASE,
    noun: 'roles',
    query,
    listed,
    render: (rows) =>
      table(
        'Roles in this account',
        ['Role name', 'Path', 'ARN', 'Created'],
        rows.map((r) => [
          html`<a href="${path(BASE, String(r.RoleName ?? ''))}">${String(r.RoleName ?? '')}</a>`,
          String(r.Path ?? ''),
          html`<code>${String(r.Arn ?? '')}</code>`,
          String(r.CreateDate ?? ''),
        ]),
      ),
  });
  const create = html`<section aria-labelledby="create-role-heading">
    <h2 id="create-role-heading">Create role</h2>
    ${postForm(
      `${BASE}/create`,
      signed.record.csrf,
      html`${field({ id: 'role-name', label: 'Role name', value: draft['role-name'] ?? '', hint: 'Up to 64 letters, digits and + = , . @ _ -', problem: fieldProblem(messages.error, 'role-name') })}
        ${field({ id: 'path', label: 'Path', value: draft.path ?? '/', required: false, problem: fieldProblem(messages.error, 'path') })}
        ${field({ id: 'description', label: 'Description', value: draft.description ?? '', required: false })}
        ${field({
          id: 'max-session-duration',
          label: 'Maximum session duration (seconds)',
          value: draft['max-session-duration'] ?? '3600',
          inputmode: 'numeric',
          required: false,
          hint: 'From 3600 (1 hour) to 43200 (12 hours).',
        })}
        ${textarea({
          id: 'trust-policy',
          label: 'Trust policy (JSON)',
          value: draft['trust-policy'] ?? defaultTrustPolicy(signed.caller.account),
          hint: 'Who may assume the role.',
          ...editorState(messages.editor, 'trust-policy'),
        })}
        ${await trustTemplateFields(ctx, signed, draft)}
        <button type="submit" name="intent" value="create">Create role</button>`,
    )}
  </section>`;
  return adminPage(reply, signed, status, {
    title: 'Roles',
    section: BASE,
    body: html`${list} ${create}`,
    messages,
  });
}

async function detailPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  name: string,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const tab = chosenTab(TABS, messages.tab);
  const role = await callIam(signed.caller, ctx, 'GetRole', { RoleName: name });
  const r = role.ok ? (role.output.Role as Record<string, unknown>) : undefined;
  const draft = messages.draft ?? {};

  const summary = section(
    'Summary',
    'summary-heading',
    role,
    () =>
      html`<dl>
          <dt>Role name</dt>
          <dd>${String(r?.RoleName)}</dd>
          <dt>Path</dt>
          <dd>${String(r?.Path)}</dd>
          <dt>ARN</dt>
          <dd><code>${String(r?.Arn)}</code></dd>
          <dt>Description</dt>
          <dd>${r?.Description ? String(r.Description) : '—'}</dd>
          <dt>Maximum session duration</dt>
          <dd>${String(r?.MaxSessionDuration ?? 3600)} seconds</dd>
          <dt>Created</dt>
          <dd>${String(r?.CreateDate)}</dd>
        </dl>
        <details class="edit" id="role-settings">
          <summary>Edit description and maximum session duration</summary>
          ${postForm(
            `${base}/update`,
            csrf,
            html`<input type="hidden" name="tab" value="${tab}" />
              ${field({ id: 'role-description', name: 'description', label: 'Description', value: String(r?.Description ?? ''), required: false })}
              ${field({
                id: 'role-max-session-duration',
                name: 'max-session-duration',
                label: 'Maximum session duration (seconds)',
                value: String(r?.MaxSessionDuration ?? 3600),
                inputmode: 'numeric',
                hint: 'From 3600 (1 hour) to 43200 (12 hours).',
              })} <button type="submit">Save settings</button>`,
          )}
        </details>`,
    role.ok &&
      deleteConfirmation({
        actionPath: `${base}/delete`,
        csrf,
        noun: 'role',
        name,
        consequence: 'Deleting the role also removes its policies and takes it out of its instance profiles.',
        hidden: { tab },
      }),
  );

  const panels: Record<string, () => Promise<Html>> = {
    [PERMISSIONS_TAB]: async () =>
      html`${r ? boundarySection({ kind: ROLE, name, current: boundaryOf(r), csrf, messages }) : ''}
      ${await policySections(ctx, signed, ROLE, name, messages)}`,
    [TRUST_TAB]: async () =>
      r
        ? html`<section aria-labelledby="trust-heading">
            <h2 id="trust-heading">Trust relationships</h2>
            ${postForm(
              `${base}/trust-policy`,
              csrf,
              html`${textarea({
                  id: 'trust-policy',
                  label: 'Trust policy (JSON)',
                  value: draft['trust-policy'] ?? decodeDocument(r.AssumeRolePolicyDocument),
                  ...editorState(messages.editor, 'trust-policy'),
                })} <button type="submit">Update trust policy</button>`,
            )}
          </section>`
        : html``,
    [TAGS_TAB]: async () =>
      r
        ? tagsSection({ tags: (r.Tags ?? []) as Tag[], actionBase: base, csrf, noun: 'role', messages })
        : html``,
    [INSTANCE_PROFILES_TAB]: async () => (r ? instanceProfileSection(ctx, signed, name, messages) : html``),
    [ACCESS_ADVISOR_TAB]: async () => (r ? accessAdvisorPanel(ctx, signed, String(r.Arn), false) : html``),
  };
  const body = html`${summary}
  ${tabbed({ base, tabs: TABS, current: tab, label: `Role ${name}`, panel: await panels[tab]!() })}`;
  return adminPage(reply, signed, status, { title: `Role ${name}`, section: BASE, body, messages });
}

/**
 * The wizard's trusted entity types beyond an AWS account: a web identity (an OIDC provider, its
 * audience, optionally the subject) or SAML 2.0 federation (a SAML provider). "Write trust policy"
 * fills the trust policy in from them; the role is created from what the editor then holds.
 */
async function trustTemplateFields(
  ctx: ConsoleContext,
  signed: Signed,
  draft: Readonly<Record<string, string>>,
): Promise<ReturnType<typeof html>> {
  const oidc = await callIam(signed.caller, ctx, 'ListOpenIDConnectProviders', {});
  const saml = await callIam(signed.caller, ctx, 'ListSAMLProviders', {});
  const arns = [
    ...(oidc.ok ? ((oidc.output.OpenIDConnectProviderList ?? []) as { Arn: string }[]) : []),
    ...(saml.ok ? ((saml.output.SAMLProviderList ?? []) as { Arn: string }[]) : []),
  ].map((p) => p.Arn);
  return html`<fieldset>
    <legend>Trust template</legend>
    ${select({
      id: 'trust-template',
      label: 'Trusted entity type',
      options: [
        { value: 'web-identity', label: 'Web identity (OpenID Connect provider)' },
        { value: 'saml', label: 'SAML 2.0 federation' },
      ],
      selected: draft['trust-template'] ?? 'web-identity',
    })}
    ${select({
      id: 'provider',
      label: 'Identity provider',
      options: arns.map((arn) => ({ value: arn, label: arn })),
      selected: draft.provider ?? '',
      hint: 'Add providers on the Identity providers page.',
    })}
    ${field({
      id: 'audience',
      label: 'Audience (web identity)',
      value: draft.audience ?? '',
      required: false,
      hint: 'The client ID the tokens carry in aud, such as sts.amazonaws.com.',
    })}
    ${field({
      id: 'subject',
      label: 'Subject (web identity, optional)',
      value: draft.subject ?? '',
      required: false,
      hint: 'The sub claim to require; * and ? match any characters (repo:org/repo:ref:refs/heads/main).',
    })}
    <button type="submit" name="intent" value="template" formnovalidate>Write trust policy</button>
  </fieldset>`;
}
