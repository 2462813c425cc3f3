// One identity provider's edit view: an OpenID Connect provider's client ids (added, removed),
// thumbprints (replaced whole, as UpdateOpenIDConnectProviderThumbprint does) and tags; a SAML
// provider's metadata (a new document uploaded, as UpdateSAMLProvider takes it) and tags. The
// provider is named by its ARN in the query (an OIDC ARN holds slashes). Removing a client id or a
// tag asks for confirmation first.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { dangerForm, field, html, table } from '../html.ts';
import { formText, redirect } from '../web.ts';
import {
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

const NOTICES: Readonly<Record<string, string>> = {
  'client-added': 'The client ID was added.',
  'client-removed': 'The client ID was removed.',
  thumbprints: 'The thumbprints were replaced.',
  metadata: 'The new metadata document was uploaded.',
  tagged: 'The tag was saved.',
  untagged: 'The tag was removed.',
};

/** The provider's kind, from its ARN, and the names its operations take. */
function kindOf(arn: string): { oidc: boolean; arnMember: string; suffix: string } {
  const oidc = /:oidc-provider\//.test(arn);
  return oidc
    ? { oidc, arnMember: 'OpenIDConnectProviderArn', suffix: 'OpenIDConnectProvider' }
    : { oidc, arnMember: 'SAMLProviderArn', suffix: 'SAMLProvider' };
}

/** The lines of a textarea, blank ones left out. */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function registerIdentityProviderEdit(
  server: FastifyInstance,
  ctx: ConsoleContext,
  base: string,
): void {
  const view = `${base}/view`;
  const viewOf = (arn: string, notice: string) => `${view}?arn=${encodeURIComponent(arn)}&notice=${notice}`;

  page(server, ctx, view, async (signed, query, _params, reply) =>
    providerPage(ctx, signed, reply, base, query.arn ?? '', 200, { notice: noticeOf(query, NOTICES) }),
  );

  /** A POST that calls one operation with the provider's ARN, then shows the view again. */
  const change = (
    route: string,
    read: (
      form: URLSearchParams,
      arn: string,
    ) => {
      operation: string;
      input: Record<string, unknown>;
      problem?: IamError | undefined;
      draft?: Record<string, string>;
    },
    notice: string,
  ) =>
    action(server, ctx, `${view}/${route}`, async (signed, form, _params, reply) => {
      const arn = formText(form, 'arn', 2048);
      const { operation, input, problem, draft } = read(form, arn);
      const fail = (error: IamError) =>
        providerPage(ctx, signed, reply, base, arn, statusOf(error), { error, draft });
      if (problem) return fail(problem);
      const done = await callIam(signed.caller, ctx, operation, { [kindOf(arn).arnMember]: arn, ...input });
      if (!done.ok) return fail(done.error);
      return redirect(reply, viewOf(arn, notice));
    });

  change(
    'client-add',
    (form) => {
      const clientId = formText(form, 'client-id', 512);
      return {
        operation: 'AddClientIDToOpenIDConnectProvider',
        input: { ClientID: clientId },
        problem: firstProblem(check.clientId(clientId, 'clientID')),
        draft: { 'client-id': clientId },
      };
    },
    'client-added',
  );
  change(
    'client-remove',
    (form) => ({
      operation: 'RemoveClientIDFromOpenIDConnectProvider',
      input: { ClientID: formText(form, 'client-id', 512) },
    }),
    'client-removed',
  );
  change(
    'thumbprints',
    (form) => {
      const text = (form.get('thumbprints') ?? '').slice(0, 1_000);
      const thumbprints = lines(text);
      return {
        operation: 'UpdateOpenIDConnectProviderThumbprint',
        input: { ThumbprintList: thumbprints },
        problem: firstProblem(...thumbprints.map((t) => check.thumbprint(t))),
        draft: { thumbprints: text },
      };
    },
    'thumbprints',
  );
  change(
    'metadata',
    (form) => {
      // The console's request body is bounded well below the model's 10,000,000 characters.
      const metadata = (form.get('metadata') ?? '').slice(0, 10_000_001);
      return {
        operation: 'UpdateSAMLProvider',
        input: { SAMLMetadataDocument: metadata },
        problem: firstProblem(check.samlMetadata(metadata)),
        draft: { metadata },
      };
    },
    'metadata',
  );
  change(
    'tag',
    (form, arn) => {
      const key = formText(form, 'tag-key', 256);
      const value = formText(form, 'tag-value', 512);
      return {
        operation: `Tag${kindOf(arn).suffix}`,
        input: { Tags: [{ Key: key, Value: value }] },
        problem: firstProblem(check.tagKey(key), check.tagValue(value)),
        draft: { 'tag-key': key, 'tag-value': value },
      };
    },
    'tagged',
  );
  change(
    'untag',
    (form, arn) => ({
      operation: `Untag${kindOf(arn).suffix}`,
      input: { TagKeys: [formText(form, 'tag-key', 256)] },
    }),
    'untagged',
  );
}

async function providerPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  base: string,
  arn: string,
  status: number,
  messages: Messages,
): Promise<FastifyReply> {
  const view = `${base}/view`;
  const csrf = signed.record.csrf;
  const draft = messages.draft ?? {};
  const { oidc, arnMember, suffix } = kindOf(arn);
  const hidden = { arn };
  const arnField = html`<input type="hidden" name="arn" value="${arn}" />`;
  const got = await callIam(signed.caller, ctx, `Get${suffix}`, { [arnMember]: arn });
  const tagsOf = (out: Record<string, unknown>) => (out.Tags ?? []) as { Key: string; Value: string }[];

  const settings = oidc
    ? html`${section(
        'Client IDs (audiences)',
        'clients-heading',
        got,
        (out) =>
          table(
            'Client IDs',
            ['Client ID', 'Actions'],
            ((out.ClientIDList ?? []) as string[]).map((id) => [
              html`<code>${id}</code>`,
              dangerForm(
                `${view}/client-remove`,
                csrf,
                `Remove ${id}`,
                { ...hidden, 'client-id': id },
                'Tokens issued for this audience can no longer be exchanged for credentials.',
              ),
            ]),
          ),
        postForm(
          `${view}/client-add`,
          csrf,
          html`${arnField}
            ${field({ id: 'client-id', label: 'Client ID to add', value: draft['client-id'] ?? '' })}
            <button type="submit">Add client ID</button>`,
        ),
      )}
      ${section(
        'Thumbprints',
        'thumbprints-heading',
        got,
        () => '',
        postForm(
          `${view}/thumbprints`,
          csrf,
          html`${arnField}
            ${textarea({
              id: 'thumbprints',
              label: 'Thumbprints, one a line (they replace the current list)',
              value:
                draft.thumbprints ??
                (got.ok ? ((got.output.ThumbprintList ?? []) as string[]).join('\n') : ''),
              rows: 3,
              required: false,
              hint: "SHA-1 fingerprints (40 hex digits) of certificates in the issuer's TLS chain.",
            })} <button type="submit">Replace thumbprints</button>`,
        ),
      )}`
    : section(
        'Metadata',
        'metadata-heading',
        got,
        (out) => html`<p>Valid until ${String(out.ValidUntil ?? '')}.</p>`,
        postForm(
          `${view}/metadata`,
          csrf,
          html`${arnField}
            ${textarea({
              id: 'metadata',
              label: "New metadata document (the IdP's SAML metadata XML)",
              value: draft.metadata ?? '',
              rows: 10,
            })} <button type="submit">Upload metadata</button>`,
        ),
      );

  const tags = section(
    'Tags',
    'tags-heading',
    got,
    (out) =>
      table(
        'Tags',
        ['Key', 'Value', 'Actions'],
        tagsOf(out).map((t) => [
          t.Key,
          t.Value,
          dangerForm(
            `${view}/untag`,
            csrf,
            `Remove tag ${t.Key}`,
            { ...hidden, 'tag-key': t.Key },
            'The tag is removed from the provider.',
          ),
        ]),
      ),
    postForm(
      `${view}/tag`,
      csrf,
      html`${arnField} ${field({ id: 'tag-key', label: 'Tag key', value: draft['tag-key'] ?? '' })}
        ${field({ id: 'tag-value', label: 'Tag value', value: draft['tag-value'] ?? '', required: false })}
        <button type="submit">Save tag</button>`,
    ),
  );
  return adminPage(reply, signed, status, {
    title: `Identity provider ${arn}`,
    section: base,
    body: html`<p><a href="${base}">All identity providers</a></p>
      ${settings} ${tags}`,
    messages,
  });
}
