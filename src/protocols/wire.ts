// What the three wires (Query, JSON 1.1, REST-JSON) share around their own decoding: the frame
// that notes a call for the observer and the audit trail, the request's body as text, the context
// keys the wire itself gives, and the caller a verified signature names.
import type { Signing } from '../domain/authenticate.ts';
import { callerFor } from '../domain/authenticate.ts';
import type { Caller } from '../domain/caller.ts';
import { timeContext } from '../domain/caller.ts';
import type { Iam } from '../domain/iam.ts';
import type { ContextValue } from '../policy/index.ts';
import { auditQueryCall, type Noted, type QueryAudit } from './aws-query/audit.ts';
import type { ObservedService, Observer, QueryRequest, QueryResponse } from './aws-query/handler.ts';

/** What a wire's outer frame needs of its handler's dependencies. */
export interface NotingDeps {
  readonly iam: Iam;
  readonly audit?: QueryAudit;
  readonly observe?: Observer;
}

/**
 * Answers a call with `answer`, which notes on `noted` what it learns (action, input, caller,
 * error), then tells the audit trail and the observer: every call, answered or refused.
 */
export async function notedCall<Service extends ObservedService>(
  deps: NotingDeps,
  req: QueryRequest,
  noted: Noted<Service>,
  answer: () => Promise<QueryResponse>,
): Promise<QueryResponse> {
  if (deps.audit) noted.time = deps.iam.now();
  const response = await answer();
  noted.status = response.status;
  if (deps.audit) auditQueryCall(deps.audit, req, noted.requestId, noted);
  deps.observe?.(noted, req);
  return response;
}

/** The request's body as UTF-8 text. */
export function bodyText(req: QueryRequest): string {
  return typeof req.body === 'string'
    ? req.body
    : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString('utf8');
}

export function headerOf(req: QueryRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The context keys the wire knows: time, source address, transport, region, user agent. */
export function wireContext(req: QueryRequest, now: Date, region: string): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = timeContext(now);
  context['aws:SourceIp'] = req.sourceIp;
  context['aws:SecureTransport'] = req.secure;
  context['aws:RequestedRegion'] = region;
  if (req.userAgent) context['aws:UserAgent'] = req.userAgent;
  return context;
}

/** The caller a verified signature names, with the wire's context; undefined for an unknown signer. */
export async function callerOf(
  iam: Iam,
  req: QueryRequest,
  signing: Signing | undefined,
  now: Date,
  region: string,
): Promise<Caller | undefined> {
  return (signing && (await callerFor(iam, signing, wireContext(req, now, region)))) ?? undefined;
}

let lastDate: { second: number; text: string } | undefined;

/**
 * The Date header's value for `now` (an IMF-fixdate, made once per second). Every wire sends the
 * server's time, the test clock's when it is on: the SDKs correct their clock skew from it, and a
 * Date from the real clock would undo the offset a suite signs with.
 */
export function httpDate(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (lastDate?.second !== second) lastDate = { second, text: now.toUTCString() };
  return lastDate.text;
}
