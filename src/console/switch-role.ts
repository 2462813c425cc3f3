// Switch role (AWS: "Switch to an IAM role (console)"):
//
//   /console/switch-role   the form (GET: ?account=&roleName=&displayName=&color= pre-fill it, as
//                          AWS's switch-role links do); POST: AssumeRole as the signed-in principal
//                          (never as a role switched to before), then the console runs as that role
//                          session until it expires or the person switches back
//   /console/switch-back   (POST) back to the signed-in principal's own identity
//
// The session name is the signed-in user's name (a role session's own session name), as AWS's
// console names it; the role session lasts an hour, which is also role chaining's limit when the
// signed-in identity is itself a role session. A refusal is shown in AWS's words on the form, with
// the reason beside it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../domain/caller.ts';
import { beginSwitch, endSwitch, switchAccountOf } from '../domain/console-switch-role.ts';
import { switchedCallerFor } from '../domain/console-sessions.ts';
import { type ConsoleContext, type Signed, callSts, requestContextOf, requireSession } from './context.ts';
import { layout } from './html.ts';
import {
  DISPLAY_NAME_MAX,
  ROLE_NAME,
  isSwitchColor,
  parseRecentRoles,
  serializeRecentRoles,
  validAccountText,
  validDisplayName,
  withRecentRole,
} from './recent-roles.ts';
import { switchRoleBody, type SwitchRoleView } from './switch-role-view.ts';
import { clientIp, formText, isSecure, readCookies, readForm, redirect, sendHtml, setCookie } from './web.ts';

/** AWS's console asks for one hour; role chaining allows no more. */
const SWITCHED_SESSION_SECONDS = 3600;
const HISTORY_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

function historyCookieName(request: FastifyRequest): string {
  return isSecure(request) ? '__Host-portcullis-roles' : 'portcullis-roles';
}

/** The RoleSessionName AWS's console uses: the user's name, or the role session's own name. */
function sessionNameOf(own: Caller): string | undefined {
  const name =
    own.type === 'user'
      ? own.userName
      : own.type === 'assumed-role'
        ? own.session?.role?.sessionName
        : own.type === 'federated-user'
          ? own.session?.federatedName
          : undefined;
  if (name === undefined) return undefined;
  // RoleSessionName is 2 to 64 characters of [\w+=,.@-]; a one-letter user name is padded.
  return name.length < 2 ? `${name}-` : name.slice(0, 64);
}

export function registerSwitchRole(server: FastifyInstance, ctx: ConsoleContext): void {
  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    signed: Signed,
    status: number,
    view: Omit<SwitchRoleView, 'csrf' | 'recent' | 'root'>,
  ) =>
    sendHtml(
      reply,
      status,
      layout({
        title: 'Switch role',
        user: signed.user,
        body: switchRoleBody({
          ...view,
          csrf: signed.record.csrf,
          recent: parseRecentRoles(readCookies(request).get(historyCookieName(request))),
          root: signed.own.type === 'root',
        }),
      }),
    );

  server.get('/console/switch-role', async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const query = (request.query ?? {}) as Record<string, unknown>;
    const text = (name: string) =>
      typeof query[name] === 'string' ? (query[name] as string).slice(0, 512) : '';
    return render(request, reply, signed, 200, {
      draft: {
        account: text('account'),
        'role-name': text('roleName'),
        'display-name': text('displayName'),
        color: text('color'),
      },
    });
  });

  server.post('/console/switch-role', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    const accountText = formText(form, 'account', 64).toLowerCase();
    const roleName = formText(form, 'role-name', 512);
    const colorText = formText(form, 'color', 16);
    const color = isSwitchColor(colorText) ? colorText : 'none';
    const displayName =
      formText(form, 'display-name', 256) || `${roleName} @ ${accountText}`.slice(0, DISPLAY_NAME_MAX);
    const draft = {
      account: accountText,
      'role-name': roleName,
      'display-name': formText(form, 'display-name', 256),
      color,
    };
    const refuse = (reason: string, status = 400) =>
      render(request, reply, signed, status, { draft, refused: { reason } });

    if (signed.own.type === 'root') return render(request, reply, signed, 403, { draft });
    if (!validAccountText(accountText))
      return refuse('The account must be a 12-digit account ID or an account alias.');
    if (!ROLE_NAME.test(roleName))
      return refuse(
        'The role name must be letters, digits and + = , . @ _ - (with its path, if any, before it).',
      );
    if (!validDisplayName(displayName))
      return refuse(`The display name must be 1 to ${DISPLAY_NAME_MAX} printable characters.`);
    const sessionName = sessionNameOf(signed.own);
    const account = await switchAccountOf(ctx.iam, accountText);
    if (!account || !sessionName) return refuse('There is no account with that ID or alias.');

    const assumed = await callSts(signed.own, ctx, 'AssumeRole', {
      RoleArn: `arn:aws:iam::${account}:role/${roleName}`,
      RoleSessionName: sessionName,
      DurationSeconds: SWITCHED_SESSION_SECONDS,
    });
    if (!assumed.ok) return refuse(assumed.error.message, assumed.error.code === 'AccessDenied' ? 403 : 400);
    const accessKeyId = (assumed.output.Credentials as { AccessKeyId: string }).AccessKeyId;
    if (!(await beginSwitch(ctx.iam, signed.record, accessKeyId, { displayName, color })))
      return refuse('The role session could not be started.');

    await auditSwitch(ctx, request, signed);

    const history = withRecentRole(parseRecentRoles(readCookies(request).get(historyCookieName(request))), {
      account: accountText,
      roleName,
      displayName,
      color,
    });
    setCookie(request, reply, historyCookieName(request), serializeRecentRoles(history), {
      sameSite: 'Lax',
      maxAgeSeconds: HISTORY_MAX_AGE_SECONDS,
    });
    return redirect(reply, '/console');
  });

  server.post('/console/switch-back', async (request, reply) => {
    const form = readForm(request);
    const signed = await requireSession(ctx, request, reply, 'active', form);
    if (!signed) return reply;
    await endSwitch(ctx.iam, signed.record);
    return redirect(reply, '/console');
  });
}

/**
 * CloudTrail records a switch as a sign-in event of the role's account (eventSource
 * signin.amazonaws.com, eventName SwitchRole), by the role session, with the identity it came from
 * (SwitchFrom); the AssumeRole call itself is recorded as an STS call.
 */
async function auditSwitch(ctx: ConsoleContext, request: FastifyRequest, signed: Signed): Promise<void> {
  const switched = signed.record.switched;
  if (!ctx.audit || !switched) return;
  const roleCaller = await switchedCallerFor(ctx.iam, switched, requestContextOf(ctx, request));
  if (!roleCaller) return;
  const userAgent = request.headers['user-agent'];
  ctx.audit.record({
    service: 'signin',
    eventName: 'SwitchRole',
    time: ctx.iam.now(),
    region: 'us-east-1',
    sourceIp: clientIp(request),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : undefined,
    requestId: undefined,
    account: switched.account,
    caller: roleCaller,
    responseElements: { SwitchRole: 'Success' },
    additionalEventData: { SwitchFrom: signed.own.arn, RedirectTo: '/console' },
  });
}
