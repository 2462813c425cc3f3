// STS: GetCallerIdentity, GetSessionToken, AssumeRole, GetFederationToken — temporary credentials
// with the limits, MFA and session policies AWS gives them (guide §1.8–1.9).
import { accessDeniedMessage, type ContextValue } from '../../policy/index.ts';
import type { Operation, OperationContext, Input, UnsignedOperation } from '../operation.ts';
import { check, requiredStr, str, writeTx } from '../operation.ts';
import { decideFor } from '../authorize.ts';
import { IamError } from '../errors.ts';
import { ROOT_OWNER } from '../records.ts';
import { accessKeys, lastUsed, roles, stsSessions } from '../tables.ts';
import { checkMfaCode } from '../iam/mfa-verify.ts';
import { trustPolicyForEvaluation } from '../iam/trust-principals.ts';
import { AssumeRoleWithSAML } from './saml.ts';
import type { SessionRecord } from './sessions.ts';
import { AssumeRoleWithWebIdentity } from './web-identity.ts';
import { AssumeRoot } from './root-sessions.ts';
import { sessionArn } from './sessions.ts';
import {
  issueSession,
  iso,
  packedSize,
  parseRoleArn,
  requestTags,
  requirePolicyArns,
  sessionPolicy,
  sessionTags,
  transitiveKeys,
} from './session-parts.ts';

const HOUR = 3600;
const SESSION_TOKEN_DEFAULT = 12 * HOUR;
const FEDERATION_TOKEN_DEFAULT = 12 * HOUR;
const ROLE_SESSION_DEFAULT = HOUR;
const ROOT_SESSION_MAX = HOUR;
const ROLE_CHAINING_MAX = HOUR;

export const stsOperations: Readonly<Record<string, Operation>> = {
  // GetCallerIdentity needs no permission and cannot be denied by policy, as in AWS.
  async GetCallerIdentity(ctx) {
    return { UserId: ctx.caller.userId, Account: ctx.caller.account, Arn: ctx.caller.arn };
  },

  async GetAccessKeyInfo(ctx, input) {
    const accessKeyId = requiredStr(input, 'AccessKeyId');
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'sts:GetAccessKeyInfo', '*');
      const owner = accessKeyId.startsWith('ASIA')
        ? (await tx.get(stsSessions, accessKeyId))?.account
        : (await tx.get(accessKeys, accessKeyId))?.account;
      // AWS reads the account out of the key id itself; Portcullis's ids carry none, so it can
      // answer only for keys it issued.
      if (owner === undefined)
        throw new IamError('InvalidParameterValue', `The access key ID ${accessKeyId} is not valid.`);
      return { Account: owner };
    });
  },

  // No permission is needed either: it authenticates (with MFA) rather than acts.
  async GetSessionToken(ctx, input) {
    const { caller } = ctx;
    const requested =
      typeof input.DurationSeconds === 'number' ? input.DurationSeconds : SESSION_TOKEN_DEFAULT;
    // The root user's session tokens last at most an hour; longer requests are silently shortened.
    const duration = caller.type === 'root' ? Math.min(requested, ROOT_SESSION_MAX) : requested;
    // MFA is checked in a transaction of its own, so that a wrong code counts against the throttle.
    const mfaAt = await proveMfa(ctx, input);
    return writeTx(ctx, async (tx) => {
      const credentials = await issueSession(ctx.iam, tx, duration, {
        type: 'session-token',
        account: caller.account,
        ...userOf(ctx),
        mfaAuthenticatedAt: mfaAt,
        policyArns: [],
        tags: [],
        transitiveTagKeys: [],
        chained: false,
      });
      return { Credentials: credentials.output };
    });
  },

  async AssumeRole(ctx, input) {
    const { caller } = ctx;
    const roleArn = requiredStr(input, 'RoleArn');
    const sessionName = requiredStr(input, 'RoleSessionName');
    const target = parseRoleArn(roleArn);
    if (!target) throw new IamError('ValidationError', `${roleArn} is invalid`);
    if (caller.type === 'root')
      throw new IamError('AccessDenied', 'Roles may not be assumed by root accounts.');
    const chained = caller.type === 'assumed-role';
    const duration = typeof input.DurationSeconds === 'number' ? input.DurationSeconds : ROLE_SESSION_DEFAULT;
    if (chained && duration > ROLE_CHAINING_MAX) {
      throw new IamError(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    const tags = sessionTags(input);
    const transitiveTagKeys = transitiveKeys(input, tags);
    const inlinePolicy = sessionPolicy(input);
    const policyArns = ((input.PolicyArns as { arn?: string }[] | undefined) ?? []).map((p) => p.arn ?? '');
    const externalId = str(input, 'ExternalId');
    const sourceIdentity = str(input, 'SourceIdentity') ?? caller.session?.sourceIdentity;

    const mfaNow = await proveMfa(ctx, input);
    return writeTx(ctx, async (tx) => {
      const role = await tx.find(roles, { account: target.account, name_lower: target.name.toLowerCase() });
      const denied = () =>
        new IamError(
          'AccessDenied',
          `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      if (!role || role.account !== target.account || role.path !== target.path) throw denied();
      if (duration > role.maxSessionDuration) {
        throw new IamError(
          'ValidationError',
          'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        );
      }
      // Managed session policies are the role's account's (or AWS's), as AWS looks them up.
      await requirePolicyArns(ctx.iam, tx, role.account, policyArns);
      const mfaAt = mfaNow ?? caller.session?.mfaAuthenticatedAt;

      // Transitive tags of the calling session carry over; they may not be overridden.
      const inherited = (caller.session?.tags ?? []).filter((t) =>
        caller.session!.transitiveTagKeys.some((k) => k.toLowerCase() === t.Key.toLowerCase()),
      );
      if (inherited.some((t) => tags.some((n) => n.Key.toLowerCase() === t.Key.toLowerCase()))) {
        throw new IamError(
          'InvalidParameterValue',
          "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
        );
      }
      const context: Record<string, ContextValue> = {
        'sts:RoleSessionName': sessionName,
        ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
        ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
        ...(mfaNow ? { 'aws:MultiFactorAuthPresent': true, 'aws:MultiFactorAuthAge': 0 } : {}),
        ...requestTags(tags),
        ...(transitiveTagKeys.length > 0 ? { 'sts:TransitiveTagKeys': transitiveTagKeys } : {}),
      };
      const trust = ctx.iam.compile(trustPolicyForEvaluation(role), 'trust', `${role.id} trust policy`);
      const authorizeAs = async (action: string) => {
        const result = await decideFor(ctx.iam, tx, caller, {
          action,
          resource: roleArn,
          context,
          resourcePolicies: [trust],
          resourceAccount: role.account,
        });
        if (result.decision !== 'allowed') {
          throw new IamError(
            'AccessDenied',
            accessDeniedMessage({ principalArn: caller.arn, action, resource: roleArn, result }),
          );
        }
      };
      await authorizeAs('sts:AssumeRole');
      if (tags.length > 0) await authorizeAs('sts:TagSession');
      if (str(input, 'SourceIdentity') !== undefined) await authorizeAs('sts:SetSourceIdentity');

      const credentials = await issueSession(ctx.iam, tx, duration, {
        type: 'assumed-role',
        account: role.account,
        role: { name: role.name, id: role.id, arn: roleArn, sessionName },
        mfaAuthenticatedAt: mfaAt,
        inlinePolicy,
        policyArns,
        tags: [...inherited, ...tags],
        transitiveTagKeys: [...new Set([...(caller.session?.transitiveTagKeys ?? []), ...transitiveTagKeys])],
        sourceIdentity,
        chained,
      });
      await tx.put(lastUsed, {
        id: role.id,
        account: role.account,
        date: credentials.record.issuedAt,
        region: String(caller.requestContext['aws:RequestedRegion'] ?? 'us-east-1'),
      });
      return {
        Credentials: credentials.output,
        AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: sessionArn(credentials.record) },
        ...(inlinePolicy !== undefined || policyArns.length > 0
          ? { PackedPolicySize: packedSize(inlinePolicy, policyArns) }
          : {}),
        ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      };
    });
  },

  AssumeRoot,

  async GetFederationToken(ctx, input) {
    const { caller } = ctx;
    const name = requiredStr(input, 'Name');
    const requested =
      typeof input.DurationSeconds === 'number' ? input.DurationSeconds : FEDERATION_TOKEN_DEFAULT;
    const duration = caller.type === 'root' ? Math.min(requested, ROOT_SESSION_MAX) : requested;
    const tags = sessionTags(input);
    const inlinePolicy = sessionPolicy(input);
    const policyArns = ((input.PolicyArns as { arn?: string }[] | undefined) ?? []).map((p) => p.arn ?? '');
    const federatedArn = `arn:aws:sts::${caller.account}:federated-user/${name}`;
    return writeTx(ctx, async (tx) => {
      for (const action of tags.length > 0
        ? ['sts:GetFederationToken', 'sts:TagSession']
        : ['sts:GetFederationToken']) {
        const result = await decideFor(ctx.iam, tx, caller, {
          action,
          resource: federatedArn,
          context: requestTags(tags),
        });
        if (result.decision !== 'allowed') {
          throw new IamError(
            'AccessDenied',
            accessDeniedMessage({ principalArn: caller.arn, action, resource: federatedArn, result }),
          );
        }
      }
      await requirePolicyArns(ctx.iam, tx, ctx.caller.account, policyArns);
      const credentials = await issueSession(ctx.iam, tx, duration, {
        type: 'federated-user',
        account: caller.account,
        ...userOf(ctx),
        federatedName: name,
        inlinePolicy,
        policyArns,
        tags,
        transitiveTagKeys: [],
        chained: false,
      });
      return {
        Credentials: credentials.output,
        FederatedUser: { FederatedUserId: `${caller.account}:${name}`, Arn: federatedArn },
        ...(inlinePolicy !== undefined || policyArns.length > 0
          ? { PackedPolicySize: packedSize(inlinePolicy, policyArns) }
          : {}),
      };
    });
  },
};

/**
 * The STS operations anyone may call without signing: the request carries its own proof of
 * identity (a web identity token, a SAML assertion), as on AWS.
 */
export const stsUnsignedOperations: Readonly<Record<string, UnsignedOperation>> = {
  AssumeRoleWithWebIdentity,
  AssumeRoleWithSAML,
};

/** The IAM user a session of this caller is issued for, by id and (for its ARN) by name. */
function userOf(ctx: OperationContext): Pick<SessionRecord, 'principalId' | 'userName'> {
  const { caller } = ctx;
  if (caller.type === 'root') return {};
  const principalId = caller.type === 'user' ? caller.userId : caller.session?.principalId;
  return { ...(principalId !== undefined ? { principalId } : {}), userName: caller.userName };
}

/**
 * Checks SerialNumber + TokenCode against the caller's MFA device; returns when MFA was proven,
 * or undefined when none was offered. Wrong codes are AccessDenied with AWS's observed texts.
 */
async function proveMfa(ctx: OperationContext, input: Input): Promise<string | undefined> {
  const serial = str(input, 'SerialNumber');
  const code = str(input, 'TokenCode');
  if (serial === undefined && code === undefined) return undefined;
  const unable = new IamError(
    'AccessDenied',
    'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
  );
  if (serial === undefined || code === undefined) throw unable;
  // Only an IAM user or the root user has MFA devices of its own.
  if (ctx.caller.type !== 'root' && ctx.caller.type !== 'user') throw unable;
  const ownerId = ctx.caller.type === 'root' ? ROOT_OWNER : ctx.caller.userId;
  const verdict = await checkMfaCode(ctx.iam, ctx.caller.account, serial, ownerId, code);
  if (!verdict.ok) {
    if (verdict.reason === 'unknown-device') throw unable;
    throw new IamError(
      'AccessDenied',
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
  }
  return iso(ctx.iam.now());
}
