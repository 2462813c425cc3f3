// Managed policies: the account's customer managed policies and "Create policy" (a JSON editor that
// shows IAM's refusal beside it, with where, and keeps what was typed), AWS managed policies
// searchable by name, and a policy's page: the summary (and deleting the policy) above the tabs
// Permissions (the default version's document, edited as a new version), Entities attached
// (ListEntitiesForPolicy), Tags (customer managed only) and Policy versions (set as default, delete).
//
// A policy's page is addressed by its ARN in the query (/console/admin/policies/view?arn=...), as
// ARNs carry paths with slashes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { buttonForm, dangerForm, field, html, table, type Html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  check,
  checkbox,
  decodeDocument,
  deleteConfirmation,
  documentBlock,
  firstProblem,
  noticeOf,
  page,
  path,
  postForm,
  problemBox,
  section,
  statusOf,
  textarea,
} from './common.ts';
import { EXAMPLE_POLICY, PERMISSIONS_TAB } from './holder-policies.ts';
import { AWS_PREFIX, policyTable, viewUrl } from './policy-rows.ts';
import { TAGS_TAB, TAG_NOTICES, type Tag, readTag, readTagKey, tagsSection } from './tags.ts';
import { editorState, refusal } from './policy-editor.ts';
import { type Tab, chosenTab, tabUrl, tabbed } from './tabs.ts';
import { ACCESS_ADVISOR, ACCESS_ADVISOR_TAB, accessAdvisorPanel } from './access-advisor.ts';
import { fieldProblem } from './validation-words.ts';
import { type ListQuery, listSection, parseListQuery, readList } from './listing.ts';

const BASE = `${ADMIN}/policies`;
const SEARCH_RESULTS = 200;
/** Versions whose documents a policy's page shows, newest first. */
const VERSION_DOCUMENTS_SHOWN = 5;
const ENTITIES_TAB = 'entities-attached';
const VERSIONS_TAB = 'versions';

/** A policy's page, tab by tab, as AWS's console has it (AWS managed policies have no tags here). */
function tabsOf(awsManaged: boolean): readonly Tab[] {
  return [
    { id: PERMISSIONS_TAB, label: 'Permissions' },
    { id: ENTITIES_TAB, label: 'Entities attached' },
    ...(awsManaged ? [] : [{ id: TAGS_TAB, label: 'Tags' }]),
    { id: VERSIONS_TAB, label: 'Policy versions' },
    ...(awsManaged ? [] : [ACCESS_ADVISOR]),
  ];
}

const NOTICES: Readonly<Record<string, string>> = {
  ...TAG_NOTICES,
  created: 'The policy was created.',
  deleted: 'The policy was deleted.',
  'version-created': 'The policy version was created.',
  'version-default': 'The default version was changed.',
  'version-deleted': 'The policy version was deleted.',
};

export function registerPolicies(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, query, _params, reply) =>
    listPage(
      ctx,
      signed,
      reply,
      200,
      { notice: noticeOf(query, NOTICES) },
      parseListQuery(query),
      scopeOf(query),
    ),
  );

  action(server, ctx, `${BASE}/create`, async (signed, form, _params, reply) => {
    const name = formText(form, 'policy-name', 256);
    const policyPath = formText(form, 'path', 600) || '/';
    const description = formText(form, 'description', 1200);
    const document = (form.get('policy-document') ?? '').slice(0, 140_000);
    const draft = { 'policy-name': name, path: policyPath, description, 'policy-document': document };
    const fail = (error: IamError) =>
      listPage(ctx, signed, reply, statusOf(error), {
        ...refusal(error, 'policy-document', document, 'identity'),
        draft,
      });
    const problem = firstProblem(check.policyName(name), check.path(policyPath), check.document(document));
    if (problem) return fail(problem);
    const created = await callIam(signed.caller, ctx, 'CreatePolicy', {
      PolicyName: name,
      Path: policyPath,
      PolicyDocument: document,
      ...(description ? { Description: description } : {}),
    });
    if (!created.ok) return fail(created.error);
    return redirect(
      reply,
      viewUrl(String((created.output.Policy as Record<string, unknown>).Arn), 'created'),
    );
  });

  page(server, ctx, `${BASE}/aws`, async (signed, query, _params, reply) => {
    const q = (query.q ?? '').trim().slice(0, 128);
    return awsPage(ctx, signed, reply, q);
  });

  page(server, ctx, `${BASE}/view`, async (signed, query, _params, reply) => {
    const arn = query.arn ?? '';
    if (!arn.startsWith('arn:') || arn.length > 2048) return redirect(reply, BASE);
    return detailPage(ctx, signed, reply, arn, 200, { notice: noticeOf(query, NOTICES), tab: query.tab });
  });

  /**
   * An action on the policy named by the form's "arn", posted from `tab`: re-shows the tab with the
   * error, or redirects back to it.
   */
  const policyAction = (
    suffix: string,
    tab: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
      arn: string,
    ) => Promise<{ error?: IamError | string; draft?: Record<string, string>; notice?: string }>,
  ) =>
    action(server, ctx, `${BASE}/${suffix}`, async (signed, form, _params, reply: FastifyReply) => {
      const arn = formText(form, 'arn', 2048);
      if (!arn.startsWith('arn:')) return redirect(reply, BASE);
      const outcome = await run(signed, form, arn);
      if (outcome.error) {
        const document = outcome.draft?.['policy-document'];
        return detailPage(ctx, signed, reply, arn, statusOf(outcome.error), {
          ...(document === undefined
            ? { error: outcome.error }
            : refusal(outcome.error, 'policy-document', document, 'identity')),
          draft: outcome.draft,
          // A form above the tabs (Delete) names the tab it was posted from.
          tab: formText(form, 'tab', 40) || tab,
        });
      }
      if (outcome.notice === 'deleted') return redirect(reply, `${BASE}?notice=deleted`);
      return redirect(reply, tabUrl(viewUrl(arn), tab, outcome.notice));
    });

  policyAction('tags/put', TAGS_TAB, async (signed, form, arn) => {
    const { tag, problem } = readTag(form);
    const draft = { 'tag-key': tag.Key, 'tag-value': tag.Value };
    if (problem) return { error: problem, draft };
    const result = await callIam(signed.caller, ctx, 'TagPolicy', { PolicyArn: arn, Tags: [tag] });
    return result.ok ? { notice: 'tag-saved' } : { error: result.error, draft };
  });

  policyAction('tags/remove', TAGS_TAB, async (signed, form, arn) => {
    const { key, problem } = readTagKey(form);
    if (problem) return { error: problem };
    const result = await callIam(signed.caller, ctx, 'UntagPolicy', { PolicyArn: arn, TagKeys: [key] });
    return result.ok ? { notice: 'tag-removed' } : { error: result.error };
  });

  policyAction('versions/create', PERMISSIONS_TAB, async (signed, form, arn) => {
    const document = (form.get('policy-document') ?? '').slice(0, 140_000);
    const setAsDefault = form.get('set-as-default') === 'true';
    const draft = { 'policy-document': document };
    const problem = check.document(document);
    if (problem) return { error: problem, draft };
    const result = await callIam(signed.caller, ctx, 'CreatePolicyVersion', {
      PolicyArn: arn,
      PolicyDocument: document,
      SetAsDefault: setAsDefault,
    });
    return result.ok ? { notice: 'version-created' } : { error: result.error, draft };
  });

  const versionId = (form: URLSearchParams) => {
    const id = formText(form, 'version-id', 64);
    return /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/.test(id) ? id : undefined;
  };

  policyAction('versions/default', VERSIONS_TAB, async (signed, form, arn) => {
    const id = versionId(form);
    if (!id) return { error: 'That is not a version of this policy.' };
    const result = await callIam(signed.caller, ctx, 'SetDefaultPolicyVersion', {
      PolicyArn: arn,
      VersionId: id,
    });
    return result.ok ? { notice: 'version-default' } : { error: result.error };
  });

  policyAction('versions/delete', VERSIONS_TAB, async (signed, form, arn) => {
    const id = versionId(form);
    if (!id) return { error: 'That is not a version of this policy.' };
    const result = await callIam(signed.caller, ctx, 'DeletePolicyVersion', {
      PolicyArn: arn,
      VersionId: id,
    });
    return result.ok ? { notice: 'version-deleted' } : { error: result.error };
  });

  policyAction('delete', PERMISSIONS_TAB, async (signed, form, arn) => {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    if (formText(form, 'confirm', 256) !== name)
      return { error: 'To confirm the deletion, type the policy name in the confirmation field.' };
    const error = await deletePolicy(ctx, signed, arn);
    return error ? { error } : { notice: 'deleted' };
  });
}

/** Deletes a policy as the AWS console does: detached from every entity, its other versions deleted first. */
async function deletePolicy(ctx: ConsoleContext, signed: Signed, arn: string): Promise<IamError | undefined> {
  const call = (op: string, input: Record<string, unknown>) => callIam(signed.caller, ctx, op, input);
  const entities = await call('ListEntitiesForPolicy', {
    PolicyArn: arn,
    PolicyUsageFilter: 'PermissionsPolicy',
    MaxItems: 1000,
  });
  if (!entities.ok) return entities.error;
  const out = entities.output;
  for (const u of (out.PolicyUsers ?? []) as Record<string, string>[]) {
    const r = await call('DetachUserPolicy', { UserName: u.UserName, PolicyArn: arn });
    if (!r.ok) return r.error;
  }
  for (const g of (out.PolicyGroups ?? []) as Record<string, string>[]) {
    const r = await call('DetachGroupPolicy', { GroupName: g.GroupName, PolicyArn: arn });
    if (!r.ok) return r.error;
  }
  for (const role of (out.PolicyRoles ?? []) as Record<string, string>[]) {
    const r = await call('DetachRolePolicy', { RoleName: role.RoleName, PolicyArn: arn });
    if (!r.ok) return r.error;
  }
  const versions = await call('ListPolicyVersions', { PolicyArn: arn, MaxItems: 1000 });
  if (!versions.ok) return versions.error;
  for (const v of (versions.output.Versions ?? []) as Record<string, unknown>[]) {
    if (v.IsDefaultVersion) continue;
    const r = await call('DeletePolicyVersion', { PolicyArn: arn, VersionId: v.VersionId });
    if (!r.ok) return r.error;
  }
  const deleted = await call('DeletePolicy', { PolicyArn: arn });
  return deleted.ok ? undefined : deleted.error;
}

function searchForm(q: string): Html {
  return html`<form
    method="get"
    action="${BASE}/aws"
    class="card"
    role="search"
    aria-label="AWS managed policies"
  >
    ${field({ id: 'q', label: 'Search AWS managed policies by name', value: q, required: false, type: 'search' })}
    <button type="submit">Search</button>
  </form>`;
}

type Scope = 'Local' | 'AWS' | 'All';

const SCOPE_TITLES: Readonly<Record<Scope, string>> = {
  Local: 'Customer managed policies',
  AWS: 'AWS managed policies',
  All: 'Customer managed and AWS managed policies',
};

const SCOPE_OPTIONS = [
  { value: 'Local', label: 'Customer managed' },
  { value: 'AWS', label: 'AWS managed' },
  { value: 'All', label: 'All types' },
];

/** ListPolicies' Scope from ?scope= (customer managed unless asked). */
function scopeOf(query: Readonly<Record<string, string | undefined>>): Scope {
  return query.scope === 'AWS' || query.scope === 'All' ? query.scope : 'Local';
}

async function listPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: Messages,
  query: ListQuery = parseListQuery({}),
  scope: Scope = 'Local',
): Promise<FastifyReply> {
  const listed = await readList(
    {
      fetch: (input) => callIam(signed.caller, ctx, 'ListPolicies', { ...input, Scope: scope }),
      member: 'Policies',
      nameOf: 'PolicyName',
    },
    query,
  );
  const draft = messages.draft ?? {};
  const list = listSection({
    title: SCOPE_TITLES[scope],
    id: 'policies-heading',
    base: BASE,
    noun: 'policies',
    query,
    listed,
    filters: [{ name: 'scope', label: 'Type', options: SCOPE_OPTIONS, selected: scope }],
    extra: scope === 'Local' ? {} : { scope },
    render: (rows) => policyTable(SCOPE_TITLES[scope], rows),
  });
  const aws = html`<section aria-labelledby="aws-heading">
    <h2 id="aws-heading">AWS managed policies</h2>
    ${searchForm('')}
  </section>`;
  const create = html`<section aria-labelledby="create-policy-heading">
    <h2 id="create-policy-heading">Create policy</h2>
    ${postForm(
      `${BASE}/create`,
      signed.record.csrf,
      html`${field({ id: 'policy-name', label: 'Policy name', value: draft['policy-name'] ?? '', hint: 'Up to 128 letters, digits and + = , . @ _ -', problem: fieldProblem(messages.error, 'policy-name') })}
        ${field({ id: 'path', label: 'Path', value: draft.path ?? '/', required: false, problem: fieldProblem(messages.error, 'path') })}
        ${field({ id: 'description', label: 'Description', value: draft.description ?? '', required: false })}
        ${textarea({
          id: 'policy-document',
          label: 'Policy document (JSON)',
          value: draft['policy-document'] ?? EXAMPLE_POLICY,
          hint: 'IAM checks the document when you create the policy; a problem is shown here, with its line and column.',
          ...editorState(messages.editor, 'policy-document'),
        })} <button type="submit">Create policy</button>`,
    )}
  </section>`;
  return adminPage(reply, signed, status, {
    title: 'Policies',
    section: BASE,
    body: html`${list} ${aws} ${create}`,
    messages,
  });
}

async function awsPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  q: string,
): Promise<FastifyReply> {
  const needle = q.toLowerCase();
  const found: Record<string, unknown>[] = [];
  let marker: string | undefined;
  let result = await callIam(signed.caller, ctx, 'ListPolicies', { Scope: 'AWS', MaxItems: 1000 });
  // The whole catalog is scanned page by page (a few thousand names; ListPolicies lists them by
  // policy id); the matches are kept and shown by name.
  for (let pages = 0; result.ok && pages < 20; pages++) {
    for (const p of (result.output.Policies ?? []) as Record<string, unknown>[]) {
      if (String(p.PolicyName).toLowerCase().includes(needle)) found.push(p);
    }
    marker = result.output.IsTruncated ? String(result.output.Marker) : undefined;
    if (!marker) break;
    result = await callIam(signed.caller, ctx, 'ListPolicies', {
      Scope: 'AWS',
      MaxItems: 1000,
      Marker: marker,
    });
  }
  found.sort((a, b) => String(a.PolicyName).localeCompare(String(b.PolicyName), 'en'));
  found.splice(SEARCH_RESULTS);
  const results = section(
    q ? `Policies whose name contains “${q}”` : 'AWS managed policies',
    'results-heading',
    result,
    () =>
      html`${table(
        'AWS managed policies',
        ['Policy name', 'Path', 'Attachments'],
        found.map((p) => [
          html`<a href="${viewUrl(String(p.Arn))}">${String(p.PolicyName)}</a>`,
          String(p.Path),
          String(p.AttachmentCount ?? 0),
        ]),
      )}
      ${found.length >= SEARCH_RESULTS ? html`<p>Only the first ${SEARCH_RESULTS} matches are shown; refine the search.</p>` : ''}`,
  );
  return adminPage(reply, signed, 200, {
    title: 'AWS managed policies',
    section: BASE,
    body: html`${searchForm(q)} ${results}`,
  });
}

async function detailPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  arn: string,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const { caller } = signed;
  const csrf = signed.record.csrf;
  const draft = messages.draft ?? {};
  const awsManaged = arn.startsWith(AWS_PREFIX);
  const policy = await callIam(caller, ctx, 'GetPolicy', { PolicyArn: arn });
  const p = policy.ok ? (policy.output.Policy as Record<string, unknown>) : undefined;
  const defaultVersion = p ? String(p.DefaultVersionId) : undefined;
  const versions = await callIam(caller, ctx, 'ListPolicyVersions', { PolicyArn: arn, MaxItems: 1000 });
  const documents = new Map<string, string>();
  const versionList = versions.ok ? ((versions.output.Versions ?? []) as Record<string, unknown>[]) : [];
  // The newest versions' documents only: a customer managed policy has at most five (IAM quotas),
  // an AWS managed one may have a hundred and more (ReadOnlyAccess), each a GetPolicyVersion.
  for (const v of versionList.slice(0, VERSION_DOCUMENTS_SHOWN)) {
    const got = await callIam(caller, ctx, 'GetPolicyVersion', { PolicyArn: arn, VersionId: v.VersionId });
    if (got.ok)
      documents.set(
        String(v.VersionId),
        decodeDocument((got.output.PolicyVersion as Record<string, unknown>).Document),
      );
  }
  let defaultDocument = defaultVersion ? documents.get(defaultVersion) : undefined;
  let defaultError: IamError | undefined;
  if (defaultVersion && defaultDocument === undefined) {
    const got = await callIam(caller, ctx, 'GetPolicyVersion', { PolicyArn: arn, VersionId: defaultVersion });
    if (got.ok)
      defaultDocument = decodeDocument((got.output.PolicyVersion as Record<string, unknown>).Document);
    else defaultError = got.error;
  }
  const tabs = tabsOf(awsManaged);
  const tab = chosenTab(tabs, messages.tab);
  const name = arn.slice(arn.lastIndexOf('/') + 1);

  const summary = section('Summary', 'summary-heading', policy, () => {
    return html`<dl>
        <dt>Policy name</dt>
        <dd>${String(p?.PolicyName)}</dd>
        <dt>ARN</dt>
        <dd><code>${String(p?.Arn)}</code></dd>
        <dt>Type</dt>
        <dd>${awsManaged ? 'AWS managed' : 'Customer managed'}</dd>
        <dt>Description</dt>
        <dd>${p?.Description ? String(p.Description) : '—'}</dd>
        <dt>Default version</dt>
        <dd>${String(p?.DefaultVersionId)}</dd>
        <dt>Attachments</dt>
        <dd>${String(p?.AttachmentCount ?? 0)}</dd>
        <dt>Created</dt>
        <dd>${String(p?.CreateDate)}</dd>
        <dt>Updated</dt>
        <dd>${String(p?.UpdateDate)}</dd>
      </dl>
      ${
        awsManaged
          ? ''
          : deleteConfirmation({
              actionPath: `${BASE}/delete`,
              csrf,
              noun: 'policy',
              name,
              consequence:
                'Deleting the policy also detaches it from every user, group and role and deletes its versions.',
              hidden: { arn, tab },
            })
      }`;
  });
  // AWS managed policies cannot be tagged (TagPolicy takes customer managed ones only).
  const tagsPart =
    p && !awsManaged
      ? tagsSection({
          tags: (p.Tags ?? []) as Tag[],
          actionBase: BASE,
          csrf,
          noun: 'policy',
          hidden: { arn },
          messages,
        })
      : '';

  const document = p
    ? html`<section aria-labelledby="document-heading">
        <h2 id="document-heading">Permissions defined in this policy (${defaultVersion})</h2>
        ${
          defaultDocument !== undefined
            ? documentBlock(defaultDocument, 'Default version of the policy document')
            : defaultError
              ? problemBox(defaultError)
              : ''
        }
      </section>`
    : '';

  const versionsSection = section('Policy versions', 'versions-heading', versions, () =>
    table(
      'Versions of this policy',
      ['Version', 'Default', 'Created', 'Document', 'Actions'],
      versionList.map((v) => {
        const id = String(v.VersionId);
        const isDefault = v.IsDefaultVersion === true;
        return [
          id,
          isDefault ? 'Default' : '',
          String(v.CreateDate),
          documents.has(id)
            ? html`<details>
                <summary>Show ${id}</summary>
                ${documentBlock(documents.get(id)!, `Policy document ${id}`)}
              </details>`
            : '—',
          awsManaged || isDefault
            ? ''
            : html`${buttonForm(`${BASE}/versions/default`, csrf, `Set ${id} as default`, { arn, 'version-id': id })}
              ${dangerForm(
                `${BASE}/versions/delete`,
                csrf,
                `Delete ${id}`,
                { arn, 'version-id': id },
                'This version of the policy is deleted. This cannot be undone.',
              )}`,
        ];
      }),
    ),
  );

  const newVersion =
    p && !awsManaged
      ? html`<section aria-labelledby="new-version-heading">
          <h2 id="new-version-heading">Edit policy (create a new version)</h2>
          ${postForm(
            `${BASE}/versions/create`,
            csrf,
            html`<input type="hidden" name="arn" value="${arn}" />
              ${textarea({
                id: 'policy-document',
                label: 'Policy document (JSON)',
                value: draft['policy-document'] ?? defaultDocument ?? '',
                hint: 'Saving creates a new version; a policy keeps at most 5 versions.',
                ...editorState(messages.editor, 'policy-document'),
              })}
              ${checkbox({ id: 'set-as-default', label: 'Set as the default version', checked: true })}
              <button type="submit">Save changes</button>`,
          )}
        </section>`
      : '';

  const attachedTo = async () => {
    const entities = await callIam(caller, ctx, 'ListEntitiesForPolicy', { PolicyArn: arn, MaxItems: 1000 });
    return section('Entities attached', 'entities-heading', entities, (out) => {
      const rows: [Html, string][] = [
        ...((out.PolicyUsers ?? []) as Record<string, string>[]).map((u): [Html, string] => [
          html`<a href="${path(`${ADMIN}/users`, u.UserName ?? '')}">${u.UserName}</a>`,
          'User',
        ]),
        ...((out.PolicyGroups ?? []) as Record<string, string>[]).map((g): [Html, string] => [
          html`<a href="${path(`${ADMIN}/groups`, g.GroupName ?? '')}">${g.GroupName}</a>`,
          'Group',
        ]),
        ...((out.PolicyRoles ?? []) as Record<string, string>[]).map((r): [Html, string] => [
          html`<a href="${path(`${ADMIN}/roles`, r.RoleName ?? '')}">${r.RoleName}</a>`,
          'Role',
        ]),
      ];
      return table(
        'Users, groups and roles this policy is attached to or is the permissions boundary of',
        ['Name', 'Type'],
        rows,
      );
    });
  };

  const panels: Record<string, () => Promise<Html> | Html> = {
    [PERMISSIONS_TAB]: () => html`${document} ${newVersion}`,
    [ENTITIES_TAB]: attachedTo,
    [TAGS_TAB]: () => html`${tagsPart}`,
    [VERSIONS_TAB]: () => versionsSection,
    [ACCESS_ADVISOR_TAB]: () => accessAdvisorPanel(ctx, signed, arn, true),
  };
  const body = html`${summary}
  ${tabbed({ base: viewUrl(arn), tabs, current: tab, label: `Policy ${name}`, panel: await panels[tab]!() })}`;
  return adminPage(reply, signed, status, { title: `Policy ${name}`, section: BASE, body, messages });
}
