// Identity providers: the account's OpenID Connect and SAML providers, adding one of each kind
// (CreateOpenIDConnectProvider, CreateSAMLProvider), editing one (identity-provider-edit.ts) and
// deleting one, after a confirmation. Roles trust them through the role page's trust templates
// (roles.ts).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
  ADMIN,
  type Messages,
  action,
  adminPage,
  check,
  firstProblem,
  noticeOf,
  page,
  postForm,
  section,
  statusOf,
  textarea,
} from './common.ts';
import { registerIdentityProviderEdit } from './identity-provider-edit.ts';

export const PROVIDERS = `${ADMIN}/identity-providers`;

const NOTICES: Readonly<Record<string, string>> = {
  'oidc-created': 'The OpenID Connect provider was added.',
  'saml-created': 'The SAML provider was added.',
  deleted: 'The identity provider was deleted.',
};

/** One entry a line, blank lines left out. */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function registerIdentityProviders(server: FastifyInstance, ctx: ConsoleContext): void {
  registerIdentityProviderEdit(server, ctx, PROVIDERS);
  page(server, ctx, PROVIDERS, async (signed, query, _params, reply) =>
    providersPage(ctx, signed, reply, 200, { notice: noticeOf(query, NOTICES) }),
  );

  action(server, ctx, `${PROVIDERS}/oidc`, async (signed, form, _params, reply) => {
    const url = formText(form, 'provider-url', 512);
    const audiences = (form.get('audiences') ?? '').slice(0, 40_000);
    const thumbprints = (form.get('thumbprints') ?? '').slice(0, 1_000);
    const draft = { 'provider-url': url, audiences, thumbprints };
    const fail = (error: IamError) => providersPage(ctx, signed, reply, statusOf(error), { error, draft });
    const clientIds = lines(audiences);
    const thumbprintList = lines(thumbprints);
    const problem = firstProblem(
      check.oidcUrl(url),
      ...clientIds.map((id) => check.clientId(id)),
      ...thumbprintList.map((t) => check.thumbprint(t)),
    );
    if (problem) return fail(problem);
    const created = await callIam(signed.caller, ctx, 'CreateOpenIDConnectProvider', {
      Url: url,
      ClientIDList: clientIds,
      ...(thumbprintList.length > 0 ? { ThumbprintList: thumbprintList } : {}),
    });
    if (!created.ok) return fail(created.error);
    return redirect(reply, `${PROVIDERS}?notice=oidc-created`);
  });

  action(server, ctx, `${PROVIDERS}/saml`, async (signed, form, _params, reply) => {
    const name = formText(form, 'saml-name', 256);
    // The console's request body is bounded well below the model's 10,000,000 characters.
    const metadata = (form.get('metadata') ?? '').slice(0, 10_000_001);
    const draft = { 'saml-name': name, metadata };
    const fail = (error: IamError) => providersPage(ctx, signed, reply, statusOf(error), { error, draft });
    const problem = firstProblem(check.samlProviderName(name), check.samlMetadata(metadata));
    if (problem) return fail(problem);
    const created = await callIam(signed.caller, ctx, 'CreateSAMLProvider', {
      Name: name,
      SAMLMetadataDocument: metadata,
    });
    if (!created.ok) return fail(created.error);
    return redirect(reply, `${PROVIDERS}?notice=saml-created`);
  });

  action(server, ctx, `${PROVIDERS}/delete`, async (signed, form, _params, reply) => {
    const arn = formText(form, 'arn', 2048);
    const operation = /:oidc-provider\//.test(arn)
      ? ['DeleteOpenIDConnectProvider', 'OpenIDConnectProviderArn']
      : ['DeleteSAMLProvider', 'SAMLProviderArn'];
    const deleted = await callIam(signed.caller, ctx, operation[0]!, { [operation[1]!]: arn });
    if (!deleted.ok)
      return providersPage(ctx, signed, reply, statusOf(deleted.error), { error: deleted.error });
    return redirect(reply, `${PROVIDERS}?notice=deleted`);
  });
}

function deleteButton(csrf: string, arn: string): ReturnType<typeof html> {
  // The label names the provider by what follows "oidc-provider/" or "saml-provider/": the whole
  // ARN would make the table wider than the page.
  return dangerForm(
    `${PROVIDERS}/delete`,
    csrf,
    `Delete ${arn.replace(/^arn:[^:]*:iam::\d*:(oidc|saml)-provider\//, '')}`,
    { arn },
    'Roles that trust this provider can no longer be assumed with its tokens or assertions.',
  );
}

/** The provider's ARN, linking to its edit view. */
function providerLink(arn: string): ReturnType<typeof html> {
  return html`<a href="${PROVIDERS}/view?arn=${encodeURIComponent(arn)}"><code>${arn}</code></a>`;
}

async function providersPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const csrf = signed.record.csrf;
  const draft = messages.draft ?? {};
  const oidcList = await callIam(signed.caller, ctx, 'ListOpenIDConnectProviders', {});
  const oidcDetails = oidcList.ok
    ? await Promise.all(
        ((oidcList.output.OpenIDConnectProviderList ?? []) as { Arn: string }[]).map(async ({ Arn }) => ({
          arn: Arn,
          got: await callIam(signed.caller, ctx, 'GetOpenIDConnectProvider', {
            OpenIDConnectProviderArn: Arn,
          }),
        })),
      )
    : [];
  const oidc = section('OpenID Connect providers', 'oidc-heading', oidcList, () =>
    table(
      'OpenID Connect providers in this account',
      ['Provider', 'Audiences', 'Thumbprints', 'Created', 'Actions'],
      oidcDetails.map(({ arn, got }) => {
        const out = got.ok ? got.output : {};
        return [
          providerLink(arn),
          ((out.ClientIDList ?? []) as string[]).join(', '),
          ((out.ThumbprintList ?? []) as string[]).join(', '),
          String(out.CreateDate ?? ''),
          deleteButton(csrf, arn),
        ];
      }),
    ),
  );
  const samlList = await callIam(signed.caller, ctx, 'ListSAMLProviders', {});
  const saml = section('SAML providers', 'saml-heading', samlList, (out) =>
    table(
      'SAML providers in this account',
      ['Provider', 'Valid until', 'Created', 'Actions'],
      ((out.SAMLProviderList ?? []) as Record<string, string>[]).map((p) => [
        providerLink(p.Arn ?? ''),
        p.ValidUntil,
        p.CreateDate,
        deleteButton(csrf, p.Arn ?? ''),
      ]),
    ),
  );
  const addOidc = html`<section aria-labelledby="add-oidc-heading">
    <h2 id="add-oidc-heading">Add an OpenID Connect provider</h2>
    ${postForm(
      `${PROVIDERS}/oidc`,
      csrf,
      html`${field({
          id: 'provider-url',
          label: 'Provider URL',
          value: draft['provider-url'] ?? '',
          hint: "The issuer, as the tokens' iss claim names it: https://host[/path].",
        })}
        ${textarea({
          id: 'audiences',
          label: 'Audiences (client IDs), one a line',
          value: draft.audiences ?? '',
          rows: 3,
          required: false,
        })}
        ${textarea({
          id: 'thumbprints',
          label: 'Thumbprints, one a line (optional)',
          value: draft.thumbprints ?? '',
          rows: 3,
          required: false,
          hint: "SHA-1 fingerprints (40 hex digits) of certificates in the issuer's TLS chain. Left empty, the server records the last certificate the issuer presents.",
        })} <button type="submit">Add provider</button>`,
    )}
  </section>`;
  const addSaml = html`<section aria-labelledby="add-saml-heading">
    <h2 id="add-saml-heading">Add a SAML provider</h2>
    ${postForm(
      `${PROVIDERS}/saml`,
      csrf,
      html`${field({
          id: 'saml-name',
          label: 'Provider name',
          value: draft['saml-name'] ?? '',
          hint: 'Up to 128 letters, digits and . _ -',
        })}
        ${textarea({
          id: 'metadata',
          label: "Metadata document (the IdP's SAML metadata XML)",
          value: draft.metadata ?? '',
          rows: 10,
        })} <button type="submit">Add provider</button>`,
    )}
  </section>`;
  return adminPage(reply, signed, status, {
    title: 'Identity providers',
    section: PROVIDERS,
    body: html`${oidc} ${saml} ${addOidc} ${addSaml}`,
    messages,
  });
}
