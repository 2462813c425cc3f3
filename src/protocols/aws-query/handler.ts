// The AWS Query protocol, end to end: verify the SigV4 signature, route by the service in the
// credential scope, decode the parameters by AWS's model, run one domain operation, encode XML.
import { newRequestId } from '../../crypto/ids.ts';
import type { Iam } from '../../domain/iam.ts';
import type { Operation, UnsignedOperation } from '../../domain/operation.ts';
import { recordAccessKeyUse } from '../../domain/key-uses.ts';
import { admit } from '../../domain/sts/admission.ts';
import { IamError } from '../../domain/errors.ts';
import { verifyWithStoredKeys } from './sigv4/verify-stored.ts';
import type { IncomingRequest } from './sigv4/types.ts';
import { decodeQueryRequest } from './codec/decode.ts';
import { LARGE_FORM, parseFormInTurns } from './codec/form.ts';
import { encodeQueryError } from './codec/encode.ts';
import { encodeQueryBody, type EncodedBody } from './codec/encode-in-parts.ts';
import { toQueryErrorResponse } from './errors.ts';
import type { Noted, QueryAudit } from './audit.ts';
import { bodyText, callerOf, httpDate, notedCall, wireContext } from '../wire.ts';

export type QueryService = 'iam' | 'sts';

export interface QueryHandlerDeps {
  readonly iam: Iam;
  readonly operations: Readonly<Record<QueryService, Readonly<Record<string, Operation>>>>;
  /** STS actions that need no signature (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
  readonly unsignedOperations: Readonly<Record<string, UnsignedOperation>>;
  /** The audit trail, when recording (every call, answered or refused). */
  readonly audit?: QueryAudit;
  /** Called with the cause of an unexpected failure (never sent to the client). */
  readonly logError: (error: unknown, requestId: string) => void;
  /** Told of every call once it is answered (metrics and the request log), with what the audit trail gets. */
  readonly observe?: Observer;
}

/** What the observer learns of the wire besides the noted call: no header, no body. */
export interface ObservedRequest {
  readonly method: string;
  readonly path: string;
  readonly sourceIp: string;
}

export type Observer = (call: Noted<ObservedService>, request: ObservedRequest) => void;
export type ObservedService = QueryService | 'cloudtrail' | 'organizations' | 'access-analyzer';

export interface QueryRequest extends IncomingRequest {
  readonly sourceIp: string;
  readonly secure: boolean;
  readonly userAgent: string | undefined;
}

export interface QueryResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The document; a large one as UTF-8 parts (see codec/encode-in-parts.ts). */
  readonly body: EncodedBody;
}

export async function handleQueryRequest(deps: QueryHandlerDeps, req: QueryRequest): Promise<QueryResponse> {
  const requestId = newRequestId();
  const noted: Noted = { service: 'iam', requestId, started: performance.now() };
  return notedCall(deps, req, noted, () => answer(deps, req, requestId, noted));
}

async function answer(
  deps: QueryHandlerDeps,
  req: QueryRequest,
  requestId: string,
  noted: Noted,
): Promise<QueryResponse> {
  let service: QueryService = 'iam';
  try {
    const now = deps.iam.now();
    const read = requestParams(req);
    const params = read instanceof URLSearchParams ? read : await read;
    const action = params.get('Action');
    noted.action = action ?? undefined;
    // Calls that carry their own proof of identity are answered whether signed or not, as AWS
    // answers them: a signature, if any, is not what authenticates them.
    if (action !== null && Object.hasOwn(deps.unsignedOperations, action)) {
      service = 'sts';
      noted.service = 'sts';
      return await handleUnsigned(deps, req, params, deps.unsignedOperations[action]!, now, requestId, noted);
    }
    const { verified, signing } = await verifyWithStoredKeys(deps.iam, req, now);
    if (!verified.ok)
      return errorResponse(
        noted,
        deps,
        service,
        verified.error.code,
        verified.error.message,
        verified.error.status,
        requestId,
      );
    if (verified.service !== 'iam' && verified.service !== 'sts') {
      return errorResponse(
        noted,
        deps,
        service,
        'InvalidAction',
        `The service ${verified.service} is not served here.`,
        400,
        requestId,
      );
    }
    service = verified.service;
    noted.service = service;
    noted.region = verified.region;

    const decoded = decodeQueryRequest(service, params);
    if (!decoded.ok)
      return errorResponse(
        noted,
        deps,
        service,
        decoded.error.code,
        decoded.error.message,
        decoded.error.status,
        requestId,
      );
    noted.input = decoded.input;
    noted.signing = signing;
    const operation = deps.operations[service][decoded.operation];
    if (!operation) {
      return errorResponse(
        noted,
        deps,
        service,
        'InvalidAction',
        `The action ${decoded.operation} is not implemented by Portcullis yet.`,
        400,
        requestId,
      );
    }

    const caller = await callerOf(deps.iam, req, signing, now, verified.region);
    if (!caller) {
      return errorResponse(
        noted,
        deps,
        service,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        403,
        requestId,
      );
    }
    noted.caller = caller;
    admit(caller, service, decoded.operation);
    if (signing!.kind === 'key') recordAccessKeyUse(deps.iam, signing!.record, verified.region, service);
    const output = await operation({ iam: deps.iam, caller }, decoded.input);
    noted.output = output;
    return await success(deps, service, decoded.operation, output, requestId);
  } catch (error) {
    if (!(error instanceof IamError)) deps.logError(error, requestId);
    const mapped = toQueryErrorResponse(service, error, requestId);
    noted.error =
      error instanceof IamError
        ? { code: error.code, message: error.message }
        : {
            code: 'InternalFailure',
            message: 'The request processing has failed because of an unknown error.',
          };
    return {
      status: mapped.status,
      headers: responseHeaders(deps, requestId),
      body: mapped.body,
    };
  }
}

/** An unsigned STS call: decoded by the model like any other, run with the wire's context keys only. */
async function handleUnsigned(
  deps: QueryHandlerDeps,
  req: QueryRequest,
  params: URLSearchParams,
  operation: UnsignedOperation,
  now: Date,
  requestId: string,
  noted: Noted,
): Promise<QueryResponse> {
  const decoded = decodeQueryRequest('sts', params);
  if (!decoded.ok) {
    const { code, message, status } = decoded.error;
    return errorResponse(noted, deps, 'sts', code, message, status, requestId);
  }
  noted.input = decoded.input;
  // The global STS endpoint's region: an unsigned request names none.
  const output = await operation(
    { iam: deps.iam, requestContext: wireContext(req, now, 'us-east-1') },
    decoded.input,
  );
  noted.output = output;
  return success(deps, 'sts', decoded.operation, output, requestId);
}

/** The 200 answer: small outputs encoded at once, large ones in parts over several turns. */
function success(
  deps: QueryHandlerDeps,
  service: QueryService,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): QueryResponse | Promise<QueryResponse> {
  const headers = responseHeaders(deps, requestId);
  const body = encodeQueryBody(service, operation, output, requestId);
  return typeof body === 'string'
    ? { status: 200, headers, body }
    : body.then((parts) => ({ status: 200, headers, body: parts }));
}

/** The Query parameters: the URL's, then the form body's (a large body read over several turns). */
function requestParams(req: QueryRequest): URLSearchParams | Promise<URLSearchParams> {
  const body = bodyText(req);
  if (body.length >= LARGE_FORM) return largeRequestParams(req.query, body);
  const params = new URLSearchParams(req.query === '' ? body : req.query);
  if (req.query !== '') for (const [name, value] of new URLSearchParams(body)) params.append(name, value);
  return params;
}

async function largeRequestParams(query: string, body: string): Promise<URLSearchParams> {
  const fromBody = await parseFormInTurns(body);
  if (query === '') return fromBody;
  const params = new URLSearchParams(query);
  for (const [name, value] of fromBody) params.append(name, value);
  return params;
}

function errorResponse(
  noted: Noted,
  deps: QueryHandlerDeps,
  service: QueryService,
  code: string,
  message: string,
  status: number,
  requestId: string,
): QueryResponse {
  noted.error = { code, message };
  return {
    status,
    headers: responseHeaders(deps, requestId),
    body: encodeQueryError(service, { code, message }, requestId),
  };
}

/** The Date header tells SDKs the server's time (they correct their clock skew from it). */
function responseHeaders(deps: QueryHandlerDeps, requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, date: httpDate(deps.iam.now()) };
}
