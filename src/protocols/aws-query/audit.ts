// What a call hands the audit trail and the observer (metrics and the request log): noted while
// the call is answered (its action, input, caller, outcome), turned into an AuditCall once the
// answer is ready. Recording is a push into the trail's buffer; the event is built and written in
// a batch later. The JSON protocol's calls (CloudTrail) are noted the same way for the observer.
import type { AuditCall, AuditIdentity } from '../../domain/audit/index.ts';
import type { Signing } from '../../domain/authenticate.ts';
import type { Caller } from '../../domain/caller.ts';
import type { Input, Output } from '../../domain/operation.ts';
import type { IncomingRequest } from './sigv4/types.ts';

export interface QueryAudit {
  record(call: AuditCall): void;
  /** The account of calls whose signer is unknown (this deployment's account). */
  defaultAccount(): string;
}

export interface Noted<Service extends string = 'iam' | 'sts'> {
  service: Service;
  readonly requestId: string;
  /** When the call arrived (performance.now()), for its duration. */
  readonly started: number;
  /** The HTTP status answered, once the answer is ready. */
  status?: number;
  time?: Date;
  action?: string;
  region?: string;
  input?: Input;
  output?: Output;
  signing?: Signing;
  caller?: Caller;
  error?: { code: string; message: string };
}

export function auditQueryCall(
  audit: QueryAudit,
  req: IncomingRequest & { sourceIp: string; userAgent: string | undefined },
  requestId: string,
  noted: Noted<'iam' | 'sts' | 'cloudtrail' | 'organizations' | 'access-analyzer'>,
): void {
  const unsigned = noted.action === 'AssumeRoleWithWebIdentity' || noted.action === 'AssumeRoleWithSAML';
  const identity = noted.caller
    ? undefined
    : unsigned
      ? federatedIdentity(noted)
      : signerIdentity(req, noted);
  // Built by assignment, not by spreading optional parts: this runs for every call.
  const call: Mutable<AuditCall> = {
    service: noted.service,
    eventName: noted.action && /^[A-Za-z]{1,128}$/.test(noted.action) ? noted.action : 'Unknown',
    time: noted.time!,
    region: noted.region ?? 'us-east-1',
    sourceIp: req.sourceIp,
    userAgent: req.userAgent?.slice(0, 1024),
    requestId,
    account:
      noted.caller?.account ??
      noted.signing?.record.account ??
      (unsigned ? roleAccount(noted.input) : undefined) ??
      audit.defaultAccount(),
  };
  if (noted.caller) call.caller = noted.caller;
  if (identity) call.identity = identity;
  if (noted.input) call.input = noted.input;
  if (noted.output) call.output = noted.output;
  if (noted.error) {
    call.errorCode = noted.error.code;
    call.errorMessage = noted.error.message;
  }
  audit.record(call);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A call refused before it had a Caller: the access key it was signed with, if it names one. */
function signerIdentity(req: IncomingRequest, noted: Noted<string>): AuditIdentity {
  const accessKeyId = signingKeyId(noted) ?? credentialKeyId(req);
  return { type: 'Unknown', ...(accessKeyId ? { accessKeyId } : {}) };
}

/** The id of the stored access key (or session) that verified the call's signature, if one did. */
export function signingKeyId(noted: Noted<string>): string | undefined {
  const record = noted.signing?.record;
  if (!record) return undefined;
  return noted.signing!.kind === 'key'
    ? (record as { id: string }).id
    : (record as { accessKeyId: string }).accessKeyId;
}

/** The access key id of the Authorization header's (or the query's) credential scope. */
function credentialKeyId(req: IncomingRequest): string | undefined {
  const header = req.headers['authorization'];
  const text = typeof header === 'string' ? header : '';
  const match =
    /Credential=([A-Z0-9]{16,128})\//.exec(text) ?? /X-Amz-Credential=([A-Z0-9]{16,128})%2F/.exec(req.query);
  return match?.[1];
}

function federatedIdentity(noted: Noted<string>): AuditIdentity {
  const out = noted.output ?? {};
  if (noted.action === 'AssumeRoleWithSAML') {
    const issuer = typeof out.Issuer === 'string' ? out.Issuer : undefined;
    const subject = typeof out.Subject === 'string' ? out.Subject : undefined;
    return {
      type: 'SAMLUser',
      ...(issuer && subject ? { principalId: `${issuer}:${subject}`, userName: subject } : {}),
      ...(typeof noted.input?.PrincipalArn === 'string'
        ? { identityProvider: noted.input.PrincipalArn }
        : {}),
    };
  }
  const provider = typeof out.Provider === 'string' ? out.Provider : undefined;
  const subject =
    typeof out.SubjectFromWebIdentityToken === 'string' ? out.SubjectFromWebIdentityToken : undefined;
  return {
    type: 'WebIdentityUser',
    ...(provider && subject ? { principalId: `${provider}:${subject}`, userName: subject } : {}),
    ...(provider ? { identityProvider: provider } : {}),
  };
}

function roleAccount(input: Input | undefined): string | undefined {
  const arn = input?.RoleArn;
  const match = typeof arn === 'string' ? /^arn:aws:iam::(\d{12}):role\//.exec(arn) : null;
  return match?.[1];
}
