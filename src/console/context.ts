// What every console route shares: the domain, the throttles, the session behind a request and
// the one way pages call the domain (the same operations, the same engine decisions as the API).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timeContext, type Caller } from '../domain/caller.ts';
import type { ContextValue } from '../policy/index.ts';
import { IamError } from '../domain/errors.ts';
import { newRequestId } from '../crypto/ids.ts';
import { clientOf } from '../http/client.ts';
import type { Iam } from '../domain/iam.ts';
import { iamOperations } from '../domain/iam/index.ts';
import { cloudTrailOperations } from '../domain/audit/index.ts';
import { stsOperations } from '../domain/sts/index.ts';
import { portcullisOperations } from '../domain/portcullis/index.ts';
import { organizationsOperations } from '../domain/organizations/index.ts';
import { endSwitch } from '../domain/console-switch-role.ts';
import type { Input, Operation } from '../domain/operation.ts';
import type { SignInThrottles } from './rate-limit.ts';
import { passesEnrolmentGate } from './mfa-enrolment-gate.ts';
import { alertBox, html, layout, type PageUser } from './html.ts';
import {
  callerFor,
  csrfMatches,
  deleteSession,
  loadSession,
  principalLabel,
  switchedCallerFor,
  type ConsoleSessionRecord,
  type Stage,
} from '../domain/console-sessions.ts';
import {
  clearCookie,
  clientIp,
  crossOrigin,
  readCookies,
  redirect,
  sendHtml,
  sessionCookieName,
} from './web.ts';

export interface ConsoleContext {
  readonly iam: Iam;
  readonly accountId: () => string;
  readonly throttles: SignInThrottles;
  /** The audit trail's sign-in events (audit.ts), when recording. */
  readonly audit?: import('./audit.ts').ConsoleAudit;
  /** Told of sign-in failures and denials (the server's metrics) and of who each request runs as (its log). */
  readonly observer?: ConsoleObserver;
}

/** What the console reports to the server's metrics and request log; it decides none of it. */
export interface ConsoleObserver {
  /** A sign-in refused at the password step: wrong password, unknown user or account. */
  signInFailed(): void;
  /** A sign-in refused at the MFA step: a wrong code or security key. */
  mfaFailed(): void;
  /** A sign-in attempt (password or MFA) refused by the throttles before anything was checked. */
  throttled(): void;
  /** A page's call to an IAM action refused with AccessDenied. */
  accessDenied(action: string): void;
  /** The principal a request's session runs as. */
  identified(request: FastifyRequest, principalArn: string): void;
}

export interface Signed {
  readonly record: ConsoleSessionRecord;
  /** Who every page and action acts as: the switched role session, or the signed-in principal. */
  readonly caller: Caller;
  /** The signed-in principal itself (who switches role). */
  readonly own: Caller;
  readonly user: PageUser;
}

/** Where a session at each stage belongs. */
export function homeOf(stage: Stage): string {
  return stage === 'mfa'
    ? '/console/mfa'
    : stage === 'password-change'
      ? '/console/change-password'
      : '/console';
}

/** What the wire knows about a console request: AWS's request-level context keys. */
function consoleRequestContext(
  now: Date,
  request: { ip: string; secure: boolean; userAgent: string | undefined },
): Record<string, ContextValue> {
  return {
    ...timeContext(now),
    'aws:SourceIp': request.ip,
    'aws:SecureTransport': request.secure,
    // IAM is a global service; AWS reports its console requests in us-east-1.
    'aws:RequestedRegion': 'us-east-1',
    ...(request.userAgent ? { 'aws:UserAgent': request.userAgent } : {}),
  };
}

export function requestContextOf(ctx: ConsoleContext, request: FastifyRequest) {
  const userAgent = request.headers['user-agent'];
  return consoleRequestContext(ctx.iam.now(), {
    ip: clientIp(request),
    // The client's own transport (to us or to the first trusted proxy), as on the API.
    secure: clientOf(request.raw).secure,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : undefined,
  });
}

/** The Issuer of a federated session this request's cookie named and that has just ended. */
const endedWithIssuer = new WeakMap<FastifyRequest, string>();

export function endedSessionIssuer(request: FastifyRequest): string | undefined {
  return endedWithIssuer.get(request);
}

/** The session of this request, if any, and its Caller (a session whose user is gone is ended). */
export async function currentSession(
  ctx: ConsoleContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Signed | undefined> {
  const noteEnded = (ended: ConsoleSessionRecord) => {
    if (ended.issuer) endedWithIssuer.set(request, ended.issuer);
  };
  const record = await loadSession(ctx.iam, readCookies(request).get(sessionCookieName(request)), noteEnded);
  if (!record) {
    if (endedWithIssuer.has(request)) clearCookie(request, reply, sessionCookieName(request));
    return undefined;
  }
  const requestContext = requestContextOf(ctx, request);
  const own = await callerFor(ctx.iam, record, requestContext);
  if (!own) {
    await deleteSession(ctx.iam, record);
    noteEnded(record);
    clearCookie(request, reply, sessionCookieName(request));
    return undefined;
  }
  let caller = own;
  const { switched } = record;
  if (switched) {
    const asRole = await switchedCallerFor(ctx.iam, switched, requestContext);
    // The role session has expired (or its role is gone): the console is the person's own again.
    if (asRole) caller = asRole;
    else await endSwitch(ctx.iam, record);
  }
  ctx.observer?.identified(request, caller.arn);
  const who = principalLabel(record.principal);
  return {
    record,
    caller,
    own,
    user: {
      label: `${who} @ ${record.account}`,
      csrf: record.csrf,
      nav: record.stage === 'active',
      ...(record.switched
        ? {
            switched: {
              displayName: record.switched.displayName,
              account: record.switched.account,
              roleName: record.switched.roleName,
              color: record.switched.color,
            },
          }
        : {}),
    },
  };
}

/**
 * The session for a page of a given stage; otherwise sends the redirect to where the visitor
 * belongs (the sign-in page, or the step of the sign-in they are at) and answers undefined.
 * For a POST, the CSRF token (form field "csrf") must match the session's and the Origin, if
 * sent, must be this server; otherwise a 403 page is sent.
 */
export async function requireSession(
  ctx: ConsoleContext,
  request: FastifyRequest,
  reply: FastifyReply,
  stage: Stage | readonly Stage[],
  form?: URLSearchParams,
): Promise<Signed | undefined> {
  const signed = await currentSession(ctx, request, reply);
  const stages: readonly Stage[] = typeof stage === 'string' ? [stage] : stage;
  if (!signed) {
    const issuer = endedSessionIssuer(request);
    if (issuer) sessionEndedPage(reply, issuer);
    else redirect(reply, '/console');
    return undefined;
  }
  if (!stages.includes(signed.record.stage)) {
    redirect(reply, homeOf(signed.record.stage));
    return undefined;
  }
  if (form && (crossOrigin(request) || !csrfMatches(signed.record, form.get('csrf')))) {
    sendForbiddenForm(reply);
    return undefined;
  }
  if (!(await passesEnrolmentGate(ctx.iam, request, reply, signed.record))) return undefined;
  return signed;
}

export type OperationResult =
  | { readonly ok: true; readonly output: Record<string, unknown> }
  | { readonly ok: false; readonly error: IamError };

/** Calls an IAM operation as the console's caller; IAM errors (AccessDenied above all) come back as values. */
export function callIam(
  caller: Caller,
  ctx: ConsoleContext,
  name: string,
  input: Input = {},
): Promise<OperationResult> {
  return callOperation(caller, ctx, 'iam', iamOperations, name, input);
}

/** Calls a CloudTrail operation (LookupEvents) as the console's caller, errors as values like callIam. */
export function callCloudTrail(
  caller: Caller,
  ctx: ConsoleContext,
  name: string,
  input: Input = {},
): Promise<OperationResult> {
  return callOperation(caller, ctx, 'cloudtrail', cloudTrailOperations, name, input);
}

/** Calls an STS operation (AssumeRole, for Switch role) as the given caller, errors as values. */
export function callSts(
  caller: Caller,
  ctx: ConsoleContext,
  name: string,
  input: Input = {},
): Promise<OperationResult> {
  return callOperation(caller, ctx, 'sts', stsOperations, name, input);
}

/** Calls one of Portcullis's own operations (domain/portcullis/) as the console's caller, errors as values. */
export function callPortcullis(
  caller: Caller,
  ctx: ConsoleContext,
  name: string,
  input: Input = {},
): Promise<OperationResult> {
  return callOperation(caller, ctx, 'portcullis', portcullisOperations, name, input);
}

/** Calls an AWS Organizations operation as the console's caller, errors as values like callIam. */
export function callOrganizations(
  caller: Caller,
  ctx: ConsoleContext,
  name: string,
  input: Input = {},
): Promise<OperationResult> {
  return callOperation(caller, ctx, 'organizations', organizationsOperations, name, input);
}

type Service = 'iam' | 'cloudtrail' | 'sts' | 'organizations' | 'portcullis';

async function callOperation(
  caller: Caller,
  ctx: ConsoleContext,
  service: Service,
  operations: Readonly<Record<string, Operation>>,
  name: string,
  input: Input,
): Promise<OperationResult> {
  const operation = operations[name];
  if (!operation) throw new Error(`no operation ${name}`);
  const time = ctx.iam.now();
  try {
    const output = await operation({ iam: ctx.iam, caller }, input);
    auditConsoleCall(ctx, { service, name, caller, time, input, output: output ?? {} });
    return { ok: true, output: output ?? {} };
  } catch (error) {
    if (!(error instanceof IamError)) throw error;
    if (error.code === 'AccessDenied') ctx.observer?.accessDenied(name);
    auditConsoleCall(ctx, { service, name, caller, time, input, error });
    return { ok: false, error };
  }
}

/**
 * What the console calls is recorded as the API's calls are: CloudTrail records calls made from
 * the AWS console like any other, from the browser's address and with its user agent.
 */
function auditConsoleCall(
  ctx: ConsoleContext,
  call: {
    service: Service;
    name: string;
    caller: Caller;
    time: Date;
    input: Input;
    output?: Record<string, unknown>;
    error?: IamError;
  },
): void {
  if (!ctx.audit) return;
  const context = call.caller.requestContext;
  const userAgent = context['aws:UserAgent'];
  ctx.audit.record({
    service: call.service,
    eventName: call.name,
    time: call.time,
    region: 'us-east-1',
    sourceIp: String(context['aws:SourceIp'] ?? ''),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : undefined,
    requestId: newRequestId(),
    account: call.caller.account,
    caller: call.caller,
    input: call.input,
    ...(call.output ? { output: call.output } : {}),
    ...(call.error ? { errorCode: call.error.code, errorMessage: call.error.message } : {}),
  });
}

/**
 * A federated session (signed in through /federation) that has ended: AWS's console then sends
 * its person back to the broker's sign-in page, the Issuer.
 */
export function sessionEndedPage(reply: FastifyReply, issuer: string): FastifyReply {
  return sendHtml(
    reply,
    401,
    layout({
      title: 'Your session has ended',
      body: html`${alertBox('info', 'Your session has ended. Sign in again to continue.')}
        <p><a href="${issuer}" id="issuer-link">Sign in again</a></p>`,
    }),
  );
}

/** The answer to a form that failed its CSRF or Origin check: nothing was done. */
export function sendForbiddenForm(reply: FastifyReply): FastifyReply {
  return sendHtml(
    reply,
    403,
    layout({
      title: 'This form has expired',
      body: html`${alertBox(
          'error',
          'The form was not accepted: it has expired or did not come from this console. Nothing was changed.',
        )}
        <p><a href="/console">Go back to the console</a> and try again.</p>`,
    }),
  );
}
