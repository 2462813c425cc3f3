// The REST-JSON protocol (IAM Access Analyzer): the operation named by method and path as the
// model routes it, querystring members and a JSON body decoded by the model, SigV4 with the
// service's signing name; answers in JSON with the operation's status, errors with the error
// shape's status, `x-amzn-ErrorType: <Code>` and `{"message": ...}` (the SDKs and CLI read both).
import { newRequestId } from '../../crypto/ids.ts';
import type { Iam } from '../../domain/iam.ts';
import type { Operation } from '../../domain/operation.ts';
import { IamError } from '../../domain/errors.ts';
import { verifyWithStoredKeys } from '../aws-query/sigv4/verify-stored.ts';
import type { Observer, QueryRequest, QueryResponse } from '../aws-query/handler.ts';
import type { Noted, QueryAudit } from '../aws-query/audit.ts';
import type { ServiceModel } from '../aws-query/model/index.ts';
import { decodeJsonInput, encodeJsonOutput, JsonValidationError } from '../aws-json/codec.ts';
import { jsonBody, jsonErrorCode } from '../aws-json/wire.ts';
import { callerOf, httpDate, notedCall } from '../wire.ts';
import { restJsonModel, routeOf, type RestJsonService } from './model.ts';

export interface RestJsonHandlerDeps {
  readonly iam: Iam;
  readonly operations: Readonly<Partial<Record<RestJsonService, Readonly<Record<string, Operation>>>>>;
  readonly logError: (error: unknown, requestId: string) => void;
  /** Told of every call once it is answered (metrics and the request log), as on the Query protocol. */
  readonly observe?: Observer;
  /** The audit trail, when recording. */
  readonly audit?: QueryAudit;
}

const CONTENT_TYPE = 'application/json';

/** Whether a method and path are a REST-JSON operation's route (so the HTTP server hands it here). */
export function servesRestJson(method: string, path: string): boolean {
  return routeOf(method, path) !== undefined;
}

export async function handleRestJsonRequest(
  deps: RestJsonHandlerDeps,
  req: QueryRequest,
): Promise<QueryResponse> {
  const route = routeOf(req.method, req.path);
  const noted: Noted<RestJsonService> = {
    service: route?.service ?? 'access-analyzer',
    requestId: newRequestId(),
    started: performance.now(),
  };
  if (route) noted.action = route.name;
  return notedCall(deps, req, noted, () => answer(deps, req, noted));
}

async function answer(
  deps: RestJsonHandlerDeps,
  req: QueryRequest,
  noted: Noted<RestJsonService>,
): Promise<QueryResponse> {
  const requestId = noted.requestId;
  const error = (
    code: string,
    message: string,
    status: number,
    members?: Readonly<Record<string, unknown>>,
  ): QueryResponse => {
    noted.error = { code, message };
    return errorResponse(requestId, httpDate(deps.iam.now()), code, message, status, members);
  };
  try {
    const route = routeOf(req.method, req.path);
    const now = deps.iam.now();
    const { verified, signing } = await verifyWithStoredKeys(deps.iam, req, now);
    noted.signing = signing;
    if (!verified.ok)
      return error(jsonErrorCode(verified.error.code), verified.error.message, verified.error.status);
    const model = route && restJsonModel(route.service);
    const operation = route && deps.operations[route.service]?.[route.name];
    if (!route || !model || !operation || verified.service !== model.metadata.signingName)
      return error(
        'UnknownOperationException',
        `The operation ${req.method} ${req.path} is not served here.`,
        404,
      );

    const body = jsonBody(req);
    if (body === undefined)
      return error('SerializationException', 'The request body is not valid JSON.', 400);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return error('SerializationException', 'The request body must be a JSON object.', 400);
    const inputShape = route.operation.input?.shape;
    const input = inputShape
      ? decodeJsonInput(model, inputShape, { ...body, ...queryMembers(model, inputShape, req.query) })
      : {};
    noted.input = input;
    noted.region = verified.region;

    const caller = await callerOf(deps.iam, req, signing, now, verified.region);
    if (!caller)
      return error(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        403,
      );
    noted.caller = caller;
    const output = await operation({ iam: deps.iam, caller }, input);
    return {
      status: route.operation.http?.responseCode ?? 200,
      headers: {
        'content-type': CONTENT_TYPE,
        'x-amzn-requestid': requestId,
        date: httpDate(deps.iam.now()),
      },
      body: encodeJsonOutput(model, route.operation.output?.shape, output),
    };
  } catch (cause) {
    if (cause instanceof JsonValidationError)
      return error('ValidationException', cause.message, 400, { reason: 'fieldValidationFailed' });
    if (cause instanceof IamError) {
      const code = jsonErrorCode(cause.code);
      return error(code, cause.message, statusOf(noted.service, code), cause.members);
    }
    deps.logError(cause, requestId);
    return error(
      'InternalServerException',
      'The request processing has failed because of an unknown error.',
      500,
    );
  }
}

/**
 * The members the model sends in the query string (Access Analyzer's maxResults and nextToken),
 * under their model names, typed as their shapes say so that the body's decoding checks them too.
 */
function queryMembers(model: ServiceModel, shapeName: string, query: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (query === '') return out;
  const params = new URLSearchParams(query);
  for (const [name, member] of Object.entries(model.shapes[shapeName]?.members ?? {})) {
    if (member.location !== 'querystring') continue;
    const value = params.get(member.locationName ?? name);
    if (value === null) continue;
    const type = model.shapes[member.shape]?.type;
    if (type === 'integer' || type === 'long') {
      if (!/^-?\d{1,15}$/.test(value))
        throw new JsonValidationError(`The value at '${name}' must be an integer.`);
      out[name] = Number(value);
    } else out[name] = value;
  }
  return out;
}

/** The status the model gives an error shape; 400 for the protocol's own codes. */
function statusOf(service: RestJsonService, code: string): number {
  const shape = restJsonModel(service).shapes[code];
  return shape?.exception ? (shape.error?.httpStatusCode ?? 400) : 400;
}

function errorResponse(
  requestId: string,
  date: string,
  code: string,
  message: string,
  status: number,
  members?: Readonly<Record<string, unknown>>,
): QueryResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, 'x-amzn-errortype': code, date },
    // Members the error shape adds (ValidationException's reason) go beside the message.
    body: JSON.stringify({ message, ...members }),
  };
}
