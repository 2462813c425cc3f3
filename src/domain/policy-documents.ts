// Reading the default version of a managed policy, customer managed (in the Store) or AWS managed
// (the built-in catalog).
import type { Iam } from './iam.ts';
import type { StoreTx } from './store.ts';
import { parsePolicyArn } from './names.ts';
import { policies } from './tables.ts';

export async function loadManagedPolicyDocument(
  iam: Iam,
  tx: StoreTx,
  account: string,
  arn: string,
): Promise<string | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed) return undefined;
  if (parsed.account === 'aws') return iam.awsManagedPolicies.get(arn)?.document;
  if (parsed.account !== account) return undefined;
  const policy = await tx.find(policies, { account, name_lower: parsed.name.toLowerCase() });
  if (!policy || policy.arn !== arn) return undefined;
  return policy.versions.find((v) => v.versionId === policy.defaultVersionId)?.document;
}

/**
 * A policy document as IAM returns it (API reference, PolicyVersion: "URL-encoded compliant with
 * RFC 3986"): only A-Z a-z 0-9 - . _ ~ stay as they are. The AWS CLI and botocore decode it; SDK
 * v3 leaves that to the caller (decodeURIComponent).
 */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
