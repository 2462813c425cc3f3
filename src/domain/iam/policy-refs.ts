// Checks on a managed policy ARN handed in by a caller (attach, boundary): well-formed and existing.
import { IamError } from '../errors.ts';
import { parsePolicyArn } from '../names.ts';
import type { StoreTx } from '../store.ts';
import type { ManagedPolicyRecord } from '../records.ts';
import type { OperationContext } from '../operation.ts';
import { findCustomerPolicy } from './managed-policies-common.ts';

/** The customer managed policy record, or the AWS managed policy's ARN; throws AWS's errors otherwise. */
export async function requireAttachablePolicy(
  ctx: OperationContext,
  tx: StoreTx,
  arn: string,
  purpose: 'attach' | 'boundary',
): Promise<ManagedPolicyRecord | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed) throw new IamError('InvalidInput', `ARN ${arn} is not valid.`);
  const missing = () =>
    new IamError(
      'NoSuchEntity',
      purpose === 'boundary'
        ? `Scope ARN: ${arn} does not exist or is not attachable.`
        : `Policy ${arn} does not exist or is not attachable.`,
    );
  if (parsed.account === 'aws') {
    if (!ctx.iam.awsManagedPolicies.get(arn)) throw missing();
    return undefined;
  }
  if (parsed.account !== ctx.caller.account) throw missing();
  const policy = await findCustomerPolicy(tx, parsed.account, arn);
  if (!policy) throw missing();
  return policy;
}
