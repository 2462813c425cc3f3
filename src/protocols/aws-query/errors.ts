// The one place domain errors meet the Query protocol's wire: an IamError leaves with its own AWS
// code, message and HTTP status; anything else is an unexpected failure and leaves as a generic
// 500 InternalFailure whose text says nothing about the cause (which may hold secrets). Callers
// log the cause themselves.

import { IamError } from '../../domain/errors.ts';
import type { QueryService } from './model/index.ts';
import { encodeQueryError } from './codec/encode.ts';
import { errorTypeFor, httpStatusFor, INTERNAL_FAILURE_MESSAGE } from './codec/error-codes.ts';

export { httpStatusFor, errorTypeFor, INTERNAL_FAILURE_MESSAGE };

export function toQueryErrorResponse(
  service: QueryService,
  err: unknown,
  requestId: string,
): { status: number; body: string } {
  if (err instanceof IamError) {
    const code = err.code;
    return {
      status: httpStatusFor(service, code),
      body: encodeQueryError(
        service,
        { code, message: err.message, type: errorTypeFor(service, code) },
        requestId,
      ),
    };
  }
  return {
    status: 500,
    body: encodeQueryError(
      service,
      { code: 'InternalFailure', message: INTERNAL_FAILURE_MESSAGE, type: 'Receiver' },
      requestId,
    ),
  };
}

/** What a body over the server's size limit is refused with. */
export const REQUEST_TOO_LARGE = { code: 'RequestEntityTooLarge', message: 'Request body is too large.' };

/** A body over the server's size limit: refused with 413, before or while it is read. */
export function requestTooLargeResponse(requestId: string): { status: number; body: string } {
  return { status: 413, body: encodeQueryError('iam', REQUEST_TOO_LARGE, requestId) };
}
