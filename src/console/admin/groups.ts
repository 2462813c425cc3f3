// User groups: the list and "Create group", and a group's page: the summary (and deleting the group,
// members and policies removed first, as the AWS console does) above its tabs — Users (add, remove),
// Permissions (attached and inline policies) and Access Advisor.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table, type Html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  check,
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
} from './common.ts';
import { type Tab, chosenTab, tabUrl, tabbed } from './tabs.ts';
import { ACCESS_ADVISOR, ACCESS_ADVISOR_TAB, accessAdvisorPanel } from './access-advisor.ts';
import {
  GROUP,
  PERMISSIONS_TAB,
  POLICY_NOTICES,
  policySections,
  registerPolicyActions,
  removePolicies,
} from './holder-policies.ts';
import { fieldProblem } from './validation-words.ts';
import { GRACE_NOTICES, graceSection, registerGraceActions } from './group-mfa-grace.ts';
import { type ListQuery, listSection, parseListQuery, readList } from './listing.ts';

const BASE = `${ADMIN}/groups`;
const USERS_TAB = 'users';

/** A group's page, tab by tab, as AWS's console has it. */
const TABS: readonly Tab[] = [
  { id: USERS_TAB, label: 'Users' },
  { id: PERMISSIONS_TAB, label: 'Permissions' },
  ACCESS_ADVISOR,
];

const NOTICES: Readonly<Record<string, string>> = {
  ...POLICY_NOTICES,
  created: 'The group was created.',
  deleted: 'The group was deleted.',
  'member-added': 'The user was added to the group.',
  'member-removed': 'The user was removed from the group.',
  ...GRACE_NOTICES,
};

export function registerGroups(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, query, _params, reply) =>
    listPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }, parseListQuery(query)),
  );

  action(server, ctx, `${BASE}/create`, async (signed, form, _params, reply) => {
    const name = formText(form, 'group-name', 256);
    const groupPath = formText(form, 'path', 600) || '/';
    const draft = { 'group-name': name, path: groupPath };
    const problem = firstProblem(check.groupName(name), check.path(groupPath));
    if (problem) return listPage(ctx, signed, reply, statusOf(problem), { error: problem, draft });
    const created = await callIam(signed.caller, ctx, 'CreateGroup', { GroupName: name, Path: groupPath });
    if (!created.ok)
      return listPage(ctx, signed, reply, statusOf(created.error), { error: created.error, draft });
    return redirect(reply, `${path(BASE, name)}?notice=created`);
  });

  page<{ name: string }>(server, ctx, `${BASE}/:name`, async (signed, query, { name }, reply) => {
    if (!plausibleName(name, 128)) return redirect(reply, BASE);
    return detailPage(ctx, signed, reply, name, 200, { notice: noticeOf(query, NOTICES), tab: query.tab });
  });

  const render = (signed: Signed, reply: FastifyReply, name: string, status: number, messages: Messages) =>
    detailPage(ctx, signed, reply, name, status, messages);
  registerPolicyActions(server, ctx, GROUP, render);
  registerGraceActions(server, ctx, BASE, USERS_TAB, render);

  const membership = (suffix: string, operation: string, notice: string) =>
    action<{ name: string }>(
      server,
      ctx,
      `${BASE}/:name/${suffix}`,
      async (signed, form, { name }, reply) => {
        if (!plausibleName(name, 128)) return redirect(reply, BASE);
        const user = formText(form, 'user-name', 256);
        const problem = check.userName(user);
        if (problem)
          return render(signed, reply, name, statusOf(problem), { error: problem, tab: USERS_TAB });
        const result = await callIam(signed.caller, ctx, operation, { GroupName: name, UserName: user });
        if (!result.ok)
          return render(signed, reply, name, statusOf(result.error), { error: result.error, tab: USERS_TAB });
        return redirect(reply, tabUrl(path(BASE, name), USERS_TAB, notice));
      },
    );
  membership('members/add', 'AddUserToGroup', 'member-added');
  membership('members/remove', 'RemoveUserFromGroup', 'member-removed');

  action<{ name: string }>(server, ctx, `${BASE}/:name/delete`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, 128)) return redirect(reply, BASE);
    // The Delete form sits above the tabs: a refusal is shown on the tab it was posted from.
    const tab = formText(form, 'tab', 40);
    if (formText(form, 'confirm', 256) !== name) {
      return render(signed, reply, name, 400, {
        error: 'To confirm the deletion, type the group name in the confirmation field.',
        tab,
      });
    }
    const error = await deleteGroup(ctx, signed, name);
    if (error) return render(signed, reply, name, statusOf(error), { error, tab });
    return redirect(reply, `${BASE}?notice=deleted`);
  });
}

async function deleteGroup(ctx: ConsoleContext, signed: Signed, name: string): Promise<IamError | undefined> {
  const group = await callIam(signed.caller, ctx, 'GetGroup', { GroupName: name, MaxItems: 1000 });
  if (!group.ok) return group.error;
  for (const u of (group.output.Users ?? []) as Record<string, string>[]) {
    const r = await callIam(signed.caller, ctx, 'RemoveUserFromGroup', {
      GroupName: name,
      UserName: u.UserName,
    });
    if (!r.ok) return r.error;
  }
  const policies = await removePolicies(ctx, signed, GROUP, name);
  if (policies) return policies;
  const deleted = await callIam(signed.caller, ctx, 'DeleteGroup', { GroupName: name });
  return deleted.ok ? undefined : deleted.error;
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
      fetch: (input) => callIam(signed.caller, ctx, 'ListGroups', input),
      member: 'Groups',
      nameOf: 'GroupName',
    },
    query,
  );
  const draft = messages.draft ?? {};
  const list = listSection({
    title: 'User groups',
    id: 'groups-heading',
    base: BASE,
    noun: 'groups',
    query,
    listed,
    render: (rows) =>
      table(
        'User groups in this account',
        ['Group name', 'Path', 'ARN', 'Created'],
        rows.map((g) => [
          html`<a href="${path(BASE, String(g.GroupName ?? ''))}">${String(g.GroupName ?? '')}</a>`,
          String(g.Path ?? ''),
          html`<code>${String(g.Arn ?? '')}</code>`,
          String(g.CreateDate ?? ''),
        ]),
      ),
  });
  const create = html`<section aria-labelledby="create-group-heading">
    <h2 id="create-group-heading">Create group</h2>
    ${postForm(
      `${BASE}/create`,
      signed.record.csrf,
      html`${field({ id: 'group-name', label: 'Group name', value: draft['group-name'] ?? '', hint: 'Up to 128 letters, digits and + = , . @ _ -', problem: fieldProblem(messages.error, 'group-name') })}
        ${field({ id: 'path', label: 'Path', value: draft.path ?? '/', required: false, problem: fieldProblem(messages.error, 'path') })}
        <button type="submit">Create group</button>`,
    )}
  </section>`;
  return adminPage(reply, signed, status, {
    title: 'User groups',
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
  const { caller } = signed;
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const tab = chosenTab(TABS, messages.tab);
  const group = await callIam(caller, ctx, 'GetGroup', { GroupName: name, MaxItems: 1000 });

  const summary = section(
    'Summary',
    'summary-heading',
    group,
    (out) => {
      const g = out.Group as Record<string, string>;
      return html`<dl>
        <dt>Group name</dt>
        <dd>${g.GroupName}</dd>
        <dt>Path</dt>
        <dd>${g.Path}</dd>
        <dt>ARN</dt>
        <dd><code>${g.Arn}</code></dd>
        <dt>Created</dt>
        <dd>${g.CreateDate}</dd>
      </dl>`;
    },
    group.ok &&
      deleteConfirmation({
        actionPath: `${base}/delete`,
        csrf,
        noun: 'group',
        name,
        consequence: 'Deleting the group also removes its members from it and its policies.',
        hidden: { tab },
      }),
  );
  const panels: Record<string, () => Promise<Html>> = {
    [USERS_TAB]: async () =>
      html`${await membersPanel(ctx, signed, name, group)} ${await graceSection(ctx, signed, BASE, name)}`,
    [PERMISSIONS_TAB]: () => policySections(ctx, signed, GROUP, name, messages),
    [ACCESS_ADVISOR_TAB]: async () =>
      group.ok
        ? accessAdvisorPanel(ctx, signed, String((group.output.Group as Record<string, unknown>).Arn), true)
        : html``,
  };
  const panel = await panels[tab]!();
  const body = html`${summary} ${tabbed({ base, tabs: TABS, current: tab, label: `Group ${name}`, panel })}`;
  return adminPage(reply, signed, status, { title: `Group ${name}`, section: BASE, body, messages });
}

/** The Users tab: the group's members (each removable) and "Add a user to this group". */
async function membersPanel(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
  group: OperationResult,
): Promise<Html> {
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const users = await callIam(signed.caller, ctx, 'ListUsers', { MaxItems: 1000 });
  // Users already in the group are not offered again (by id: a name may have been re-created).
  const memberIds = new Set(
    group.ok ? ((group.output.Users ?? []) as Record<string, string>[]).map((u) => u.UserId) : [],
  );
  const listed = users.ok ? ((users.output.Users ?? []) as Record<string, string>[]) : [];
  const userOptions = listed.filter((u) => !memberIds.has(u.UserId));
  // Past a page of 1,000 users the list would be cut short: the name is typed instead.
  const manyUsers = users.ok && users.output.IsTruncated === true;
  const everyone = users.ok && !manyUsers && listed.length > 0 && userOptions.length === 0;
  const addMember = everyone
    ? html`<h3>Add a user to this group</h3>
        <p>Every user of the account is in this group.</p>`
    : postForm(
        `${base}/members/add`,
        csrf,
        html`<h3>Add a user to this group</h3>
          ${
            userOptions.length > 0 && !manyUsers
              ? select({
                  id: 'add-member',
                  name: 'user-name',
                  label: 'User',
                  options: userOptions.map((u) => ({ value: u.UserName ?? '', label: u.UserName ?? '' })),
                })
              : field({
                  id: 'add-member',
                  name: 'user-name',
                  label: 'User name',
                  ...(manyUsers
                    ? { hint: 'The account has more than 1,000 users: type the user’s name.' }
                    : {}),
                })
          }
          <button type="submit">Add user</button>`,
      );
  return section(
    'Users in this group',
    'members-heading',
    group,
    (out) =>
      table(
        'Members',
        ['User name', 'ARN', 'Actions'],
        ((out.Users ?? []) as Record<string, string>[]).map((u) => [
          html`<a href="${path(`${ADMIN}/users`, u.UserName ?? '')}">${u.UserName}</a>`,
          html`<code>${u.Arn}</code>`,
          dangerForm(
            `${base}/members/remove`,
            csrf,
            `Remove ${u.UserName ?? ''}`,
            { 'user-name': u.UserName ?? '' },
            "The user loses the group's permissions at once.",
          ),
        ]),
      ),
    addMember,
  );
}
