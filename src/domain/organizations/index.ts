// AWS Organizations (API reference 2016-11-28): CreateOrganization, DescribeOrganization,
// DeleteOrganization, ListRoots, CreateAccount with DescribeCreateAccountStatus and
// ListCreateAccountStatus, DescribeAccount, ListAccounts (the tree of OUs and the accounts in it:
// organizational-units.ts; removing and closing accounts: leaving.ts). Every call is authorized as
// organizations:<Action> on the resource the Service Authorization Reference names ("*" where it
// names none); calls only the management account may make answer other accounts as Organizations
// does (AccessDeniedException), and accounts in no organization get AWSOrganizationsNotInUseException.
import { newOrganizationsId } from '../../crypto/ids.ts';
import type { Operation } from '../operation.ts';
import { check, isoNow, requestTagContext, requiredStr, str, writeTx } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { CreateAccountRequestRecord, OrganizationRecord } from '../records.ts';
import {
  accounts,
  createAccountRequests,
  organizationAccounts,
  organizationalUnits,
  organizations,
} from '../tables.ts';
import { completeCreateAccount } from './member-account.ts';
import {
  ACCOUNT_ID,
  accountArn,
  accountNotFound,
  accountOutput,
  checkOn,
  invalid,
  managedOrganization,
  maxResults,
  notInUse,
  notManagement,
  organizationArn,
  organizationOf,
  page,
  pageAfter,
  requirePattern,
  rootArn,
} from './organization.ts';
import { organizationalUnitOperations } from './organizational-units.ts';
import { leavingOperations } from './leaving.ts';
import { policyOperations } from './policies.ts';
import { organizationTags, tagOperations } from './tags.ts';
import { serviceAccessOperations } from './service-access.ts';
import { deleteOrganizationPolicies, policyTypesOutput } from './scp-attachments.ts';

/** "Number of accounts in an organization": 10 by default (AWS Organizations quotas). */
export const ACCOUNTS_PER_ORGANIZATION = 10;
const DEFAULT_ROLE_NAME = 'OrganizationAccountAccessRole';

function organizationOutput(org: OrganizationRecord): Record<string, unknown> {
  return {
    Id: org.id,
    Arn: organizationArn(org),
    FeatureSet: org.featureSet,
    MasterAccountArn: accountArn(org, org.account),
    MasterAccountId: org.account,
    MasterAccountEmail: org.managementEmail,
    // Deprecated in the API (policy types are enabled per root): the root's, as AWS still lists them.
    AvailablePolicyTypes: policyTypesOutput(org),
  };
}

function statusOutput(request: CreateAccountRequestRecord): Record<string, unknown> {
  return {
    Id: request.id,
    AccountName: request.accountName,
    State: request.state,
    RequestedTimestamp: request.requestedAt,
    ...(request.completedAt ? { CompletedTimestamp: request.completedAt } : {}),
    ...(request.accountId ? { AccountId: request.accountId } : {}),
    ...(request.failureReason ? { FailureReason: request.failureReason } : {}),
  };
}

const REQUEST_ID = /^car-[a-z0-9]{8,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT_NAME = /^[\u0020-\u007E]+$/;

export const organizationsOperations: Readonly<Record<string, Operation>> = {
  ...organizationalUnitOperations,
  ...leavingOperations,
  ...policyOperations,
  ...tagOperations,
  ...serviceAccessOperations,

  async CreateOrganization(ctx, input) {
    const featureSet = str(input, 'FeatureSet') ?? 'ALL';
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'organizations:CreateOrganization', '*');
      if (await tx.get(organizationAccounts, account))
        throw new IamError(
          'AlreadyInOrganizationException',
          'The AWS account is already a member of an organization.',
        );
      const record = await tx.get(accounts, account);
      const now = isoNow(ctx);
      const org: OrganizationRecord = {
        id: newOrganizationsId('organization'),
        account,
        managementEmail: record?.rootEmail ?? '',
        featureSet: featureSet === 'CONSOLIDATED_BILLING' ? 'CONSOLIDATED_BILLING' : 'ALL',
        rootId: newOrganizationsId('root'),
        createdAt: now,
      };
      await tx.insert(organizations, org);
      // The management account joined the organization it created "by invitation", as AWS lists it.
      await tx.insert(organizationAccounts, {
        id: account,
        account,
        organization: org.id,
        name: record?.alias ?? account,
        email: org.managementEmail,
        joinedMethod: 'INVITED',
        joinedAt: now,
        parent: org.rootId,
      });
      return { Organization: organizationOutput(org) };
    });
  },

  async DescribeOrganization(ctx) {
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'organizations:DescribeOrganization', '*');
      return { Organization: organizationOutput(await organizationOf(ctx, tx)) };
    });
  },

  async DeleteOrganization(ctx) {
    return writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'organizations:DeleteOrganization', '*');
      const org = await managedOrganization(ctx, tx);
      if ((await tx.count(organizationAccounts, { organization: org.id })) > 1)
        throw new IamError(
          'OrganizationNotEmptyException',
          'To delete an organization you must first remove all member accounts (except the master).',
        );
      await tx.deleteWhere(createAccountRequests, { organization: org.id });
      await deleteOrganizationPolicies(tx, org);
      await tx.deleteWhere(organizationalUnits, { organization: org.id });
      await tx.delete(organizationAccounts, org.account);
      await tx.delete(organizations, org.id);
      return undefined;
    });
  },

  async ListRoots(ctx) {
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'organizations:ListRoots', '*');
      const org = await managedOrganization(ctx, tx);
      return {
        Roots: [
          {
            Id: org.rootId,
            Arn: rootArn(org),
            Name: 'Root',
            PolicyTypes: policyTypesOutput(org),
          },
        ],
      };
    });
  },

  async CreateAccount(ctx, input) {
    const email = requirePattern(requiredStr(input, 'Email'), EMAIL);
    const accountName = requirePattern(requiredStr(input, 'AccountName'), ACCOUNT_NAME);
    const roleName = str(input, 'RoleName') ?? DEFAULT_ROLE_NAME;
    if (!ROLE_NAME.test(roleName))
      throw invalid('INVALID_ROLE_NAME', 'You provided a role name that is not valid.');
    const tags = organizationTags(input);
    const request = await writeTx(ctx, async (tx) => {
      await check(ctx, tx, 'organizations:CreateAccount', '*', requestTagContext(tags));
      const org = await managedOrganization(ctx, tx);
      // Requests still in progress count: each is an account about to join.
      const members = await tx.count(organizationAccounts, { organization: org.id });
      const pending = await tx.count(createAccountRequests, { organization: org.id, state: 'IN_PROGRESS' });
      if (members + pending >= ACCOUNTS_PER_ORGANIZATION)
        throw new IamError(
          'ConstraintViolationException',
          'You have reached the limit on the number of accounts in your organization.',
          { Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED' },
        );
      const record: CreateAccountRequestRecord = {
        id: newOrganizationsId('create-account-request'),
        account: org.account,
        organization: org.id,
        accountName,
        email,
        roleName,
        tags,
        requestedAt: isoNow(ctx),
        state: 'IN_PROGRESS',
      };
      await tx.insert(createAccountRequests, record);
      return record;
    });
    // Asynchronous, as on AWS: the account is made after the answer. DescribeCreateAccountStatus
    // finishes a request still in progress, so none stays so if this one is cut short.
    setImmediate(() => void completeCreateAccount(ctx.iam, request.id).catch(() => undefined));
    return { CreateAccountStatus: statusOutput(request) };
  },

  async DescribeCreateAccountStatus(ctx, input) {
    const id = requirePattern(requiredStr(input, 'CreateAccountRequestId'), REQUEST_ID);
    const find = () =>
      ctx.iam.store.read(async (tx) => {
        await check(ctx, tx, 'organizations:DescribeCreateAccountStatus', '*');
        const org = await managedOrganization(ctx, tx);
        const request = await tx.get(createAccountRequests, id);
        if (!request || request.organization !== org.id)
          throw new IamError(
            'CreateAccountStatusNotFoundException',
            "We can't find a create account request with the CreateAccountRequestId that you specified.",
          );
        return request;
      });
    let request = await find();
    if (request.state === 'IN_PROGRESS') {
      await completeCreateAccount(ctx.iam, id);
      request = await find();
    }
    return { CreateAccountStatus: statusOutput(request) };
  },

  async ListCreateAccountStatus(ctx, input) {
    const states = (input.States as string[] | undefined) ?? [];
    const limit = maxResults(input);
    const after = pageAfter(input);
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'organizations:ListCreateAccountStatus', '*');
      const org = await managedOrganization(ctx, tx);
      const rows = await tx.list(createAccountRequests, {
        where: { organization: org.id, ...(states.length > 0 ? { state: { in: states } } : {}) },
        ...(after !== undefined ? { after } : {}),
        limit: limit + 1,
      });
      const { items, next } = page(rows, limit);
      return {
        CreateAccountStatuses: items.map(statusOutput),
        ...(next ? { NextToken: next } : {}),
      };
    });
  },

  async DescribeAccount(ctx, input) {
    const accountId = requirePattern(requiredStr(input, 'AccountId'), ACCOUNT_ID);
    return ctx.iam.store.read(async (tx) => {
      const membership = await tx.get(organizationAccounts, ctx.caller.account);
      const org = membership && (await tx.get(organizations, membership.organization));
      if (org) await checkOn(ctx, tx, org, 'DescribeAccount', accountArn(org, accountId));
      else await check(ctx, tx, 'organizations:DescribeAccount', '*');
      if (!org) throw notInUse();
      if (org.account !== ctx.caller.account) throw notManagement();
      const member = await tx.get(organizationAccounts, accountId);
      if (!member || member.organization !== org.id) throw accountNotFound();
      return { Account: accountOutput(org, member) };
    });
  },

  async ListAccounts(ctx, input) {
    const limit = maxResults(input);
    const after = pageAfter(input);
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'organizations:ListAccounts', '*');
      const org = await managedOrganization(ctx, tx);
      const rows = await tx.list(organizationAccounts, {
        where: { organization: org.id },
        ...(after !== undefined ? { after } : {}),
        limit: limit + 1,
      });
      const { items, next } = page(rows, limit);
      return { Accounts: items.map((m) => accountOutput(org, m)), ...(next ? { NextToken: next } : {}) };
    });
  },
};
