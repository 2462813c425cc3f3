// The checks: the IAM section of the CIS AWS Foundations Benchmark v7.0.0 (§2) that can be read
// from IAM's own answers, and the Prowler IAM checks that read the same data. Each check's id is
// Prowler's check id; `cis` is the benchmark's recommendation number. A check reads the snapshot
// and the audit's "now" only, so the same data gives the same verdicts wherever it came from.
import { blockedEnrolment, type BlockedStep } from '../lint/mfa.ts';
import { ROOT_USER, type CredentialRow, type KeySlot } from './csv.ts';
import { principalPolicies } from './explain.ts';
import { InputError, type AccountSnapshot, type Principal } from './snapshot.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One resource's verdict: the evidence is the report cell, the policy field or the statement. */
export interface Finding {
  readonly status: 'PASS' | 'FAIL';
  readonly resource: string;
  readonly name: string;
  readonly evidence: string;
}

type Input = Exclude<keyof AccountSnapshot, 'accountId' | 'report'>;

export interface Check {
  readonly id: string;
  readonly cis: string | undefined;
  readonly title: string;
  readonly severity: Severity;
  /** The inputs besides the credential report it reads; without them it is skipped. */
  readonly needs: readonly Input[];
  run(snapshot: AccountSnapshot, now: Date): Finding[];
}

export interface CheckResult {
  readonly check: Check;
  /** FAIL when any finding fails; SKIP when an input it needs was not given. */
  readonly status: 'PASS' | 'FAIL' | 'SKIP';
  readonly findings: readonly Finding[];
  readonly skipped?: string;
}

/** The AWS CLI call that exports each optional input (named in a skipped check's reason). */
export const INPUT_SOURCES: Readonly<Record<Input, string>> = {
  passwordPolicy: 'aws iam get-account-password-policy',
  summary: 'aws iam get-account-summary',
  authorization: 'aws iam get-account-authorization-details',
  virtualMfaDevices: 'aws iam list-virtual-mfa-devices',
  serverCertificates: 'aws iam list-server-certificates',
  accessAnalyzers: 'aws accessanalyzer list-analyzers',
};

const DAY = 86_400_000;

export function runChecks(snapshot: AccountSnapshot, now: Date): CheckResult[] {
  return CHECKS.map((check) => {
    const missing = check.needs.filter((input) => snapshot[input] === undefined);
    if (missing.length > 0)
      return {
        check,
        status: 'SKIP',
        findings: [],
        skipped: `needs ${missing.map((m) => INPUT_SOURCES[m]).join(' and ')}`,
      };
    const findings = check.run(snapshot, now);
    return { check, status: findings.some((f) => f.status === 'FAIL') ? 'FAIL' : 'PASS', findings };
  });
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

const pass = (resource: string, name: string, evidence: string): Finding => ({
  status: 'PASS',
  resource,
  name,
  evidence,
});
const fail = (resource: string, name: string, evidence: string): Finding => ({
  status: 'FAIL',
  resource,
  name,
  evidence,
});
const verdict = (failed: boolean, resource: string, name: string, evidence: string): Finding =>
  (failed ? fail : pass)(resource, name, evidence);

const root = (s: AccountSnapshot) => s.report.rows.find((r) => r.isRoot);
const users = (s: AccountSnapshot) => s.report.rows.filter((r) => !r.isRoot);
const accountArn = (s: AccountSnapshot) => `arn:aws:iam::${s.accountId}:root`;
const cells = (row: CredentialRow, ...columns: (keyof CredentialRow['cells'])[]) =>
  columns.map((c) => `${c}=${row.cells[c]}`).join(', ');
const slots = (row: CredentialRow) => row.keys.map((key, i) => ({ key, n: (i + 1) as 1 | 2 }));
const days = (ms: number) => Math.floor(ms / DAY);

/** The password has been set: `not_supported` is how reports before 2023 wrote root's cell. */
const hasPassword = (row: CredentialRow) => row.passwordEnabled !== false;

const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SUPPORT_POLICY = 'arn:aws:iam::aws:policy/AWSSupportAccess';

/** Statements that allow every action on every resource (CIS 2.14's "*:*"), as written. */
export function adminStatements(document: unknown): unknown[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  const values = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return statements.filter((s: Record<string, unknown>) => {
    if (typeof s !== 'object' || s === null || s.Effect !== 'Allow') return false;
    const actions = values(s.Action);
    return (actions.includes('*') || actions.includes('*:*')) && values(s.Resource).includes('*');
  });
}

function passwordPolicyCheck(
  id: string,
  cis: string | undefined,
  title: string,
  rule: (p: Exclude<AccountSnapshot['passwordPolicy'], 'none' | undefined>) => [boolean, string],
): Check {
  return {
    id,
    cis,
    title,
    severity: 'medium',
    needs: ['passwordPolicy'],
    run(s) {
      const policy = s.passwordPolicy!;
      if (policy === 'none')
        return [
          fail(
            accountArn(s),
            'password policy',
            'no password policy (GetAccountPasswordPolicy: NoSuchEntity)',
          ),
        ];
      const [ok, evidence] = rule(policy);
      return [verdict(!ok, accountArn(s), 'password policy', evidence)];
    },
  };
}

function adminPolicyCheck(id: string, title: string, aws: boolean): Check {
  return {
    id,
    cis: '2.14',
    title,
    severity: 'high',
    needs: ['authorization'],
    run(s) {
      return s
        .authorization!.policies.filter(
          (p) => p.arn.startsWith('arn:aws:iam::aws:') === aws && p.attachmentCount > 0,
        )
        .map((p) => {
          const admin = adminStatements(p.document);
          return admin.length > 0
            ? fail(p.arn, p.name, `attached ${p.attachmentCount}×, allows *:* ${JSON.stringify(admin[0])}`)
            : pass(p.arn, p.name, `attached ${p.attachmentCount}×, no statement allows *:*`);
        });
    },
  };
}

export const CHECKS: readonly Check[] = [
  {
    id: 'iam_no_root_access_key',
    cis: '2.4',
    title: "No access key exists for the 'root' user",
    severity: 'critical',
    needs: [],
    run(s) {
      const row = root(s);
      if (!row) return [];
      const active = row.keys.some((k) => k.active);
      return [verdict(active, row.arn, ROOT_USER, cells(row, 'access_key_1_active', 'access_key_2_active'))];
    },
  },
  {
    id: 'iam_root_mfa_enabled',
    cis: '2.5',
    title: "MFA is enabled for the 'root' user",
    severity: 'critical',
    needs: [],
    run(s) {
      const row = root(s);
      if (!row) return [];
      const credentials = hasPassword(row) || row.keys.some((k) => k.active);
      return [
        verdict(
          credentials && !row.mfaActive,
          row.arn,
          ROOT_USER,
          cells(row, 'mfa_active', 'password_enabled', 'access_key_1_active', 'access_key_2_active'),
        ),
      ];
    },
  },
  {
    id: 'iam_root_hardware_mfa_enabled',
    cis: '2.6',
    title: "Hardware MFA is enabled for the 'root' user",
    severity: 'critical',
    needs: ['summary', 'virtualMfaDevices'],
    run(s) {
      const enabled = s.summary!.AccountMFAEnabled ?? 0;
      const virtual = s.virtualMfaDevices!.find((d) => d.userArn === accountArn(s));
      if (enabled !== 1) return [fail(accountArn(s), ROOT_USER, `AccountMFAEnabled=${enabled}`)];
      if (virtual) return [fail(accountArn(s), ROOT_USER, `virtual MFA device ${virtual.serialNumber}`)];
      return [pass(accountArn(s), ROOT_USER, 'AccountMFAEnabled=1, no virtual MFA device assigned to root')];
    },
  },
  {
    id: 'iam_avoid_root_usage',
    cis: '2.7',
    title: "The 'root' user was not used in the last day",
    severity: 'high',
    needs: [],
    run(s, now) {
      const row = root(s);
      if (!row) return [];
      const uses = [row.passwordLastUsed, ...row.keys.map((k) => k.lastUsed)].filter(
        (d) => d instanceof Date,
      );
      const recent = uses.some((d) => now.getTime() - d.getTime() < DAY);
      return [
        verdict(
          recent,
          row.arn,
          ROOT_USER,
          cells(row, 'password_last_used', 'access_key_1_last_used_date', 'access_key_2_last_used_date'),
        ),
      ];
    },
  },
  passwordPolicyCheck(
    'iam_password_policy_minimum_length_14',
    '2.8',
    'Password policy requires 14 characters or more',
    (p) => [
      (p.MinimumPasswordLength ?? 0) >= 14,
      `MinimumPasswordLength=${p.MinimumPasswordLength ?? 'unset'}`,
    ],
  ),
  passwordPolicyCheck(
    'iam_password_policy_reuse_24',
    '2.9',
    'Password policy prevents reuse of the last 24 passwords',
    (p) => [
      (p.PasswordReusePrevention ?? 0) >= 24,
      `PasswordReusePrevention=${p.PasswordReusePrevention ?? 'unset'}`,
    ],
  ),
  passwordPolicyCheck(
    'iam_password_policy_uppercase',
    undefined,
    'Password policy requires an uppercase letter',
    (p) => [
      p.RequireUppercaseCharacters === true,
      `RequireUppercaseCharacters=${p.RequireUppercaseCharacters ?? false}`,
    ],
  ),
  passwordPolicyCheck(
    'iam_password_policy_lowercase',
    undefined,
    'Password policy requires a lowercase letter',
    (p) => [
      p.RequireLowercaseCharacters === true,
      `RequireLowercaseCharacters=${p.RequireLowercaseCharacters ?? false}`,
    ],
  ),
  passwordPolicyCheck('iam_password_policy_number', undefined, 'Password policy requires a number', (p) => [
    p.RequireNumbers === true,
    `RequireNumbers=${p.RequireNumbers ?? false}`,
  ]),
  passwordPolicyCheck('iam_password_policy_symbol', undefined, 'Password policy requires a symbol', (p) => [
    p.RequireSymbols === true,
    `RequireSymbols=${p.RequireSymbols ?? false}`,
  ]),
  passwordPolicyCheck(
    'iam_password_policy_expires_passwords_within_90_days_or_less',
    undefined,
    'Passwords expire within 90 days',
    (p) => [
      (p.MaxPasswordAge ?? 0) > 0 && (p.MaxPasswordAge ?? 0) <= 90,
      `MaxPasswordAge=${p.MaxPasswordAge ?? 'unset'}`,
    ],
  ),
  {
    id: 'iam_user_mfa_enabled_console_access',
    cis: '2.10',
    title: 'MFA is enabled for every IAM user with a console password',
    severity: 'high',
    needs: [],
    run(s) {
      return users(s)
        .filter((row) => row.passwordEnabled === true)
        .map((row) =>
          verdict(!row.mfaActive, row.arn, row.user, cells(row, 'password_enabled', 'mfa_active')),
        );
    },
  },
  {
    // Not Prowler's nor CIS's: the seeds' lesson. A user told to enrol MFA whose policies, all of
    // them together, deny or do not allow the enrolment calls can never comply.
    id: 'portcullis_console_user_can_enroll_mfa',
    cis: undefined,
    title: 'Every console user without MFA may enrol a virtual MFA device',
    severity: 'high',
    needs: ['authorization'],
    run(s) {
      const a = s.authorization!;
      const byArn = new Map(a.users.map((u) => [u.arn, u]));
      return users(s)
        .filter((row) => row.passwordEnabled === true && !row.mfaActive)
        .flatMap((row) => {
          const user = byArn.get(row.arn);
          if (!user) return [];
          let policies;
          try {
            policies = principalPolicies(a, user);
          } catch (error) {
            // A policy the export lacks: the user's enrolment cannot be judged from it.
            if (error instanceof InputError)
              return [fail(row.arn, row.user, `not evaluated: ${error.message}`)];
            throw error;
          }
          const blocked = blockedEnrolment(policies.identity, policies.boundaries, {
            accountId: s.accountId,
            userName: user.name,
          });
          return [
            blocked.length > 0
              ? fail(row.arn, row.user, blocked.map(blockedEvidence).join('; '))
              : pass(
                  row.arn,
                  row.user,
                  'iam:CreateVirtualMFADevice, iam:EnableMFADevice and iam:ListMFADevices allowed without MFA',
                ),
          ];
        });
    },
  },
  {
    id: 'iam_user_console_access_unused',
    cis: '2.11',
    title: 'Console passwords unused for 45 days or more are disabled',
    severity: 'medium',
    needs: [],
    run(s, now) {
      return users(s)
        .filter((row) => row.passwordEnabled === true)
        .map((row) => {
          // CIS 2.11: a password never used (no_information) counts from when it was set.
          const last =
            row.passwordLastUsed instanceof Date
              ? row.passwordLastUsed
              : row.passwordLastChanged instanceof Date
                ? row.passwordLastChanged
                : row.created;
          const unused = days(now.getTime() - last.getTime());
          const evidence =
            row.passwordLastUsed instanceof Date
              ? cells(row, 'password_last_used')
              : cells(row, 'password_last_used', 'password_last_changed');
          return verdict(unused >= 45, row.arn, row.user, `${evidence} (${unused} days)`);
        });
    },
  },
  {
    id: 'iam_user_accesskey_unused',
    cis: '2.11',
    title: 'Access keys unused for 45 days or more are disabled',
    severity: 'medium',
    needs: [],
    run(s, now) {
      return users(s).flatMap((row) =>
        slots(row)
          .filter(({ key }) => key.active)
          .map(({ key, n }) => {
            // A key never used (N/A) counts from when it was made.
            const last = lastUse(key) ?? row.created;
            const unused = days(now.getTime() - last.getTime());
            const evidence =
              key.lastUsed instanceof Date
                ? cells(row, `access_key_${n}_last_used_date`)
                : cells(row, `access_key_${n}_last_used_date`, `access_key_${n}_last_rotated`);
            return verdict(
              unused >= 45,
              row.arn,
              `${row.user} (access key ${n})`,
              `${evidence} (${unused} days)`,
            );
          }),
      );
    },
  },
  {
    id: 'iam_rotate_access_key_90_days',
    cis: '2.12',
    title: 'Active access keys are rotated every 90 days or less',
    severity: 'medium',
    needs: [],
    run(s, now) {
      return users(s).flatMap((row) =>
        slots(row)
          .filter(({ key }) => key.active && key.lastRotated instanceof Date)
          .map(({ key, n }) => {
            const age = days(now.getTime() - (key.lastRotated as Date).getTime());
            return verdict(
              age > 90,
              row.arn,
              `${row.user} (access key ${n})`,
              `${cells(row, `access_key_${n}_last_rotated`)} (${age} days)`,
            );
          }),
      );
    },
  },
  {
    id: 'iam_user_two_active_access_key',
    cis: undefined,
    title: 'No IAM user has two active access keys',
    severity: 'medium',
    needs: [],
    run(s) {
      return users(s)
        .filter((row) => row.keys.some((k) => k.active))
        .map((row) =>
          verdict(
            row.keys.every((k) => k.active),
            row.arn,
            row.user,
            cells(row, 'access_key_1_active', 'access_key_2_active'),
          ),
        );
    },
  },
  {
    id: 'iam_user_no_setup_initial_access_key',
    cis: undefined,
    title: 'Console users were not given an access key they never used',
    severity: 'medium',
    needs: [],
    run(s) {
      return users(s)
        .filter((row) => row.passwordEnabled === true)
        .flatMap((row) =>
          slots(row)
            .filter(({ key }) => key.active)
            .map(({ key, n }) =>
              verdict(
                key.lastUsed === 'N/A',
                row.arn,
                `${row.user} (access key ${n})`,
                cells(row, 'password_enabled', `access_key_${n}_active`, `access_key_${n}_last_used_date`),
              ),
            ),
        );
    },
  },
  {
    id: 'iam_policy_attached_only_to_group_or_roles',
    cis: '2.13',
    title: 'IAM users receive permissions only through groups',
    severity: 'low',
    needs: ['authorization'],
    run(s) {
      return s.authorization!.users.map((user) => {
        const direct = [
          ...user.inline.map((p) => `inline policy ${p.name}`),
          ...user.attached.map((p) => `attached policy ${p.arn}`),
        ];
        return verdict(
          direct.length > 0,
          user.arn,
          user.name,
          direct.length > 0 ? direct.join('; ') : 'no inline or attached policies',
        );
      });
    },
  },
  adminPolicyCheck(
    'iam_customer_attached_policy_no_administrative_privileges',
    'No attached customer managed policy allows "*:*"',
    false,
  ),
  adminPolicyCheck(
    'iam_aws_attached_policy_no_administrative_privileges',
    'No attached AWS managed policy allows "*:*"',
    true,
  ),
  {
    id: 'iam_inline_policy_no_administrative_privileges',
    cis: '2.14',
    title: 'No inline policy allows "*:*"',
    severity: 'high',
    needs: ['authorization'],
    run(s) {
      const a = s.authorization!;
      return [...a.users, ...a.groups, ...a.roles].flatMap((principal: Principal) =>
        principal.inline.map((p) => {
          const admin = adminStatements(p.document);
          const name = `${principal.kind} ${principal.name}: ${p.name}`;
          return admin.length > 0
            ? fail(principal.arn, name, `allows *:* ${JSON.stringify(admin[0])}`)
            : pass(principal.arn, name, 'no statement allows *:*');
        }),
      );
    },
  },
  {
    id: 'iam_administrator_access_with_mfa',
    cis: undefined,
    title: 'Members of groups with AdministratorAccess have MFA',
    severity: 'high',
    needs: ['authorization'],
    run(s) {
      const a = s.authorization!;
      const adminGroups = new Set(
        a.groups.filter((g) => g.attached.some((p) => p.arn === ADMIN_POLICY)).map((g) => g.name),
      );
      const rows = new Map(users(s).map((row) => [row.arn, row]));
      return a.users.flatMap((user) => {
        const groups = user.groups.filter((g) => adminGroups.has(g));
        const row = rows.get(user.arn);
        if (groups.length === 0 || !row) return [];
        return [
          verdict(!row.mfaActive, user.arn, user.name, `group ${groups[0]}; ${cells(row, 'mfa_active')}`),
        ];
      });
    },
  },
  {
    id: 'iam_support_role_created',
    cis: '2.15',
    title: 'A support role has been created to manage incidents with AWS Support',
    severity: 'low',
    needs: ['authorization'],
    run(s) {
      const roles = s.authorization!.roles.filter((r) => r.attached.some((p) => p.arn === SUPPORT_POLICY));
      if (roles.length === 0)
        return [fail(accountArn(s), 'account', `no role has ${SUPPORT_POLICY} attached`)];
      return roles.map((r) => pass(r.arn, r.name, `${SUPPORT_POLICY} attached`));
    },
  },
  {
    id: 'iam_no_expired_server_certificates_stored',
    cis: '2.17',
    title: 'No expired SSL/TLS certificate is stored in IAM',
    severity: 'high',
    needs: ['serverCertificates'],
    run(s, now) {
      return s.serverCertificates!.map((c) =>
        verdict(
          c.expiration.getTime() < now.getTime(),
          c.arn,
          c.name,
          `Expiration=${c.expiration.toISOString()}`,
        ),
      );
    },
  },
  {
    id: 'accessanalyzer_enabled',
    cis: '2.18',
    title: 'IAM Access Analyzer is enabled',
    severity: 'low',
    needs: ['accessAnalyzers'],
    run(s) {
      const active = s.accessAnalyzers!.filter((a) => a.status === 'ACTIVE');
      if (active.length === 0)
        return [fail(accountArn(s), 'account', `no ACTIVE analyzer among ${s.accessAnalyzers!.length}`)];
      return active.map((a) => pass(a.arn, a.name, 'status=ACTIVE'));
    },
  },
];

function lastUse(key: KeySlot): Date | undefined {
  if (key.lastUsed instanceof Date) return key.lastUsed;
  return key.lastRotated instanceof Date ? key.lastRotated : undefined;
}

/** Why a step of MFA enrolment is refused, as explain would say it. */
function blockedEvidence({ action, resource, result }: BlockedStep): string {
  const by = result.decidingStatements[0];
  const statement = by ? `statement ${by.index}${by.sid ? ` (${by.sid})` : ''} of ${by.policyId}` : '';
  if (result.decision === 'explicitDeny')
    return `${action} on ${resource} is explicitly denied by ${statement}`;
  if (result.deniedBy === 'permissions boundary')
    return `${action} on ${resource} is not allowed by the permissions boundary`;
  return `${action} on ${resource} is allowed by no policy of the user or its groups`;
}
