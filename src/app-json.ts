// The JSON-protocol services on "/" (X-Amz-Target): CloudTrail's LookupEvents over the audit trail,
// and AWS Organizations.
import type { Iam } from './domain/iam.ts';
import { cloudTrailOperations } from './domain/audit/index.ts';
import { organizationsOperations } from './domain/organizations/index.ts';
import { handleJsonRequest } from './protocols/aws-json/handler.ts';
import type { QueryHandlerDeps, QueryRequest, QueryResponse } from './protocols/aws-query/handler.ts';

/** The JSON protocol's services, reporting failures and calls where the Query protocol does. */
export function jsonProtocol(
  iam: Iam,
  report: Pick<QueryHandlerDeps, 'logError' | 'observe' | 'audit'>,
): (request: QueryRequest) => Promise<QueryResponse> {
  const deps = {
    iam,
    operations: { cloudtrail: cloudTrailOperations, organizations: organizationsOperations },
    logError: report.logError,
    ...(report.observe ? { observe: report.observe } : {}),
    ...(report.audit ? { audit: report.audit } : {}),
  };
  return (request) => handleJsonRequest(deps, request);
}
