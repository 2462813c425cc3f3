// OpenID Connect identity providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
// ListOpenIDConnectProviders, DeleteOpenIDConnectProvider, AddClientIDToOpenIDConnectProvider,
// RemoveClientIDFromOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint, and their tags.
//
// A provider is named by its issuer URL: its ARN is arn:aws:iam::<account>:oidc-provider/<URL
// without https://>, and GetOpenIDConnectProvider returns the URL without its scheme too. What
// AWS answers where (recorded from real AWS in LocalStack's snapshots, test_iam_oidc): a URL that
// is not one is a ValidationError "Invalid Open ID Connect Provider URL"; a second provider of the
// same URL EntityAlreadyExists "Provider with url <url> already exists."; more than five
// thumbprints InvalidInput "Thumbprint list must contain fewer than 5 entries."; more than 100
// client ids LimitExceeded "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100"; an
// unknown ARN NoSuchEntity "OpenIDConnect Provider not found for arn <arn>", but from
// DeleteOpenIDConnectProvider "OpenId connect Provider <arn> cannot be found."; Get always
// carries Tags (an empty list included).
import { randomUUID } from 'node:crypto';
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import type { OidcProviderRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { oidcProviders } from '../tables.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  tagOperations,
  tagsOf,
  writeTx,
} from '../operation.ts';
import { fetchTopThumbprint } from './oidc-thumbprint.ts';

export type { OidcProviderRecord };

/**
 * OIDC providers per account (IAM and STS quotas: 100, fixed). AWS's text when it is reached,
 * "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100", as recorded in
 * https://github.com/kubernetes-sigs/secrets-store-csi-driver/issues/634
 */
export const OIDC_PROVIDERS_QUOTA = 100;
/**
 * Client ids (audiences) per provider (IAM API reference, ClientIDList). AWS's text, "Cannot
 * exceed quota for ClientIdsPerOpenIdConnectProvider: 100", recorded against AWS in LocalStack's
 * snapshot
 * https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_oidc.snapshot.json
 */
export const CLIENT_IDS_QUOTA = 100;
/** Thumbprints per provider (IAM API reference, ThumbprintList: "up to five"). */
export const THUMBPRINTS_QUOTA = 5;

const SCHEME = /^https:\/\//i;

/** The provider ARN of an issuer: `https://host/path` → arn:aws:iam::<account>:oidc-provider/host/path. */
export function oidcProviderArn(account: string, issuerUrl: string): string {
  return `arn:aws:iam::${account}:oidc-provider/${issuerUrl.replace(SCHEME, '')}`;
}

/** The provider of this ARN, in whichever account it was registered (callers check the account). */
export function findOidcProvider(tx: StoreTx, arn: string): Promise<OidcProviderRecord | undefined> {
  return tx.find(oidcProviders, { arn });
}

function invalidUrl(): IamError {
  return new IamError('ValidationError', 'Invalid Open ID Connect Provider URL');
}

/**
 * An issuer URL IAM accepts: https, a host, path components allowed, and no query, fragment or
 * credentials ("Per the OIDC standard, path components are allowed but query parameters are
 * not"). AWS says the URL "should not contain a port number"; a port is accepted so that
 * self-hosted issuers on other ports can be registered.
 */
export function parseIssuerUrl(text: string): URL {
  if (!SCHEME.test(text) || /[?#\s@\\]/.test(text)) throw invalidUrl();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidUrl();
  }
  if (url.protocol !== 'https:' || url.hostname === '') throw invalidUrl();
  return url;
}

function checkThumbprints(thumbprints: readonly string[]): string[] {
  if (thumbprints.length > THUMBPRINTS_QUOTA)
    throw new IamError('InvalidInput', 'Thumbprint list must contain fewer than 5 entries.');
  return [...thumbprints];
}

function clientIdQuota(): IamError {
  return new IamError(
    'LimitExceeded',
    `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${CLIENT_IDS_QUOTA}`,
  );
}

function notFound(arn: string): IamError {
  return new IamError('NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`);
}

const PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/./;

/** Find the caller's provider, authorize on its ARN (its tags as aws:ResourceTag), then NoSuchEntity. */
async function authorizedProvider(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  arn: string,
  context: Readonly<Record<string, ContextValue>> = {},
  missing: (arn: string) => IamError = notFound,
): Promise<OidcProviderRecord> {
  const provider = PROVIDER_ARN.test(arn)
    ? await tx.find(oidcProviders, { account: ctx.caller.account, arn })
    : undefined;
  await check(ctx, tx, action, arn, { ...resourceTagContext(provider?.tags), ...context });
  if (!PROVIDER_ARN.test(arn)) throw new IamError('InvalidInput', `ARN ${arn} is not valid.`);
  if (!provider) throw missing(arn);
  return provider;
}

function urlOutput(provider: OidcProviderRecord): string {
  return provider.url.replace(SCHEME, '');
}

function list(input: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  const value = input[name];
  return Array.isArray(value) ? (value as string[]) : undefined;
}

export const oidcProvidersOperations: Record<string, Operation> = {
  ...tagOperations<OidcProviderRecord>({
    noun: 'OpenIDConnectProvider',
    load: (ctx, tx, action, input, context) =>
      authorizedProvider(ctx, tx, action, requiredStr(input, 'OpenIDConnectProviderArn'), context),
    table: oidcProviders,
  }),

  async CreateOpenIDConnectProvider(ctx, input) {
    const urlText = requiredStr(input, 'Url');
    const url = parseIssuerUrl(urlText);
    const given = list(input, 'ThumbprintList') ?? [];
    checkThumbprints(given);
    // A set: adding a client id twice is a no-op (AddClientIDToOpenIDConnectProvider is idempotent).
    const clientIds = [...new Set(list(input, 'ClientIDList') ?? [])];
    if (clientIds.length > CLIENT_IDS_QUOTA) throw clientIdQuota();
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    const arn = oidcProviderArn(account, urlText);
    const authorize = (tx: StoreTx) =>
      check(ctx, tx, 'iam:CreateOpenIDConnectProvider', arn, requestTagContext(tags));

    let thumbprints = given;
    if (thumbprints.length === 0) {
      // Only an authorized caller may make the server connect out; the handshake happens outside
      // any transaction.
      await ctx.iam.store.read(authorize);
      thumbprints = [await fetchTopThumbprint(url)];
    }
    return writeTx(ctx, async (tx) => {
      await authorize(tx);
      if (await tx.find(oidcProviders, { arn }))
        throw new IamError('EntityAlreadyExists', `Provider with url ${urlText} already exists.`);
      if ((await tx.count(oidcProviders, { account })) >= OIDC_PROVIDERS_QUOTA) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${OIDC_PROVIDERS_QUOTA}`,
        );
      }
      const provider: OidcProviderRecord = {
        id: randomUUID(),
        account,
        arn,
        url: urlText,
        clientIds,
        thumbprints,
        createdAt: isoNow(ctx),
        tags,
      };
      await tx.insert(oidcProviders, provider);
      return { OpenIDConnectProviderArn: arn, ...(tags.length > 0 ? { Tags: tags } : {}) };
    });
  },

  async GetOpenIDConnectProvider(ctx, input) {
    const arn = requiredStr(input, 'OpenIDConnectProviderArn');
    return ctx.iam.store.read(async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:GetOpenIDConnectProvider', arn);
      return {
        Url: urlOutput(provider),
        ClientIDList: provider.clientIds,
        ThumbprintList: provider.thumbprints,
        CreateDate: provider.createdAt,
        Tags: provider.tags,
      };
    });
  },

  async ListOpenIDConnectProviders(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListOpenIDConnectProviders', '*');
      const providers = await tx.list(oidcProviders, { where: { account }, orderBy: 'arn' });
      return { OpenIDConnectProviderList: providers.map((p) => ({ Arn: p.arn })) };
    });
  },

  async DeleteOpenIDConnectProvider(ctx, input) {
    const arn = requiredStr(input, 'OpenIDConnectProviderArn');
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(
        ctx,
        tx,
        'iam:DeleteOpenIDConnectProvider',
        arn,
        {},
        (missing) => new IamError('NoSuchEntity', `OpenId connect Provider ${missing} cannot be found.`),
      );
      await tx.delete(oidcProviders, provider.id);
      return undefined;
    });
  },

  async AddClientIDToOpenIDConnectProvider(ctx, input) {
    const arn = requiredStr(input, 'OpenIDConnectProviderArn');
    const clientId = requiredStr(input, 'ClientID');
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:AddClientIDToOpenIDConnectProvider', arn);
      if (provider.clientIds.includes(clientId)) return undefined;
      if (provider.clientIds.length >= CLIENT_IDS_QUOTA) throw clientIdQuota();
      provider.clientIds.push(clientId);
      await tx.update(oidcProviders, provider);
      return undefined;
    });
  },

  async RemoveClientIDFromOpenIDConnectProvider(ctx, input) {
    const arn = requiredStr(input, 'OpenIDConnectProviderArn');
    const clientId = requiredStr(input, 'ClientID');
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:RemoveClientIDFromOpenIDConnectProvider', arn);
      if (!provider.clientIds.includes(clientId)) return undefined;
      provider.clientIds = provider.clientIds.filter((id) => id !== clientId);
      await tx.update(oidcProviders, provider);
      return undefined;
    });
  },

  async UpdateOpenIDConnectProviderThumbprint(ctx, input) {
    const arn = requiredStr(input, 'OpenIDConnectProviderArn');
    const thumbprints = checkThumbprints(list(input, 'ThumbprintList') ?? []);
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:UpdateOpenIDConnectProviderThumbprint', arn);
      provider.thumbprints = thumbprints;
      await tx.update(oidcProviders, provider);
      return undefined;
    });
  },
};
