// Which requests resource control policies govern, and the RCPs that do. An RCP limits what may be
// done to the resources of a member account, whoever asks — a principal of the account, of another
// account in the organization, or of none (Organizations User Guide, "Resource control policies
// (RCPs)"): it applies to the actions of the services AWS lists, on a resource of a member account,
// never on the management account's. Of those services Portcullis serves STS, whose RCP-governed
// actions act on a role: sts:AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML, TagSession,
// SetSourceIdentity. IAM's actions are not among them, so RCPs never limit IAM calls.
import type { CompiledPolicy } from '../../policy/index.ts';
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';
import { organizationAccounts } from '../tables.ts';
import { orgPathOf } from './org-paths.ts';
import { policyLevelsOf, RCP } from './scp-attachments.ts';

/** "List of AWS services that support RCPs" (Organizations User Guide). */
const RCP_SERVICES: ReadonlySet<string> = new Set(['s3', 'sts', 'sqs', 'kms', 'secretsmanager']);

/** A role, the resource of an STS action, names the account it belongs to. */
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\//;

/** Whether a request's action and resource are of the kind RCPs govern (no store read). */
export function governedByRcps(action: string, resource: string): boolean {
  const service = action.slice(0, action.indexOf(':')).toLowerCase();
  return RCP_SERVICES.has(service) && ROLE_ARN.test(resource);
}

/**
 * The RCPs of the resource's account, one level per node of its path (policyLevelsOf), compiled;
 * undefined when none apply: not an action RCPs govern, the account in no organization or its
 * management account, or RCPs not enabled. Read afresh on every request, from the same transaction
 * as the decision, so a change made through any node applies to the next request, whichever
 * account the caller is of (a caller outside the organization has no revision that would move).
 */
export async function resourceControlPoliciesFor(
  iam: Iam,
  tx: StoreTx,
  action: string,
  resource: string,
): Promise<CompiledPolicy[][] | undefined> {
  if (!governedByRcps(action, resource)) return undefined;
  const account = ROLE_ARN.exec(resource)![1]!;
  const membership = await tx.get(organizationAccounts, account);
  if (!membership) return undefined;
  const levels = await policyLevelsOf(tx, membership, await orgPathOf(tx, membership), RCP);
  return levels?.map((level) => level.map(({ id, content }) => iam.compile(content, 'rcp', id)));
}

/**
 * "RCPs don't apply to … actions performed by service-linked roles" (Organizations User Guide,
 * "Resources and entities not restricted by RCPs"); nor do SCPs limit them.
 */
export function isServiceLinkedRoleArn(roleArn: string | undefined): boolean {
  return roleArn?.includes(':role/aws-service-role/') ?? false;
}
