// The AWS JSON 1.1 protocol (CloudTrail, Organizations): POST / with
// X-Amz-Target: <targetPrefix>.<Operation>, a JSON body, SigV4 with the service's signing name;
// answers in JSON, errors as {"__type": code, "message": ...} (the SDKs read both).
import { newRequestId } from '../../crypto/ids.ts';
import type { Iam } from '../../domain/iam.ts';
import type { Operation } from '../../domain/operation.ts';
import { IamError } from '../../domain/errors.ts';
import { verifyWithStoredKeys } from '../aws-query/sigv4/verify-stored.ts';
import type { Observer, QueryRequest, QueryResponse } from '../aws-query/handler.ts';
import type { Noted, QueryAudit } from '../aws-query/audit.ts';
import { findOperation } from '../aws-query/model/index.ts';
import { callerOf, headerOf, httpDate, notedCall } from '../wire.ts';
import { decodeJsonInput, encodeJsonOutput, JsonValidationError } from './codec.ts';
import { JSON_SERVICES, jsonModel, type JsonService } from './model.ts';
import { jsonBody, jsonErrorCode } from './wire.ts';

export interface JsonHandlerDeps {
  readonly iam: Iam;
  readonly operations: Readonly<Partial<Record<JsonService, Readonly<Record<string, Operation>>>>>;
  readonly logError: (error: unknown, requestId: string) => void;
  /** Told of every call once it is answered (metrics and the request log), as on the Query protocol. */
  readonly observe?: Observer;
  /** The audit trail, when recording: CloudTrail records its own LookupEvents calls. */
  readonly audit?: QueryAudit;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * The service a target prefix names, if served: the model's targetPrefix (the CLI sends CloudTrail's
 * whole, com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101) or its last part (what SDK v3
 * sends); Organizations' is AWSOrganizationsV20161128 everywhere.
 */
function serviceOf(prefix: string): JsonService | undefined {
  if (prefix === '') return undefined;
  return JSON_SERVICES.find((service) => {
    const full = jsonModel(service).metadata.targetPrefix!;
    return full === prefix || full.endsWith(`.${prefix}`);
  });
}

export async function handleJsonRequest(deps: JsonHandlerDeps, req: QueryRequest): Promise<QueryResponse> {
  const noted: Noted<JsonService> = {
    service: 'cloudtrail',
    requestId: newRequestId(),
    started: performance.now(),
  };
  return notedCall(deps, req, noted, () => answer(deps, req, noted));
}

async function answer(
  deps: JsonHandlerDeps,
  req: QueryRequest,
  noted: Noted<JsonService>,
): Promise<QueryResponse> {
  const requestId = noted.requestId;
  const error = (
    code: string,
    message: string,
    status: number,
    members?: Readonly<Record<string, string>>,
  ): QueryResponse => {
    noted.error = { code, message };
    return errorResponse(requestId, httpDate(deps.iam.now()), code, message, status, members);
  };
  try {
    const target = headerOf(req, 'x-amz-target') ?? '';
    const dot = target.lastIndexOf('.');
    const service = serviceOf(target.slice(0, Math.max(dot, 0)));
    const operationName = target.slice(dot + 1);
    if (service) noted.service = service;
    noted.action = operationName;
    const now = deps.iam.now();
    const { verified, signing } = await verifyWithStoredKeys(deps.iam, req, now);
    noted.signing = signing;
    if (!verified.ok) return error(jsonErrorCode(verified.error.code), verified.error.message, 400);
    const model = service && jsonModel(service);
    const modelled = model && findOperation(model, operationName);
    const operation = service && deps.operations[service]?.[operationName];
    if (!model || !modelled || !operation || verified.service !== model.metadata.endpointPrefix)
      return error('UnknownOperationException', `The operation ${target} is not served here.`, 400);

    // The JSON protocol's body is JSON: a form or anything else is refused before it is read.
    const contentType = (headerOf(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!/^application\/(x-amz-json-1\.[01]|json)$/.test(contentType))
      return error('SerializationException', `The Content-Type must be ${CONTENT_TYPE}.`, 400);

    const body = jsonBody(req);
    if (body === undefined)
      return error('SerializationException', 'The request body is not valid JSON.', 400);
    // Some operations take no input at all (DescribeOrganization): their body is {}.
    const input = modelled.input ? decodeJsonInput(model, modelled.input.shape, body) : {};
    noted.input = input;
    noted.region = verified.region;

    const caller = await callerOf(deps.iam, req, signing, now, verified.region);
    if (!caller)
      return error(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        400,
      );
    noted.caller = caller;
    const output = await operation({ iam: deps.iam, caller }, input);
    return {
      status: 200,
      headers: {
        'content-type': CONTENT_TYPE,
        'x-amzn-requestid': requestId,
        date: httpDate(deps.iam.now()),
      },
      body: encodeJsonOutput(model, modelled.output?.shape, output),
    };
  } catch (cause) {
    if (cause instanceof JsonValidationError) {
      // Organizations reports a request its model refuses as InvalidInputException with a Reason.
      if (noted.service === 'organizations')
        return error('InvalidInputException', cause.message, 400, { Reason: cause.reason });
      return error('ValidationException', cause.message, 400);
    }
    if (cause instanceof IamError) return error(jsonErrorCode(cause.code), cause.message, 400, cause.members);
    deps.logError(cause, requestId);
    return error('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
  }
}

function errorResponse(
  requestId: string,
  date: string,
  code: string,
  message: string,
  status: number,
  members?: Readonly<Record<string, string>>,
): QueryResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, date },
    // Members the error shape adds (Organizations' Reason) go beside the message, as AWS sends them.
    body: JSON.stringify({ __type: code, message, ...members }),
  };
}
