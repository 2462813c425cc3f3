// The MFA checks, for identity policies about to be attached to a group of console users. Both ask
// the policy engine (src/policy), the same evaluation the server runs, never a reading of their own:
//
// - lock-out: a new user must change the password at first sign-in, then enrol an MFA device, all
//   before they have MFA. Each call of that path is evaluated as AWS evaluates it then: in the
//   console, aws:MultiFactorAuthPresent is "false"; with long-term access keys it is absent
//   (IAM User Guide, "AWS global condition context keys": aws:MultiFactorAuthPresent). A step an
//   explicit Deny refuses locks every such user out, whatever else is attached.
// - bypass: what a principal can still do without MFA when the policies mean to require it — a Deny
//   with Bool (not BoolIfExists) does not apply to an absent key, and a NotAction list may exempt
//   actions that give a way around MFA altogether.
import {
  createRequest,
  evaluate,
  type CompiledPolicy,
  type EvaluationResult,
  type MatchedStatement,
} from '../policy/index.ts';
import type { Finding } from './findings.ts';
import { actionCovers, finding, list, type PolicyFile } from './policy-file.ts';

export interface Subject {
  readonly accountId: string;
  readonly userName: string;
}

const MFA_KEY = 'aws:multifactorauthpresent';

/** How a user calls before having MFA: the console's sign-in, and long-term access keys. */
const SIGN_INS = [
  { name: 'console sign-in without MFA', mfa: 'false' as string | undefined },
  { name: 'long-term access keys', mfa: undefined },
] as const;

interface Step {
  readonly action: string;
  readonly resource: (s: Subject) => string;
  readonly why: string;
  /**
   * Whether the user is stuck without it. The others make the path harder, not impossible: without
   * the password policy the change-password page shows no rules, a device can be named as the user,
   * and a drifting device can be removed and enrolled again.
   */
  readonly essential: boolean;
}

const userArn = (s: Subject) => `arn:aws:iam::${s.accountId}:user/${s.userName}`;

/**
 * A new console user's path (IAM User Guide, "Permitting IAM users to change their own passwords"
 * and "Assign a virtual MFA device in the AWS Management Console"). Virtual MFA devices are named by
 * the user (free names since 2022): one named as the user, one named otherwise.
 */
const LOCKOUT_PATH: readonly Step[] = [
  {
    action: 'iam:GetAccountPasswordPolicy',
    resource: () => '*',
    why: 'read the password rules on the change-password page',
    essential: false,
  },
  {
    action: 'iam:ChangePassword',
    resource: userArn,
    why: 'set a new password at first sign-in (PasswordResetRequired)',
    essential: true,
  },
  {
    action: 'iam:GetUser',
    resource: userArn,
    why: 'read their own user on the security credentials page',
    essential: false,
  },
  {
    action: 'iam:CreateVirtualMFADevice',
    resource: (s) => `arn:aws:iam::${s.accountId}:mfa/${s.userName}`,
    why: 'create a virtual MFA device named as the user',
    essential: true,
  },
  {
    action: 'iam:CreateVirtualMFADevice',
    resource: (s) => `arn:aws:iam::${s.accountId}:mfa/my-authenticator-app`,
    why: 'create a virtual MFA device under a name the user chooses',
    essential: false,
  },
  {
    action: 'iam:EnableMFADevice',
    resource: userArn,
    why: 'enable the device with two codes',
    essential: true,
  },
  { action: 'iam:ListMFADevices', resource: userArn, why: 'see their MFA devices', essential: true },
  {
    action: 'iam:ResyncMFADevice',
    resource: userArn,
    why: 'resynchronise a device whose codes drift',
    essential: false,
  },
];

function context(subject: Subject, mfa: string | undefined): Readonly<Record<string, string>> {
  return {
    'aws:username': subject.userName,
    'aws:userid': 'AIDAEXAMPLEUSERID0001',
    'aws:PrincipalArn': userArn(subject),
    'aws:PrincipalAccount': subject.accountId,
    'aws:PrincipalType': 'User',
    'aws:SecureTransport': 'true',
    ...(mfa === undefined ? {} : { 'aws:MultiFactorAuthPresent': mfa }),
  };
}

function decide(
  policies: readonly CompiledPolicy[],
  subject: Subject,
  action: string,
  resource: string,
  mfa: string | undefined,
  boundaries?: readonly CompiledPolicy[],
): EvaluationResult {
  const request = createRequest({
    action,
    resource,
    principal: { arn: userArn(subject), account: subject.accountId, type: 'user' },
    context: context(subject, mfa),
  });
  return evaluate({
    request,
    identityPolicies: policies,
    ...(boundaries ? { permissionsBoundaries: boundaries } : {}),
  });
}

/** A step of MFA enrolment a user's policies do not let them take. */
export interface BlockedStep {
  readonly action: string;
  readonly resource: string;
  readonly why: string;
  readonly result: EvaluationResult;
}

/**
 * The steps a console user without MFA cannot do without when enrolling a virtual MFA device
 * (creating it under their own name, enabling it, listing it), asked as the console asks them
 * (aws:MultiFactorAuthPresent "false"), that all of this user's policies together — identity
 * policies and permissions boundary — do not allow. Changing the password is not among them: only a
 * user made to reset it must, and the password policy can allow that on its own.
 */
export function blockedEnrolment(
  identity: readonly CompiledPolicy[],
  boundaries: readonly CompiledPolicy[] | undefined,
  subject: Subject,
): BlockedStep[] {
  return LOCKOUT_PATH.filter((step) => step.essential && step.action !== 'iam:ChangePassword').flatMap(
    (step) => {
      const resource = step.resource(subject);
      const result = decide(identity, subject, step.action, resource, 'false', boundaries);
      return result.decision === 'allowed' ? [] : [{ action: step.action, resource, why: step.why, result }];
    },
  );
}

function named(m: MatchedStatement): string {
  return `statement ${m.index}${m.sid ? ` (${m.sid})` : ''} of ${m.policyId}`;
}

/** Whether any statement's condition names aws:MultiFactorAuthPresent: the policies mean to govern MFA. */
function mentionsMfa(files: readonly PolicyFile[]): boolean {
  return files.some((f) =>
    f.statements.some((s) =>
      Object.values(s.Condition ?? {}).some((keys) =>
        Object.keys(keys).some((k) => k.toLowerCase() === MFA_KEY),
      ),
    ),
  );
}

function fileOf(files: readonly PolicyFile[], m: MatchedStatement): PolicyFile {
  return files.find((f) => f.file === m.policyId)!;
}

export function lockout(files: readonly PolicyFile[], subject: Subject): Finding[] {
  const policies = files.map((f) => f.policy);
  const governsMfa = mentionsMfa(files);
  const findings: Finding[] = [];
  LOCKOUT_PATH.forEach((step, n) => {
    const resource = step.resource(subject);
    const outcomes = SIGN_INS.map((signIn) => ({
      signIn,
      result: decide(policies, subject, step.action, resource, signIn.mfa),
    }));
    const denied = outcomes.find((o) => o.result.decision === 'explicitDeny');
    const path = [
      ...LOCKOUT_PATH.slice(0, n).map((s, i) => `${i + 1}. ${s.action} on ${s.resource(subject)}: ${s.why}`),
      `${n + 1}. ${step.action} on ${resource}: ${step.why} — BLOCKED`,
    ];
    if (denied) {
      const by = denied.result.decidingStatements[0]!;
      findings.push(
        finding(
          fileOf(files, by),
          step.essential ? 'MFA_LOCKOUT' : 'MFA_STEP_DENIED',
          `A user who must change the password at first sign-in and then enrol MFA cannot ${step.why}: ${step.action} on ${resource} is explicitly denied by ${named(by)} (${outcomes
            .filter((o) => o.result.decision === 'explicitDeny')
            .map((o) => o.signIn.name)
            .join(
              ', ',
            )}). No other policy can allow it; list ${step.action} in that statement's NotAction, or exempt it otherwise.`,
          by.index,
          path,
        ),
      );
    } else if (governsMfa && outcomes.some((o) => o.result.decision !== 'allowed')) {
      findings.push(
        finding(
          files[0]!.file,
          'MFA_LOCKOUT_NOT_ALLOWED',
          `A user who must change the password at first sign-in and then enrol MFA cannot ${step.why}: no statement of these policies allows ${step.action} on ${resource}. Unless another policy allows it (the IAMUserChangePassword managed policy, or the account password policy's AllowUsersToChangePassword for iam:ChangePassword), the user is stuck at this step.`,
          undefined,
          path,
        ),
      );
    }
  });
  return findings;
}

interface Escalation {
  readonly action: string;
  readonly resource: (s: Subject) => string;
  readonly path: readonly string[];
}

/** Actions that lead around MFA or to more permissions, each with the way it is used. */
const ESCALATIONS: readonly Escalation[] = [
  {
    action: 'iam:CreateAccessKey',
    resource: userArn,
    path: [
      'create a new access key for yourself without MFA',
      'sign requests with it: long-term keys never carry aws:MultiFactorAuthPresent',
      'every MFA condition that does not use ...IfExists no longer applies to you',
    ],
  },
  {
    action: 'iam:AttachUserPolicy',
    resource: userArn,
    path: [
      'attach arn:aws:iam::aws:policy/AdministratorAccess to yourself without MFA',
      'use every permission it grants that no Deny stops',
    ],
  },
  {
    action: 'iam:PutUserPolicy',
    resource: userArn,
    path: [
      'write an inline policy on yourself allowing "Action": "*" without MFA',
      'use every permission it grants that no Deny stops',
    ],
  },
  {
    action: 'iam:CreateLoginProfile',
    resource: (s) => `arn:aws:iam::${s.accountId}:user/another-user`,
    path: [
      'give another user (one without an MFA requirement) a console password',
      'sign in to the console as that user: their policies apply, yours and your MFA requirement do not',
    ],
  },
  {
    action: 'iam:UpdateAssumeRolePolicy',
    resource: (s) => `arn:aws:iam::${s.accountId}:role/any-role`,
    path: [
      "rewrite a privileged role's trust policy to trust your user",
      "call sts:AssumeRole: the session has the role's permissions, without your MFA requirement",
    ],
  },
  {
    action: 'iam:PassRole',
    resource: (s) => `arn:aws:iam::${s.accountId}:role/any-role`,
    path: [
      'pass a privileged role to a service you can start (an EC2 instance profile, a Lambda function)',
      "act through that service with the role's permissions, without MFA",
    ],
  },
];

export function bypass(files: readonly PolicyFile[], subject: Subject): Finding[] {
  const findings: Finding[] = [];
  const policies = files.map((f) => f.policy);
  // Deny statements that use Bool, not BoolIfExists, on aws:MultiFactorAuthPresent "false".
  for (const file of files)
    file.statements.forEach((s, index) => {
      if (s.Effect !== 'Deny') return;
      const bool = Object.entries(s.Condition ?? {}).find(
        ([operator, keys]) =>
          operator.toLowerCase() === 'bool' &&
          Object.entries(keys).some(
            ([key, value]) => key.toLowerCase() === MFA_KEY && list(value).map(String).includes('false'),
          ),
      );
      if (!bool) return;
      const open = ESCALATIONS.filter(
        (e) => decide(policies, subject, e.action, e.resource(subject), undefined).decision === 'allowed',
      ).map((e) => e.action);
      findings.push(
        finding(
          file,
          'MFA_BOOL_WITHOUT_IF_EXISTS',
          `This Deny uses Bool on aws:MultiFactorAuthPresent. Requests signed with long-term access keys do not carry the key, Bool does not match an absent key, and the Deny does not apply: with an access key, everything else these policies allow works without MFA${open.length ? ` (among it ${open.join(', ')})` : ''}. Use BoolIfExists.`,
          index,
          [
            'sign requests with a long-term access key (aws:MultiFactorAuthPresent is absent)',
            `this statement's Bool condition does not match, so it denies nothing`,
            ...(open.length ? [`call ${open.join(', ')} without MFA`] : []),
          ].map((text, i) => `${i + 1}. ${text}`),
        ),
      );
    });
  if (!mentionsMfa(files)) return findings;
  // Escalation actions still allowed before MFA, in the console or with access keys.
  for (const escalation of ESCALATIONS) {
    const resource = escalation.resource(subject);
    for (const signIn of SIGN_INS) {
      const result = decide(policies, subject, escalation.action, resource, signIn.mfa);
      if (result.decision !== 'allowed') continue;
      const by = result.decidingStatements[0]!;
      const exempting = exemptingDeny(files, escalation.action);
      findings.push(
        finding(
          exempting?.file ?? fileOf(files, by),
          'MFA_BYPASS',
          `Without MFA (${signIn.name}), ${escalation.action} on ${resource} is allowed by ${named(by)}${exempting ? `, and the MFA Deny, statement ${exempting.index}, exempts it through NotAction "${exempting.entry}"` : ''}. The MFA requirement can be escaped this way.`,
          exempting?.index ?? by.index,
          escalation.path.map((text, i) => `${i + 1}. ${text}`),
        ),
      );
      break; // one finding per escalation action: the first sign-in that allows it
    }
  }
  return findings;
}

/** The Deny + NotAction statement conditioned on MFA whose NotAction lets the action through. */
function exemptingDeny(
  files: readonly PolicyFile[],
  action: string,
): { file: PolicyFile; index: number; entry: string } | undefined {
  for (const file of files)
    for (const [index, s] of file.statements.entries()) {
      if (s.Effect !== 'Deny' || s.NotAction === undefined) continue;
      const onMfa = Object.values(s.Condition ?? {}).some((keys) =>
        Object.keys(keys).some((k) => k.toLowerCase() === MFA_KEY),
      );
      const entry = list(s.NotAction).find((a) => actionCovers(a, action));
      if (onMfa && entry !== undefined) return { file, index, entry };
    }
  return undefined;
}
