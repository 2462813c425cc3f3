// Users: the list and "Create user" (with an optional console password and "require password
// reset"), and a user's page: the summary (and deleting the user) above four tabs — Permissions
// (boundary, attached and inline policies), Groups, Tags, Security credentials (console access,
// access keys, MFA devices, SSH keys, certificates).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table, type Html } from '../html.ts';
import { formSecret, formText, redirect } from '../web.ts';
import { passwordRules } from '../password-policy.ts';
import { signInAccount } from '../../domain/console-signin.ts';
import { checkPasswordAgainstPolicy } from '../../domain/iam/login-profiles.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  check,
  checkbox,
  credentialActions,
  deleteConfirmation,
  firstProblem,
  noticeOf,
  page,
  path,
  plausibleName,
  postForm,
  problemBox,
  section,
  select,
  statusOf,
} from './common.ts';
import {
  PERMISSIONS_TAB,
  POLICY_NOTICES,
  USER,
  policySections,
  registerPolicyActions,
  removePolicies,
} from './holder-policies.ts';
import { fieldProblem } from './validation-words.ts';
import { recoveryCodesAdminSection } from '../recovery-codes.ts';
import { BOUNDARY_NOTICES, boundaryOf, boundarySection, registerBoundaryActions } from './boundary.ts';
import { TAGS_TAB, TAG_NOTICES, type Tag, registerTagActions, tagsSection } from './tags.ts';
import { type ListQuery, listSection, parseListQuery, readList } from './listing.ts';
import { type Tab, chosenTab, tabUrl, tabbed } from './tabs.ts';
import { MFA_RESET_NOTICES, mfaResetSection, registerMfaResetAction } from './user-mfa-reset.ts';
import { ACCESS_ADVISOR, ACCESS_ADVISOR_TAB, accessAdvisorPanel } from './access-advisor.ts';
import {
  CREDENTIALS_TAB,
  USER_KEY_NOTICES,
  registerUserKeyActions,
  removeUserKeys,
  userKeySections,
} from './user-ssh-and-certificates.ts';
import {
  SERVICE_CREDENTIAL_NOTICES,
  registerServiceCredentialActions,
  serviceCredentialSections,
} from './user-service-credentials.ts';
import { SIGN_IN_LOCK_NOTICES, registerSignInLockActions, signInLockSection } from './user-sign-in-lock.ts';

const BASE = `${ADMIN}/users`;
const ACCESS_KEY_ID = /^\w{16,128}$/;
/** The model's serialNumberType: 9 to 256 of [\w+=/:,.@-]. */
const MFA_SERIAL = /^[\w+=/:,.@-]{9,256}$/;
/** A time-based device (virtual or hardware TOTP) can be resynchronized; a security key cannot. */
const TOTP_SERIAL = /^arn:aws[\w-]*:iam::\d{12}:mfa\/|^(?!arn:)/;
const CODE = /^\d{6}$/;
const GROUPS_TAB = 'groups';

/** A user's page, tab by tab, as AWS's console has it. */
const TABS: readonly Tab[] = [
  { id: PERMISSIONS_TAB, label: 'Permissions' },
  { id: GROUPS_TAB, label: 'Groups' },
  { id: TAGS_TAB, label: 'Tags' },
  { id: CREDENTIALS_TAB, label: 'Security credentials' },
  ACCESS_ADVISOR,
];

const NOTICES: Readonly<Record<string, string>> = {
  ...POLICY_NOTICES,
  ...TAG_NOTICES,
  ...BOUNDARY_NOTICES,
  ...USER_KEY_NOTICES,
  ...SERVICE_CREDENTIAL_NOTICES,
  ...SIGN_IN_LOCK_NOTICES,
  ...MFA_RESET_NOTICES,
  created: 'The user was created.',
  deleted: 'The user was deleted.',
  'group-added': 'The user was added to the group.',
  'group-removed': 'The user was removed from the group.',
  'key-updated': 'The access key was updated.',
  'key-deleted': 'The access key was deleted.',
  'password-set': 'The console password was set.',
  'mfa-deactivated': 'The MFA device was deactivated: it no longer protects this user.',
  'mfa-resynced': 'The MFA device was resynchronized.',
  'password-removed': 'Console access was disabled: the password was removed.',
};

export function registerUsers(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, query, _params, reply) =>
    listPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }, parseListQuery(query)),
  );

  action(server, ctx, `${BASE}/create`, async (signed, form, _params, reply) => {
    const name = formText(form, 'user-name', 128);
    const userPath = formText(form, 'path', 600) || '/';
    const consoleAccess = form.get('console-access') === 'true';
    const password = formSecret(form, 'password', 256);
    const resetRequired = form.get('password-reset-required') === 'true';
    const tagKey = formText(form, 'tag-key', 256);
    const tagValue = formText(form, 'tag-value', 512);
    const draft = { 'user-name': name, path: userPath, 'tag-key': tagKey, 'tag-value': tagValue };
    const fail = (error: IamError | string) =>
      listPage(ctx, signed, reply, statusOf(error), { error, draft });
    const problem = firstProblem(
      check.userName(name),
      check.path(userPath),
      consoleAccess ? check.password(password) : undefined,
      tagKey ? check.tagKey(tagKey) : undefined,
      tagKey ? check.tagValue(tagValue) : undefined,
    );
    if (problem) return fail(problem);
    // A password the account's policy refuses creates nothing: checked before the user exists, as
    // AWS's console does, with the rules CreateLoginProfile applies (it has the last word).
    if (consoleAccess) {
      const refused = await passwordRefusal(ctx, signed, password);
      if (refused) return fail(refused);
    }
    const created = await callIam(signed.caller, ctx, 'CreateUser', {
      UserName: name,
      Path: userPath,
      ...(tagKey ? { Tags: [{ Key: tagKey, Value: tagValue }] } : {}),
    });
    if (!created.ok) return fail(created.error);
    if (consoleAccess) {
      const profile = await callIam(signed.caller, ctx, 'CreateLoginProfile', {
        UserName: name,
        Password: password,
        PasswordResetRequired: resetRequired,
      });
      if (!profile.ok) {
        return detailPage(ctx, signed, reply, name, statusOf(profile.error), {
          error: `The user was created, but its console password was not set. ${profile.error.code}: ${profile.error.message}`,
          tab: CREDENTIALS_TAB,
        });
      }
    }
    return redirect(reply, `${path(BASE, name)}?notice=created`);
  });

  page<{ name: string }>(server, ctx, `${BASE}/:name`, async (signed, query, { name }, reply) => {
    if (!plausibleName(name, 128)) return redirect(reply, BASE);
    return detailPage(ctx, signed, reply, name, 200, { notice: noticeOf(query, NOTICES), tab: query.tab });
  });

  const render = (signed: Signed, reply: FastifyReply, name: string, status: number, messages: Messages) =>
    detailPage(ctx, signed, reply, name, status, messages);
  registerPolicyActions(server, ctx, USER, render);
  registerTagActions(server, ctx, USER, render);
  registerBoundaryActions(server, ctx, USER, render);
  registerUserKeyActions(server, ctx, render);
  registerServiceCredentialActions(server, ctx, render);
  registerSignInLockActions(server, ctx, render);
  registerMfaResetAction(server, ctx, render);

  /**
   * A per-user action posted from `tab`: the name checked, the operation called, the page
   * redirected back to the tab or shown on it with the error.
   */
  const userAction = (
    suffix: string,
    tab: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
      name: string,
    ) => Promise<{ error?: IamError | string; notice?: string }>,
  ) =>
    action<{ name: string }>(
      server,
      ctx,
      `${BASE}/:name/${suffix}`,
      async (signed, form, { name }, reply) => {
        if (!plausibleName(name, 128)) return redirect(reply, BASE);
        const outcome = await run(signed, form, name);
        // A form above the tabs (Delete) names the tab it was posted from.
        const shown = formText(form, 'tab', 40) || tab;
        if (outcome.error)
          return render(signed, reply, name, statusOf(outcome.error), { error: outcome.error, tab: shown });
        if (outcome.notice === 'deleted') return redirect(reply, `${BASE}?notice=deleted`);
        return redirect(reply, tabUrl(path(BASE, name), tab, outcome.notice));
      },
    );

  const outcomeOf = async (p: ReturnType<typeof callIam>, notice: string) => {
    const result = await p;
    return result.ok ? { notice } : { error: result.error };
  };

  userAction('groups/add', GROUPS_TAB, async (signed, form, name) => {
    const group = formText(form, 'group-name', 256);
    const problem = check.groupName(group);
    if (problem) return { error: problem };
    return outcomeOf(
      callIam(signed.caller, ctx, 'AddUserToGroup', { UserName: name, GroupName: group }),
      'group-added',
    );
  });

  userAction('groups/remove', GROUPS_TAB, async (signed, form, name) => {
    const group = formText(form, 'group-name', 256);
    const problem = check.groupName(group);
    if (problem) return { error: problem };
    return outcomeOf(
      callIam(signed.caller, ctx, 'RemoveUserFromGroup', { UserName: name, GroupName: group }),
      'group-removed',
    );
  });

  userAction('access-keys/status', CREDENTIALS_TAB, async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    const status = formText(form, 'status', 16);
    if (!ACCESS_KEY_ID.test(id) || (status !== 'Active' && status !== 'Inactive'))
      return { error: 'That is not an access key of this user.' };
    return outcomeOf(
      callIam(signed.caller, ctx, 'UpdateAccessKey', { UserName: name, AccessKeyId: id, Status: status }),
      'key-updated',
    );
  });

  userAction('access-keys/delete', CREDENTIALS_TAB, async (signed, form, name) => {
    const id = formText(form, 'id', 128);
    if (!ACCESS_KEY_ID.test(id)) return { error: 'That is not an access key of this user.' };
    return outcomeOf(
      callIam(signed.caller, ctx, 'DeleteAccessKey', { UserName: name, AccessKeyId: id }),
      'key-deleted',
    );
  });

  // Another user's MFA devices, as AWS's console offers an administrator: deactivate one (the
  // device stays, unassigned, as DeactivateMFADevice leaves it) or resynchronize it with two
  // consecutive codes the user reads out (ResyncMFADevice).
  userAction('mfa/deactivate', CREDENTIALS_TAB, async (signed, form, name) => {
    const serial = formText(form, 'serial-number', 256);
    if (!MFA_SERIAL.test(serial)) return { error: 'That is not an MFA device of this user.' };
    return outcomeOf(
      callIam(signed.caller, ctx, 'DeactivateMFADevice', { UserName: name, SerialNumber: serial }),
      'mfa-deactivated',
    );
  });

  userAction('mfa/resync', CREDENTIALS_TAB, async (signed, form, name) => {
    const serial = formText(form, 'serial-number', 256);
    const code1 = formText(form, 'code-1', 16);
    const code2 = formText(form, 'code-2', 16);
    if (!MFA_SERIAL.test(serial)) return { error: 'That is not an MFA device of this user.' };
    if (!CODE.test(code1) || !CODE.test(code2))
      return { error: 'Enter two consecutive six-digit codes from the device.' };
    return outcomeOf(
      callIam(signed.caller, ctx, 'ResyncMFADevice', {
        UserName: name,
        SerialNumber: serial,
        AuthenticationCode1: code1,
        AuthenticationCode2: code2,
      }),
      'mfa-resynced',
    );
  });

  userAction('password', CREDENTIALS_TAB, async (signed, form, name) => {
    const password = formSecret(form, 'password', 256);
    const resetRequired = form.get('password-reset-required') === 'true';
    const problem = check.password(password);
    if (problem) return { error: problem };
    const existing = await callIam(signed.caller, ctx, 'GetLoginProfile', { UserName: name });
    const operation = existing.ok ? 'UpdateLoginProfile' : 'CreateLoginProfile';
    if (!existing.ok && existing.error.code !== 'NoSuchEntity') return { error: existing.error };
    return outcomeOf(
      callIam(signed.caller, ctx, operation, {
        UserName: name,
        Password: password,
        PasswordResetRequired: resetRequired,
      }),
      'password-set',
    );
  });

  userAction('password/delete', CREDENTIALS_TAB, async (signed, _form, name) =>
    outcomeOf(callIam(signed.caller, ctx, 'DeleteLoginProfile', { UserName: name }), 'password-removed'),
  );

  // Posted from the summary, above every tab; a refusal shows the first tab.
  userAction('delete', PERMISSIONS_TAB, async (signed, form, name) => {
    if (formText(form, 'confirm', 128) !== name)
      return { error: 'To confirm the deletion, type the user name in the confirmation field.' };
    const error = await deleteUserAndCredentials(ctx, signed, name);
    return error ? { error } : { notice: 'deleted' };
  });
}

/**
 * Deletes a user as the AWS console does: first what DeleteUser would refuse to delete around
 * (console password, access keys, MFA devices, group memberships, SSH public keys, signing
 * certificates, service-specific credentials, policies), each step its own
 * authorized operation, stopping at the first refusal.
 */
async function deleteUserAndCredentials(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
): Promise<IamError | undefined> {
  const call = (op: string, input: Record<string, unknown>) => callIam(signed.caller, ctx, op, input);
  const user = { UserName: name };
  const got = await call('GetUser', user);
  if (!got.ok) return got.error;
  const profile = await call('DeleteLoginProfile', user);
  if (!profile.ok && profile.error.code !== 'NoSuchEntity') return profile.error;
  const keys = await call('ListAccessKeys', { ...user, MaxItems: 1000 });
  if (!keys.ok) return keys.error;
  for (const k of (keys.output.AccessKeyMetadata ?? []) as Record<string, string>[]) {
    const r = await call('DeleteAccessKey', { ...user, AccessKeyId: k.AccessKeyId });
    if (!r.ok) return r.error;
  }
  const devices = await call('ListMFADevices', { ...user, MaxItems: 1000 });
  if (!devices.ok) return devices.error;
  for (const d of (devices.output.MFADevices ?? []) as Record<string, string>[]) {
    const r = await call('DeactivateMFADevice', { ...user, SerialNumber: d.SerialNumber });
    if (!r.ok) return r.error;
    if (d.SerialNumber?.startsWith('arn:')) {
      const removed = await call('DeleteVirtualMFADevice', { SerialNumber: d.SerialNumber });
      if (!removed.ok && removed.error.code !== 'NoSuchEntity') return removed.error;
    }
  }
  const groups = await call('ListGroupsForUser', { ...user, MaxItems: 1000 });
  if (!groups.ok) return groups.error;
  for (const g of (groups.output.Groups ?? []) as Record<string, string>[]) {
    const r = await call('RemoveUserFromGroup', { ...user, GroupName: g.GroupName });
    if (!r.ok) return r.error;
  }
  const credentials = await removeUserKeys(ctx, signed, name);
  if (credentials) return credentials;
  const policies = await removePolicies(ctx, signed, USER, name);
  if (policies) return policies;
  const deleted = await call('DeleteUser', user);
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
      fetch: (input) => callIam(signed.caller, ctx, 'ListUsers', input),
      member: 'Users',
      nameOf: 'UserName',
    },
    query,
  );
  const draft = messages.draft ?? {};
  const list = listSection({
    title: 'Users',
    id: 'users-heading',
    base: BASE,
    noun: 'users',
    query,
    listed,
    render: (rows) =>
      table(
        'IAM users in this account',
        ['User name', 'Path', 'ARN', 'Created', 'Console password last used'],
        rows.map((u) => [
          html`<a href="${path(BASE, String(u.UserName ?? ''))}">${String(u.UserName ?? '')}</a>`,
          String(u.Path ?? ''),
          html`<code>${String(u.Arn ?? '')}</code>`,
          String(u.CreateDate ?? ''),
          u.PasswordLastUsed ? String(u.PasswordLastUsed) : 'Never',
        ]),
      ),
  });
  const create = html`<section aria-labelledby="create-user-heading">
    <h2 id="create-user-heading">Create user</h2>
    ${postForm(
      `${BASE}/create`,
      signed.record.csrf,
      html`${field({
          id: 'user-name',
          label: 'User name',
          value: draft['user-name'] ?? '',
          hint: 'Up to 64 letters, digits and + = , . @ _ -',
          problem: fieldProblem(messages.error, 'user-name'),
        })}
        ${field({ id: 'path', label: 'Path', value: draft.path ?? '/', required: false, problem: fieldProblem(messages.error, 'path') })}
        <fieldset>
          <legend>Console access</legend>
          ${checkbox({ id: 'console-access', label: 'Provide user access to the console (a console password)' })}
          ${field({
            id: 'password',
            label: 'Console password',
            type: 'password',
            autocomplete: 'new-password',
            required: false,
            hint: "Must meet the account's password policy:",
            describedBy: 'password-rules',
          })}
          ${await passwordRulesList(ctx, signed)}
          ${checkbox({
            id: 'password-reset-required',
            label: 'Users must create a new password at next sign-in',
            checked: true,
          })}
        </fieldset>
        <fieldset>
          <legend>Tag (optional)</legend>
          ${field({ id: 'tag-key', label: 'Tag key', value: draft['tag-key'] ?? '', required: false, problem: fieldProblem(messages.error, 'tag-key') })}
          ${field({ id: 'tag-value', label: 'Tag value', value: draft['tag-value'] ?? '', required: false, problem: fieldProblem(messages.error, 'tag-value') })}
        </fieldset>
        <button type="submit">Create user</button>`,
    )}
  </section>`;
  return adminPage(reply, signed, status, {
    title: 'Users',
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
  const user = { UserName: name };
  const base = path(BASE, name);
  const tab = chosenTab(TABS, messages.tab);
  const details = await callIam(signed.caller, ctx, 'GetUser', user);
  const userRecord = details.ok ? (details.output.User as Record<string, unknown>) : undefined;

  const summary = section(
    'Summary',
    'summary-heading',
    details,
    (out) => {
      const u = out.User as Record<string, unknown>;
      return html`<dl>
        <dt>User name</dt>
        <dd>${String(u.UserName)}</dd>
        <dt>Path</dt>
        <dd>${String(u.Path)}</dd>
        <dt>ARN</dt>
        <dd><code>${String(u.Arn)}</code></dd>
        <dt>User ID</dt>
        <dd><code>${String(u.UserId)}</code></dd>
        <dt>Created</dt>
        <dd>${String(u.CreateDate)}</dd>
        <dt>Console password last used</dt>
        <dd>${u.PasswordLastUsed ? String(u.PasswordLastUsed) : 'Never'}</dd>
      </dl>`;
    },
    details.ok &&
      deleteConfirmation({
        actionPath: `${base}/delete`,
        csrf: signed.record.csrf,
        noun: 'user',
        name,
        consequence:
          'Deleting the user also removes its console password, access keys, MFA devices, group memberships and policies.',
        hidden: { tab },
      }),
  );

  const panels: Record<string, () => Promise<Html>> = {
    [PERMISSIONS_TAB]: async () =>
      html`${userRecord ? boundarySection({ kind: USER, name, current: boundaryOf(userRecord), csrf: signed.record.csrf, messages }) : ''}
      ${await policySections(ctx, signed, USER, name, messages)}`,
    [GROUPS_TAB]: () => groupsPanel(ctx, signed, name),
    [TAGS_TAB]: async () =>
      userRecord
        ? tagsSection({
            tags: (userRecord.Tags ?? []) as Tag[],
            actionBase: base,
            csrf: signed.record.csrf,
            noun: 'user',
            messages,
          })
        : html``,
    [CREDENTIALS_TAB]: () => credentialsPanel(ctx, signed, name, messages),
    [ACCESS_ADVISOR_TAB]: async () =>
      userRecord ? accessAdvisorPanel(ctx, signed, String(userRecord.Arn), false) : html``,
  };
  const body = html`${summary}
  ${tabbed({ base, tabs: TABS, current: tab, label: `User ${name}`, panel: await panels[tab]!() })}`;
  return adminPage(reply, signed, status, { title: `User ${name}`, section: BASE, body, messages });
}

/** The Groups tab: the groups the user is in (each removable) and "Add user to group". */
async function groupsPanel(ctx: ConsoleContext, signed: Signed, name: string): Promise<Html> {
  const csrf = signed.record.csrf;
  const base = path(BASE, name);
  const groups = await callIam(signed.caller, ctx, 'ListGroupsForUser', { UserName: name, MaxItems: 1000 });
  const allGroups = await callIam(signed.caller, ctx, 'ListGroups', { MaxItems: 1000 });
  // Groups the user is already in are not offered again. One page holds every group: an account
  // has at most 300 (AWS's GroupsPerAccount quota).
  const joined = new Set(
    groups.ok ? ((groups.output.Groups ?? []) as Record<string, string>[]).map((g) => g.GroupId) : [],
  );
  const groupOptions = allGroups.ok
    ? ((allGroups.output.Groups ?? []) as Record<string, string>[]).filter((g) => !joined.has(g.GroupId))
    : [];
  const addToGroup = postForm(
    `${base}/groups/add`,
    csrf,
    html`<h3>Add user to group</h3>
      ${
        groupOptions.length > 0
          ? select({
              id: 'add-group',
              name: 'group-name',
              label: 'Group',
              options: groupOptions.map((g) => ({ value: g.GroupName ?? '', label: g.GroupName ?? '' })),
            })
          : field({ id: 'add-group', name: 'group-name', label: 'Group name' })
      }
      <button type="submit">Add to group</button>`,
  );
  return section(
    'Groups',
    'groups-heading',
    groups,
    (out) =>
      table(
        'Groups this user belongs to',
        ['Group name', 'ARN', 'Actions'],
        ((out.Groups ?? []) as Record<string, string>[]).map((g) => [
          html`<a href="${path(`${ADMIN}/groups`, g.GroupName ?? '')}">${g.GroupName}</a>`,
          html`<code>${g.Arn}</code>`,
          dangerForm(
            `${base}/groups/remove`,
            csrf,
            `Remove from ${g.GroupName ?? ''}`,
            { 'group-name': g.GroupName ?? '' },
            "The user loses the group's permissions at once.",
          ),
        ]),
      ),
    addToGroup,
  );
}

/** The Security credentials tab: console access, access keys, MFA devices, SSH keys and certificates. */
async function credentialsPanel(
  ctx: ConsoleContext,
  signed: Signed,
  name: string,
  messages: Messages,
): Promise<Html> {
  const { caller } = signed;
  const csrf = signed.record.csrf;
  const user = { UserName: name };
  const base = path(BASE, name);
  const profile = await callIam(caller, ctx, 'GetLoginProfile', user);
  const keys = await callIam(caller, ctx, 'ListAccessKeys', { ...user, MaxItems: 1000 });
  const devices = await callIam(caller, ctx, 'ListMFADevices', { ...user, MaxItems: 1000 });
  const passwordForm = postForm(
    `${base}/password`,
    csrf,
    html`${field({ id: 'set-password', name: 'password', label: 'New console password', type: 'password', autocomplete: 'new-password' })}
      ${checkbox({ id: 'set-password-reset', name: 'password-reset-required', label: 'User must create a new password at next sign-in', checked: true })}
      <button type="submit">Set console password</button>`,
  );
  const consoleAccess = html`<section aria-labelledby="console-access-heading">
    <h2 id="console-access-heading">Console access</h2>
    ${
      profile.ok
        ? html`<p>
              Console access is enabled. Password created
              ${String((profile.output.LoginProfile as Record<string, unknown>).CreateDate)}${
                (profile.output.LoginProfile as Record<string, unknown>).PasswordResetRequired
                  ? '; the user must create a new password at next sign-in'
                  : ''
              }.
            </p>
            ${dangerForm(
              `${base}/password/delete`,
              csrf,
              'Disable console access',
              {},
              'The password is deleted: the user can no longer sign in to the console.',
            )}`
        : profile.error.code === 'NoSuchEntity'
          ? html`<p>Console access is disabled (the user has no console password).</p>`
          : problemBox(profile.error)
    }
    ${passwordForm}
  </section>`;

  const keyList = keys.ok ? ((keys.output.AccessKeyMetadata ?? []) as Record<string, string>[]) : [];
  const lastUses = await Promise.all(
    keyList.map((k) => callIam(caller, ctx, 'GetAccessKeyLastUsed', { AccessKeyId: k.AccessKeyId ?? '' })),
  );
  const keysSection = section('Access keys', 'keys-heading', keys, () =>
    table(
      'Access keys of this user',
      ['Access key ID', 'Status', 'Created', 'Last used', 'Actions'],
      keyList.map((k, i) => [
        html`<code>${k.AccessKeyId}</code>`,
        k.Status,
        k.CreateDate,
        lastUsedText(lastUses[i]!),
        credentialActions(
          `${base}/access-keys`,
          csrf,
          k.AccessKeyId ?? '',
          k.Status,
          `Requests signed with ${k.AccessKeyId ?? 'this key'} will fail. This cannot be undone.`,
        ),
      ]),
    ),
  );

  const mfaSection = section('Multi-factor authentication (MFA)', 'mfa-heading', devices, (out) => {
    const list = (out.MFADevices ?? []) as Record<string, string>[];
    return html`<p id="mfa-status">MFA: ${list.length > 0 ? 'enabled' : 'not enabled'}</p>
      ${table(
        'Assigned MFA devices',
        ['Identifier', 'Assigned', 'Actions'],
        list.map((d) => [
          html`<code>${d.SerialNumber}</code>`,
          d.EnableDate,
          html`${
            TOTP_SERIAL.test(d.SerialNumber ?? '')
              ? postForm(
                  `${base}/mfa/resync`,
                  csrf,
                  html`<input type="hidden" name="serial-number" value="${d.SerialNumber}" />
                    ${field({ id: `code-1-${d.SerialNumber}`, name: 'code-1', label: 'MFA code 1', autocomplete: 'off' })}
                    ${field({ id: `code-2-${d.SerialNumber}`, name: 'code-2', label: 'MFA code 2', autocomplete: 'off' })}
                    <button type="submit">Resync</button>`,
                  { label: `Resynchronize ${d.SerialNumber ?? ''}` },
                )
              : ''
          }
          ${dangerForm(
            `${base}/mfa/deactivate`,
            csrf,
            'Deactivate',
            { 'serial-number': d.SerialNumber ?? '' },
            `${name} will sign in without this device until one is assigned again.`,
          )}`,
        ]),
      )}`;
  });

  return html`${consoleAccess} ${await signInLockSection(ctx, signed, name)} ${keysSection} ${mfaSection}
  ${await recoveryCodesAdminSection(ctx, signed, name)} ${await mfaResetSection(ctx, signed, name)}
  ${await userKeySections(ctx, signed, name)}
  ${await serviceCredentialSections(ctx, signed, name, messages.revealed)}`;
}

/** GetAccessKeyLastUsed in words: when, which service, which Region, or that it never was. */
function lastUsedText(result: Awaited<ReturnType<typeof callIam>>): string {
  if (!result.ok) return 'Unknown';
  const used = result.output.AccessKeyLastUsed as Record<string, unknown> | undefined;
  if (!used?.LastUsedDate) return 'Never';
  return `${String(used.LastUsedDate)} (${String(used.ServiceName)}, ${String(used.Region)})`;
}

/** The account's password rules in words, beside the password field (the same list sign-in shows). */
async function passwordRulesList(ctx: ConsoleContext, signed: Signed): Promise<Html> {
  const account = await signInAccount(ctx.iam, signed.caller.account);
  const rules = account ? passwordRules(account) : [];
  return html`<div class="hint" id="password-rules">
    <ul>
      ${rules.map((rule) => html`<li>${rule.text}</li>`)}
    </ul>
  </div>`;
}

/** Why the account's password policy refuses `password` (each rule it breaks), or undefined. */
async function passwordRefusal(
  ctx: ConsoleContext,
  signed: Signed,
  password: string,
): Promise<string | undefined> {
  const account = await signInAccount(ctx.iam, signed.caller.account);
  if (!account) return undefined;
  try {
    checkPasswordAgainstPolicy(account, password);
    return undefined;
  } catch {
    // refused: said below, with the rules the password breaks
  }
  const broken = passwordRules(account).filter((rule) => !rule.holds(password));
  const rules = broken.length > 0 ? ` ${broken.map((rule) => `${rule.text}.`).join(' ')}` : '';
  return `The password does not meet the account's password policy; the user was not created.${rules}`;
}
