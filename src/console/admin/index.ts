// The console's administration pages, over the same IAM operations as the API (every page and
// every action is decided by the engine; a denied one shows AWS's AccessDenied message in place):
//
//   /console/admin                      an overview linking the pages below
//   /console/admin/users[/<name>]       users: create (console password, reset), groups, policies, keys, MFA
//   /console/admin/groups[/<name>]      groups: create, members, policies, delete
//   /console/admin/roles[/<name>]       roles: create with a trust policy, trust policy, session duration, policies
//   /console/admin/policies             customer managed policies (JSON editor), AWS managed search (/aws)
//   /console/admin/policies/view?arn=   a policy: document, versions, where attached
//   /console/admin/identity-providers   OpenID Connect and SAML providers: add, delete
//   /console/admin/credential-report    generate, view, download as CSV (/download)
//   /console/admin/simulator            SimulatePrincipalPolicy / SimulateCustomPolicy
//   /console/admin/account-settings     the account password policy (edit, back to default) and alias
//
// Every action is a POST carrying the session's CSRF token, answered with a redirect and a notice
// (or the page again with the error in place and what was typed kept).
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.ts';
import { html } from '../html.ts';
import { ADMIN, adminPage, page } from './common.ts';
import { registerAccountSettings } from './account-settings.ts';
import { registerCredentialReport } from './credential-report.ts';
import { registerGroups } from './groups.ts';
import { registerIdentityProviders } from './identity-providers.ts';
import { registerPolicies } from './policies.ts';
import { registerRoles } from './roles.ts';
import { registerSimulator } from './simulator.ts';
import { registerUsers } from './users.ts';

export function registerAdmin(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, ADMIN, async (signed, _query, _params, reply) =>
    adminPage(reply, signed, 200, {
      title: 'Access management',
      section: ADMIN,
      body: html`<ul class="overview">
        <li>
          <a href="${ADMIN}/users">Users</a>: create users, manage their groups, policies and credentials.
        </li>
        <li><a href="${ADMIN}/groups">User groups</a>: members and the policies they share.</li>
        <li><a href="${ADMIN}/roles">Roles</a>: trust policies and permissions.</li>
        <li>
          <a href="${ADMIN}/policies">Policies</a>: customer managed policies and their versions; AWS managed
          policies.
        </li>
        <li>
          <a href="${ADMIN}/identity-providers">Identity providers</a>: OpenID Connect and SAML providers that
          roles trust.
        </li>
        <li><a href="${ADMIN}/credential-report">Credential report</a>: every user's credentials, as CSV.</li>
        <li><a href="${ADMIN}/simulator">Policy simulator</a>: what a user or a policy allows.</li>
        <li>
          <a href="${ADMIN}/account-settings">Account settings</a>: the password policy and the account alias.
        </li>
      </ul>`,
    }),
  );
  registerUsers(server, ctx);
  registerGroups(server, ctx);
  registerRoles(server, ctx);
  registerPolicies(server, ctx);
  registerIdentityProviders(server, ctx);
  registerCredentialReport(server, ctx);
  registerSimulator(server, ctx);
  registerAccountSettings(server, ctx);
}
