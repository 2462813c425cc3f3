// The web console: server-rendered pages under /console over the same domain operations and the
// same engine decisions as the API. A console session is a Caller carrying a SessionRecord of type
// 'console', so MFA-enforcement policies decide pages exactly as they decide API calls.
//
//   /console                         sign-in (IAM user) or, signed in, the dashboard
//   /console/root-signin             sign-in of the root user (e-mail and password)
//   /console/mfa                     the MFA step of a sign-in
//   /console/change-password         the password change a reset or an expired password forces
//   /console/users                   moved: leads to /console/admin/users (the administration)
//   /console/security-credentials    the caller's password, MFA devices and access keys
//   /console/switch-role             Switch role into a role of this or another account (switch-role.ts)
//   /console/organization            AWS Organizations for the management account (organization/)
//   /console/event-history           the audit trail, filtered (CloudTrail's LookupEvents; event-history.ts)
//   /console/signout                 (POST) ends the session
//   /federation                      the federation endpoint of custom identity brokers (federation.ts)
//   /console/saml                    (POST) IdP-initiated SAML sign-in, with its role chooser (saml.ts)
//
// Every response carries a strict Content-Security-Policy and no-store caching (web.ts); sessions,
// their lifetimes and CSRF tokens are described in sessions.ts, the throttles in rate-limit.ts.
import type { FastifyInstance } from 'fastify';
import type { Iam } from '../domain/iam.ts';
import type { ConsoleContext, ConsoleObserver } from './context.ts';
import type { ConsoleAudit } from './audit.ts';
import { alertBox, html, layout } from './html.ts';
import { registerPages } from './pages.ts';
import { registerCredentials } from './credentials.ts';
import { registerMfaEnrolment } from './mfa-enrolment.ts';
import { registerAdmin } from './admin/index.ts';
import { registerEventHistory } from './event-history.ts';
import { registerSignIn } from './signin.ts';
import { registerSecurityKeys } from './security-keys.ts';
import { registerRecoveryCodes } from './recovery-codes.ts';
import { registerFederation } from './federation.ts';
import { registerSaml } from './saml.ts';
import { registerSwitchRole } from './switch-role.ts';
import { registerOrganization } from './organization/index.ts';
import { createThrottles } from './rate-limit.ts';
import { CONSOLE_CSS } from './static.ts';
import { POLICY_EDITOR_JS, POLICY_EDITOR_SCRIPT } from './admin/policy-editor.ts';
import { SECURITY_HEADERS, sendHtml } from './web.ts';

export interface ConsoleOptions {
  readonly iam: Iam;
  readonly accountId: () => string;
  readonly audit?: ConsoleAudit;
  readonly observer?: ConsoleObserver;
}

export function registerConsole(server: FastifyInstance, options: ConsoleOptions): void {
  const ctx: ConsoleContext = {
    iam: options.iam,
    accountId: options.accountId,
    throttles: createThrottles(options.iam),
    ...(options.audit ? { audit: options.audit } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  };
  void server.register(async (instance) => {
    instance.addHook('onSend', async (_request, reply, payload) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      return payload;
    });
    instance.setErrorHandler((error, _request, reply) => {
      console.error('console failure:', error);
      return sendHtml(
        reply,
        500,
        layout({
          title: 'Something went wrong',
          body: alertBox('error', 'We encountered an internal error. Please try again.'),
        }),
      );
    });
    instance.get('/console/static/console.css', async (_request, reply) =>
      reply.type('text/css; charset=utf-8').send(CONSOLE_CSS),
    );
    instance.get(POLICY_EDITOR_SCRIPT, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(POLICY_EDITOR_JS),
    );
    registerSignIn(instance, ctx);
    registerPages(instance, ctx);
    registerCredentials(instance, ctx);
    registerMfaEnrolment(instance, ctx);
    registerSecurityKeys(instance, ctx);
    registerRecoveryCodes(instance, ctx);
    registerAdmin(instance, ctx);
    registerEventHistory(instance, ctx);
    registerFederation(instance, ctx);
    registerSaml(instance, ctx);
    registerSwitchRole(instance, ctx);
    registerOrganization(instance, ctx);
    const notFound = async (_request: unknown, reply: import('fastify').FastifyReply) =>
      sendHtml(
        reply,
        404,
        layout({
          title: 'Page not found',
          body: html`<p>There is no such page in the console. <a href="/console">Go to the console</a>.</p>`,
        }),
      );
    instance.get('/console/*', notFound);
    instance.post('/console/*', notFound);
  });
}
