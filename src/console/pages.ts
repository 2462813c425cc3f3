// The signed-in pages that read the account: the dashboard (sign-in URL, security status) and the
// read-only users list. Each section is one domain operation; a denied one shows AWS's message in
// place. The menu leads to the administration's users page (one Users page); the read-only one
// stays at its address for the links and sign-in destinations that name it.
import type { FastifyInstance } from 'fastify';
import {
  type ConsoleContext,
  callIam,
  currentSession,
  endedSessionIssuer,
  homeOf,
  requireSession,
  sessionEndedPage,
} from './context.ts';
import { alertBox, deniedBox, html, layout, table, type Html } from './html.ts';
import { signInPage } from './signin.ts';
import { originOf, sendHtml, redirect } from './web.ts';
import type { OperationResult } from './context.ts';
import type { Caller } from '../domain/caller.ts';

const NOTICES: Record<string, string> = {
  'password-changed': 'Your password has been changed.',
};

/** A section that shows either what the operation returned or why it was denied. */
export function section(
  title: string,
  id: string,
  result: OperationResult,
  render: (output: Record<string, unknown>) => Html | string,
): Html {
  return html`<section aria-labelledby="${id}">
    <h2 id="${id}">${title}</h2>
    ${result.ok ? render(result.output) : result.error.code === 'AccessDenied' ? deniedBox(result.error.message) : alertBox('error', result.error.message)}
  </section>`;
}

/** The users (of the first 100) with no MFA device: ListUsers, then ListMFADevices for each. */
async function usersWithoutMfa(ctx: ConsoleContext, caller: Caller): Promise<OperationResult> {
  const users = await callIam(caller, ctx, 'ListUsers', { MaxItems: 100 });
  if (!users.ok) return users;
  const names: string[] = [];
  let denied = 0;
  for (const user of (users.output.Users ?? []) as { UserName: string }[]) {
    const devices = await callIam(caller, ctx, 'ListMFADevices', { UserName: user.UserName });
    if (!devices.ok) denied++;
    else if (((devices.output.MFADevices ?? []) as unknown[]).length === 0) names.push(user.UserName);
  }
  return { ok: true, output: { names, denied, truncated: users.output.IsTruncated === true } };
}

const EDIT_POLICY = html`<p><a href="/console/admin/account-settings">Edit the password policy</a></p>`;

export function registerPages(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get('/console', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    const issuer = signed ? undefined : endedSessionIssuer(request);
    if (issuer) return sessionEndedPage(reply, issuer);
    if (!signed) return signInPage(ctx, request, reply, 200, 'iam');
    if (signed.record.stage !== 'active') return redirect(reply, homeOf(signed.record.stage));
    const { caller, user } = signed;
    const query = request.query as Record<string, string | undefined>;
    const notice = query.notice && Object.hasOwn(NOTICES, query.notice) ? NOTICES[query.notice] : undefined;
    const origin = originOf(request);
    const aliases = await callIam(caller, ctx, 'ListAccountAliases');
    const alias = aliases.ok ? (aliases.output.AccountAliases as string[] | undefined)?.[0] : undefined;
    const signInUrl = `${origin}/console?account=${encodeURIComponent(alias ?? caller.account)}`;
    const summary = await callIam(caller, ctx, 'GetAccountSummary');
    const policy = await callIam(caller, ctx, 'GetAccountPasswordPolicy');
    const withoutMfa = await usersWithoutMfa(ctx, caller);
    const body = html`${notice ? alertBox('success', notice) : ''}
      <section aria-labelledby="account-heading">
        <h2 id="account-heading">AWS account</h2>
        <dl>
          <dt>Account ID</dt>
          <dd>${caller.account}</dd>
          ${
            alias
              ? html`<dt>Account alias</dt>
                  <dd>${alias}</dd>`
              : ''
          }
          <dt>Sign-in URL for IAM users in this account</dt>
          <dd><a href="${signInUrl}" id="sign-in-url">${signInUrl}</a></dd>
          <dt>Signed in as</dt>
          <dd>${caller.arn}</dd>
          <dt>Signed in with MFA</dt>
          <dd>${caller.session?.mfaAuthenticatedAt ? 'Yes' : 'No'}</dd>
        </dl>
      </section>
      ${section('Security recommendations', 'security-heading', summary, (out) => {
        const map = (out.SummaryMap ?? {}) as Record<string, number>;
        const item = (ok: boolean, good: string, bad: string) =>
          html`<li class="${ok ? 'ok' : 'warn'}">
            <span class="visually-hidden">${ok ? 'Done: ' : 'Attention: '}</span>${ok ? good : bad}
          </li>`;
        return html`<ul class="status">
            ${item(map.AccountMFAEnabled === 1, 'Root user has MFA', 'Add MFA for the root user')}
            ${item(map.AccountAccessKeysPresent !== 1, 'Root user has no active access keys', 'Deactivate or delete the root user’s access keys')}
          </ul>
          <dl>
            <dt>Users</dt>
            <dd>${map.Users ?? 0}</dd>
            <dt>MFA devices in use</dt>
            <dd>${map.MFADevicesInUse ?? 0}</dd>
            <dt>Groups</dt>
            <dd>${map.Groups ?? 0}</dd>
            <dt>Roles</dt>
            <dd>${map.Roles ?? 0}</dd>
            <dt>Customer managed policies</dt>
            <dd>${map.Policies ?? 0}</dd>
          </dl>`;
      })}
      ${section('Users without MFA', 'no-mfa-heading', withoutMfa, (out) => {
        const names = out.names as string[];
        const denied = out.denied as number;
        return html`${
          names.length === 0
            ? html`<p>Every user whose MFA devices you may list has MFA.</p>`
            : html`<ul>
                ${names.map((n) => html`<li><a href="/console/admin/users/${encodeURIComponent(n)}">${n}</a></li>`)}
              </ul>`
        }
        ${denied > 0 ? html`<p>You may not list the MFA devices of ${denied} user(s).</p>` : ''}
        ${out.truncated ? html`<p>Only the first 100 users were checked.</p>` : ''}`;
      })}
      ${
        policy.ok || policy.error.code !== 'NoSuchEntity'
          ? section('Password policy', 'policy-heading', policy, (out) => {
              const p = out.PasswordPolicy as Record<string, unknown>;
              return html`<dl>
                  ${Object.entries(p).map(
                    ([k, v]) =>
                      html`<dt>${k}</dt>
                        <dd>${String(v)}</dd>`,
                  )}
                </dl>
                ${EDIT_POLICY}`;
            })
          : html`<section aria-labelledby="policy-heading">
              <h2 id="policy-heading">Password policy</h2>
              <p>This account uses the default password policy.</p>
              ${EDIT_POLICY}
            </section>`
      }`;
    return sendHtml(reply, 200, layout({ title: 'IAM dashboard', body, user, current: '/console' }));
  });

  server.get('/console/root-signin', async (request, reply) => {
    const signed = await currentSession(ctx, request, reply);
    if (signed) return redirect(reply, homeOf(signed.record.stage));
    return signInPage(ctx, request, reply, 200, 'root');
  });

  server.get('/console/users', async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const { caller, user } = signed;
    const query = request.query as Record<string, string | undefined>;
    const marker = typeof query.marker === 'string' && query.marker.length < 2048 ? query.marker : undefined;
    const users = await callIam(caller, ctx, 'ListUsers', {
      MaxItems: 100,
      ...(marker ? { Marker: marker } : {}),
    });
    const body = section('Users', 'users-heading', users, (out) => {
      const list = (out.Users ?? []) as Record<string, string | undefined>[];
      const next = out.IsTruncated ? (out.Marker as string) : undefined;
      return html`${table(
        'IAM users in this account',
        ['User name', 'ARN', 'Created', 'Password last used'],
        list.map((u) => [
          html`<a href="/console/users/${encodeURIComponent(u.UserName ?? '')}">${u.UserName}</a>`,
          html`<code>${u.Arn}</code>`,
          u.CreateDate,
          u.PasswordLastUsed ?? 'Never',
        ]),
      )}
      ${next ? html`<p><a href="/console/users?marker=${encodeURIComponent(next)}">Next page</a></p>` : ''}`;
    });
    return sendHtml(reply, 200, layout({ title: 'Users', body, user, current: '/console/users' }));
  });

  server.get('/console/users/:name', async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const { caller, user } = signed;
    const name = (request.params as { name: string }).name;
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) return redirect(reply, '/console/users');
    const details = await callIam(caller, ctx, 'GetUser', { UserName: name });
    const groups = await callIam(caller, ctx, 'ListGroupsForUser', { UserName: name });
    const devices = await callIam(caller, ctx, 'ListMFADevices', { UserName: name });
    const keys = await callIam(caller, ctx, 'ListAccessKeys', { UserName: name });
    const body = html`${section('Summary', 'summary-heading', details, (out) => {
      const u = out.User as Record<string, unknown>;
      const tags = (u.Tags ?? []) as { Key: string; Value: string }[];
      return html`<dl>
          <dt>User name</dt>
          <dd>${String(u.UserName)}</dd>
          <dt>ARN</dt>
          <dd><code>${String(u.Arn)}</code></dd>
          <dt>User ID</dt>
          <dd><code>${String(u.UserId)}</code></dd>
          <dt>Created</dt>
          <dd>${String(u.CreateDate)}</dd>
          <dt>Console password last used</dt>
          <dd>${u.PasswordLastUsed ? String(u.PasswordLastUsed) : 'Never'}</dd>
        </dl>
        ${table(
          'Tags',
          ['Key', 'Value'],
          tags.map((t) => [t.Key, t.Value]),
        )}`;
    })}
    ${section('Groups', 'groups-heading', groups, (out) =>
      table(
        'Groups this user belongs to',
        ['Group name', 'ARN'],
        ((out.Groups ?? []) as Record<string, string>[]).map((g) => [
          g.GroupName,
          html`<code>${g.Arn}</code>`,
        ]),
      ),
    )}
    ${section('Multi-factor authentication (MFA)', 'mfa-heading', devices, (out) =>
      table(
        'Assigned MFA devices',
        ['Identifier', 'Assigned'],
        ((out.MFADevices ?? []) as Record<string, string>[]).map((d) => [
          html`<code>${d.SerialNumber}</code>`,
          d.EnableDate,
        ]),
      ),
    )}
    ${section('Access keys', 'keys-heading', keys, (out) =>
      table(
        'Access keys of this user',
        ['Access key ID', 'Status', 'Created'],
        ((out.AccessKeyMetadata ?? []) as Record<string, string>[]).map((k) => [
          html`<code>${k.AccessKeyId}</code>`,
          k.Status,
          k.CreateDate,
        ]),
      ),
    )}`;
    return sendHtml(reply, 200, layout({ title: `User ${name}`, body, user, current: '/console/users' }));
  });
}
