// AssumeRoot (STS API reference): the management account of an organization with centralized root
// access (RootSessions enabled, iam/organizations-root-access.ts) takes a short session as the root
// user of one of its member accounts, scoped to one privileged task by an AWS managed policy under
// /root-task/. AWS writes those policies as Deny statements over everything else the root user may
// do (see them in the managed policy catalog), so the session acts as the member's root with the
// task policy's denials, and the member account's SCPs, applied on top (authorize.ts).
import { accessDeniedMessage } from '../../policy/index.ts';
import type { Operation } from '../operation.ts';
import { requiredStr, writeTx } from '../operation.ts';
import { decideFor } from '../authorize.ts';
import { IamError } from '../errors.ts';
import { rootArn } from '../names.ts';
import { organizationAccounts, organizations } from '../tables.ts';
import { rootAccessFeaturesOf } from '../iam/organizations-root-access.ts';
import { IAM_SERVICE_PRINCIPAL, hasTrustedAccess } from '../organizations/service-access.ts';
import { issueSession } from './session-parts.ts';

/** AWS's root-task policies, the only ones AssumeRoot accepts (AssumeRoot's TaskPolicyArn). */
export const ROOT_TASK_POLICY_ARNS: readonly string[] = [
  'IAMAuditRootUserCredentials',
  'IAMCreateRootUserPassword',
  'IAMDeleteRootUserCredentials',
  'S3UnlockBucketPolicy',
  'SQSUnlockQueuePolicy',
].map((name) => `arn:aws:iam::aws:policy/root-task/${name}`);

/** "The value can range from 0 seconds up to the maximum session duration of 900 seconds"; 900 by default. */
const ROOT_SESSION_MAX = 900;

const TARGET = /^(?:(\d{12})|arn:aws:iam::(\d{12}):root)$/;

export const AssumeRoot: Operation = async (ctx, input) => {
  const { caller } = ctx;
  const targetPrincipal = requiredStr(input, 'TargetPrincipal');
  const taskPolicyArn = (input.TaskPolicyArn as { arn?: unknown } | undefined)?.arn;
  const duration = typeof input.DurationSeconds === 'number' ? input.DurationSeconds : ROOT_SESSION_MAX;
  const match = TARGET.exec(targetPrincipal);
  if (!match)
    throw new IamError(
      'ValidationError',
      `The TargetPrincipal ${targetPrincipal} must be a member account's id or its root user's ARN.`,
    );
  if (typeof taskPolicyArn !== 'string' || !ROOT_TASK_POLICY_ARNS.includes(taskPolicyArn))
    throw new IamError(
      'ValidationError',
      `The TaskPolicyArn must be one of the AWS managed policies under /root-task/: ${ROOT_TASK_POLICY_ARNS.join(', ')}.`,
    );
  if (duration > ROOT_SESSION_MAX)
    throw new IamError(
      'ValidationError',
      `The requested DurationSeconds exceeds the ${ROOT_SESSION_MAX} second session limit for root sessions.`,
    );
  const account = match[1] ?? match[2]!;
  const resource = rootArn(account);
  const denied = (reason?: string) =>
    new IamError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRoot on resource: ${resource}${reason ? ` ${reason}` : ''}`,
    );
  // "You cannot use root user credentials to make this call" (AssumeRoot), nor a root session's.
  if (caller.type === 'root') throw denied();
  return writeTx(ctx, async (tx) => {
    const result = await decideFor(ctx.iam, tx, caller, {
      action: 'sts:AssumeRoot',
      resource,
      context: { 'sts:TaskPolicyArn': taskPolicyArn },
    });
    if (result.decision !== 'allowed')
      throw new IamError(
        'AccessDenied',
        accessDeniedMessage({ principalArn: caller.arn, action: 'sts:AssumeRoot', resource, result }),
      );
    // Only the management account reaches its members' roots, only with root sessions enabled, and
    // never its own root or an account outside its organization (closed ones included).
    const own = await tx.get(organizationAccounts, caller.account);
    const org = own && (await tx.get(organizations, own.organization));
    if (!org || org.account !== caller.account)
      throw denied('because the account is not the management account of an organization');
    if (!hasTrustedAccess(org, IAM_SERVICE_PRINCIPAL) || !rootAccessFeaturesOf(org).includes('RootSessions'))
      throw denied('because root sessions are not enabled for the organization');
    const member = await tx.get(organizationAccounts, account);
    if (!member || member.organization !== org.id || member.closedAt !== undefined || account === org.account)
      throw denied('because the target is not an active member account of the organization');
    const credentials = await issueSession(ctx.iam, tx, duration, {
      type: 'root',
      account,
      policyArns: [taskPolicyArn],
      tags: [],
      transitiveTagKeys: [],
      chained: false,
      ...(caller.session?.sourceIdentity !== undefined
        ? { sourceIdentity: caller.session.sourceIdentity }
        : {}),
    });
    return {
      Credentials: credentials.output,
      ...(caller.session?.sourceIdentity !== undefined
        ? { SourceIdentity: caller.session.sourceIdentity }
        : {}),
    };
  });
};
