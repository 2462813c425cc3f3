import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminStatements, runChecks } from './checks.ts';
import { REPORT_COLUMNS } from './csv.ts';
import { buildSnapshot, InputError, type SnapshotInputs } from './snapshot.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../test/fixtures/seed-policies.ts';

const NOW = new Date('2026-08-01T12:00:00Z');
const HEADER = REPORT_COLUMNS.join(',');
const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2024-01-15T09:00:00+00:00,true,2026-06-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';

/** A user row from the columns that differ from "no password, no keys". */
function row(user: string, cells: Partial<Record<(typeof REPORT_COLUMNS)[number], string>>): string {
  const defaults: Record<string, string> = {
    user,
    arn: `arn:aws:iam::123456789012:user/${user}`,
    user_creation_time: '2025-01-01T00:00:00+00:00',
    password_enabled: 'false',
    mfa_active: 'false',
    access_key_1_active: 'false',
    access_key_2_active: 'false',
    cert_1_active: 'false',
    cert_2_active: 'false',
  };
  return REPORT_COLUMNS.map((c) => cells[c] ?? defaults[c] ?? 'N/A').join(',');
}

function verdicts(inputs: Partial<SnapshotInputs> & { rows?: string[] }, id: string) {
  const snapshot = buildSnapshot({
    credentialReport: [HEADER, ROOT, ...(inputs.rows ?? [])].join('\n'),
    ...inputs,
  });
  const result = runChecks(snapshot, NOW).find((r) => r.check.id === id)!;
  return {
    status: result.status,
    failing: result.findings.filter((f) => f.status === 'FAIL').map((f) => f.name),
    result,
  };
}

test('console MFA: a password without MFA fails; no password, or the root row, is not a console user', () => {
  const v = verdicts(
    {
      rows: [
        row('bob', {
          password_enabled: 'true',
          password_last_used: 'no_information',
          password_last_changed: '2026-07-01T00:00:00+00:00',
        }),
        row('svc', {}),
        row('alice', {
          password_enabled: 'true',
          mfa_active: 'true',
          password_last_used: '2026-07-30T00:00:00+00:00',
          password_last_changed: '2026-07-01T00:00:00+00:00',
        }),
      ],
    },
    'iam_user_mfa_enabled_console_access',
  );
  assert.deepEqual([v.status, v.failing], ['FAIL', ['bob']]);
  assert.equal(v.result.findings.length, 2);
});

test('root: an active key fails; MFA is needed only when root has a credential; legacy not_supported is a password', () => {
  const withKey = ROOT.replace(
    ',true,false,N/A,N/A,N/A,N/A,',
    ',false,true,2024-01-15T09:00:00+00:00,N/A,N/A,N/A,',
  );
  const snapshot = (root: string) => buildSnapshot({ credentialReport: `${HEADER}\n${root}` });
  const status = (root: string, id: string) =>
    runChecks(snapshot(root), NOW).find((r) => r.check.id === id)!.status;
  assert.equal(status(withKey, 'iam_no_root_access_key'), 'FAIL');
  assert.equal(status(withKey, 'iam_root_mfa_enabled'), 'FAIL');
  assert.equal(status(ROOT, 'iam_root_mfa_enabled'), 'PASS');
  const noCredentials = ROOT.replace(',true,2026-06-01T00:00:00+00:00,', ',false,no_information,').replace(
    ',not_supported,true,',
    ',not_supported,false,',
  );
  assert.equal(status(noCredentials, 'iam_root_mfa_enabled'), 'PASS');
  const legacy = ROOT.replace(',true,2026-06-01', ',not_supported,2026-06-01').replace(
    ',not_supported,true,',
    ',not_supported,false,',
  );
  assert.equal(status(legacy, 'iam_root_mfa_enabled'), 'FAIL');
});

test('root use: within the last day fails, from the password or a key', () => {
  const recent = ROOT.replace('2026-06-01T00:00:00+00:00', '2026-08-01T01:00:00+00:00');
  const results = runChecks(buildSnapshot({ credentialReport: `${HEADER}\n${recent}` }), NOW);
  assert.equal(results.find((r) => r.check.id === 'iam_avoid_root_usage')!.status, 'FAIL');
  assert.equal(verdicts({}, 'iam_avoid_root_usage').status, 'PASS');
});

test('45 days unused: never-used passwords count from password_last_changed, never-used keys from last_rotated', () => {
  const rows = [
    row('old-pw', {
      password_enabled: 'true',
      password_last_used: 'no_information',
      password_last_changed: '2026-06-01T00:00:00+00:00',
    }),
    row('new-pw', {
      password_enabled: 'true',
      password_last_used: 'no_information',
      password_last_changed: '2026-07-20T00:00:00+00:00',
    }),
    row('used-pw', {
      password_enabled: 'true',
      password_last_used: '2026-06-17T12:00:00+00:00',
      password_last_changed: '2025-01-01T00:00:00+00:00',
    }),
    row('old-key', { access_key_1_active: 'true', access_key_1_last_rotated: '2026-06-10T00:00:00+00:00' }),
    row('used-key', {
      access_key_2_active: 'true',
      access_key_2_last_rotated: '2025-01-01T00:00:00+00:00',
      access_key_2_last_used_date: '2026-07-31T00:00:00+00:00',
    }),
    // An inactive key is not a credential in use.
    row('off-key', { access_key_1_last_rotated: '2025-01-01T00:00:00+00:00' }),
  ];
  // used-pw: exactly 45 days ago — "45 days or more" fails.
  assert.deepEqual(verdicts({ rows }, 'iam_user_console_access_unused').failing, ['old-pw', 'used-pw']);
  assert.deepEqual(verdicts({ rows }, 'iam_user_accesskey_unused').failing, ['old-key (access key 1)']);
  const evidence = verdicts({ rows }, 'iam_user_console_access_unused').result.findings[0]!.evidence;
  assert.equal(
    evidence,
    'password_last_used=no_information, password_last_changed=2026-06-01T00:00:00+00:00 (61 days)',
  );
});

test('keys: rotated more than 90 days ago, two active, and a console user’s never-used key', () => {
  const rows = [
    row('old', {
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2026-05-01T00:00:00+00:00',
      access_key_1_last_used_date: '2026-07-31T00:00:00+00:00',
    }),
    row('ninety', {
      access_key_2_active: 'true',
      access_key_2_last_rotated: '2026-05-03T12:00:00+00:00',
      access_key_2_last_used_date: '2026-07-31T00:00:00+00:00',
    }),
    row('two', {
      password_enabled: 'true',
      password_last_used: '2026-07-31T00:00:00+00:00',
      password_last_changed: '2026-07-01T00:00:00+00:00',
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2026-07-01T00:00:00+00:00',
      access_key_1_last_used_date: '2026-07-31T00:00:00+00:00',
      access_key_2_active: 'true',
      access_key_2_last_rotated: '2026-07-02T00:00:00+00:00',
    }),
  ];
  assert.deepEqual(verdicts({ rows }, 'iam_rotate_access_key_90_days').failing, ['old (access key 1)']);
  assert.deepEqual(verdicts({ rows }, 'iam_user_two_active_access_key').failing, ['two']);
  assert.deepEqual(verdicts({ rows }, 'iam_user_no_setup_initial_access_key').failing, [
    'two (access key 2)',
  ]);
});

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const details = {
  UserDetailList: [
    {
      UserName: 'direct',
      Arn: 'arn:aws:iam::123456789012:user/direct',
      GroupList: [],
      AttachedManagedPolicies: [{ PolicyName: 'p', PolicyArn: 'arn:aws:iam::123456789012:policy/p' }],
    },
    {
      UserName: 'grouped',
      Arn: 'arn:aws:iam::123456789012:user/grouped',
      GroupList: ['admins'],
      AttachedManagedPolicies: [],
    },
  ],
  GroupDetailList: [
    {
      GroupName: 'admins',
      Arn: 'arn:aws:iam::123456789012:group/admins',
      AttachedManagedPolicies: [
        { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      ],
      // As the API (and the SDK) hands it over: URL-encoded.
      GroupPolicyList: [
        {
          PolicyName: 'all',
          PolicyDocument: encodeURIComponent(
            JSON.stringify(doc({ Effect: 'Allow', Action: '*:*', Resource: '*' })),
          ),
        },
      ],
    },
  ],
  RoleDetailList: [],
  Policies: [
    {
      PolicyName: 'p',
      Arn: 'arn:aws:iam::123456789012:policy/p',
      AttachmentCount: 1,
      PolicyVersionList: [
        { Document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }), IsDefaultVersion: false },
        { Document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), IsDefaultVersion: true },
      ],
    },
    {
      PolicyName: 'unused',
      Arn: 'arn:aws:iam::123456789012:policy/unused',
      AttachmentCount: 0,
      PolicyVersionList: [
        { Document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }), IsDefaultVersion: true },
      ],
    },
  ],
};

test('policies: users with their own policies, *:* read from the default version only, URL-encoded documents', () => {
  const rows = [row('grouped', {})];
  assert.deepEqual(
    verdicts({ authorizationDetails: details }, 'iam_policy_attached_only_to_group_or_roles').failing,
    ['direct'],
  );
  const customer = verdicts(
    { authorizationDetails: details },
    'iam_customer_attached_policy_no_administrative_privileges',
  );
  assert.deepEqual([customer.status, customer.result.findings.length], ['PASS', 1]);
  assert.deepEqual(
    verdicts({ authorizationDetails: details }, 'iam_inline_policy_no_administrative_privileges').failing,
    ['group admins: all'],
  );
  assert.deepEqual(
    verdicts({ authorizationDetails: details, rows }, 'iam_administrator_access_with_mfa').failing,
    ['grouped'],
  );
  assert.deepEqual(verdicts({ authorizationDetails: details }, 'iam_support_role_created').failing, [
    'account',
  ]);
});

test('a *:* statement is Allow, every action and every resource; Deny or narrower is not', () => {
  assert.equal(adminStatements(doc({ Effect: 'Allow', Action: ['s3:*', '*'], Resource: ['*'] })).length, 1);
  assert.equal(adminStatements({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }).length, 1);
  assert.equal(adminStatements(doc({ Effect: 'Deny', Action: '*', Resource: '*' })).length, 0);
  assert.equal(
    adminStatements(doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' })).length,
    0,
  );
  assert.equal(adminStatements(doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' })).length, 0);
});

test('password policy: none fails every rule; the CIS bars are 14 characters and 24 passwords', () => {
  assert.deepEqual(verdicts({ passwordPolicy: 'none' }, 'iam_password_policy_minimum_length_14').failing, [
    'password policy',
  ]);
  const policy = {
    PasswordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 23, MaxPasswordAge: 91 },
  };
  assert.equal(verdicts({ passwordPolicy: policy }, 'iam_password_policy_minimum_length_14').status, 'PASS');
  assert.equal(verdicts({ passwordPolicy: policy }, 'iam_password_policy_reuse_24').status, 'FAIL');
  assert.equal(
    verdicts({ passwordPolicy: policy }, 'iam_password_policy_expires_passwords_within_90_days_or_less')
      .status,
    'FAIL',
  );
});

test('hardware MFA for root: AccountMFAEnabled and no virtual device assigned to root', () => {
  const summary = { SummaryMap: { AccountMFAEnabled: 1 } };
  const rootDevice = {
    VirtualMFADevices: [
      {
        SerialNumber: 'arn:aws:iam::123456789012:mfa/root-account-mfa-device',
        User: { Arn: 'arn:aws:iam::123456789012:root' },
      },
    ],
  };
  const id = 'iam_root_hardware_mfa_enabled';
  assert.equal(
    verdicts({ accountSummary: summary, virtualMfaDevices: { VirtualMFADevices: [] } }, id).status,
    'PASS',
  );
  assert.equal(verdicts({ accountSummary: summary, virtualMfaDevices: rootDevice }, id).status, 'FAIL');
  assert.equal(verdicts({ accountSummary: summary }, id).status, 'SKIP');
  assert.equal(
    verdicts({ accountSummary: summary }, id).result.skipped,
    'needs aws iam list-virtual-mfa-devices',
  );
});

test('inputs that are not what the AWS CLI writes are refused', () => {
  assert.throws(() => buildSnapshot({ credentialReport: 'user,arn\n' }), InputError);
  assert.throws(
    () => buildSnapshot({ credentialReport: { Content: 5 } }),
    /Content is missing or not a string/,
  );
  assert.throws(
    () =>
      buildSnapshot({ credentialReport: `${HEADER}\n${ROOT}`, authorizationDetails: { UserDetailList: [] } }),
    /GroupDetailList is missing/,
  );
});

test('MFA enrolment: each console user without MFA is judged on all their policies together, boundary included', () => {
  const arn = (name: string) => `arn:aws:iam::123456789012:user/${name}`;
  const inline = (name: string, document: object) => ({ PolicyName: name, PolicyDocument: document });
  const user = (name: string, extra: object = {}) => ({
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: arn(name),
    GroupList: [],
    UserPolicyList: [],
    AttachedManagedPolicies: [],
    ...extra,
  });
  const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  const details = {
    UserDetailList: [
      user('seeded', { GroupList: ['self-service'] }),
      user('locked', {
        UserPolicyList: [
          inline('all', allowAll),
          inline('deny-without-mfa', {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyAllButPasswordWithoutMFA',
                Effect: 'Deny',
                NotAction: ['iam:ChangePassword', 'iam:GetUser'],
                Resource: '*',
                Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
              },
            ],
          }),
        ],
      }),
      user('nothing'),
      user('bounded', {
        UserPolicyList: [inline('all', allowAll)],
        PermissionsBoundary: {
          PermissionsBoundaryType: 'Policy',
          PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/s3-only',
        },
      }),
      user('enrolled'),
    ],
    GroupDetailList: [
      {
        GroupName: 'self-service',
        GroupId: 'AGPASELF',
        Arn: 'arn:aws:iam::123456789012:group/self-service',
        GroupPolicyList: [inline('mfa', JSON.parse(SELF_MANAGED_MFA_POLICY) as object)],
        AttachedManagedPolicies: [],
      },
    ],
    RoleDetailList: [],
    Policies: [
      {
        PolicyName: 's3-only',
        Arn: 'arn:aws:iam::123456789012:policy/s3-only',
        AttachmentCount: 1,
        DefaultVersionId: 'v1',
        PolicyVersionList: [
          {
            VersionId: 'v1',
            IsDefaultVersion: true,
            Document: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
            },
          },
        ],
      },
    ],
  };
  const consoleUser = (name: string, mfa = 'false') =>
    row(name, {
      password_enabled: 'true',
      mfa_active: mfa,
      password_last_used: '2026-07-30T00:00:00+00:00',
      password_last_changed: '2026-07-01T00:00:00+00:00',
    });
  const v = verdicts(
    {
      authorizationDetails: details,
      rows: [
        consoleUser('seeded'),
        consoleUser('locked'),
        consoleUser('nothing'),
        consoleUser('bounded'),
        consoleUser('enrolled', 'true'),
      ],
    },
    'portcullis_console_user_can_enroll_mfa',
  );
  assert.deepEqual([v.status, v.failing], ['FAIL', ['locked', 'nothing', 'bounded']]);
  // The user with MFA already is not asked about.
  assert.equal(v.result.findings.length, 4);
  const evidence = (name: string) => v.result.findings.find((f) => f.name === name)!.evidence;
  assert.match(
    evidence('locked'),
    /^iam:CreateVirtualMFADevice on arn:aws:iam::123456789012:mfa\/locked is explicitly denied by statement 0 \(DenyAllButPasswordWithoutMFA\) of user locked: inline policy deny-without-mfa; /,
  );
  assert.match(
    evidence('nothing'),
    /iam:EnableMFADevice on arn:aws:iam::123456789012:user\/nothing is allowed by no policy/,
  );
  assert.match(evidence('bounded'), /is not allowed by the permissions boundary/);
  assert.match(evidence('seeded'), /allowed without MFA/);
});
