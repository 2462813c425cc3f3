// Policy size as IAM counts it, and the quotas it is checked against.
//
// IAM does not count white space towards its policy size quotas (IAM User Guide, "IAM and AWS STS
// quotas": "IAM doesn't count white space when calculating the size of a policy against these
// limits"). The quotas and AWS's messages when one is exceeded (code LimitExceeded, HTTP 409):
//   managed policy (CreatePolicy, CreatePolicyVersion)  6,144   "Cannot exceed quota for PolicySize: 6144"
//   inline policies, aggregate per user (PutUserPolicy)  2,048  "Maximum policy size of 2048 bytes exceeded for user NAME"
//   inline policies, aggregate per group (PutGroupPolicy) 5,120 "Maximum policy size of 5120 bytes exceeded for group NAME"
//   inline policies, aggregate per role (PutRolePolicy)  10,240 "Maximum policy size of 10240 bytes exceeded for role NAME"
//   role trust policy (CreateRole, UpdateAssumeRolePolicy) 2,048 (raisable to 4,096)
//                                                          "Cannot exceed quota for ACLSizePerRole: 2048"

import type { PolicyError } from './types.ts';

export type PolicySizeLimit = 'managed' | 'user-inline' | 'group-inline' | 'role-inline' | 'trust';

/** The default quota for each kind of policy, in characters excluding white space. */
export const POLICY_SIZE_LIMITS: Readonly<Record<PolicySizeLimit, number>> = Object.freeze({
  managed: 6_144,
  'user-inline': 2_048,
  'group-inline': 5_120,
  'role-inline': 10_240,
  trust: 2_048,
});

/**
 * The size IAM charges a policy: its characters (UTF-16 code units, as Java counts them) excluding
 * white space (space, tab, line feed, carriage return, vertical tab, form feed) anywhere in the text.
 */
export function policySize(text: string): number {
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 0x20 space, 0x09 tab, 0x0a line feed, 0x0b vertical tab, 0x0c form feed, 0x0d carriage return
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) size++;
  }
  return size;
}

/**
 * The LimitExceeded error when `size` is over the quota for `limit`, otherwise null. `entityName`
 * names the user, group or role in the inline-policy messages (ignored for the others). For inline
 * policies `size` is the aggregate over all of the entity's inline policies, as IAM enforces it.
 * `quota` overrides the default, e.g. a trust policy quota raised to 4,096.
 */
export function checkPolicySize(
  size: number,
  limit: PolicySizeLimit,
  entityName: string,
  quota: number = POLICY_SIZE_LIMITS[limit],
): PolicyError | null {
  if (!(size > quota)) return null;
  return { code: 'LimitExceeded', message: sizeMessage(limit, entityName, quota) };
}

function sizeMessage(limit: PolicySizeLimit, entityName: string, quota: number): string {
  switch (limit) {
    case 'managed':
      return `Cannot exceed quota for PolicySize: ${quota}`;
    case 'trust':
      return `Cannot exceed quota for ACLSizePerRole: ${quota}`;
    case 'user-inline':
      return `Maximum policy size of ${quota} bytes exceeded for user ${entityName}`;
    case 'group-inline':
      return `Maximum policy size of ${quota} bytes exceeded for group ${entityName}`;
    case 'role-inline':
      return `Maximum policy size of ${quota} bytes exceeded for role ${entityName}`;
  }
}
