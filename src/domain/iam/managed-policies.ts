// Managed policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, their versions
// (CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
// SetDefaultPolicyVersion) and tags; attaching them to users, groups and roles lives in
// managed-policies-attachments.ts. AWS managed policies (arn:aws:iam::aws:policy/...) come from the
// built-in catalog (iam.awsManagedPolicies): readable and attachable, never changed.
//
// AWS's rules (IAM API reference and quotas; messages recorded from real AWS, see
// managed-policies-common.ts):
// - Documents are validated as identity policies, then against the managed policy size quota
//   (6,144 characters without white space): "Cannot exceed quota for PolicySize: 6144".
// - Names are unique in the account regardless of case and path:
//   EntityAlreadyExists "A policy called <name> already exists. Duplicate names are not allowed."
// - At most 5 versions: LimitExceeded "A managed policy can have up to 5 versions. Before you create
//   a new version, you must delete an existing version." Version ids are never reused (v1, v2, ...).
// - The default version cannot be deleted: DeleteConflict "Cannot delete the default version of a policy."
// - DeletePolicy refuses while the policy is attached or used as a permissions boundary
//   ("Cannot delete a policy attached to entities.") and while it has versions besides the default
//   ("This policy has more than one version. Before you delete a policy, you must delete the
//   policy's versions. The default version is deleted with the policy." — as AWS answers).
// - UpdateDate is when the most recent version was created (API reference, Policy data type).
// - ListPolicyVersions lists newest first and, like CreatePolicyVersion, leaves Document out.
import { newUniqueId } from '../../crypto/ids.ts';
import { checkPolicySize, parsePolicy, policySize, type ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import { policyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { ManagedPolicyRecord } from '../records.ts';
import { policies } from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  encodeMarker,
  isoNow,
  mergeTags,
  pageOutput,
  pageRequest,
  removeTags,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  positionalPage,
  writeTx,
} from '../operation.ts';
import {
  type FoundPolicy,
  type ParsedPolicyArn,
  POLICIES_QUOTA,
  VERSIONS_PER_POLICY,
  type PolicyUsage,
  findPolicy,
  policyNotFound,
  policyOutput,
  policyTagsOf,
  readPolicyArn,
  tagsOfPolicy,
  usageByArn,
  usageOf,
  versionNotFound,
  versionNumber,
  versionOutput,
  versionsOf,
  versionWithDocument,
} from './managed-policies-common.ts';
import { managedPolicyAttachmentOperations } from './managed-policies-attachments.ts';

/**
 * Validates a managed policy document as IAM does: the grammar, then the size quota. Over it, AWS
 * answers LimitExceeded "Cannot exceed quota for PolicySize: 6144" on CreatePolicy
 * (https://github.com/docker/docs/issues/6218) and CreatePolicyVersion
 * (https://github.com/terraform-aws-modules/terraform-aws-eks/issues/3552), not MalformedPolicyDocument.
 */
export function validateManagedPolicyDocument(text: string, name: string): void {
  const parsed = parsePolicy(text, { kind: 'identity', id: name });
  if (!parsed.ok) throw new IamError(parsed.error.code, parsed.error.message);
  const tooBig = checkPolicySize(policySize(text), 'managed', name);
  if (tooBig) throw new IamError(tooBig.code, tooBig.message);
}

/** Finds the policy and authorizes the action on its ARN (with its tags), in that order. */
async function authorizedPolicy(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  ref: ParsedPolicyArn,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<FoundPolicy | undefined> {
  const found = await findPolicy(ctx, tx, ref);
  await check(ctx, tx, action, ref.arn, { ...resourceTagContext(tagsOfPolicy(found)), ...context });
  return found;
}

/** The customer managed policy to change; AWS managed and foreign policies get AWS's AccessDenied. */
function ownPolicy(
  ctx: OperationContext,
  ref: ParsedPolicyArn,
  found: FoundPolicy | undefined,
  outside: string,
  missing: () => IamError,
): ManagedPolicyRecord {
  if (ref.account !== ctx.caller.account) throw new IamError('AccessDenied', outside);
  if (found?.kind !== 'customer') throw missing();
  return found.record;
}

const CANNOT_UPDATE = 'Cannot update policies outside your own account.';

function savePolicy(tx: StoreTx, record: ManagedPolicyRecord): Promise<void> {
  return tx.update(policies, record);
}

function arnOf(found: FoundPolicy): string {
  return found.kind === 'aws' ? found.policy.arn : found.record.arn;
}

/** IAM's AccessDenied for ListPolicies names the path, not an ARN: "on resource: policy path /". */
async function checkListPolicies(ctx: OperationContext, tx: StoreTx, prefix: string): Promise<void> {
  const resource = policyArn(ctx.caller.account, prefix, '');
  try {
    await check(ctx, tx, 'iam:ListPolicies', resource);
  } catch (error) {
    if (error instanceof IamError && error.code === 'AccessDenied') {
      throw new IamError(
        'AccessDenied',
        error.message.replace(`on resource: ${resource}`, `on resource: policy path ${prefix}`),
      );
    }
    throw error;
  }
}

// ---- ListPolicies: customer managed policies (by name), then AWS managed ones (by policy id)
//
// AWS lists AWS managed policies by policy id, whatever their names and paths (recorded
// `aws iam list-policies` responses: ANPAI23HZ27SI6FQMGNQ2 AWSDirectConnectReadOnlyAccess,
// ANPAI2D5NJKMU274MET4E AmazonGlacierReadOnlyAccess, ANPAI2DV5ULJSO2FYVPYG AWSMarketplaceFullAccess,
// …), and an account's own policies before them (the AWS CLI reference's list-policies example).

interface Candidate {
  /** "0\0" + lower-case name for customer managed, "1\0" + policy id for AWS managed: the order and the Marker. */
  readonly sortKey: string;
  readonly found: FoundPolicy;
}

const SEPARATOR = '\u0000';
const CUSTOMER = `0${SEPARATOR}`;
const AWS_MANAGED = `1${SEPARATOR}`;

async function* customerCandidates(
  tx: StoreTx,
  account: string,
  after: string | undefined,
): AsyncGenerator<Candidate> {
  // A marker past the customer policies leaves none to list; one among them resumes after its name.
  if (after !== undefined && !after.startsWith(CUSTOMER)) return;
  let cursor = after?.slice(CUSTOMER.length);
  for (;;) {
    const batch = await tx.list(policies, {
      where: { account },
      orderBy: 'name_lower',
      after: cursor,
      limit: 200,
    });
    for (const record of batch) {
      cursor = record.name.toLowerCase();
      yield { sortKey: `${CUSTOMER}${cursor}`, found: { kind: 'customer', record } };
    }
    if (batch.length < 200) return;
  }
}

function* awsCandidates(ctx: OperationContext, after: string | undefined): Generator<Candidate> {
  // The catalog is ordered by policy id.
  for (const policy of ctx.iam.awsManagedPolicies.list()) {
    const sortKey = `${AWS_MANAGED}${policy.id}`;
    if (after !== undefined && sortKey <= after) continue;
    yield { sortKey, found: { kind: 'aws', policy } };
  }
}

async function listPolicies(
  ctx: OperationContext,
  tx: StoreTx,
  input: Input,
): Promise<Record<string, unknown>> {
  const { account } = ctx.caller;
  const scope = str(input, 'Scope') ?? 'All';
  const onlyAttached = input.OnlyAttached === true || input.OnlyAttached === 'true';
  const prefix = str(input, 'PathPrefix') ?? '/';
  const usageFilter = str(input, 'PolicyUsageFilter');
  const { after, maxItems } = pageRequest(input);

  // Every policy's usage in the account, counted by the database in three grouped queries.
  const usage = await usageByArn(tx, account);
  // PolicyUsageFilter keeps the policies used that way; OnlyAttached keeps those in use at all
  // (attached, or set as a boundary when the filter asks for boundaries).
  const keep = (c: Candidate, usage: PolicyUsage): boolean => {
    const path = c.found.kind === 'aws' ? c.found.policy.path : c.found.record.path;
    if (!path.startsWith(prefix)) return false;
    if (usageFilter === 'PermissionsBoundary') return usage.boundaries > 0;
    if (usageFilter === 'PermissionsPolicy' || onlyAttached) return usage.attachments > 0;
    return true;
  };

  const customer = scope === 'AWS' ? undefined : customerCandidates(tx, account, after);
  const aws = scope === 'Local' ? undefined : awsCandidates(ctx, after);
  let nextCustomer = customer ? (await customer.next()).value : undefined;
  let nextAws = aws ? aws.next().value : undefined;
  const page: { candidate: Candidate; usage: PolicyUsage }[] = [];
  while (page.length <= maxItems && (nextCustomer || nextAws)) {
    let candidate: Candidate;
    if (nextCustomer && (!nextAws || nextCustomer.sortKey < nextAws.sortKey)) {
      candidate = nextCustomer;
      nextCustomer = (await customer!.next()).value;
    } else {
      candidate = nextAws!;
      nextAws = aws!.next().value;
    }
    const used = usage(arnOf(candidate.found));
    if (keep(candidate, used)) page.push({ candidate, usage: used });
  }
  await customer?.return(undefined);
  const isTruncated = page.length > maxItems;
  const items = page.slice(0, maxItems);
  return {
    Policies: items.map(({ candidate, usage }) => policyOutput(candidate.found, usage, 'list')),
    IsTruncated: isTruncated,
    ...(isTruncated ? { Marker: encodeMarker(items[items.length - 1]!.candidate.sortKey) } : {}),
  };
}

// ---- the operations

const policyOperations: Record<string, Operation> = {
  async CreatePolicy(ctx, input) {
    const name = requiredStr(input, 'PolicyName');
    const path = str(input, 'Path') ?? '/';
    const document = requiredStr(input, 'PolicyDocument');
    const description = str(input, 'Description');
    const tags = policyTagsOf(input);
    const { account } = ctx.caller;
    const arn = policyArn(account, path, name);
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'iam:CreatePolicy', arn, requestTagContext(tags));
      validateManagedPolicyDocument(document, name);
      if (await tx.find(policies, { account, name_lower: name.toLowerCase() })) {
        throw new IamError(
          'EntityAlreadyExists',
          `A policy called ${name} already exists. Duplicate names are not allowed.`,
        );
      }
      if ((await tx.count(policies, { account })) >= POLICIES_QUOTA) {
        // Not confirmed against AWS: no recorded response with a public thread found (worded like
        // AWS's recorded quota texts, e.g. RolesPerAccount in roles.ts).
        throw new IamError('LimitExceeded', `Cannot exceed quota for PoliciesPerAccount: ${POLICIES_QUOTA}`);
      }
      const now = isoNow(ctx);
      const record: ManagedPolicyRecord = {
        account,
        id: newUniqueId('ANPA'),
        name,
        path,
        arn,
        createdAt: now,
        updatedAt: now,
        ...(description !== undefined ? { description } : {}),
        defaultVersionId: 'v1',
        versions: [{ versionId: 'v1', document, createdAt: now }],
        nextVersion: 2,
        tags,
      };
      await tx.insert(policies, record);
      return {
        Policy: policyOutput({ kind: 'customer', record }, { attachments: 0, boundaries: 0 }, 'create'),
      };
    });
  },

  async GetPolicy(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    return ctx.iam.store.read(async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:GetPolicy', ref);
      if (!found) throw policyNotFound(ref.arn);
      return { Policy: policyOutput(found, await usageOf(tx, ctx.caller.account, arnOf(found)), 'get') };
    });
  },

  async ListPolicies(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    return ctx.iam.store.read(async (tx) => {
      await checkListPolicies(ctx, tx, prefix);
      return listPolicies(ctx, tx, input);
    });
  },

  async DeletePolicy(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:DeletePolicy', ref);
      const record = ownPolicy(ctx, ref, found, 'Cannot delete policies outside your own account.', () =>
        policyNotFound(ref.arn),
      );
      const usage = await usageOf(tx, account, record.arn);
      if (usage.attachments > 0 || usage.boundaries > 0) {
        throw new IamError('DeleteConflict', 'Cannot delete a policy attached to entities.');
      }
      if (record.versions.length > 1) {
        throw new IamError(
          'DeleteConflict',
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      }
      await tx.delete(policies, record.id);
      return undefined;
    });
  },

  async CreatePolicyVersion(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const document = requiredStr(input, 'PolicyDocument');
    const setAsDefault = input.SetAsDefault === true || input.SetAsDefault === 'true';
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:CreatePolicyVersion', ref);
      const record = ownPolicy(ctx, ref, found, CANNOT_UPDATE, () => policyNotFound(ref.arn));
      validateManagedPolicyDocument(document, record.name);
      if (record.versions.length >= VERSIONS_PER_POLICY) {
        // AWS's text: https://github.com/99designs/iamy/issues/21
        throw new IamError(
          'LimitExceeded',
          `A managed policy can have up to ${VERSIONS_PER_POLICY} versions. Before you create a new version, you must delete an existing version.`,
        );
      }
      const now = isoNow(ctx);
      const version = { versionId: `v${record.nextVersion}`, document, createdAt: now };
      record.versions.push(version);
      record.nextVersion += 1;
      record.updatedAt = now;
      if (setAsDefault) record.defaultVersionId = version.versionId;
      await savePolicy(tx, record);
      return { PolicyVersion: versionOutput(version, record.defaultVersionId, false) };
    });
  },

  async GetPolicyVersion(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const versionId = requiredStr(input, 'VersionId');
    return ctx.iam.store.read(async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:GetPolicyVersion', ref);
      if (!found) throw versionNotFound(ref.arn, versionId);
      const version = await versionWithDocument(ctx, found, versionId);
      if (!version) throw versionNotFound(ref.arn, versionId);
      return { PolicyVersion: versionOutput(version, versionsOf(found).defaultVersionId, true) };
    });
  },

  async ListPolicyVersions(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    return ctx.iam.store.read(async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:ListPolicyVersions', ref);
      if (!found) throw policyNotFound(ref.arn);
      const { versions, defaultVersionId } = versionsOf(found);
      const newestFirst = [...versions].sort(
        (a, b) => versionNumber(b.versionId) - versionNumber(a.versionId),
      );
      return pageOutput(
        'Versions',
        positionalPage(newestFirst, (v) => v.versionId, input),
        (v) => versionOutput(v, defaultVersionId, false),
      );
    });
  },

  async DeletePolicyVersion(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const versionId = requiredStr(input, 'VersionId');
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:DeletePolicyVersion', ref);
      const record = ownPolicy(
        ctx,
        ref,
        found,
        'Cannot delete policy versions for policies outside your own account.',
        () => versionNotFound(ref.arn, versionId),
      );
      if (!record.versions.some((v) => v.versionId === versionId)) throw versionNotFound(ref.arn, versionId);
      if (record.defaultVersionId === versionId) {
        throw new IamError('DeleteConflict', 'Cannot delete the default version of a policy.');
      }
      record.versions = record.versions.filter((v) => v.versionId !== versionId);
      await savePolicy(tx, record);
      return undefined;
    });
  },

  async SetDefaultPolicyVersion(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const versionId = requiredStr(input, 'VersionId');
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:SetDefaultPolicyVersion', ref);
      const record = ownPolicy(ctx, ref, found, CANNOT_UPDATE, () => versionNotFound(ref.arn, versionId));
      if (!record.versions.some((v) => v.versionId === versionId)) throw versionNotFound(ref.arn, versionId);
      record.defaultVersionId = versionId;
      await savePolicy(tx, record);
      return undefined;
    });
  },

  async TagPolicy(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const tags = policyTagsOf(input);
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:TagPolicy', ref, requestTagContext(tags));
      const record = ownPolicy(ctx, ref, found, CANNOT_UPDATE, () => policyNotFound(ref.arn));
      record.tags = mergeTags(record.tags, tags);
      await savePolicy(tx, record);
      return undefined;
    });
  },

  async UntagPolicy(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    const tagKeys = (input.TagKeys as string[] | undefined) ?? [];
    return writeTx(ctx, async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:UntagPolicy', ref, { 'aws:TagKeys': tagKeys });
      const record = ownPolicy(ctx, ref, found, CANNOT_UPDATE, () => policyNotFound(ref.arn));
      record.tags = removeTags(record.tags, tagKeys);
      await savePolicy(tx, record);
      return undefined;
    });
  },

  async ListPolicyTags(ctx, input) {
    const ref = readPolicyArn(requiredStr(input, 'PolicyArn'));
    return ctx.iam.store.read(async (tx) => {
      const found = await authorizedPolicy(ctx, tx, 'iam:ListPolicyTags', ref);
      if (!found) throw policyNotFound(ref.arn);
      return pageOutput(
        'Tags',
        positionalPage(tagsOfPolicy(found) ?? [], (t) => t.Key, input),
        (t) => t,
      );
    });
  },
};

export const managedPoliciesOperations: Record<string, Operation> = {
  ...policyOperations,
  ...managedPolicyAttachmentOperations,
};
