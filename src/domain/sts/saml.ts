// AssumeRoleWithSAML (STS API Reference): temporary credentials for whoever presents a SAML
// response that the role's account's SAML provider signed, for a role the assertion names and
// whose trust policy trusts that provider. No AWS credentials are needed: the assertion is the
// proof. Each assertion is accepted once (a bearer token): its issuer and ID are kept in the store
// until it expires, in the transaction that issues the credentials, so a replay to any node of a
// deployment is refused.
//
// The console's IdP-initiated sign-in uses the same path: verifySamlForConsole verifies the
// response and lists its roles; assuming one of them goes through the same replay guard.
import type { ContextValue } from '../../policy/index.ts';
import { resourceControlPoliciesFor } from '../organizations/rcp-scope.ts';
import type { Iam } from '../iam.ts';
import type { Input, Output, UnsignedContext } from '../operation.ts';
import { requiredStr } from '../operation.ts';
import { IamError } from '../errors.ts';
import type { SamlProviderRecord, Tag } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { lastUsed, roles, samlProviders, usedAssertions } from '../tables.ts';
import { findSamlProvider } from '../iam/saml-providers.ts';
import { samlProviderMetadata } from '../iam/saml-metadata.ts';
import { sessionArn } from './sessions.ts';
import {
  authorizeFederatedTrust,
  issueSession,
  iso,
  notAuthorizedTo,
  packedSize,
  parseRoleArn,
  requestTags,
  requirePolicyArns,
  sessionPolicy,
} from './session-parts.ts';
import {
  CLOCK_SKEW_MS,
  assertionKey,
  claimedIssuer,
  claimedRolePairs,
  nameQualifier,
  parseSamlResponse,
  subjectType,
  type RolePair,
  type VerifiedAssertion,
} from './saml-response.ts';
import { samlContextKeys } from './saml-context.ts';
import { verifySamlBounded } from './saml-verify-bounded.ts';

const ROLE_SESSION_DEFAULT = 3600;
const REDEEM_WITHIN_MS = 5 * 60 * 1000;
const SWEEP_BATCH = 20;
/** How many distinct providers a console sign-in tries to verify a response with. */
const MAX_CONSOLE_PROVIDERS = 5;

const PROVIDER_ARN = /^arn:aws:iam::(\d{12}):saml-provider\/([\w.-]+)$/;

function parseProviderArn(arn: string): { account: string; name: string } | null {
  const match = PROVIDER_ARN.exec(arn);
  return match ? { account: match[1]!, name: match[2]! } : null;
}

const notAuthorized = () => notAuthorizedTo('sts:AssumeRoleWithSAML');

/** What a sign-in with a verified assertion asks for. */
interface AssumeRequest {
  readonly pair: RolePair;
  /** Absent: the default hour (API) or the assertion's SessionDuration (console). */
  readonly durationSeconds: number;
  /** The API checks DurationSeconds against the role's MaxSessionDuration; the console does not. */
  readonly checkMaxSessionDuration: boolean;
  readonly inlinePolicy?: string | undefined;
  readonly policyArns: readonly string[];
}

export async function AssumeRoleWithSAML(ctx: UnsignedContext, input: Input): Promise<Output> {
  const roleArn = requiredStr(input, 'RoleArn');
  const principalArn = requiredStr(input, 'PrincipalArn');
  const samlAssertion = requiredStr(input, 'SAMLAssertion');
  const target = parseRoleArn(roleArn);
  const provider = parseProviderArn(principalArn);
  if (!target || !provider) throw new IamError('ValidationError', 'Request ARN is invalid');
  if (provider.account !== target.account)
    throw new IamError('ValidationError', 'Principal exists outside the account of the Role being assumed.');
  const inlinePolicy = sessionPolicy(input);
  const policyArns = ((input.PolicyArns as { arn?: string }[] | undefined) ?? []).map((p) => p.arn ?? '');
  const durationSeconds =
    typeof input.DurationSeconds === 'number' ? input.DurationSeconds : ROLE_SESSION_DEFAULT;

  const record = await ctx.iam.store.read((tx) => findSamlProvider(tx, principalArn));
  const verified = await verifyWith(ctx.iam, samlAssertion, record, []);
  return assumeVerified(ctx.iam, ctx.requestContext, verified, record!, {
    pair: { roleArn, principalArn },
    durationSeconds,
    checkMaxSessionDuration: true,
    inlinePolicy,
    policyArns,
  });
}

/** A SAML response verified for the console: the roles it offers, and the way to assume one, once. */
export interface ConsoleSamlSignIn {
  readonly roles: readonly RolePair[];
  /** The assertion's SessionDuration attribute, when it has one (the console session's length). */
  readonly sessionDuration: number | undefined;
  /**
   * Assumes one of `roles` (trust policy, replay guard, credentials) for the assertion's
   * SessionDuration or an hour. A second call, like a second post of the same response, is refused.
   */
  assume(pair: RolePair): Promise<Record<string, unknown>>;
}

/**
 * Verifies a SAMLResponse posted to the console (IdP-initiated sign-in): with the metadata of a
 * provider the response names, whose entityID is its issuer. `recipient` is the console's own
 * SAML endpoint, accepted besides AWS's.
 */
export async function verifySamlForConsole(
  iam: Iam,
  samlResponse: string,
  requestContext: Readonly<Record<string, ContextValue>>,
  options: { readonly recipient?: string } = {},
): Promise<ConsoleSamlSignIn> {
  if (samlResponse.length < 4 || samlResponse.length > 100_000)
    throw new IamError('InvalidIdentityToken', 'Invalid SAML response');
  const parsed = parseSamlResponse(samlResponse);
  const recipients = options.recipient ? [options.recipient] : [];
  const issuer = claimedIssuer(parsed);
  const providerArns = [...new Set(claimedRolePairs(parsed).map((p) => p.principalArn))].slice(
    0,
    MAX_CONSOLE_PROVIDERS,
  );
  const records = await iam.store.read(async (tx) => {
    const found: SamlProviderRecord[] = [];
    for (const arn of providerArns) {
      const record = await findSamlProvider(tx, arn);
      if (record) found.push(record);
    }
    return found;
  });
  const record = records.find((r) => safeEntityId(r) === issuer) ?? records[0];
  const verified = await verifyWith(iam, samlResponse, record, recipients);
  if (await alreadyUsed(iam, verified)) throw replayed();
  let used = false;
  return {
    roles: verified.roles,
    sessionDuration: verified.sessionDuration,
    async assume(pair) {
      if (used) throw replayed();
      const chosen = verified.roles.find(
        (r) => r.roleArn === pair.roleArn && r.principalArn === pair.principalArn,
      );
      if (!chosen) throw notAuthorized();
      // The chosen pair's provider must itself vouch for the response.
      const own =
        chosen.principalArn === record!.arn
          ? record!
          : await iam.store.read((tx) => findSamlProvider(tx, chosen.principalArn));
      const checked = own === record ? verified : await verifyWith(iam, samlResponse, own, recipients);
      const out = await assumeVerified(iam, requestContext, checked, own!, {
        pair: chosen,
        durationSeconds: checked.sessionDuration ?? ROLE_SESSION_DEFAULT,
        checkMaxSessionDuration: false,
        policyArns: [],
      });
      // A refused role leaves the response usable for another; credentials once issued, never again.
      used = true;
      return out;
    },
  };
}

function safeEntityId(record: SamlProviderRecord): string | undefined {
  try {
    return samlProviderMetadata(record).entityId;
  } catch {
    return undefined;
  }
}

/** Verifies the response with a provider's metadata, which must exist and still be valid. */
async function verifyWith(
  iam: Iam,
  samlResponse: string,
  record: SamlProviderRecord | undefined,
  recipients: readonly string[],
): Promise<VerifiedAssertion> {
  if (!record) throw new IamError('InvalidIdentityToken', "Specified provider doesn't exist.");
  const now = iam.now();
  if (Date.parse(record.validUntil) <= now.getTime())
    throw new IamError('InvalidIdentityToken', 'The SAML provider metadata has expired.');
  return verifySamlBounded(
    samlResponse,
    samlProviderMetadata(record),
    { now, recipients },
    {
      // Sealed with context saml-private-key:<provider id>:<keyId> (records.ts, SamlPrivateKey).
      privateKeys: (record.privateKeys ?? []).map((k) =>
        iam.sealer.open(k.sealedKey, `saml-private-key:${record.id}:${k.keyId}`),
      ),
      required: record.assertionEncryptionMode === 'Required',
    },
  );
}

function replayed(): IamError {
  return new IamError('InvalidIdentityToken', 'The SAML assertion has already been used.');
}

async function alreadyUsed(iam: Iam, verified: VerifiedAssertion): Promise<boolean> {
  const now = iso(iam.now());
  const row = await iam.store.read((tx) => tx.get(usedAssertions, assertionKey(verified)));
  return row !== undefined && row.expiresAt > now;
}

/**
 * The part AWS performs after the assertion is verified: the role pair, the role and its trust
 * policy, the duration, the replay guard, the session. One write transaction, so the assertion
 * is marked used exactly when credentials are issued for it.
 */
async function assumeVerified(
  iam: Iam,
  requestContext: Readonly<Record<string, ContextValue>>,
  verified: VerifiedAssertion,
  provider: SamlProviderRecord,
  request: AssumeRequest,
): Promise<Record<string, unknown>> {
  const { pair } = request;
  if (!verified.roles.some((r) => r.roleArn === pair.roleArn && r.principalArn === pair.principalArn))
    throw notAuthorized();
  const sessionName = verified.roleSessionName;
  if (sessionName === undefined)
    throw new IamError('InvalidIdentityToken', 'RoleSessionName is required in AuthnResponse');
  const target = parseRoleArn(pair.roleArn)!;
  if (parseProviderArn(pair.principalArn)?.account !== target.account)
    throw new IamError('ValidationError', 'Principal exists outside the account of the Role being assumed.');
  const tags: readonly Tag[] = verified.tags;
  const sourceIdentity = verified.sourceIdentity;
  const context: Record<string, ContextValue> = {
    ...samlContextKeys(verified, provider.account, provider.name),
    'sts:RoleSessionName': sessionName,
    ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
    ...requestTags(tags),
    ...(verified.transitiveTagKeys.length > 0
      ? { 'sts:TransitiveTagKeys': [...verified.transitiveTagKeys] }
      : {}),
  };

  return iam.store.write(
    async (tx) => {
      const now = iam.now();
      // The provider may have been deleted since the response was verified.
      if (!(await tx.get(samlProviders, provider.id)))
        throw new IamError('InvalidIdentityToken', "Specified provider doesn't exist.");
      const role = await tx.find(roles, { account: target.account, name_lower: target.name.toLowerCase() });
      if (!role || role.account !== target.account || role.path !== target.path || role.name !== target.name)
        throw notAuthorized();
      // "AssumeRoleWithSAML will not work on IAM Identity Center managed roles. These roles'
      // names start with AWSReservedSSO_" (STS API Reference).
      if (role.name.startsWith('AWSReservedSSO_')) throw notAuthorized();
      if (request.checkMaxSessionDuration && request.durationSeconds > role.maxSessionDuration) {
        throw new IamError(
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      }
      await requirePolicyArns(iam, tx, role.account, request.policyArns);
      const trusted = { type: 'saml', arn: pair.principalArn } as const;
      const rcps = await resourceControlPoliciesFor(iam, tx, 'sts:AssumeRoleWithSAML', pair.roleArn);
      const authorizeAs = (action: string) =>
        authorizeFederatedTrust(iam, role, pair.roleArn, trusted, action, [requestContext, context], rcps);
      authorizeAs('sts:AssumeRoleWithSAML');
      if (tags.length > 0) authorizeAs('sts:TagSession');
      if (sourceIdentity !== undefined) authorizeAs('sts:SetSourceIdentity');

      // The session ends with the assertion's SessionNotOnOrAfter if that comes first (STS API
      // Reference, AssumeRoleWithSAML, DurationSeconds).
      let duration = request.durationSeconds;
      if (verified.sessionNotOnOrAfter) {
        const left = Math.floor((verified.sessionNotOnOrAfter.getTime() - now.getTime()) / 1000);
        if (left <= 0) throw new IamError('ExpiredTokenException', 'The SAML assertion has expired.');
        duration = Math.min(duration, left);
      }

      await guardReplay(tx, verified, now);
      const credentials = await issueSession(iam, tx, duration, {
        type: 'assumed-role',
        account: role.account,
        role: { name: role.name, id: role.id, arn: pair.roleArn, sessionName },
        inlinePolicy: request.inlinePolicy,
        policyArns: request.policyArns,
        tags,
        transitiveTagKeys: verified.transitiveTagKeys,
        sourceIdentity,
        chained: false,
      });
      await tx.put(lastUsed, {
        id: role.id,
        account: role.account,
        date: credentials.record.issuedAt,
        region: String(requestContext['aws:RequestedRegion'] ?? 'us-east-1'),
      });
      const policies = request.inlinePolicy !== undefined || request.policyArns.length > 0;
      return {
        Credentials: credentials.output,
        AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: sessionArn(credentials.record) },
        ...(policies ? { PackedPolicySize: packedSize(request.inlinePolicy, request.policyArns) } : {}),
        Subject: verified.subject,
        SubjectType: subjectType(verified.subjectFormat),
        Issuer: verified.issuer,
        Audience: verified.recipient,
        NameQualifier: nameQualifier(verified.issuer, provider.account, provider.name),
        ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      };
    },
    { account: target.account },
  );
}

/**
 * Marks the assertion used, or refuses it when it already was; removes a few expired marks while
 * at it, the oldest first, so they do not pile up.
 */
async function guardReplay(tx: StoreTx, verified: VerifiedAssertion, now: Date): Promise<void> {
  const id = assertionKey(verified);
  const nowIso = iso(now);
  const existing = await tx.get(usedAssertions, id);
  if (existing && existing.expiresAt > nowIso) throw replayed();
  for (const old of await tx.list(usedAssertions, { orderBy: 'expires_at', limit: SWEEP_BATCH })) {
    if (old.expiresAt <= nowIso && old.id !== id) await tx.delete(usedAssertions, old.id);
  }
  // Kept until the assertion could no longer be accepted anyway.
  const until = Math.min(
    verified.notOnOrAfter.getTime() + CLOCK_SKEW_MS,
    verified.issueInstant.getTime() + REDEEM_WITHIN_MS + CLOCK_SKEW_MS,
  );
  await tx.put(usedAssertions, { id, expiresAt: iso(new Date(Math.max(until, now.getTime() + 1000))) });
}
