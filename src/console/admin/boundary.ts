// The permissions boundary of a user or a role: shown from Get<Entity>'s PermissionsBoundary, set
// from a managed policy found by name (the policy picker) or by ARN (Put<Entity>PermissionsBoundary),
// and removed after a confirmation (Delete<Entity>PermissionsBoundary).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  type Messages,
  ADMIN,
  action,
  check,
  page,
  path,
  plausibleName,
  postForm,
  statusOf,
} from './common.ts';
import {
  PERMISSIONS_TAB,
  type DetailRenderer,
  type HolderKind,
  type PickPurpose,
  pickerPage,
} from './holder-policies.ts';
import { tabUrl } from './tabs.ts';
import { parseListQuery } from './listing.ts';

export const BOUNDARY_NOTICES: Readonly<Record<string, string>> = {
  'boundary-set': 'The permissions boundary was set.',
  'boundary-removed': 'The permissions boundary was removed.',
};

/** The boundary's ARN in a Get<Entity> output's User or Role, if it has one. */
export function boundaryOf(entity: Record<string, unknown> | undefined): string | undefined {
  const boundary = entity?.PermissionsBoundary as Record<string, unknown> | undefined;
  const arn = boundary?.PermissionsBoundaryArn;
  return typeof arn === 'string' ? arn : undefined;
}

/** The Permissions boundary section of a user's or a role's page. */
export function boundarySection(options: {
  readonly kind: HolderKind;
  readonly name: string;
  readonly current: string | undefined;
  readonly csrf: string;
  readonly messages?: Messages;
}): Html {
  const { kind, name, current, csrf } = options;
  const base = path(kind.base, name);
  const draft = options.messages?.draft ?? {};
  const shown = current
    ? html`<p>
          The ${kind.noun}'s permissions are limited to what the policy
          <a href="${ADMIN}/policies/view?arn=${encodeURIComponent(current)}"><code>${current}</code></a>
          allows.
        </p>
        ${dangerForm(
          `${base}/boundary/delete`,
          csrf,
          'Remove permissions boundary',
          {},
          `The ${kind.noun}'s permissions are no longer limited by the boundary: its policies alone decide.`,
        )}`
    : html`<p>No permissions boundary: the ${kind.noun}'s policies alone decide its permissions.</p>`;
  const find = html`<form
    method="get"
    action="${base}/boundary/pick"
    class="card"
    role="search"
    aria-label="Find a managed policy to use as the permissions boundary"
  >
    <h3>${current ? 'Change the permissions boundary' : 'Set a permissions boundary'}</h3>
    ${field({ id: 'boundary-q', name: 'q', label: 'Find a boundary policy by name', required: false, type: 'search', hint: 'AWS managed and customer managed policies, each with a "Set as boundary" button.' })}
    <button type="submit">Find boundary policies</button>
  </form>`;
  const byArn = postForm(
    `${base}/boundary/set`,
    csrf,
    html`<h3>Set the permissions boundary by ARN</h3>
      ${field({
        id: 'boundary-arn',
        name: 'policy-arn',
        label: 'Boundary policy ARN',
        value: draft['boundary-arn'] ?? '',
        hint: 'For example arn:aws:iam::aws:policy/PowerUserAccess.',
      })}
      <button type="submit">Set boundary</button>`,
  );
  return html`<section aria-labelledby="boundary-heading">
    <h2 id="boundary-heading">Permissions boundary</h2>
    ${shown} ${find} ${byArn}
  </section>`;
}

/** The picker, set and remove actions on the boundary of a kind of holder (users and roles). */
export function registerBoundaryActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  kind: HolderKind,
  render: DetailRenderer,
): void {
  type Params = { name: string };
  const unknown = (reply: FastifyReply) => reply.code(303).header('location', kind.base).send();
  const finish = async (
    signed: Signed,
    reply: FastifyReply,
    name: string,
    result: Promise<OperationResult>,
    notice: string,
    draft?: Record<string, string>,
  ): Promise<FastifyReply> => {
    const outcome = await result;
    if (!outcome.ok) return failed(signed, reply, name, outcome.error, draft);
    return reply
      .code(303)
      .header('location', tabUrl(path(kind.base, name), PERMISSIONS_TAB, notice))
      .send();
  };
  const failed = (
    signed: Signed,
    reply: FastifyReply,
    name: string,
    error: IamError,
    draft?: Record<string, string>,
  ) => render(signed, reply, name, statusOf(error), { error, draft, tab: PERMISSIONS_TAB });

  page<Params>(server, ctx, `${kind.base}/:name/boundary/pick`, async (signed, query, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const purpose: PickPurpose = {
      title: 'Set the permissions boundary of',
      pickPath: '/boundary/pick',
      actionPath: '/boundary/set',
      button: 'Set as boundary',
      currentLabel: 'Current boundary',
      current: async (s) => {
        const got = await callIam(s.caller, ctx, `Get${kind.op}`, { [kind.param]: name });
        if (!got.ok) return { ok: false, error: got.error };
        const current = boundaryOf(got.output[kind.op] as Record<string, unknown> | undefined);
        return { ok: true, arns: new Set(current ? [current] : []) };
      },
    };
    return pickerPage(ctx, signed, reply, kind, name, parseListQuery(query), purpose);
  });

  action<Params>(server, ctx, `${kind.base}/:name/boundary/set`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const arn = formText(form, 'policy-arn', 2048);
    const draft = { 'boundary-arn': arn };
    const problem = check.arn(arn, 'permissionsBoundary');
    if (problem) return failed(signed, reply, name, problem, draft);
    return finish(
      signed,
      reply,
      name,
      callIam(signed.caller, ctx, `Put${kind.op}PermissionsBoundary`, {
        [kind.param]: name,
        PermissionsBoundary: arn,
      }),
      'boundary-set',
      draft,
    );
  });

  action<Params>(
    server,
    ctx,
    `${kind.base}/:name/boundary/delete`,
    async (signed, _form, { name }, reply) => {
      if (!plausibleName(name, kind.maxName)) return unknown(reply);
      return finish(
        signed,
        reply,
        name,
        callIam(signed.caller, ctx, `Delete${kind.op}PermissionsBoundary`, { [kind.param]: name }),
        'boundary-removed',
      );
    },
  );
}
