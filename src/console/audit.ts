// The console's sign-in steps in the audit trail, as CloudTrail records AWS sign-in events
// (eventSource signin.amazonaws.com, eventType AwsConsoleSignIn): ConsoleLogin with
// responseElements {ConsoleLogin: Success|Failure} and additionalEventData {LoginTo, MobileVersion,
// MFAUsed}; CheckMfa for the MFA step; a failed sign-in's errorMessage "Failed authentication",
// and an unknown user's name written as HIDDEN_DUE_TO_SECURITY_REASONS.
import type { FastifyRequest } from 'fastify';
import type { AuditCall } from '../domain/audit/index.ts';
import type { Principal } from '../domain/console-sessions.ts';
import type { ConsoleContext } from './context.ts';
import { clientIp } from './web.ts';

export interface ConsoleAudit {
  record(call: AuditCall): void;
}

export interface SignInStep {
  readonly eventName: 'ConsoleLogin' | 'CheckMfa' | 'ConsoleSignOut';
  readonly account: string;
  /** Who signed in (absent: nobody the account knows). */
  readonly principal?: Principal;
  readonly success: boolean;
  readonly mfaUsed?: boolean;
}

export function auditSignIn(ctx: ConsoleContext, request: FastifyRequest, step: SignInStep): void {
  if (!ctx.audit) return;
  const { account, principal } = step;
  const identity = signInIdentity(account, principal);
  const userAgent = request.headers['user-agent'];
  const outcome = step.success ? 'Success' : 'Failure';
  ctx.audit.record({
    service: 'signin',
    eventName: step.eventName,
    time: ctx.iam.now(),
    region: 'us-east-1',
    sourceIp: clientIp(request),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : undefined,
    requestId: undefined,
    account,
    identity,
    responseElements: { [step.eventName]: outcome },
    ...(step.eventName === 'ConsoleLogin'
      ? {
          additionalEventData: {
            LoginTo: '/console',
            MobileVersion: 'No',
            MFAUsed: step.mfaUsed ? 'Yes' : 'No',
          },
        }
      : {}),
    ...(step.success ? {} : { errorMessage: 'Failed authentication' }),
  });
}

/** Who a sign-in step is about, as CloudTrail writes it (an unknown user's name hidden). */
function signInIdentity(account: string, principal: Principal | undefined): AuditCall['identity'] {
  return principal?.kind === 'root'
    ? { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account }
    : principal?.kind === 'user'
      ? {
          type: 'IAMUser',
          principalId: principal.id,
          arn: `arn:aws:iam::${account}:user/${principal.userName}`,
          accountId: account,
          userName: principal.userName,
        }
      : { type: 'IAMUser', accountId: account, userName: 'HIDDEN_DUE_TO_SECURITY_REASONS' };
}

/**
 * A sign-in completed with an MFA recovery code instead of a device (Portcullis's own event,
 * source portcullis.local): what administrators look for, since it may mean a lost device. The
 * code itself is never written; how many remain is.
 */
export function auditRecoveryCodeUse(
  ctx: ConsoleContext,
  request: FastifyRequest,
  use: { readonly account: string; readonly principal: Principal; readonly remaining: number },
): void {
  if (!ctx.audit) return;
  const userAgent = request.headers['user-agent'];
  ctx.audit.record({
    service: 'portcullis',
    eventName: 'UseRecoveryCode',
    time: ctx.iam.now(),
    region: 'us-east-1',
    sourceIp: clientIp(request),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : undefined,
    requestId: undefined,
    account: use.account,
    identity: signInIdentity(use.account, use.principal),
    responseElements: { UseRecoveryCode: 'Success' },
    additionalEventData: { RemainingRecoveryCodes: use.remaining },
  });
}
