// The REST-JSON services (routed by method and path): IAM Access Analyzer's ValidatePolicy over
// `portcullis lint`'s checks.
import type { Iam } from './domain/iam.ts';
import { validatePolicy } from './domain/access-analyzer/validate-policy.ts';
import { handleRestJsonRequest, servesRestJson } from './protocols/rest-json/handler.ts';
import type { QueryHandlerDeps, QueryRequest, QueryResponse } from './protocols/aws-query/handler.ts';

/** The REST-JSON protocol's services, reporting failures and calls where the Query protocol does. */
export function restJsonProtocol(
  iam: Iam,
  report: Pick<QueryHandlerDeps, 'logError' | 'observe' | 'audit'>,
): { serves(method: string, path: string): boolean; handle(request: QueryRequest): Promise<QueryResponse> } {
  const deps = {
    iam,
    operations: { 'access-analyzer': { ValidatePolicy: validatePolicy } },
    logError: report.logError,
    ...(report.observe ? { observe: report.observe } : {}),
    ...(report.audit ? { audit: report.audit } : {}),
  };
  return { serves: servesRestJson, handle: (request) => handleRestJsonRequest(deps, request) };
}
