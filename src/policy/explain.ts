// AWS's AccessDenied message, from an evaluation result:
//   User: <principal> is not authorized to perform: <action>[ on resource: <resource>] <reason>
// where the reason names the policy type: "with an explicit deny in an identity-based policy" or
// "because no identity-based policy allows the <action> action" (troubleshoot_access-denied).
import type { EvaluationResult, PolicyType } from './types.ts';

const EXPLICIT: Record<PolicyType, string> = {
  'identity-based': 'an identity-based policy',
  'resource-based': 'a resource-based policy',
  'role trust': 'the role trust policy',
  'permissions boundary': 'a permissions boundary',
  // AWS's wording, as its troubleshooting guide quotes it.
  session: 'a sessions policy',
  'service control': 'a service control policy',
  'resource control': 'a resource control policy',
};

const IMPLICIT: Record<PolicyType, string> = {
  'identity-based': 'no identity-based policy',
  'resource-based': 'no resource-based policy',
  'role trust': 'no role trust policy',
  'permissions boundary': 'no permissions boundary',
  session: 'no session policy',
  'service control': 'no service control policy',
  'resource control': 'no resource control policy',
};

export interface DeniedRequest {
  readonly principalArn: string;
  /** As AWS spells it, e.g. "iam:ListUsers". */
  readonly action: string;
  /** Omitted from the message when "*" (actions without a resource). */
  readonly resource: string;
  readonly result: EvaluationResult;
}

export function accessDeniedMessage({ principalArn, action, resource, result }: DeniedRequest): string {
  const onResource = resource === '*' ? '' : ` on resource: ${resource}`;
  const head = `User: ${principalArn} is not authorized to perform: ${action}${onResource}`;
  const type = result.deniedBy ?? 'identity-based';
  // For SCPs AWS always says "explicit deny", even when no SCP allowed (an implicit deny).
  if (result.decision === 'explicitDeny' || type === 'service control') {
    return `${head} with an explicit deny in ${EXPLICIT[type]}`;
  }
  return `${head} because ${IMPLICIT[type]} allows the ${action} action`;
}
