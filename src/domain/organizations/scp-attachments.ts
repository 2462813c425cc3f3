// Where service control policies are attached, and what they mean for an account: its SCPs level
// by level along its path (scpLevelsOf), read by authorization and the simulator. FullAWSAccess,
// AWS's managed SCP, is attached to every root, OU and account while SCPs are enabled. Every change
// to what an account's SCPs say rewrites the organization's member rows (renewMembers), which moves
// each member's revision: the next request of every account sees it.
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
/** The AWS managed SCP every root, OU and account has when SCPs are enabled. */
export const FULL_AWS_ACCESS = 'p-FullAWSAccess';
export const FULL_AWS_ACCESS_CONTENT =
  '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}';

export function policyArn(org: OrganizationRecord, policyId: string): string {
  if (policyId === FULL_AWS_ACCESS)
    return `arn:aws:organizations::aws:policy/service_control_policy/${FULL_AWS_ACCESS}`;
  return `arn:aws:organizations::${org.account}:policy/${org.id}/service_control_policy/${policyId}`;
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
): OrganizationPolicyTargetRecord {
  return {
    id: `${policyId}/${targetId}`,
    account: org.account,
    organization: org.id,
    policy: policyId,
    target: targetId,
    type: SCP,
  };
}

/** A new OU or account gets FullAWSAccess when SCPs are enabled, as on AWS. */
export async function attachDefaultPolicies(
  tx: StoreTx,
  org: OrganizationRecord,
  targetId: string,
): Promise<void> {
  if (enabledTypes(org).includes(SCP))
    await tx.insert(organizationPolicyTargets, attachment(org, FULL_AWS_ACCESS, targetId));
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

/**
 * The SCPs that limit a member account: one level per node of its path (the root, each OU down to
 * the account, then the account), each level's policy texts; undefined when none do (no
 * organization, the management account, or SCPs not enabled).
 */
export async function scpLevelsOf(
  tx: StoreTx,
  membership: OrganizationAccountRecord,
  orgPath: string,
): Promise<{ id: string; content: string }[][] | undefined> {
  const org = await tx.get(organizations, membership.organization);
  if (!org || org.account === membership.id || !enabledTypes(org).includes(SCP)) return undefined;
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
    for (const row of await tx.list(organizationPolicyTargets, { where: { target: node, type: SCP } })) {
      if (row.policy === FULL_AWS_ACCESS) {
        level.push({ id: policyArn(org, FULL_AWS_ACCESS), content: FULL_AWS_ACCESS_CONTENT });
        continue;
      }
      const policy = await tx.get(organizationPolicies, row.policy);
      if (policy) level.push({ id: policyArn(org, policy.id), content: policy.content });
    }
    levels.push(level);
  }
  return levels;
}
