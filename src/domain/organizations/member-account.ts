// What CreateAccount makes, as AWS makes it ("Accessing a member account that you create",
// AWS Organizations User Guide): a new account whose root user has the request's e-mail address
// and no password or access keys, a role (OrganizationAccountAccessRole unless RoleName says
// otherwise) with the AWS managed policy AdministratorAccess attached and a trust policy trusting
// the management account, and the account's membership of the organization.
import { newAccountId, newUniqueId } from '../../crypto/ids.ts';
import type { Iam } from '../iam.ts';
import type { StoreTx } from '../store.ts';
import type { CreateAccountRequestRecord, RoleRecord } from '../records.ts';
import { attachDefaultPolicies } from './scp-attachments.ts';
import {
  accounts,
  createAccountRequests,
  organizationAccounts,
  organizations,
  policyAttachments,
  roles,
} from '../tables.ts';

const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const ONE_HOUR = 3600;

/** The trust policy AWS gives the role: the management account (any principal it allows) may assume it. */
export function managementTrustPolicy(managementAccount: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${managementAccount}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
}

/**
 * Completes a CreateAccount request still IN_PROGRESS: the account is made (SUCCEEDED) or the
 * request fails as AWS reports it (EMAIL_ALREADY_EXISTS). Safe to run more than once: a request
 * that has completed is left as it is.
 */
export async function completeCreateAccount(iam: Iam, requestId: string): Promise<void> {
  await iam.store.write(async (tx) => {
    const request = await tx.get(createAccountRequests, requestId);
    if (!request || request.state !== 'IN_PROGRESS') return;
    const org = await tx.get(organizations, request.organization);
    if (!org) return;
    const completedAt = iam
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    if (await tx.find(accounts, { root_email_lower: request.email.toLowerCase() })) {
      await tx.update(createAccountRequests, {
        ...request,
        state: 'FAILED',
        completedAt,
        failureReason: 'EMAIL_ALREADY_EXISTS',
      });
      return;
    }
    const accountId = await freshAccountId(tx);
    await makeAccount(tx, request, org.rootId, accountId, completedAt);
    await attachDefaultPolicies(tx, org, accountId);
    await tx.update(createAccountRequests, { ...request, state: 'SUCCEEDED', completedAt, accountId });
  });
}

async function freshAccountId(tx: StoreTx): Promise<string> {
  for (;;) {
    const id = newAccountId();
    if (!(await tx.get(accounts, id))) return id;
  }
}

async function makeAccount(
  tx: StoreTx,
  request: CreateAccountRequestRecord,
  rootId: string,
  accountId: string,
  createdAt: string,
): Promise<void> {
  // No password: the root user of a created account has none until one is set (AWS: "reset the
  // root user password"). Portcullis sends no reset e-mail: the management account sets it in a
  // root session (AssumeRoot with IAMCreateRootUserPassword, sts/root-sessions.ts), see the README.
  await tx.insert(accounts, { id: accountId, rootEmail: request.email, rootPasswordHash: '', createdAt });
  await tx.insert(organizationAccounts, {
    id: accountId,
    account: accountId,
    organization: request.organization,
    name: request.accountName,
    email: request.email,
    joinedMethod: 'CREATED',
    joinedAt: createdAt,
    // CreateAccount's Tags, on the account once it is made.
    ...(request.tags.length > 0 ? { tags: request.tags } : {}),
    // A created account starts under the root, as on AWS.
    parent: rootId,
  });
  const role: RoleRecord = {
    account: accountId,
    id: newUniqueId('AROA'),
    name: request.roleName,
    path: '/',
    createdAt,
    trustPolicy: managementTrustPolicy(request.account),
    maxSessionDuration: ONE_HOUR,
    tags: [],
    inlinePolicies: {},
  };
  await tx.insert(roles, role);
  await tx.insert(policyAttachments, {
    id: `${role.id}|${ADMINISTRATOR_ACCESS}`,
    account: accountId,
    policyArn: ADMINISTRATOR_ACCESS,
    holderType: 'role',
    holderId: role.id,
    position: 1,
  });
}
