// IdP-initiated SAML sign-in, at /console/saml as AWS's is at https://signin.aws.amazon.com/saml:
// the IdP's page posts SAMLResponse (and RelayState) here from the person's browser.
//
//   one role in the assertion      → signed in as a session of it, 303 to RelayState or /console
//   several roles                  → "Select a role": the chooser posts the response back with one
//   refused (signature, trust, replay, expiry) → 400, "Your request included an invalid SAML
//                                    response", with AWS's reason
//
// The post comes from the IdP's site by design, so it carries no CSRF token (as on AWS); the
// response itself is the proof, and signs in once (domain/console-saml.ts). RelayState, like a
// broker's Destination, must be a page of this console.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signInWithSaml, type RolePair } from '../domain/console-saml.ts';
import { deleteSession, loadSession } from '../domain/console-sessions.ts';
import { requestContextOf, type ConsoleContext } from './context.ts';
import { consoleDestination } from './federation.ts';
import { alertBox, html, layout } from './html.ts';
import { originOf, readCookies, readForm, sendHtml, sessionCookieName, setCookie } from './web.ts';

const SAML_RESPONSE_MAX = 100_000;
const ROLE_ARN_MAX = 2048;

export function registerSaml(server: FastifyInstance, ctx: ConsoleContext): void {
  server.post('/console/saml', async (request, reply) => {
    const form = readForm(request);
    const samlResponse = form.get('SAMLResponse') ?? '';
    const relayState = form.get('RelayState') ?? '';
    const chosen = form.get('roleIndex') ?? undefined;
    if (samlResponse.length === 0 || samlResponse.length > SAML_RESPONSE_MAX)
      return refused(reply, 'The SAML response is missing.');
    if (chosen !== undefined && (chosen.length === 0 || chosen.length > ROLE_ARN_MAX))
      return refused(reply, 'Not authorized to perform sts:AssumeRoleWithSAML');
    const destination = relayState === '' ? '/console' : consoleDestination(request, relayState);
    if (!destination) return refused(reply, 'The RelayState is not a page of this console.');
    const origin = originOf(request);
    const result = await signInWithSaml(ctx.iam, samlResponse, requestContextOf(ctx, request), {
      recipient: `${origin}/console/saml`,
      roleArn: chosen,
    });
    if (result.kind === 'refused') return refused(reply, result.message);
    if (result.kind === 'choose') return chooser(reply, result.roles, samlResponse, relayState);
    await endPreviousSession(ctx, request);
    const session = result.session;
    const maxAge = Math.max(
      0,
      Math.floor((Date.parse(session.record.expiresAt) - ctx.iam.now().getTime()) / 1000),
    );
    setCookie(request, reply, sessionCookieName(request), session.token, {
      sameSite: 'Lax',
      maxAgeSeconds: maxAge,
    });
    return reply.code(303).header('location', destination).send();
  });
}

async function endPreviousSession(ctx: ConsoleContext, request: FastifyRequest): Promise<void> {
  const previous = await loadSession(ctx.iam, readCookies(request).get(sessionCookieName(request)));
  if (previous) await deleteSession(ctx.iam, previous);
}

/** AWS's role chooser: the roles the assertion offers, grouped by account, one to pick. */
function chooser(
  reply: FastifyReply,
  roles: readonly RolePair[],
  samlResponse: string,
  relayState: string,
): FastifyReply {
  const accounts = new Map<string, RolePair[]>();
  for (const pair of roles) {
    const account = /^arn:aws:iam::(\d{12}):/.exec(pair.roleArn)?.[1] ?? '';
    accounts.set(account, [...(accounts.get(account) ?? []), pair]);
  }
  let index = 0;
  const body = html`<form method="post" action="/console/saml" class="card">
    <input type="hidden" name="SAMLResponse" value="${samlResponse}" />
    <input type="hidden" name="RelayState" value="${relayState}" />
    ${[...accounts].map(
      ([account, pairs]) =>
        html`<fieldset>
          <legend>Account: ${account}</legend>
          ${pairs.map((pair) => {
            const id = `role-${index++}`;
            return html`<div class="field">
              <input type="radio" name="roleIndex" id="${id}" value="${pair.roleArn}" required />
              <label for="${id}">${pair.roleArn.slice(pair.roleArn.lastIndexOf('/') + 1)}</label>
              <p class="hint"><code>${pair.roleArn}</code></p>
            </div>`;
          })}
        </fieldset>`,
    )}
    <button type="submit">Sign in</button>
  </form>`;
  return sendHtml(reply, 200, layout({ title: 'Select a role', body }));
}

function refused(reply: FastifyReply, reason: string): FastifyReply {
  return sendHtml(
    reply,
    400,
    layout({
      title: 'Sign-in failed',
      body: html`${alertBox('error', 'Your request included an invalid SAML response.')}
        <p class="aws-message">${reason}</p>`,
    }),
  );
}
