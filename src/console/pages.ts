// The signed-in dashboard (sign-in URL, security status). Each section is one domain operation; a
// denied one shows AWS's message in place. The old read-only users pages' addresses lead to the
// administration's Users page (one Users page).
import type { FastifyInstance } from 'fastify';
import {
  type ConsoleContext,
  callIam,
  currentSession,
  endedSessionIssuer,
  homeOf,
  sessionEndedPage,
} from './context.ts';
import { alertBox, deniedBox, html, layout, type Html } from './html.ts';
import { signInPage } from './signin.ts';
import { originOf, sendHtml, redirect } from './web.ts';
import { ADMIN } from './admin/common.ts';
import { enrolmentNotice, passesEnrolmentGate } from './mfa-enrolment-gate.ts';
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
    if (!(await passesEnrolmentGate(ctx.iam, request, reply, signed.record))) return reply;
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
      ${await enrolmentNotice(ctx.iam, signed.record)}
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

  // The read-only users pages that came before the administration's moved there: their addresses
  // stay valid (bookmarks, sign-in destinations, SAML RelayState) and lead to the one Users page.
  server.get('/console/users', (_request, reply) => redirect(reply, `${ADMIN}/users`, 301));
  server.get('/console/users/:name', (request, reply) => {
    const name = (request.params as { name: string }).name;
    return redirect(reply, `${ADMIN}/users/${encodeURIComponent(name)}`, 301);
  });
}
