// Label values for the metrics, from closed sets only: a label's every value is a separate series
// in Prometheus, so anything a client can make up (an action name, an error code) is checked
// against AWS's models and the codes this server sends before it becomes a label.
import { getModel } from '../protocols/aws-query/model/index.ts';
import { knownErrorCodes } from '../protocols/aws-query/codec/error-codes.ts';
import { REQUEST_TOO_LARGE } from '../protocols/aws-query/errors.ts';
import { jsonModel } from '../protocols/aws-json/model.ts';
import { restJsonModel } from '../protocols/rest-json/model.ts';

/** The services requests are counted under: the API's, and the web console's pages. */
export type MetricService = 'iam' | 'sts' | 'cloudtrail' | 'organizations' | 'access-analyzer' | 'console';

/** An action or code outside the known sets. */
export const UNKNOWN = 'Unknown';
/** An error whose code is not one this server is known to send. */
export const OTHER_ERROR = 'OtherError';

const ACTIONS: Readonly<Record<Exclude<MetricService, 'console'>, ReadonlySet<string>>> = {
  iam: new Set(Object.keys(getModel('iam').operations)),
  sts: new Set(Object.keys(getModel('sts').operations)),
  cloudtrail: new Set(Object.keys(jsonModel('cloudtrail').operations)),
  organizations: new Set(Object.keys(jsonModel('organizations').operations)),
  'access-analyzer': new Set(Object.keys(restJsonModel('access-analyzer').operations)),
};

/**
 * The codes calls can fail with: IAM's and STS's modelled and shared codes, the JSON protocol's
 * (CloudTrail's modelled exceptions and the protocol's own), and the size refusal.
 */
const ERROR_CODES: ReadonlySet<string> = new Set([
  ...knownErrorCodes('iam'),
  ...knownErrorCodes('sts'),
  ...Object.entries(jsonModel('cloudtrail').shapes)
    .filter(([, shape]) => shape.exception)
    .map(([name]) => name),
  ...Object.entries(jsonModel('organizations').shapes)
    .filter(([, shape]) => shape.exception)
    .map(([name]) => name),
  ...Object.entries(restJsonModel('access-analyzer').shapes)
    .filter(([, shape]) => shape.exception)
    .map(([name]) => name),
  'MissingAuthenticationTokenException',
  'UnknownOperationException',
  'SerializationException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'AccessDeniedException',
  REQUEST_TOO_LARGE.code,
]);

/** The action as its model names it, or Unknown (a missing, misspelt or made-up Action). */
export function actionLabel(service: Exclude<MetricService, 'console'>, action: string | undefined): string {
  return action !== undefined && ACTIONS[service].has(action) ? action : UNKNOWN;
}

/** "ok", or the error's code when it is one this server sends, else OtherError. */
export function outcomeLabel(errorCode: string | undefined): string {
  if (errorCode === undefined) return 'ok';
  return ERROR_CODES.has(errorCode) ? errorCode : OTHER_ERROR;
}

/** A console page's outcome: ok (answered or redirected), ClientError (4xx) or ServerError (5xx). */
export function consoleOutcomeLabel(status: number): string {
  return status < 400 ? 'ok' : status < 500 ? 'ClientError' : 'ServerError';
}

export function isAccessDenied(errorCode: string | undefined): boolean {
  return errorCode === 'AccessDenied' || errorCode === 'AccessDeniedException';
}
