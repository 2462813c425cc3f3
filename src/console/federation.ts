// The federation endpoint, at /federation as AWS's is at https://signin.aws.amazon.com/federation
// ("Enable custom identity broker access to the AWS console"), over GET and over POST (a form):
//
//   Action=getSigninToken&Session=<JSON {sessionId, sessionKey, sessionToken}>[&SessionDuration=s]
//       → 200 application/json {"SigninToken":"…"}; refused credentials or a SessionDuration AWS
//         does not accept → 400, the page AWS's endpoint answers ("Invalid credentials parameter")
//   Action=login&SigninToken=…&Destination=<a console URL>[&Issuer=<the broker's sign-in page>]
//       → 302 to Destination, signed in as the role session or federated user
//
// Destination must be a page of this console (a path under /console, or this server's own URL
// of one): the endpoint redirects nowhere else, so a login URL cannot be made an open redirect.
// Issuer is kept with the session: signing out, or the session ending, offers the way back to it.
// The rules themselves (which credentials, durations, single use) are in
// domain/console-federation.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  issueSigninToken,
  parseSessionDuration,
  parseSessionParameter,
  redeemSigninToken,
} from '../domain/console-federation.ts';
import { deleteSession, loadSession } from '../domain/console-sessions.ts';
import type { ConsoleContext } from './context.ts';
import { alertBox, html, layout } from './html.ts';
import { originOf, readCookies, readForm, sendHtml, sessionCookieName, setCookie } from './web.ts';

const URL_MAX = 2048;

export function registerFederation(server: FastifyInstance, ctx: ConsoleContext): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = parametersOf(request);
    const action = params.get('Action');
    if (action === 'getSigninToken') return getSigninToken(ctx, params, reply);
    if (action === 'login') return login(ctx, params, request, reply);
    return badRequest(reply, 'Invalid action parameter');
  };
  // No HEAD route: a link checker's HEAD request must not spend a sign-in token.
  server.route({ method: ['GET', 'POST'], url: '/federation', exposeHeadRoute: false, handler: handle });
}

/** The query's parameters, and for a POST the form's (which win). */
function parametersOf(request: FastifyRequest): URLSearchParams {
  const query = new URLSearchParams(
    request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '',
  );
  if (request.method !== 'POST') return query;
  for (const [name, value] of readForm(request)) query.set(name, value);
  return query;
}

async function getSigninToken(
  ctx: ConsoleContext,
  params: URLSearchParams,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const credentials = parseSessionParameter(params.get('Session') ?? undefined);
  const duration = parseSessionDuration(params.get('SessionDuration') ?? undefined);
  if (!credentials || duration === 'invalid') return badRequest(reply, 'Invalid credentials parameter');
  const result = await issueSigninToken(ctx.iam, credentials, duration);
  if (!result.ok) return badRequest(reply, 'Invalid credentials parameter');
  return reply
    .code(200)
    .type('application/json')
    .send(JSON.stringify({ SigninToken: result.signinToken }));
}

async function login(
  ctx: ConsoleContext,
  params: URLSearchParams,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const destination = consoleDestination(request, params.get('Destination') ?? undefined);
  if (!destination) return badRequest(reply, 'Invalid destination parameter');
  const issuerText = params.get('Issuer') ?? undefined;
  const issuer = issuerText === undefined || issuerText === '' ? undefined : webUrl(issuerText);
  if (issuerText && !issuer) return badRequest(reply, 'Invalid issuer parameter');
  const session = await redeemSigninToken(ctx.iam, params.get('SigninToken') ?? undefined, issuer);
  if (!session) {
    return sendHtml(
      reply,
      400,
      layout({
        title: 'Sign-in link not valid',
        body: html`${alertBox(
          'error',
          'This sign-in link is not valid: it has expired, has already been used, or its credentials no longer are.',
        )}
        ${issuer ? html`<p><a href="${issuer}" id="issuer-link">Return to your sign-in page</a></p>` : ''}`,
      }),
    );
  }
  // A console session already in this browser ends: the link signs in someone else.
  const previous = await loadSession(ctx.iam, readCookies(request).get(sessionCookieName(request)));
  if (previous) await deleteSession(ctx.iam, previous);
  const maxAge = Math.max(
    0,
    Math.floor((Date.parse(session.record.expiresAt) - ctx.iam.now().getTime()) / 1000),
  );
  setCookie(request, reply, sessionCookieName(request), session.token, {
    sameSite: 'Lax',
    maxAgeSeconds: maxAge,
  });
  return reply.code(302).header('location', destination).send();
}

/**
 * The console page Destination names, as a path of this server (/console or below it), or
 * undefined when it names anything else: another host, another scheme, a page outside the console.
 */
export function consoleDestination(request: FastifyRequest, text: string | undefined): string | undefined {
  if (text === undefined || text.length === 0 || text.length > URL_MAX) return undefined;
  // Backslashes and control characters are read differently by browsers and URL parsers.
  if (text.includes('\\') || hasControlCharacters(text)) return undefined;
  const origin = originOf(request);
  let url: URL;
  try {
    url = new URL(text, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** An absolute http(s) URL, as text, or undefined. */
function webUrl(text: string): string | undefined {
  if (text.length > URL_MAX || hasControlCharacters(text)) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** What AWS's federation endpoint answers a request it refuses: 400 and a short error page. */
function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return sendHtml(
    reply,
    400,
    layout({
      title: message,
      body: html`<p class="aws-message">The request sent by the client was syntactically incorrect.</p>`,
    }),
  );
}

/** After signing out of a federated session: the way back to the broker's sign-in page. */
export function federatedSignedOut(reply: FastifyReply, issuer: string): FastifyReply {
  return sendHtml(
    reply,
    200,
    layout({
      title: 'You have signed out',
      body: html`${alertBox('info', 'You have signed out.')}
        <p><a href="${issuer}" id="issuer-link">Sign in again</a></p>`,
    }),
  );
}
