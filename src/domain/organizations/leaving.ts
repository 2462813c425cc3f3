// How a member account leaves its organization (API reference 2016-11-28): the management account
// removes it (RemoveAccountFromOrganization: it becomes a standalone account, its IAM as it was,
// OrganizationAccountAccessRole included, as on AWS) or closes it (CloseAccount). The management
// account can do neither to itself: it leaves only by deleting the organization.
//
// CloseAccount is asynchronous on AWS (PENDING_CLOSURE, then SUSPENDED for 90 days, then CLOSED);
// here it completes within the call, so DescribeAccount and ListAccounts report the account
// SUSPENDED at once. What Portcullis does not do: end the closed account's access (on AWS its
// principals can no longer call), count closures against AWS's 30-day quota, or require the
// standalone-account details (payment method, contact) AWS asks of a removed account.
import type { Operation, OperationContext } from '../operation.ts';
import { check, isoNow, requiredStr, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import { organizationAccounts, organizations } from '../tables.ts';
import type { OrganizationAccountRecord, OrganizationRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { detachAllFrom } from './scp-attachments.ts';
import {
  ACCOUNT_ID,
  accountArn,
  accountNotFound,
  checkOn,
  notInUse,
  notManagement,
  requirePattern,
} from './organization.ts';

/** The member account named, once the caller (its management account) may act on it. */
async function memberToAct(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  accountId: string,
): Promise<{ org: OrganizationRecord; member: OrganizationAccountRecord }> {
  const membership = await tx.get(organizationAccounts, ctx.caller.account);
  const org = membership && (await tx.get(organizations, membership.organization));
  if (org) await checkOn(ctx, tx, org, action, accountArn(org, accountId));
  else await check(ctx, tx, `organizations:${action}`, '*');
  if (!org) throw notInUse();
  if (org.account !== ctx.caller.account) throw notManagement();
  const member = await tx.get(organizationAccounts, accountId);
  if (!member || member.organization !== org.id) throw accountNotFound();
  return { org, member };
}

export const leavingOperations: Readonly<Record<string, Operation>> = {
  async RemoveAccountFromOrganization(ctx, input) {
    const accountId = requirePattern(requiredStr(input, 'AccountId'), ACCOUNT_ID);
    return writeTx(ctx, async (tx) => {
      const { org, member } = await memberToAct(ctx, tx, 'RemoveAccountFromOrganization', accountId);
      if (member.id === org.account)
        throw new IamError(
          'MasterCannotLeaveOrganizationException',
          "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
        );
      // The row is revisioned by the member account: its next call has no organization.
      await tx.delete(organizationAccounts, member.id);
      await detachAllFrom(tx, member.id);
      return undefined;
    });
  },

  async CloseAccount(ctx, input) {
    const accountId = requirePattern(requiredStr(input, 'AccountId'), ACCOUNT_ID);
    return writeTx(ctx, async (tx) => {
      const { org, member } = await memberToAct(ctx, tx, 'CloseAccount', accountId);
      if (member.id === org.account)
        throw new IamError(
          'ConstraintViolationException',
          "You can't close the management account with this API.",
          { Reason: 'CANNOT_CLOSE_MANAGEMENT_ACCOUNT' },
        );
      if (member.closedAt)
        throw new IamError(
          'AccountAlreadyClosedException',
          'You attempted to close an account that is already closed.',
        );
      await tx.update(organizationAccounts, { ...member, closedAt: isoNow(ctx) });
      return undefined;
    });
  },
};
