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
  const identity: AuditCall['identity'] =
    principal?.kind === 'root'
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
