// HTTP status and fault side of every error code the Query protocol sends. The service's own
// codes come from its model (error shapes' `error.code` / `httpStatusCode` / `senderFault`);
// the codes every AWS Query service shares are listed below.
//
// Sources for the shared table: AWS IAM and STS API Reference, "Common Errors"; real responses:
//   - ExpiredToken (an expired session token on any call) is HTTP 403 with code "ExpiredToken"
//     (IAM: cfn-sphere/cfn-sphere#55 quotes the full 403 response; STS: aws/aws-sdk-java-v2#1649).
//     STS's modelled ExpiredTokenException (400) is a different error: an expired *web identity*
//     token passed to AssumeRoleWithWebIdentity/SAML, and comes from the model.
//   - IncompleteSignature and MalformedQueryString use 400, as protocols/aws-query/sigv4 does.
//   - InvalidAction and MalformedInput: 400 (STS wire probe against AWS).

import { getModel, type QueryService } from '../model/index.ts';

export type ErrorType = 'Sender' | 'Receiver';

/** AWS's documented text for InternalFailure (IAM/STS API Reference, "Common Errors"). */
export const INTERNAL_FAILURE_MESSAGE =
  'The request processing has failed because of an unknown error, exception or failure.';

const COMMON: Record<string, number> = {
  AccessDenied: 403,
  AccessDeniedException: 400,
  ExpiredToken: 403,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidParameterCombination: 400,
  InvalidParameterValue: 400,
  InvalidQueryParameter: 400,
  MalformedInput: 400,
  MalformedQueryString: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  MissingParameter: 400,
  NotAuthorized: 400,
  OptInRequired: 403,
  RequestExpired: 400,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  Throttling: 400,
  ThrottlingException: 400,
  ValidationError: 400,
};

interface ModelledError {
  status: number;
  type: ErrorType;
}

const modelled = new Map<QueryService, Map<string, ModelledError>>();

function modelledErrors(service: QueryService): Map<string, ModelledError> {
  let table = modelled.get(service);
  if (table === undefined) {
    table = new Map();
    for (const shape of Object.values(getModel(service).shapes)) {
      const code = shape.error?.code;
      const status = shape.error?.httpStatusCode;
      if (code === undefined || status === undefined) continue;
      table.set(code, { status, type: shape.error?.senderFault ? 'Sender' : 'Receiver' });
    }
    modelled.set(service, table);
  }
  return table;
}

/** The HTTP status AWS answers `code` with; an unknown code is a client error, 400. */
export function httpStatusFor(service: QueryService, code: string): number {
  const fromModel = modelledErrors(service).get(code);
  if (fromModel !== undefined) return fromModel.status;
  return Object.hasOwn(COMMON, code) ? (COMMON[code] as number) : 400;
}

/** "Sender" for client errors, "Receiver" for AWS-side failures (the model's senderFault, else 5xx). */
export function errorTypeFor(service: QueryService, code: string): ErrorType {
  const fromModel = modelledErrors(service).get(code);
  if (fromModel !== undefined) return fromModel.type;
  return httpStatusFor(service, code) >= 500 ? 'Receiver' : 'Sender';
}

/** Every code the service's errors can carry: its model's and the shared ones (a bounded set). */
export function knownErrorCodes(service: QueryService): string[] {
  return [...modelledErrors(service).keys(), ...Object.keys(COMMON)];
}
