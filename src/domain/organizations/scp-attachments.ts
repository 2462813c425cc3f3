// Where service and resource control policies are attached, and what they mean for an account:
// its SCPs or RCPs level by level along its path (policyLevelsOf), read by authorization and the
// simulator. AWS's managed policy of each type — FullAWSAccess, RCPFullAWSAccess — is attached to
// every root, OU and account while the type is enabled. Every change to what an account's policies
// say rewrites the organization's member rows (renewMembers), which moves each member's revision:
// the next request of every account sees it.
import type { StoreTx } from '../store.ts';
import type {
  OrganizationAccountRecord,
  OrganizationPolicyTargetRecord,
  OrganizationRecord,
} from '../records.ts';
import {
  organizationAccounts,
  organizationPolicies,
  organizationPolicyTargets,
  organizations,
} from '../tables.ts';

export const SCP = 'SERVICE_CONTROL_POLICY';
export const RCP = 'RESOURCE_CONTROL_POLICY';
/** The policy types served: the authorization policies (Organizations User Guide). */
export type ControlPolicyType = typeof SCP | typeof RCP;
export const CONTROL_POLICY_TYPES: readonly ControlPolicyType[] = [SCP, RCP];

/** The AWS managed SCP every root, OU and account has when SCPs are enabled. */
export const FULL_AWS_ACCESS = 'p-FullAWSAccess';
/** The AWS managed RCP every root, OU and account has when RCPs are enabled. */
export const RCP_FULL_AWS_ACCESS = 'p-RCPFullAWSAccess';

export interface AwsManagedPolicy {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly type: ControlPolicyType;
  readonly content: string;
}

/** Each type's AWS managed policy, as DescribePolicy shows it. */
export const AWS_MANAGED: Readonly<Record<ControlPolicyType, AwsManagedPolicy>> = {
  [SCP]: {
    id: FULL_AWS_ACCESS,
    name: 'FullAWSAccess',
    description: 'Allows access to every operation',
    type: SCP,
    content:
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}',
  },
  [RCP]: {
    id: RCP_FULL_AWS_ACCESS,
    name: 'RCPFullAWSAccess',
    description: 'Allows access to every operation',
    type: RCP,
    content:
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Principal": "*",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}',
  },
};

/** The AWS managed policy of that id, if it is one. */
export function awsManagedPolicy(policyId: string): AwsManagedPolicy | undefined {
  return CONTROL_POLICY_TYPES.map((type) => AWS_MANAGED[type]).find((p) => p.id === policyId);
}

/**
 * A policy's type, for its ARN and authorization: an AWS managed policy's, or the stored policy's.
 * One that does not exist is taken for an SCP; the lookup after authorization then refuses it.
 */
export async function policyTypeOf(tx: StoreTx, policyId: string): Promise<string> {
  return awsManagedPolicy(policyId)?.type ?? (await tx.get(organizationPolicies, policyId))?.type ?? SCP;
}

/** ARNs name the type in lower case: service_control_policy, resource_control_policy. */
export function policyArn(org: OrganizationRecord, policyId: string, type: string): string {
  const kind = type.toLowerCase();
  if (awsManagedPolicy(policyId)) return `arn:aws:organizations::aws:policy/${kind}/${policyId}`;
  return `arn:aws:organizations::${org.account}:policy/${org.id}/${kind}/${policyId}`;
}

export function enabledTypes(org: OrganizationRecord): readonly string[] {
  return org.policyTypes ?? [];
}

/** The root's PolicyTypes (ListRoots), as AWS lists them. */
export function policyTypesOutput(org: OrganizationRecord): Record<string, unknown>[] {
  return enabledTypes(org).map((type) => ({ Type: type, Status: 'ENABLED' }));
}

/**
 * The organization's member accounts' rows rewritten as they are: each member's revision moves, so
 * that what every node remembers of its SCPs is read again on its next request.
 */
export async function renewMembers(tx: StoreTx, org: OrganizationRecord): Promise<void> {
  for (const member of await tx.list(organizationAccounts, { where: { organization: org.id } }))
    await tx.update(organizationAccounts, member);
}

export function attachment(
  org: OrganizationRecord,
  policyId: string,
  targetId: string,
  type: string,
): OrganizationPolicyTargetRecord {
  return {
    id: `${policyId}/${targetId}`,
    account: org.account,
    organization: org.id,
    policy: policyId,
    target: targetId,
    type,
  };
}

/** A new OU or account gets FullAWSAccess and RCPFullAWSAccess while their types are enabled, as on AWS. */
export async function attachDefaultPolicies(
  tx: StoreTx,
  org: OrganizationRecord,
  targetId: string,
  types: readonly ControlPolicyType[] = CONTROL_POLICY_TYPES,
): Promise<void> {
  for (const type of types)
    if (enabledTypes(org).includes(type))
      await tx.insert(organizationPolicyTargets, attachment(org, AWS_MANAGED[type].id, targetId, type));
}

/** A root, OU or account that is gone keeps no policies. */
export async function detachAllFrom(tx: StoreTx, targetId: string): Promise<void> {
  await tx.deleteWhere(organizationPolicyTargets, { target: targetId });
}

/** A deleted organization's policies and attachments go with it. */
export async function deleteOrganizationPolicies(tx: StoreTx, org: OrganizationRecord): Promise<void> {
  await tx.deleteWhere(organizationPolicyTargets, { organization: org.id });
  await tx.deleteWhere(organizationPolicies, { organization: org.id });
}

/** The SCPs that limit a member account's principals (policyLevelsOf). */
export function scpLevelsOf(
  tx: StoreTx,
  membership: OrganizationAccountRecord,
  orgPath: string,
): Promise<{ id: string; content: string }[][] | undefined> {
  return policyLevelsOf(tx, membership, orgPath, SCP);
}

/**
 * The policies of one type that limit a member account (SCPs: its principals; RCPs: its
 * resources): one level per node of its path (the root, each OU down to the account, then the
 * account), each level's policy texts; undefined when none do (no organization, the management
 * account — neither SCPs nor RCPs affect it — or the type not enabled).
 */
export async function policyLevelsOf(
  tx: StoreTx,
  membership: OrganizationAccountRecord,
  orgPath: string,
  type: ControlPolicyType,
): Promise<{ id: string; content: string }[][] | undefined> {
  const org = await tx.get(organizations, membership.organization);
  if (!org || org.account === membership.id || !enabledTypes(org).includes(type)) return undefined;
  const nodes = [
    ...orgPath
      .split('/')
      .slice(1)
      .filter((part) => part !== ''),
    membership.id,
  ];
  const levels: { id: string; content: string }[][] = [];
  for (const node of nodes) {
    const level: { id: string; content: string }[] = [];
    for (const row of await tx.list(organizationPolicyTargets, { where: { target: node, type } })) {
      const managed = awsManagedPolicy(row.policy);
      if (managed) {
        level.push({ id: policyArn(org, managed.id, type), content: managed.content });
        continue;
      }
      const policy = await tx.get(organizationPolicies, row.policy);
      if (policy) level.push({ id: policyArn(org, policy.id, type), content: policy.content });
    }
    levels.push(level);
  }
  return levels;
}
