// The organization's accounts and OUs (AWS console: "AWS accounts"), for the management account:
//
//   /console/organization                      the tree (root, OUs nested, accounts with their id,
//                                              e-mail and status), account creation requests and
//                                              their status, and the forms below
//   /console/organization/create-organization  (POST) CreateOrganization, all features
//   /console/organization/accounts/create      (POST) CreateAccount (name, e-mail, role name): its
//                                              request's status is shown on the page it leads to
//   /console/organization/accounts/move        (POST) MoveAccount
//   /console/organization/ous/create|rename|delete   (POST) Create/Update/DeleteOrganizationalUnit
//
// Every read and action is the Organizations operation the API runs, as the console's caller, so
// the engine decides each; a member account or a caller without permission sees the refusal.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callOrganizations } from '../context.ts';
import { buttonForm, dangerForm, field, html, table, type Html } from '../html.ts';
import { formText, redirect } from '../web.ts';
import { action, noticeOf, page, postForm, select } from '../admin/common.ts';
import {
  ORG,
  type OrgMessages,
  type OrgTree,
  type OrgUnit,
  lengthProblem,
  orgPage,
  orgProblem,
  orgStatusOf,
  parentChoices,
  readTree,
} from './common.ts';

const NOTICES: Readonly<Record<string, string>> = {
  'organization-created': 'The organization was created. This account is its management account.',
  'account-requested': 'The account is being created. Its status is shown below.',
  'ou-created': 'The organizational unit was created.',
  'ou-renamed': 'The organizational unit was renamed.',
  'ou-deleted': 'The organizational unit was deleted.',
  'account-moved': 'The account was moved.',
};

const REQUEST_ID = /^car-[a-z0-9]{8,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const PARENT_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;

export function registerOrganizationTree(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, ORG, async (signed, query, _params, reply) => {
    const request = query.request !== undefined && REQUEST_ID.test(query.request) ? query.request : undefined;
    return treePage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }, request);
  });

  const orgAction = (
    suffix: string,
    run: (
      signed: Signed,
      form: URLSearchParams,
    ) => Promise<{ error?: IamError; draft?: Record<string, string>; to?: string }>,
  ) =>
    action(server, ctx, `${ORG}/${suffix}`, async (signed, form, _params, reply) => {
      const outcome = await run(signed, form);
      if (outcome.error)
        return treePage(ctx, signed, reply, orgStatusOf(outcome.error), {
          error: outcome.error,
          draft: outcome.draft,
        });
      return redirect(reply, outcome.to ?? ORG);
    });

  orgAction('create-organization', async (signed) => {
    const result = await callOrganizations(signed.caller, ctx, 'CreateOrganization', { FeatureSet: 'ALL' });
    return result.ok ? { to: `${ORG}?notice=organization-created` } : { error: result.error };
  });

  orgAction('accounts/create', async (signed, form) => {
    const name = formText(form, 'account-name', 100);
    const email = formText(form, 'email', 100);
    const roleName = formText(form, 'role-name', 100);
    const draft = { 'account-name': name, email, 'role-name': roleName };
    const problem =
      lengthProblem(name, 'The account name', 1, 50) ??
      lengthProblem(email, "The account owner's e-mail address", 6, 64) ??
      (roleName ? lengthProblem(roleName, 'The role name', 1, 64) : undefined);
    if (problem) return { error: problem, draft };
    const result = await callOrganizations(signed.caller, ctx, 'CreateAccount', {
      AccountName: name,
      Email: email,
      ...(roleName ? { RoleName: roleName } : {}),
    });
    if (!result.ok) return { error: result.error, draft };
    const id = String((result.output.CreateAccountStatus as Record<string, unknown>).Id);
    return { to: `${ORG}?notice=account-requested&request=${encodeURIComponent(id)}` };
  });

  orgAction('ous/create', async (signed, form) => {
    const parent = formText(form, 'parent', 80);
    const name = formText(form, 'ou-name', 200);
    const draft = { 'ou-name': name, parent };
    const problem = lengthProblem(name, 'The OU name', 1, 128);
    if (problem) return { error: problem, draft };
    if (!PARENT_ID.test(parent)) return { error: orgInvalid('Choose where the OU goes.'), draft };
    const result = await callOrganizations(signed.caller, ctx, 'CreateOrganizationalUnit', {
      ParentId: parent,
      Name: name,
    });
    return result.ok ? { to: `${ORG}?notice=ou-created` } : { error: result.error, draft };
  });

  orgAction('ous/rename', async (signed, form) => {
    const id = formText(form, 'ou-id', 80);
    const name = formText(form, 'ou-name', 200);
    const problem = lengthProblem(name, 'The OU name', 1, 128);
    if (problem) return { error: problem };
    if (!OU_ID.test(id)) return { error: orgInvalid('That is not an OU of this organization.') };
    const result = await callOrganizations(signed.caller, ctx, 'UpdateOrganizationalUnit', {
      OrganizationalUnitId: id,
      Name: name,
    });
    return result.ok ? { to: `${ORG}?notice=ou-renamed` } : { error: result.error };
  });

  orgAction('ous/delete', async (signed, form) => {
    const id = formText(form, 'ou-id', 80);
    if (!OU_ID.test(id)) return { error: orgInvalid('That is not an OU of this organization.') };
    const result = await callOrganizations(signed.caller, ctx, 'DeleteOrganizationalUnit', {
      OrganizationalUnitId: id,
    });
    return result.ok ? { to: `${ORG}?notice=ou-deleted` } : { error: result.error };
  });

  orgAction('accounts/move', async (signed, form) => {
    const accountId = formText(form, 'account-id', 20);
    const destination = formText(form, 'destination', 80);
    const draft = { 'account-id': accountId, destination };
    if (!ACCOUNT_ID.test(accountId)) return { error: orgInvalid('Choose the account to move.'), draft };
    if (!PARENT_ID.test(destination)) return { error: orgInvalid('Choose where the account goes.'), draft };
    // MoveAccount names the parent the account leaves: the one ListParents answers now.
    const parents = await callOrganizations(signed.caller, ctx, 'ListParents', { ChildId: accountId });
    if (!parents.ok) return { error: parents.error, draft };
    const source = ((parents.output.Parents ?? []) as Record<string, unknown>[])[0]?.Id;
    const result = await callOrganizations(signed.caller, ctx, 'MoveAccount', {
      AccountId: accountId,
      SourceParentId: String(source),
      DestinationParentId: destination,
    });
    return result.ok ? { to: `${ORG}?notice=account-moved` } : { error: result.error, draft };
  });
}

function orgInvalid(message: string): IamError {
  return new IamError('InvalidInputException', message, { Reason: 'INVALID_INPUT' });
}

async function treePage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: OrgMessages,
  request?: string,
): Promise<FastifyReply> {
  const read = await readTree(ctx, signed);
  if (!read.ok) {
    const notInUse = read.error.code === 'AWSOrganizationsNotInUseException';
    const body = html`${orgProblem(read.error)}
    ${
      notInUse
        ? html`<section aria-labelledby="create-org-heading">
            <h2 id="create-org-heading">Create an organization</h2>
            <p>
              This account becomes the organization's management account: it creates member accounts and
              governs them with service and resource control policies.
            </p>
            ${buttonForm(`${ORG}/create-organization`, signed.record.csrf, 'Create an organization')}
          </section>`
        : ''
    }`;
    // No organization yet is this page's first state (it offers to create one), not a failure.
    const readStatus = notInUse ? 200 : orgStatusOf(read.error);
    return orgPage(reply, signed, messages.error ? status : readStatus, {
      title: 'AWS Organizations',
      section: ORG,
      body,
      messages,
    });
  }
  const tree = read.tree;
  const draft = messages.draft ?? {};
  const csrf = signed.record.csrf;
  const choices = parentChoices(tree);
  const requests = await requestsSection(ctx, signed, request);
  const body = html`<section aria-labelledby="org-tree-heading">
      <h2 id="org-tree-heading">Organization structure</h2>
      ${tree.partial ? html`<p class="partial">The organization is larger than one page shows; part of it is listed.</p>` : ''}
      <ul class="tree">
        <li>
          <span class="kind">Root</span> <strong>Root</strong> <code>${tree.rootId}</code>
          ${children(tree, tree.rootId, csrf, signed.caller.account)}
        </li>
      </ul>
    </section>
    ${requests}
    <section aria-labelledby="create-account-heading">
      <h2 id="create-account-heading">Add an AWS account</h2>
      ${postForm(
        `${ORG}/accounts/create`,
        csrf,
        html`${field({ id: 'account-name', label: 'AWS account name', value: draft['account-name'] ?? '', hint: 'Up to 50 characters.' })}
          ${field({ id: 'email', label: "Email address of the account's owner", type: 'email', value: draft.email ?? '', hint: 'The new account\u2019s root user signs in with it.' })}
          ${field({ id: 'role-name', label: 'IAM role name', value: draft['role-name'] ?? '', required: false, hint: 'The role the management account assumes in the new account. Empty: OrganizationAccountAccessRole.' })}
          <button type="submit">Create AWS account</button>`,
      )}
    </section>
    <section aria-labelledby="create-ou-heading">
      <h2 id="create-ou-heading">Create organizational unit</h2>
      ${postForm(
        `${ORG}/ous/create`,
        csrf,
        html`${select({ id: 'parent', label: 'Parent', options: choices, selected: draft.parent ?? tree.rootId })}
          ${field({ id: 'ou-name', label: 'Organizational unit name', value: draft['ou-name'] ?? '' })}
          <button type="submit">Create organizational unit</button>`,
      )}
    </section>
    ${
      tree.accounts.length === 0
        ? ''
        : html`<section aria-labelledby="move-account-heading">
            <h2 id="move-account-heading">Move an account</h2>
            ${postForm(
              `${ORG}/accounts/move`,
              csrf,
              html`${select({ id: 'account-id', label: 'Account', options: tree.accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` })), selected: draft['account-id'] ?? '' })}
                ${select({ id: 'destination', label: 'Destination', options: choices, selected: draft.destination ?? '' })}
                <button type="submit">Move account</button>`,
            )}
          </section>`
    }`;
  return orgPage(reply, signed, status, { title: 'AWS Organizations', section: ORG, body, messages });
}

/** The OUs and accounts under a parent, nested; each OU with its rename and delete forms. */
function children(tree: OrgTree, parent: string, csrf: string, management: string): Html | '' {
  const units = tree.units.filter((u) => u.parent === parent);
  const accounts = tree.accounts.filter((a) => a.parent === parent);
  if (units.length === 0 && accounts.length === 0) return '';
  return html`<ul>
    ${units.map((u) => unitItem(tree, u, csrf, management))}
    ${accounts.map(
      (a) =>
        html`<li class="account-node">
          <span class="kind">Account</span> <strong>${a.name}</strong> <code>${a.id}</code> ${a.email}
          <span class="status">${a.status}</span>
          ${a.id === management ? html`<em>(management account)</em>` : ''}
        </li>`,
    )}
  </ul>`;
}

function unitItem(tree: OrgTree, unit: OrgUnit, csrf: string, management: string): Html {
  return html`<li class="ou-node">
    <span class="kind">OU</span> <strong>${unit.name}</strong> <code>${unit.id}</code>
    <details>
      <summary>Rename ${unit.name}</summary>
      <form method="post" action="${ORG}/ous/rename" class="inline" aria-label="Rename ${unit.name}">
        <input type="hidden" name="csrf" value="${csrf}" />
        <input type="hidden" name="ou-id" value="${unit.id}" />
        ${field({ id: `rename-${unit.id}`, name: 'ou-name', label: 'New name', value: unit.name })}
        <button type="submit">Rename</button>
      </form>
    </details>
    ${dangerForm(`${ORG}/ous/delete`, csrf, `Delete ${unit.name}`, { 'ou-id': unit.id }, 'The OU is deleted. It must hold no accounts or OUs.')}
    ${children(tree, unit.id, csrf, management)}
  </li>`;
}

/** The account creation requests: the one just made (DescribeCreateAccountStatus) and the latest ones. */
async function requestsSection(
  ctx: ConsoleContext,
  signed: Signed,
  request: string | undefined,
): Promise<Html> {
  const call = (name: string, input: Record<string, unknown>) =>
    callOrganizations(signed.caller, ctx, name, input);
  let current: Html | '' = '';
  if (request) {
    const described = await call('DescribeCreateAccountStatus', { CreateAccountRequestId: request });
    current = described.ok
      ? statusLine(described.output.CreateAccountStatus as Record<string, unknown>)
      : orgProblem(described.error);
  }
  const listed = await call('ListCreateAccountStatus', { MaxResults: 20 });
  const rows = listed.ok ? ((listed.output.CreateAccountStatuses ?? []) as Record<string, unknown>[]) : [];
  return html`<section aria-labelledby="create-requests-heading">
    <h2 id="create-requests-heading">Account creation requests</h2>
    ${current}
    ${
      listed.ok
        ? table(
            'Account creation requests',
            ['Account name', 'Status', 'Account ID', 'Requested'],
            rows.map((r) => [
              String(r.AccountName ?? ''),
              html`${String(r.State ?? '')}${r.FailureReason ? html` (${String(r.FailureReason)})` : ''}`,
              r.AccountId ? html`<code>${String(r.AccountId)}</code>` : '',
              String(r.RequestedTimestamp ?? ''),
            ]),
          )
        : orgProblem(listed.error)
    }
  </section>`;
}

function statusLine(status: Record<string, unknown>): Html {
  const state = String(status.State ?? '');
  const words =
    state === 'SUCCEEDED'
      ? html`The account <strong>${String(status.AccountName)}</strong> was created:
          <code>${String(status.AccountId ?? '')}</code>.`
      : state === 'FAILED'
        ? html`The account <strong>${String(status.AccountName)}</strong> could not be created:
            ${String(status.FailureReason ?? '')}.`
        : html`The account <strong>${String(status.AccountName)}</strong> is being created. Reload the page to
            see its status.`;
  return html`<p class="create-status" role="status">Status: <strong>${state}</strong>. ${words}</p>`;
}
