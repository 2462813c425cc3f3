// aws:PrincipalOrgPaths and aws:ResourceOrgPaths ("AWS global condition context keys", IAM User
// Guide): the path of an account in its organization's tree, o-…/r-…/ou-…/…/ down to the root or
// OU the account is in, each part followed by "/". Authorization reads it with the membership.
import type { StoreTx } from '../store.ts';
import type { OrganizationAccountRecord } from '../records.ts';
import { organizationalUnits } from '../tables.ts';

export async function orgPathOf(tx: StoreTx, membership: OrganizationAccountRecord): Promise<string> {
  if (membership.parent.startsWith('r-')) return `${membership.organization}/${membership.parent}/`;
  // An OU's path is fixed when it is made (OUs never move); an account in one is under it.
  const ou = await tx.get(organizationalUnits, membership.parent);
  return ou?.path ?? `${membership.organization}/`;
}
