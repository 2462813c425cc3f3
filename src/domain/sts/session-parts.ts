// What the STS operations that issue credentials share: the session record and the credentials
// handed out once, session tags and session policies validated as AWS validates them, role ARNs.
import {
  createRequest,
  evaluate,
  parsePolicy,
  policySize,
  type CompiledPolicy,
  type ContextValue,
} from '../../policy/index.ts';
import { newAccessKeyId, newSecretAccessKey } from '../../crypto/ids.ts';
import { hashSessionToken, newStsSessionToken } from '../../crypto/session-tokens.ts';
import type { Input } from '../operation.ts';
import { str } from '../operation.ts';
import type { Iam } from '../iam.ts';
import { IamError } from '../errors.ts';
import { parsePolicyArn } from '../names.ts';
import type { RoleRecord, Tag } from '../records.ts';
import { trustPolicyForEvaluation } from '../iam/trust-principals.ts';
import type { StoreTx } from '../store.ts';
import { stsSessions } from '../tables.ts';
import { loadManagedPolicyDocument } from '../policy-documents.ts';
import type { SessionRecord } from './sessions.ts';

export const PACKED_POLICY_LIMIT = 2048;

export type SessionFields = Omit<
  SessionRecord,
  'accessKeyId' | 'sealedSecret' | 'tokenHash' | 'issuedAt' | 'expiresAt'
>;

/** Creates the session record and the credentials handed out once: ASIA key, secret, token. */
export async function issueSession(iam: Iam, tx: StoreTx, durationSeconds: number, fields: SessionFields) {
  const now = iam.now();
  const accessKeyId = newAccessKeyId('temporary');
  const secretAccessKey = newSecretAccessKey();
  const expiresAt = iso(new Date(now.getTime() + durationSeconds * 1000));
  const sessionToken = newStsSessionToken(iam.sealer.mac, accessKeyId, Date.parse(expiresAt));
  const record: SessionRecord = {
    ...fields,
    accessKeyId,
    sealedSecret: iam.sealer.seal(secretAccessKey, `session:${accessKeyId}`),
    tokenHash: hashSessionToken(sessionToken),
    issuedAt: iso(now),
    expiresAt,
  };
  await tx.insert(stsSessions, record);
  return {
    record,
    output: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      SessionToken: sessionToken,
      Expiration: record.expiresAt,
    },
  };
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/;

export function parseRoleArn(arn: string): { account: string; path: string; name: string } | null {
  const match = ROLE_ARN.exec(arn);
  return match ? { account: match[1]!, path: match[2] ?? '/', name: match[3]! } : null;
}

export function sessionTags(input: Input): Tag[] {
  const tags = ((input.Tags as Tag[] | undefined) ?? []).map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
  const seen = new Set<string>();
  for (const tag of tags) {
    const lower = tag.Key.toLowerCase();
    if (seen.has(lower))
      throw new IamError(
        'InvalidParameterValue',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    seen.add(lower);
  }
  return tags;
}

export function transitiveKeys(input: Input, tags: readonly Tag[]): string[] {
  const keys = (input.TransitiveTagKeys as string[] | undefined) ?? [];
  for (const k of keys) {
    if (!tags.some((t) => t.Key.toLowerCase() === k.toLowerCase())) {
      throw new IamError(
        'InvalidParameterValue',
        'The specified transitive tag key must be included in the requested tags.',
      );
    }
  }
  return keys;
}

export function requestTags(tags: readonly Tag[]): Record<string, ContextValue> {
  if (tags.length === 0) return {};
  const context: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  return context;
}

/** The inline session policy, validated as IAM validates session policies. */
export function sessionPolicy(input: Input): string | undefined {
  const text = str(input, 'Policy');
  if (text === undefined) return undefined;
  const parsed = parsePolicy(text, { kind: 'session' });
  if (!parsed.ok) throw new IamError(parsed.error.code, parsed.error.message);
  if (policySize(text) > PACKED_POLICY_LIMIT) {
    throw new IamError(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${packedSize(text, [])}% of allotted space, please use smaller policy.`,
    );
  }
  return text;
}

/** Session policy ARNs must name managed policies the session's account can attach. */
export async function requirePolicyArns(
  iam: Iam,
  tx: StoreTx,
  account: string,
  arns: readonly string[],
): Promise<void> {
  for (const arn of arns) {
    const parsed = parsePolicyArn(arn);
    const document = parsed && (await loadManagedPolicyDocument(iam, tx, account, arn));
    if (!document)
      throw new IamError('InvalidParameterValue', `Policy ${arn} does not exist or is not attachable.`);
  }
}

/** AWS reports session policies' packed size as a percentage of the allowed size. */
export function packedSize(inlinePolicy: string | undefined, policyArns: readonly string[]): number {
  const size =
    (inlinePolicy ? policySize(inlinePolicy) : 0) + policyArns.reduce((n, arn) => n + arn.length, 0);
  return Math.ceil((size / PACKED_POLICY_LIMIT) * 100);
}

export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** AWS's refusal of a federated caller: it names no principal (IAM User Guide, "Troubleshoot SAML"). */
export function notAuthorizedTo(action: string): IamError {
  return new IamError('AccessDenied', `Not authorized to perform ${action}`);
}

/**
 * The role's trust policy decides for a web identity or a SAML response: the principal is the
 * identity provider (`{"Federated": <provider ARN>}`), which has no identity-based policies. The
 * RCPs of the role's account, when it is a member's (rcp-scope.ts), limit it too.
 */
export function authorizeFederatedTrust(
  iam: Iam,
  role: RoleRecord,
  roleArn: string,
  provider: { readonly type: 'web-identity' | 'saml'; readonly arn: string },
  action: string,
  context: readonly Readonly<Record<string, ContextValue>>[],
  resourceControlPolicies: readonly (readonly CompiledPolicy[])[] | undefined,
): void {
  const trust = iam.compile(trustPolicyForEvaluation(role), 'trust', `${role.id} trust policy`);
  const request = createRequest({
    action,
    resource: roleArn,
    principal: {
      arn: provider.arn,
      account: role.account,
      type: provider.type,
      federatedProvider: provider.arn,
    },
    context,
  });
  const result = evaluate({
    request,
    resourcePolicies: [trust],
    resourceAccount: role.account,
    resourceControlPolicies,
  });
  if (result.decision !== 'allowed') throw notAuthorizedTo(action);
}
