// AssumeRoleWithWebIdentity: an OpenID Connect ID token (a GitHub Actions or GitLab job's, a
// Kubernetes service account's) exchanged for the credentials of a role, with no AWS credentials
// at all. As in STS (API reference, AssumeRoleWithWebIdentity): the token's issuer must be an OIDC
// provider registered in the role's account; the token is verified against the issuer's keys; the
// role's trust policy must allow `sts:AssumeRoleWithWebIdentity` to the principal
// {"Federated": <provider ARN>}, with the token's claims as the `<provider>:aud`, `:sub`, `:amr`,
// `:oaud` and `:email` keys (IAM User Guide, "Available keys for AWS OIDC federation"). The session
// lasts 900 s up to the role's MaxSessionDuration (3600 s by default) and may carry session
// policies, as AssumeRole's does; session tags and a source identity come from the token's
// `https://aws.amazon.com/tags` and `https://aws.amazon.com/source_identity` claims ("Passing
// session tags using AssumeRoleWithWebIdentity", IAM User Guide).
//
// The token is read and verified outside any transaction (fetching the issuer's keys is network
// I/O); the trust policy is evaluated and the session issued in one write transaction of the role's
// account. Nothing of the token is stored or logged.
import type { ContextValue } from '../../policy/index.ts';
import { resourceControlPoliciesFor } from '../organizations/rcp-scope.ts';
import type { Input, Output, UnsignedContext } from '../operation.ts';
import { requiredStr, str } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { OidcProviderRecord, Tag } from '../records.ts';
import { lastUsed, roles } from '../tables.ts';
import { findOidcProvider, oidcProviderArn } from '../iam/oidc-providers.ts';
import { sessionArn } from './sessions.ts';
import {
  authorizeFederatedTrust,
  issueSession,
  notAuthorizedTo,
  packedSize,
  parseRoleArn,
  requestTags,
  requirePolicyArns,
  sessionPolicy,
} from './session-parts.ts';
import { issuerKeys } from './oidc-keys.ts';
import { invalidToken, unverifiedIssuer, verifyIdToken } from './oidc-token.ts';

const ROLE_SESSION_DEFAULT = 3600;
const ACTION = 'sts:AssumeRoleWithWebIdentity';
const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';
/** Session tag limits (IAM User Guide, "IAM and AWS STS quotas"): 50 tags, keys 128, values 256. */
const MAX_SESSION_TAGS = 50;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

export async function AssumeRoleWithWebIdentity(ctx: UnsignedContext, input: Input): Promise<Output> {
  const roleArn = requiredStr(input, 'RoleArn');
  const sessionName = requiredStr(input, 'RoleSessionName');
  const token = requiredStr(input, 'WebIdentityToken');
  const target = parseRoleArn(roleArn);
  if (!target) throw new IamError('ValidationError', `${roleArn} is invalid`);
  // ProviderId names an OAuth 2.0 provider (www.amazon.com, graph.facebook.com) that STS asks to
  // vouch for an access token; Portcullis verifies OpenID Connect ID tokens only.
  const providerId = str(input, 'ProviderId');
  if (providerId !== undefined) {
    throw new IamError(
      'IDPRejectedClaim',
      `${providerId}: OAuth 2.0 access tokens are not supported; pass an OpenID Connect ID token without ProviderId.`,
    );
  }
  const duration = typeof input.DurationSeconds === 'number' ? input.DurationSeconds : ROLE_SESSION_DEFAULT;
  const inlinePolicy = sessionPolicy(input);
  const policyArns = ((input.PolicyArns as { arn?: string }[] | undefined) ?? []).map((p) => p.arn ?? '');

  const issuer = unverifiedIssuer(token);
  const provider = /^https:\/\//i.test(issuer)
    ? await ctx.iam.store.read((tx) => findOidcProvider(tx, oidcProviderArn(target.account, issuer)))
    : undefined;
  if (!provider || provider.account !== target.account || provider.url !== issuer) {
    throw invalidToken(`No OpenIDConnect provider found in your account for ${issuer}`);
  }

  const verified = await verifyIdToken(token, {
    issuer: provider.url,
    clientIds: provider.clientIds,
    now: ctx.iam.now(),
    keys: (refresh) =>
      issuerKeys({
        issuer: provider.url,
        thumbprints: provider.thumbprints,
        now: ctx.iam.now().getTime(),
        refresh,
      }),
  });
  const claims = verified.claims as Record<string, unknown>;
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  const { tags, transitiveTagKeys } = tokenSessionTags(claims[TAGS_CLAIM]);
  const sourceIdentity = tokenSourceIdentity(claims[SOURCE_IDENTITY_CLAIM]);

  return ctx.iam.store.write(
    async (tx) => {
      const role = await tx.find(roles, { account: target.account, name_lower: target.name.toLowerCase() });
      if (!role || role.account !== target.account || role.path !== target.path)
        throw notAuthorizedTo(ACTION);
      if (duration > role.maxSessionDuration) {
        throw new IamError(
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      }
      await requirePolicyArns(ctx.iam, tx, role.account, policyArns);

      const context: Record<string, ContextValue> = {
        ...claimContext(provider, claims, verified.audience),
        'aws:FederatedProvider': provider.arn,
        'sts:RoleSessionName': sessionName,
        ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
        ...requestTags(tags),
        ...(transitiveTagKeys.length > 0 ? { 'sts:TransitiveTagKeys': transitiveTagKeys } : {}),
      };
      const trusted = { type: 'web-identity', arn: provider.arn } as const;
      const rcps = await resourceControlPoliciesFor(ctx.iam, tx, ACTION, roleArn);
      const authorizeAs = (action: string) =>
        authorizeFederatedTrust(ctx.iam, role, roleArn, trusted, action, [ctx.requestContext, context], rcps);
      authorizeAs(ACTION);
      if (tags.length > 0) authorizeAs('sts:TagSession');
      if (sourceIdentity !== undefined) authorizeAs('sts:SetSourceIdentity');

      const credentials = await issueSession(ctx.iam, tx, duration, {
        type: 'assumed-role',
        account: role.account,
        role: { name: role.name, id: role.id, arn: roleArn, sessionName },
        inlinePolicy,
        policyArns,
        tags,
        transitiveTagKeys,
        sourceIdentity,
        chained: false,
      });
      await tx.put(lastUsed, {
        id: role.id,
        account: role.account,
        date: credentials.record.issuedAt,
        region: String(ctx.requestContext['aws:RequestedRegion'] ?? 'us-east-1'),
      });
      return {
        Credentials: credentials.output,
        ...(subject !== undefined ? { SubjectFromWebIdentityToken: subject } : {}),
        AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: sessionArn(credentials.record) },
        ...(inlinePolicy !== undefined || policyArns.length > 0 || tags.length > 0
          ? { PackedPolicySize: packedSize(inlinePolicy, policyArns) }
          : {}),
        // STS answers with the provider's ARN here (what real responses carry), the audience accepted.
        Provider: provider.arn,
        Audience: verified.audience,
        ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      };
    },
    { account: target.account },
  );
}

/**
 * The token's claims as trust-policy keys named after the provider (its URL without https://).
 * `aud` is the authorized party when the token names one (`azp`), and `oaud` then holds the
 * token's own `aud`; `amr` may hold several values.
 */
function claimContext(
  provider: OidcProviderRecord,
  claims: Record<string, unknown>,
  audience: string,
): Record<string, ContextValue> {
  const prefix = provider.url.replace(/^https:\/\//i, '');
  const context: Record<string, ContextValue> = {};
  const strings = (value: unknown): string[] | undefined => {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    return undefined;
  };
  const aud = strings(claims.aud);
  if (typeof claims.azp === 'string' && claims.azp !== '') {
    context[`${prefix}:aud`] = claims.azp;
    if (aud) context[`${prefix}:oaud`] = aud.length === 1 ? aud[0]! : aud;
  } else {
    context[`${prefix}:aud`] = aud && aud.length > 1 ? aud : audience;
  }
  if (typeof claims.sub === 'string') context[`${prefix}:sub`] = claims.sub;
  if (typeof claims.email === 'string') context[`${prefix}:email`] = claims.email;
  const amr = strings(claims.amr);
  if (amr) context[`${prefix}:amr`] = amr;
  return context;
}

/**
 * Session tags the issuer put in the token: {"principal_tags": {"Key": ["Value"]},
 * "transitive_tag_keys": ["Key"]} (IAM User Guide, "Passing session tags using
 * AssumeRoleWithWebIdentity").
 */
function tokenSessionTags(claim: unknown): { tags: Tag[]; transitiveTagKeys: string[] } {
  if (claim === undefined) return { tags: [], transitiveTagKeys: [] };
  const bad = (why: string) => invalidToken(`The ${TAGS_CLAIM} claim is not valid: ${why}.`);
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) throw bad('it is not an object');
  const { principal_tags: principalTags, transitive_tag_keys: transitive } = claim as Record<string, unknown>;
  const tags: Tag[] = [];
  if (principalTags !== undefined) {
    if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags))
      throw bad('principal_tags is not an object');
    for (const [key, values] of Object.entries(principalTags)) {
      const value = Array.isArray(values) && values.length === 1 ? values[0] : values;
      if (typeof value !== 'string') throw bad(`the value of ${key} is not one string`);
      if (!TAG_KEY.test(key) || !TAG_VALUE.test(value)) throw bad(`the tag ${key} is not a valid tag`);
      if (tags.some((t) => t.Key.toLowerCase() === key.toLowerCase())) throw bad(`${key} is given twice`);
      tags.push({ Key: key, Value: value });
    }
  }
  if (tags.length > MAX_SESSION_TAGS) throw bad(`it holds more than ${MAX_SESSION_TAGS} tags`);
  const transitiveTagKeys: string[] = [];
  if (transitive !== undefined) {
    if (!Array.isArray(transitive) || !transitive.every((k) => typeof k === 'string'))
      throw bad('transitive_tag_keys is not a list of keys');
    for (const key of transitive as string[]) {
      if (!tags.some((t) => t.Key.toLowerCase() === key.toLowerCase()))
        throw bad(`the transitive tag key ${key} is not among the tags`);
      transitiveTagKeys.push(key);
    }
  }
  return { tags, transitiveTagKeys };
}

function tokenSourceIdentity(claim: unknown): string | undefined {
  if (claim === undefined) return undefined;
  if (typeof claim !== 'string' || !SOURCE_IDENTITY.test(claim) || claim.toLowerCase().startsWith('aws:')) {
    throw invalidToken(`The ${SOURCE_IDENTITY_CLAIM} claim is not a valid source identity.`);
  }
  return claim;
}
