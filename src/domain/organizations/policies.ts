// AWS Organizations' service and resource control policies (API reference 2016-11-28; "Service
// control policies (SCPs)" and "Resource control policies (RCPs)", Organizations User Guide):
// EnablePolicyType and DisablePolicyType on the root,
// CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy, ListPolicies, AttachPolicy,
// DetachPolicy, ListPoliciesForTarget and ListTargetsForPolicy. Only the management account may
// make these calls, each authorized as organizations:<Action> on the policy and target ARNs the
// Service Authorization Reference names. Where they are attached and what that means for an
// account: scp-attachments.ts. Other policy types (tag, backup… policies) are not served.
import { newOrganizationsId } from '../../crypto/ids.ts';
import { parsePolicy } from '../../policy/index.ts';
import type { Input, Operation, OperationContext } from '../operation.ts';
import { requestTagContext, requiredStr, str, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { StoreTx } from '../store.ts';
import type { OrganizationPolicyRecord, OrganizationRecord } from '../records.ts';
import {
  organizationAccounts,
  organizationalUnits,
  organizationPolicies,
  organizationPolicyTargets,
  organizations,
} from '../tables.ts';
import {
  AWS_MANAGED,
  attachDefaultPolicies,
  attachment,
  awsManagedPolicy,
  CONTROL_POLICY_TYPES,
  enabledTypes,
  policyArn,
  policyTypeOf,
  policyTypesOutput,
  RCP,
  RCP_FULL_AWS_ACCESS,
  renewMembers,
  SCP,
  type AwsManagedPolicy,
  type ControlPolicyType,
} from './scp-attachments.ts';
import {
  ACCOUNT_ID,
  accountArn,
  authorizedOrganization,
  invalid,
  maxResults,
  organizationalUnitArn,
  pageAfter,
  requirePattern,
  rootArn,
} from './organization.ts';
import { organizationTags } from './tags.ts';

/** "Maximum size of a policy document": 5,120 characters for an SCP or an RCP (AWS Organizations quotas). */
export const MAX_SCP_LENGTH = 5120;
/** "Number of policies in an organization": 1,000 SCPs, and 1,000 RCPs (AWS Organizations quotas). */
export const SCPS_PER_ORGANIZATION = 1000;
/**
 * "Maximum number of SCPs attached to a root, OU or account": 5, and as many RCPs, the AWS managed
 * one included (AWS Organizations quotas).
 */
export const SCPS_PER_TARGET = 5;

const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;
const TARGET_ID = /^(?:r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const POLICY_TYPES = new Set([
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'SECURITYHUB_POLICY',
  'INSPECTOR_POLICY',
  'UPGRADE_ROLLOUT_POLICY',
  'BEDROCK_POLICY',
  'S3_POLICY',
  'NETWORK_SECURITY_DIRECTOR_POLICY',
]);

const policyNotFound = () =>
  new IamError('PolicyNotFoundException', "We can't find a policy with the PolicyId that you specified.");
const targetNotFound = () =>
  new IamError(
    'TargetNotFoundException',
    "We can't find a root, OU, account, or policy with the TargetId that you specified.",
  );
const notEnabled = () =>
  new IamError(
    'PolicyTypeNotEnabledException',
    "This operation can be performed only for enabled policy types. The specified policy type isn't currently enabled in this root.",
  );
const unavailable = () =>
  new IamError(
    'PolicyTypeNotAvailableForOrganizationException',
    "You can't use the specified policy type with the feature set currently enabled for this organization.",
  );
const awsManaged = () =>
  new IamError('AccessDeniedException', "You can't modify or delete an AWS managed policy.");

function constraint(reason: string, message: string): IamError {
  return new IamError('ConstraintViolationException', message, { Reason: reason });
}

function typeOf(input: Input, key: string): string {
  const type = requiredStr(input, key);
  if (!POLICY_TYPES.has(type)) throw invalid('INVALID_ENUM', 'You specified an invalid value.');
  return type;
}

function targetArn(org: OrganizationRecord, targetId: string): string {
  if (ROOT_ID.test(targetId)) return rootArn(org);
  if (ACCOUNT_ID.test(targetId)) return accountArn(org, targetId);
  return organizationalUnitArn(org, targetId);
}

type Policy = OrganizationPolicyRecord | AwsManagedPolicy;

const isAwsManaged = (policy: Policy): policy is AwsManagedPolicy => awsManagedPolicy(policy.id) === policy;

function summaryOf(org: OrganizationRecord, policy: Policy): Record<string, unknown> {
  return {
    Id: policy.id,
    Arn: policyArn(org, policy.id, policy.type),
    Name: policy.name,
    Description: policy.description,
    Type: policy.type,
    AwsManaged: isAwsManaged(policy),
  };
}

/** A policy of the organization: an AWS managed one (p-FullAWSAccess, p-RCPFullAWSAccess) or its own. */
async function findPolicy(tx: StoreTx, org: OrganizationRecord, policyId: string): Promise<Policy> {
  const managed = awsManagedPolicy(policyId);
  if (managed) return managed;
  const policy = await tx.get(organizationPolicies, policyId);
  if (!policy || policy.organization !== org.id) throw policyNotFound();
  return policy;
}

/**
 * A policy's type, for the ARN and organizations:PolicyType its call is authorized with: read
 * before the caller is known to be allowed, so nothing else of the policy is used until then. An id
 * that names no policy is taken as an SCP's; once authorized, the call answers PolicyNotFoundException.
 */
interface Target {
  readonly id: string;
  readonly type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  readonly name: string;
}

async function findTarget(tx: StoreTx, org: OrganizationRecord, targetId: string): Promise<Target> {
  if (targetId === org.rootId) return { id: targetId, type: 'ROOT', name: 'Root' };
  if (ACCOUNT_ID.test(targetId)) {
    const member = await tx.get(organizationAccounts, targetId);
    if (member && member.organization === org.id) return { id: targetId, type: 'ACCOUNT', name: member.name };
  } else if (targetId.startsWith('ou-')) {
    const ou = await tx.get(organizationalUnits, targetId);
    if (ou && ou.organization === org.id) return { id: targetId, type: 'ORGANIZATIONAL_UNIT', name: ou.name };
  }
  throw targetNotFound();
}

/**
 * Content of an SCP or RCP: a policy of its kind as the policy engine reads one, no longer than the
 * quota. An RCP of one's own only denies: "The effect of Allow is only supported for the
 * RCPFullAWSAccess policy" (Organizations User Guide, "RCP syntax").
 */
function validContent(content: string, type: string): string {
  if (content.length > MAX_SCP_LENGTH)
    throw constraint(
      'POLICY_CONTENT_LIMIT_EXCEEDED',
      'You attempted to create a policy larger than the maximum size.',
    );
  const parsed = parsePolicy(content, { kind: type === RCP ? 'rcp' : 'scp' });
  const allows = parsed.ok && type === RCP && parsed.policy.statements.some((s) => s.effect === 'Allow');
  if (!parsed.ok || allows)
    throw new IamError(
      'MalformedPolicyDocumentException',
      'The provided policy document does not meet the requirements of the specified policy type.',
    );
  return content;
}

/** A page of rows already read (lists of attachments are short: 5 per target at most). */
function pageOf<T>(
  rows: readonly T[],
  idOf: (row: T) => string,
  input: Input,
): { items: T[]; next?: string } {
  const after = pageAfter(input);
  const sorted = [...rows].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((row) => idOf(row) > after);
  const limit = maxResults(input);
  if (rest.length <= limit) return { items: rest };
  const items = rest.slice(0, limit);
  return { items, next: Buffer.from(idOf(items[items.length - 1]!), 'utf8').toString('base64url') };
}

function withNext(key: string, page: { items: unknown[]; next?: string }): Record<string, unknown> {
  return { [key]: page.items, ...(page.next ? { NextToken: page.next } : {}) };
}

/**
 * organizations:PolicyType (Service Authorization Reference): the type asked for, or for calls
 * about a policy, the policy's.
 */
function typeContext(type: string) {
  return { 'organizations:PolicyType': type };
}

/** EnablePolicyType and DisablePolicyType name the organization's one root. */
function requireRoot(org: OrganizationRecord, rootId: string): void {
  if (rootId !== org.rootId)
    throw new IamError('RootNotFoundException', "We can't find a root with the RootId that you specified.");
}

/** Policy types other than SCPs and RCPs are not served: asking for one is asking for what is unavailable. */
function requireServed(type: string): asserts type is ControlPolicyType {
  if (!(CONTROL_POLICY_TYPES as readonly string[]).includes(type)) throw unavailable();
}

/**
 * What AttachPolicy and DetachPolicy first do alike: authorize the action on the policy and the
 * target (the policy's type in its ARN and organizations:PolicyType), then find both.
 */
async function attachmentCall(
  ctx: OperationContext,
  tx: StoreTx,
  action: 'AttachPolicy' | 'DetachPolicy',
  policyId: string,
  targetId: string,
): Promise<{ org: OrganizationRecord; type: string }> {
  const type = await policyTypeOf(tx, policyId);
  const org = await authorizedOrganization(
    ctx,
    tx,
    action,
    (o) => [policyArn(o, policyId, type), targetArn(o, targetId)],
    typeContext(type),
  );
  await findPolicy(tx, org, policyId);
  await findTarget(tx, org, targetId);
  return { org, type };
}

export const policyOperations: Readonly<Record<string, Operation>> = {
  async EnablePolicyType(ctx, input) {
    const rootId = requirePattern(requiredStr(input, 'RootId'), ROOT_ID);
    const type = typeOf(input, 'PolicyType');
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(
        ctx,
        tx,
        'EnablePolicyType',
        (o) => [rootArn(o)],
        typeContext(type),
      );
      requireRoot(org, rootId);
      if (org.featureSet !== 'ALL') throw unavailable();
      requireServed(type);
      if (enabledTypes(org).includes(type))
        throw new IamError(
          'PolicyTypeAlreadyEnabledException',
          'The specified policy type is already enabled in the specified root.',
        );
      const enabled: OrganizationRecord = { ...org, policyTypes: [...enabledTypes(org), type] };
      await tx.update(organizations, enabled);
      // FullAWSAccess or RCPFullAWSAccess on the root, every OU and every account, as AWS attaches it.
      const targets = [
        org.rootId,
        ...(await tx.list(organizationalUnits, { where: { organization: org.id } })).map((ou) => ou.id),
        ...(await tx.list(organizationAccounts, { where: { organization: org.id } })).map((m) => m.id),
      ];
      for (const target of targets) await attachDefaultPolicies(tx, enabled, target, [type]);
      await renewMembers(tx, enabled);
      return {
        Root: { Id: org.rootId, Arn: rootArn(org), Name: 'Root', PolicyTypes: policyTypesOutput(enabled) },
      };
    });
  },

  async DisablePolicyType(ctx, input) {
    const rootId = requirePattern(requiredStr(input, 'RootId'), ROOT_ID);
    const type = typeOf(input, 'PolicyType');
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(
        ctx,
        tx,
        'DisablePolicyType',
        (o) => [rootArn(o)],
        typeContext(type),
      );
      requireRoot(org, rootId);
      if (!enabledTypes(org).includes(type)) throw notEnabled();
      const disabled: OrganizationRecord = {
        ...org,
        policyTypes: enabledTypes(org).filter((t) => t !== type),
      };
      await tx.update(organizations, disabled);
      // Disabling a type detaches every policy of the type from every target (Organizations User Guide).
      await tx.deleteWhere(organizationPolicyTargets, { organization: org.id, type });
      await renewMembers(tx, disabled);
      return {
        Root: { Id: org.rootId, Arn: rootArn(org), Name: 'Root', PolicyTypes: policyTypesOutput(disabled) },
      };
    });
  },

  async CreatePolicy(ctx, input) {
    const content = requiredStr(input, 'Content');
    const description = requiredStr(input, 'Description');
    const name = requiredStr(input, 'Name');
    const type = typeOf(input, 'Type');
    const tags = organizationTags(input);
    return writeTx(ctx, async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'CreatePolicy', () => ['*'], {
        ...typeContext(type),
        ...requestTagContext(tags),
      });
      requireServed(type);
      validContent(content, type);
      if ((await tx.count(organizationPolicies, { organization: org.id, type })) >= SCPS_PER_ORGANIZATION)
        throw constraint(
          'POLICY_NUMBER_LIMIT_EXCEEDED',
          'You attempted to exceed the number of policies that you can have in an organization.',
        );
      if (
        name === AWS_MANAGED[type].name ||
        (await tx.find(organizationPolicies, { organization: org.id, type, name }))
      )
        throw new IamError('DuplicatePolicyException', 'A policy with the same name already exists.');
      let id: string;
      do id = newOrganizationsId('policy');
      while (await tx.get(organizationPolicies, id));
      const policy: OrganizationPolicyRecord = {
        id,
        account: org.account,
        organization: org.id,
        type,
        name,
        description,
        content,
        tags,
      };
      await tx.insert(organizationPolicies, policy);
      return { Policy: { PolicySummary: summaryOf(org, policy), Content: content } };
    });
  },

  async UpdatePolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    const name = str(input, 'Name');
    const description = str(input, 'Description');
    const content = str(input, 'Content');
    return writeTx(ctx, async (tx) => {
      const type = await policyTypeOf(tx, policyId);
      const org = await authorizedOrganization(
        ctx,
        tx,
        'UpdatePolicy',
        (o) => [policyArn(o, policyId, type)],
        typeContext(type),
      );
      const policy = await findPolicy(tx, org, policyId);
      if (isAwsManaged(policy)) throw awsManaged();
      if (content !== undefined) validContent(content, policy.type);
      if (
        name !== undefined &&
        name !== policy.name &&
        (name === AWS_MANAGED[policy.type as ControlPolicyType].name ||
          (await tx.find(organizationPolicies, { organization: org.id, type: policy.type, name })))
      )
        throw new IamError('DuplicatePolicyException', 'A policy with the same name already exists.');
      const updated: OrganizationPolicyRecord = {
        ...policy,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(content !== undefined ? { content } : {}),
      };
      await tx.update(organizationPolicies, updated);
      if (content !== undefined && content !== policy.content) await renewMembers(tx, org);
      return { Policy: { PolicySummary: summaryOf(org, updated), Content: updated.content } };
    });
  },

  async DeletePolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    return writeTx(ctx, async (tx) => {
      const type = await policyTypeOf(tx, policyId);
      const org = await authorizedOrganization(
        ctx,
        tx,
        'DeletePolicy',
        (o) => [policyArn(o, policyId, type)],
        typeContext(type),
      );
      const policy = await findPolicy(tx, org, policyId);
      if (isAwsManaged(policy)) throw awsManaged();
      if ((await tx.count(organizationPolicyTargets, { policy: policyId })) > 0)
        throw new IamError(
          'PolicyInUseException',
          'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
        );
      await tx.delete(organizationPolicies, policyId);
      return undefined;
    });
  },

  async DescribePolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    return ctx.iam.store.read(async (tx) => {
      const type = await policyTypeOf(tx, policyId);
      const org = await authorizedOrganization(
        ctx,
        tx,
        'DescribePolicy',
        (o) => [policyArn(o, policyId, type)],
        typeContext(type),
      );
      const policy = await findPolicy(tx, org, policyId);
      return { Policy: { PolicySummary: summaryOf(org, policy), Content: policy.content } };
    });
  },

  async ListPolicies(ctx, input) {
    const type = typeOf(input, 'Filter');
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(ctx, tx, 'ListPolicies', () => ['*'], typeContext(type));
      if (type !== SCP && type !== RCP) return { Policies: [] };
      const rows = await tx.list(organizationPolicies, { where: { organization: org.id, type } });
      const summaries = [AWS_MANAGED[type], ...rows].map((policy) => summaryOf(org, policy));
      return withNext(
        'Policies',
        pageOf(summaries, (s) => s.Id as string, input),
      );
    });
  },

  async AttachPolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    const targetId = requirePattern(requiredStr(input, 'TargetId'), TARGET_ID);
    return writeTx(ctx, async (tx) => {
      const { org, type } = await attachmentCall(ctx, tx, 'AttachPolicy', policyId, targetId);
      if (!enabledTypes(org).includes(type)) throw notEnabled();
      if (await tx.get(organizationPolicyTargets, `${policyId}/${targetId}`))
        throw new IamError(
          'DuplicatePolicyAttachmentException',
          'The selected policy is already attached to the specified target.',
        );
      if ((await tx.count(organizationPolicyTargets, { target: targetId, type })) >= SCPS_PER_TARGET)
        throw constraint(
          'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
          'You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.',
        );
      await tx.insert(organizationPolicyTargets, attachment(org, policyId, targetId, type));
      await renewMembers(tx, org);
      return undefined;
    });
  },

  async DetachPolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    const targetId = requirePattern(requiredStr(input, 'TargetId'), TARGET_ID);
    return writeTx(ctx, async (tx) => {
      const { org, type } = await attachmentCall(ctx, tx, 'DetachPolicy', policyId, targetId);
      const id = `${policyId}/${targetId}`;
      if (!(await tx.get(organizationPolicyTargets, id)))
        throw new IamError(
          'PolicyNotAttachedException',
          "The policy isn't attached to the specified target in the specified root.",
        );
      // "Every entity must have at least one SCP attached" (Organizations User Guide); RCPFullAWSAccess
      // "You cannot detach" at all ("RCP syntax"): custom RCPs only deny, so without it nothing passes.
      if (
        policyId === RCP_FULL_AWS_ACCESS ||
        (await tx.count(organizationPolicyTargets, { target: targetId, type })) <= 1
      )
        throw constraint(
          'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
          'You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.',
        );
      await tx.delete(organizationPolicyTargets, id);
      await renewMembers(tx, org);
      return undefined;
    });
  },

  async ListPoliciesForTarget(ctx, input) {
    const targetId = requirePattern(requiredStr(input, 'TargetId'), TARGET_ID);
    const type = typeOf(input, 'Filter');
    return ctx.iam.store.read(async (tx) => {
      const org = await authorizedOrganization(
        ctx,
        tx,
        'ListPoliciesForTarget',
        (o) => [targetArn(o, targetId)],
        typeContext(type),
      );
      await findTarget(tx, org, targetId);
      const rows = await tx.list(organizationPolicyTargets, { where: { target: targetId, type } });
      const summaries: Record<string, unknown>[] = [];
      for (const row of rows) {
        const policy = await findPolicy(tx, org, row.policy).catch(() => undefined);
        if (policy) summaries.push(summaryOf(org, policy));
      }
      return withNext(
        'Policies',
        pageOf(summaries, (s) => s.Id as string, input),
      );
    });
  },

  async ListTargetsForPolicy(ctx, input) {
    const policyId = requirePattern(requiredStr(input, 'PolicyId'), POLICY_ID);
    return ctx.iam.store.read(async (tx) => {
      const type = await policyTypeOf(tx, policyId);
      const org = await authorizedOrganization(
        ctx,
        tx,
        'ListTargetsForPolicy',
        (o) => [policyArn(o, policyId, type)],
        typeContext(type),
      );
      await findPolicy(tx, org, policyId);
      const rows = await tx.list(organizationPolicyTargets, {
        where: { policy: policyId, organization: org.id },
      });
      const page = pageOf(rows, (row) => row.target, input);
      const targets: Record<string, unknown>[] = [];
      for (const row of page.items) {
        const target = await findTarget(tx, org, row.target).catch(() => undefined);
        if (target)
          targets.push({
            TargetId: target.id,
            Arn: targetArn(org, target.id),
            Name: target.name,
            Type: target.type,
          });
      }
      return withNext('Targets', { items: targets, ...(page.next ? { next: page.next } : {}) });
    });
  },
};
