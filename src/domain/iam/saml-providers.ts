// SAML identity providers: CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
// UpdateSAMLProvider, DeleteSAMLProvider, and their tags.
//
// A provider is a name (ARN arn:aws:iam::<account>:saml-provider/<name>) and the IdP's metadata
// document, whose signing certificates verify the assertions AssumeRoleWithSAML is given. What AWS
// answers where (recorded from real AWS in LocalStack's snapshots, test_iam_saml_providers): an
// unknown ARN is NoSuchEntity "Manifest not found for arn <arn>"; GetSAMLProvider carries
// SAMLProviderUUID, the document, CreateDate, ValidUntil, Tags (an empty list included),
// AssertionEncryptionMode (Allowed unless set) and PrivateKeyList; ListSAMLProviders gives each
// provider's Arn, ValidUntil and CreateDate.
import { createPrivateKey, randomUUID } from 'node:crypto';
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import type { SamlPrivateKey, SamlProviderRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { samlProviders } from '../tables.ts';
import {
  type Input,
  type Operation,
  type OperationContext,
  check,
  isoNow,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagOperations,
  tagsOf,
  writeTx,
} from '../operation.ts';
import type { ParsedMetadata } from './saml-metadata.ts';
import { parseMetadataBounded } from './saml-metadata-parse.ts';

export type { SamlProviderRecord };
export { samlProviderMetadata } from './saml-metadata.ts';

// Not confirmed against AWS: the LimitExceeded texts for these two quotas (SAMLProvidersPerAccount,
// PrivateKeysPerSamlProvider); no recorded response found, worded like AWS's recorded quota texts
// (e.g. OpenIdConnectProvidersPerAccount in oidc-providers.ts).
/** SAML providers per account (IAM and STS quotas: 100, fixed). */
export const SAML_PROVIDERS_QUOTA = 100;
/** Private keys per provider (the API model's PrivateKeyList: at most 2). */
export const PRIVATE_KEYS_QUOTA = 2;
/** A metadata document without validUntil is valid for 100 years from its upload. */
export const DEFAULT_VALIDITY_YEARS = 100;

export function samlProviderArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:saml-provider/${name}`;
}

/** The provider of this ARN, in whichever account it was registered (callers check the account). */
export function findSamlProvider(tx: StoreTx, arn: string): Promise<SamlProviderRecord | undefined> {
  return tx.find(samlProviders, { arn });
}

const PROVIDER_ARN = /^arn:aws:iam::\d{12}:saml-provider\/[\w.-]+$/;

function notFound(arn: string): IamError {
  return new IamError('NoSuchEntity', `Manifest not found for arn ${arn}`);
}

/** Find the caller's provider, authorize on its ARN (its tags as aws:ResourceTag), then NoSuchEntity. */
async function authorizedProvider(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  arn: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<SamlProviderRecord> {
  const valid = PROVIDER_ARN.test(arn);
  const provider = valid ? await tx.find(samlProviders, { account: ctx.caller.account, arn }) : undefined;
  await check(ctx, tx, action, arn, { ...resourceTagContext(provider?.tags), ...context });
  if (!valid) throw new IamError('InvalidInput', `ARN ${arn} is not valid.`);
  if (!provider) throw notFound(arn);
  return provider;
}

function validUntilOf(ctx: OperationContext, parsed: ParsedMetadata): string {
  if (parsed.validUntil) return parsed.validUntil;
  const until = ctx.iam.now();
  until.setUTCFullYear(until.getUTCFullYear() + DEFAULT_VALIDITY_YEARS);
  return until.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function applyMetadata(
  ctx: OperationContext,
  provider: SamlProviderRecord,
  document: string,
  parsed: ParsedMetadata,
): void {
  provider.metadataDocument = document;
  provider.validUntil = validUntilOf(ctx, parsed);
  provider.entityId = parsed.entityId;
  provider.signingCertificates = [...parsed.signingCertificates];
}

/** A PEM private key IAM can decrypt assertions with; kept only sealed. */
function checkedPrivateKey(pem: string): string {
  try {
    createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new IamError('InvalidInput', 'The private key is not a valid PEM private key.');
  }
  return pem;
}

function sealContext(provider: SamlProviderRecord, keyId: string): string {
  return `saml-private-key:${provider.id}:${keyId}`;
}

function addPrivateKey(ctx: OperationContext, provider: SamlProviderRecord, pem: string): void {
  const keys = provider.privateKeys ?? [];
  if (keys.length >= PRIVATE_KEYS_QUOTA) {
    throw new IamError(
      'LimitExceeded',
      `Cannot exceed quota for PrivateKeysPerSamlProvider: ${PRIVATE_KEYS_QUOTA}`,
    );
  }
  const keyId = newKeyId();
  provider.privateKeys = [
    ...keys,
    { keyId, sealedKey: ctx.iam.sealer.seal(pem, sealContext(provider, keyId)), addedAt: isoNow(ctx) },
  ];
}

/** 32 of [A-Z0-9], as the model's privateKeyIdType (22–64 of [A-Z0-9]) allows. */
function newKeyId(): string {
  return randomUUID().replace(/-/g, '').toUpperCase();
}

function encryptionMode(input: Input): 'Required' | 'Allowed' | undefined {
  const mode = str(input, 'AssertionEncryptionMode');
  return mode === 'Required' || mode === 'Allowed' ? mode : undefined;
}

function privateKeyList(provider: SamlProviderRecord): { KeyId: string; Timestamp: string }[] {
  return (provider.privateKeys ?? []).map((k: SamlPrivateKey) => ({ KeyId: k.keyId, Timestamp: k.addedAt }));
}

export const samlProvidersOperations: Record<string, Operation> = {
  ...tagOperations<SamlProviderRecord>({
    noun: 'SAMLProvider',
    load: (ctx, tx, action, input, context) =>
      authorizedProvider(ctx, tx, action, requiredStr(input, 'SAMLProviderArn'), context),
    table: samlProviders,
  }),

  async CreateSAMLProvider(ctx, input) {
    const name = requiredStr(input, 'Name');
    const document = requiredStr(input, 'SAMLMetadataDocument');
    const tags = tagsOf(input);
    const mode = encryptionMode(input);
    const privateKey = str(input, 'AddPrivateKey');
    if (privateKey !== undefined) checkedPrivateKey(privateKey);
    const { account } = ctx.caller;
    const arn = samlProviderArn(account, name);
    const authorize = (tx: StoreTx) => check(ctx, tx, 'iam:CreateSAMLProvider', arn, requestTagContext(tags));
    // The caller is authorized before the document is parsed, which happens outside any transaction.
    await ctx.iam.store.read(authorize);
    const parsed = await parseMetadataBounded(document);
    return writeTx(ctx, async (tx) => {
      await authorize(tx);
      const existing = await tx.list(samlProviders, { where: { account } });
      if (existing.some((p) => p.name.toLowerCase() === name.toLowerCase()))
        throw new IamError('EntityAlreadyExists', `SAMLProvider with name ${name} already exists.`);
      if (existing.length >= SAML_PROVIDERS_QUOTA) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for SAMLProvidersPerAccount: ${SAML_PROVIDERS_QUOTA}`,
        );
      }
      const provider: SamlProviderRecord = {
        id: newKeyId(),
        account,
        arn,
        name,
        metadataDocument: document,
        validUntil: '',
        createdAt: isoNow(ctx),
        tags,
        ...(mode ? { assertionEncryptionMode: mode } : {}),
      };
      applyMetadata(ctx, provider, document, parsed);
      if (privateKey !== undefined) addPrivateKey(ctx, provider, privateKey);
      await tx.insert(samlProviders, provider);
      return { SAMLProviderArn: arn, ...(tags.length > 0 ? { Tags: tags } : {}) };
    });
  },

  async GetSAMLProvider(ctx, input) {
    const arn = requiredStr(input, 'SAMLProviderArn');
    return ctx.iam.store.read(async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:GetSAMLProvider', arn);
      return {
        SAMLProviderUUID: provider.id,
        SAMLMetadataDocument: provider.metadataDocument,
        CreateDate: provider.createdAt,
        ValidUntil: provider.validUntil,
        Tags: provider.tags,
        AssertionEncryptionMode: provider.assertionEncryptionMode ?? 'Allowed',
        PrivateKeyList: privateKeyList(provider),
      };
    });
  },

  async ListSAMLProviders(ctx) {
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListSAMLProviders', '*');
      const providers = await tx.list(samlProviders, { where: { account }, orderBy: 'arn' });
      return {
        SAMLProviderList: providers.map((p) => ({
          Arn: p.arn,
          ValidUntil: p.validUntil,
          CreateDate: p.createdAt,
        })),
      };
    });
  },

  async UpdateSAMLProvider(ctx, input) {
    const arn = requiredStr(input, 'SAMLProviderArn');
    const document = str(input, 'SAMLMetadataDocument');
    const mode = encryptionMode(input);
    const privateKey = str(input, 'AddPrivateKey');
    const removeKey = str(input, 'RemovePrivateKey');
    if (privateKey !== undefined) checkedPrivateKey(privateKey);
    await ctx.iam.store.read((tx) => authorizedProvider(ctx, tx, 'iam:UpdateSAMLProvider', arn));
    const parsed = document === undefined ? undefined : await parseMetadataBounded(document);
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:UpdateSAMLProvider', arn);
      if (document !== undefined && parsed) applyMetadata(ctx, provider, document, parsed);
      if (mode) provider.assertionEncryptionMode = mode;
      if (removeKey !== undefined) {
        const keys = provider.privateKeys ?? [];
        if (!keys.some((k) => k.keyId === removeKey))
          throw new IamError('InvalidInput', `The private key ${removeKey} does not exist.`);
        provider.privateKeys = keys.filter((k) => k.keyId !== removeKey);
      }
      if (privateKey !== undefined) addPrivateKey(ctx, provider, privateKey);
      await tx.update(samlProviders, provider);
      return { SAMLProviderArn: provider.arn };
    });
  },

  async DeleteSAMLProvider(ctx, input) {
    const arn = requiredStr(input, 'SAMLProviderArn');
    return writeTx(ctx, async (tx) => {
      const provider = await authorizedProvider(ctx, tx, 'iam:DeleteSAMLProvider', arn);
      await tx.delete(samlProviders, provider.id);
      return undefined;
    });
  },
};
