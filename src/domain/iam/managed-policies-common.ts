// What the managed-policy operations share: reading a PolicyArn parameter, finding the policy it
// names (customer managed in the Store, or AWS managed in the built-in catalog), the Policy and
// PolicyVersion structures as AWS returns them, usage counts, and AWS's error texts.
//
// AWS's texts (recorded from real AWS in LocalStack's IAM snapshots unless said otherwise):
//   NoSuchEntity  "Policy <arn> was not found."                              GetPolicy, DeletePolicy, TagPolicy, Detach*Policy
//   NoSuchEntity  "Policy <arn> does not exist or is not attachable."        Attach*Policy, ListEntitiesForPolicy
//   NoSuchEntity  "Policy <arn> version <v> does not exist or is not attachable."
//                                                                            GetPolicyVersion, DeletePolicyVersion, SetDefaultPolicyVersion
//   ValidationError "ARN <value> is not valid."                              a PolicyArn that is no ARN at all (AttachUserPolicy)
//   InvalidInput  "ARN <arn> is not valid."                                  an ARN that does not name a policy
//   AccessDenied  "Cannot delete policies outside your own account."         DeletePolicy on an AWS managed policy
//   AccessDenied  "Cannot delete policy versions for policies outside your own account."
//   AccessDenied  "Cannot update policies outside your own account."         SetDefaultPolicyVersion
import type { AwsManagedPolicy } from '../iam.ts';
import { IamError } from '../errors.ts';
import { parsePolicyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { ManagedPolicyRecord, PolicyVersionRecord, RoleRecord, Tag, UserRecord } from '../records.ts';
import { policies, policyAttachments, roles, users } from '../tables.ts';
import type { Input, OperationContext } from '../operation.ts';
import { encodePolicyDocument } from '../policy-documents.ts';

/** Customer managed policies per account (IAM quotas: 1,500 by default). */
export const POLICIES_QUOTA = 1500;
/** Versions a managed policy may have at once (IAM quotas: 5, fixed). */
export const VERSIONS_PER_POLICY = 5;
/** Managed policies attached to one user, group or role (IAM quotas: 10 by default). */
export const ATTACHED_POLICIES_QUOTA = 10;

export interface ParsedPolicyArn {
  readonly arn: string;
  /** The account id, or "aws" for AWS managed policies. */
  readonly account: string;
  readonly path: string;
  readonly name: string;
}

/** Reads a PolicyArn parameter; a value that is no policy ARN gets AWS's error. */
export function readPolicyArn(arn: string): ParsedPolicyArn {
  if (!arn.startsWith('arn:')) throw new IamError('ValidationError', `ARN ${arn} is not valid.`);
  const parsed = parsePolicyArn(arn);
  if (!parsed) throw new IamError('InvalidInput', `ARN ${arn} is not valid.`);
  return { arn, ...parsed };
}

/** A managed policy found by ARN: customer managed (a Store record) or AWS managed (the catalog). */
export type FoundPolicy =
  | { readonly kind: 'customer'; readonly record: ManagedPolicyRecord }
  | { readonly kind: 'aws'; readonly policy: AwsManagedPolicy };

/** The policy this ARN names in the caller's account or AWS's catalog, if it exists. */
export async function findPolicy(
  ctx: OperationContext,
  tx: StoreTx,
  ref: ParsedPolicyArn,
): Promise<FoundPolicy | undefined> {
  if (ref.account === 'aws') {
    const policy = ctx.iam.awsManagedPolicies.get(ref.arn);
    return policy ? { kind: 'aws', policy } : undefined;
  }
  if (ref.account !== ctx.caller.account) return undefined;
  const record = await findCustomerPolicy(tx, ref.account, ref.arn);
  return record && { kind: 'customer', record };
}

/** The account's customer managed policy of this ARN (names are unique whatever the path). */
export function findCustomerPolicy(
  tx: StoreTx,
  account: string,
  arn: string,
): Promise<ManagedPolicyRecord | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed || parsed.account !== account) return Promise.resolve(undefined);
  // An ARN with another path than the policy's names nothing.
  return tx
    .find(policies, { account, name_lower: parsed.name.toLowerCase() })
    .then((record) => (record?.arn === arn ? record : undefined));
}

export function tagsOfPolicy(found: FoundPolicy | undefined): readonly Tag[] | undefined {
  return found?.kind === 'customer' ? found.record.tags : undefined;
}

// ---- errors

export function policyNotFound(arn: string): IamError {
  return new IamError('NoSuchEntity', `Policy ${arn} was not found.`);
}

export function policyNotAttachable(arn: string): IamError {
  return new IamError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
}

export function versionNotFound(arn: string, versionId: string): IamError {
  return new IamError(
    'NoSuchEntity',
    `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
  );
}

// ---- usage: attachments and permissions boundaries, counted by the database

export interface PolicyUsage {
  readonly attachments: number;
  readonly boundaries: number;
}

/** How many users, groups and roles have the policy attached, and how many use it as their boundary. */
export async function usageOf(tx: StoreTx, account: string, arn: string): Promise<PolicyUsage> {
  return {
    attachments: await tx.count(policyAttachments, { account, policy_arn: arn }),
    boundaries:
      (await tx.count(users, { account, boundary: arn })) +
      (await tx.count(roles, { account, boundary: arn })),
  };
}

/** Every policy's usage in the account at once, by ARN (policies in use by nothing are absent). */
export async function usageByArn(tx: StoreTx, account: string): Promise<(arn: string) => PolicyUsage> {
  const attached = await tx.tally(policyAttachments, 'policy_arn', { account });
  const userBoundaries = await tx.tally(users, 'boundary', { account });
  const roleBoundaries = await tx.tally(roles, 'boundary', { account });
  return (arn) => ({
    attachments: attached.get(arn) ?? 0,
    boundaries: (userBoundaries.get(arn) ?? 0) + (roleBoundaries.get(arn) ?? 0),
  });
}

export interface BoundaryHolder {
  readonly type: 'user' | 'role';
  readonly record: UserRecord | RoleRecord;
}

/** The users and roles whose permissions boundary is this policy. */
export async function boundaryHolders(tx: StoreTx, account: string, arn: string): Promise<BoundaryHolder[]> {
  const where = { account, boundary: arn };
  return [
    ...(await tx.list(users, { where })).map((record) => ({ type: 'user' as const, record })),
    ...(await tx.list(roles, { where })).map((record) => ({ type: 'role' as const, record })),
  ];
}

// ---- output structures

export type PolicyView = 'get' | 'create' | 'list';

/**
 * The Policy structure. GetPolicy carries Description and Tags; ListPolicies carries neither (API
 * reference, Policy data type: "not included in the response to the ListPolicies operation").
 */
export function policyOutput(
  found: FoundPolicy,
  usage: PolicyUsage,
  view: PolicyView,
): Record<string, unknown> {
  if (found.kind === 'aws') {
    const p = found.policy;
    return {
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.defaultVersionId,
      AttachmentCount: usage.attachments,
      PermissionsBoundaryUsageCount: usage.boundaries,
      IsAttachable: true,
      ...(view !== 'list' && p.description ? { Description: p.description } : {}),
      CreateDate: p.createDate,
      UpdateDate: p.updateDate,
      // AWS's GetPolicy of an AWS managed policy carries an empty tag list (recorded responses,
      // issue 16); those policies cannot be tagged (TagPolicy takes customer managed ones only).
      ...(view === 'get' ? { Tags: [] } : {}),
    };
  }
  const r = found.record;
  return {
    PolicyName: r.name,
    PolicyId: r.id,
    Arn: r.arn,
    Path: r.path,
    DefaultVersionId: r.defaultVersionId,
    AttachmentCount: usage.attachments,
    PermissionsBoundaryUsageCount: usage.boundaries,
    IsAttachable: true,
    ...(view !== 'list' && r.description !== undefined ? { Description: r.description } : {}),
    CreateDate: r.createdAt,
    UpdateDate: r.updatedAt,
    ...(view !== 'list' && r.tags.length > 0 ? { Tags: r.tags } : {}),
  };
}

/** A version as listed: its id and creation date (ListPolicyVersions sends no document). */
export interface ListedVersion {
  readonly versionId: string;
  readonly createdAt: string;
}

/** The versions of a policy as AWS keeps them: every version of an AWS managed policy, oldest first. */
export function versionsOf(found: FoundPolicy): {
  versions: readonly ListedVersion[];
  defaultVersionId: string;
} {
  if (found.kind === 'customer')
    return { versions: found.record.versions, defaultVersionId: found.record.defaultVersionId };
  const p = found.policy;
  return {
    versions: p.versions.map((v) => ({ versionId: v.versionId, createdAt: v.createDate })),
    defaultVersionId: p.defaultVersionId,
  };
}

/**
 * A version with its document, if the policy has it. An AWS managed policy's older documents are
 * read from the catalog's history on demand; a version whose document the catalog's source did not
 * record is not found.
 */
export async function versionWithDocument(
  ctx: OperationContext,
  found: FoundPolicy,
  versionId: string,
): Promise<PolicyVersionRecord | undefined> {
  if (found.kind === 'customer') return found.record.versions.find((v) => v.versionId === versionId);
  const version = found.policy.versions.find((v) => v.versionId === versionId);
  if (!version?.recorded) return undefined;
  const document = (await ctx.iam.awsManagedPolicies.documents(found.policy)).get(versionId);
  return document === undefined ? undefined : { versionId, document, createdAt: version.createDate };
}

/** The PolicyVersion structure; Document only where AWS sends it (GetPolicyVersion). */
export function versionOutput(
  version: ListedVersion & { readonly document?: string },
  defaultVersionId: string,
  withDocument: boolean,
): Record<string, unknown> {
  return {
    ...(withDocument && version.document !== undefined
      ? { Document: encodePolicyDocument(version.document) }
      : {}),
    VersionId: version.versionId,
    IsDefaultVersion: version.versionId === defaultVersionId,
    CreateDate: version.createdAt,
  };
}

/** The version number of "v3" (or of "v3.something", which the model's pattern allows). */
export function versionNumber(versionId: string): number {
  return Number.parseInt(versionId.slice(1), 10);
}

/** Tags as given to CreatePolicy/TagPolicy: AWS's own duplicate-key message for policies. */
export function policyTagsOf(input: Input): Tag[] {
  const tags = (input.Tags as readonly Tag[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const lower = tag.Key.toLowerCase();
    if (seen.has(lower)) throw new IamError('InvalidInput', 'Duplicate tag keys found.');
    seen.add(lower);
  }
  return tags.map((t) => ({ Key: t.Key, Value: t.Value ?? '' }));
}
