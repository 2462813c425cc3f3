// The JSON-protocol services on "/" (X-Amz-Target): CloudTrail's LookupEvents over the audit trail.
import type { Iam } from './domain/iam.ts';
import { cloudTrailOperations } from './domain/audit/index.ts';
import { handleJsonRequest } from './protocols/aws-json/handler.ts';
import type { QueryRequest, QueryResponse } from './protocols/aws-query/handler.ts';

export function jsonProtocol(
  iam: Iam,
  logError: (error: unknown, requestId: string) => void,
): (request: QueryRequest) => Promise<QueryResponse> {
  const deps = { iam, operations: { cloudtrail: cloudTrailOperations }, logError };
  return (request) => handleJsonRequest(deps, request);
}
