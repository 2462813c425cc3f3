// What the two JSON wires (JSON 1.1 and REST-JSON) share: the body read as a JSON document, and the
// names those services give the signature and access errors the Query services name otherwise.
import { bodyText } from '../wire.ts';
import type { QueryRequest } from '../aws-query/handler.ts';

/** The body as JSON (an empty body is `{}`); undefined when it is not JSON. */
export function jsonBody(req: QueryRequest): unknown {
  try {
    const text = bodyText(req);
    return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** The JSON services' codes for the errors the Query services call otherwise (same texts). */
export function jsonErrorCode(code: string): string {
  switch (code) {
    case 'InvalidClientTokenId':
      return 'UnrecognizedClientException';
    case 'SignatureDoesNotMatch':
      return 'InvalidSignatureException';
    case 'MissingAuthenticationToken':
      return 'MissingAuthenticationTokenException';
    case 'IncompleteSignature':
      return 'IncompleteSignatureException';
    case 'AccessDenied':
      return 'AccessDeniedException';
    default:
      return code;
  }
}
