// `portcullis audit` run as a user runs it: on the fixture accounts' exported files (as the AWS CLI
// writes them), and on a live server loaded with the same account through the AWS SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteLoginProfileCommand,
  EnableMFADeviceCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, startServer, type Server } from '../harness.ts';
import { consecutiveCodes, seedOf } from '../mfa/codes.ts';
import { portcullis } from '../operations/cli.ts';

const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures', 'audit');

interface Expected {
  readonly now: string;
  readonly checks: Record<string, { status: string; failing: string[] }>;
}

interface JsonAudit {
  readonly warnings: string[];
  readonly checks: {
    id: string;
    status: string;
    findings: { status: string; name: string; evidence: string }[];
  }[];
}

/** The exported files of a fixture account as flags: credential-report.json → --credential-report FILE. */
function fileFlags(account: string): string[] {
  const dir = join(fixtures, account);
  return readdirSync(dir)
    .filter((f) => f !== 'expected.json')
    .flatMap((f) => [`--${f.replace(/\.(json|csv)$/, '')}`, join(dir, f)]);
}

function expected(account: string): Expected {
  return JSON.parse(readFileSync(join(fixtures, account, 'expected.json'), 'utf8')) as Expected;
}

function verdicts(audit: JsonAudit): Expected['checks'] {
  return Object.fromEntries(
    audit.checks.map((c) => [
      c.id,
      { status: c.status, failing: c.findings.filter((f) => f.status === 'FAIL').map((f) => f.name) },
    ]),
  );
}

async function auditJson(args: string[], env: Record<string, string> = {}) {
  const result = await portcullis(['audit', ...args, '--format', 'json'], env);
  assert.ok(result.code === 0 || result.code === 1, result.output);
  return { code: result.code, audit: JSON.parse(result.stdout) as JsonAudit };
}

for (const account of ['clean', 'findings']) {
  test(`the ${account} account's exported files give exactly the expected verdicts`, async () => {
    const want = expected(account);
    const { audit } = await auditJson([...fileFlags(account), '--now', want.now]);
    assert.deepEqual(verdicts(audit), want.checks);
  });
}

test('--fail-on: exit 1 when a check at or above the severity fails, 0 otherwise', async () => {
  const now = ['--now', expected('findings').now];
  // The findings account fails checks of every severity; the clean one fails none.
  assert.equal(
    (await portcullis(['audit', ...fileFlags('findings'), ...now, '--fail-on', 'critical'], {})).code,
    1,
  );
  assert.equal((await portcullis(['audit', ...fileFlags('findings'), ...now], {})).code, 0);
  assert.equal((await portcullis(['audit', ...fileFlags('clean'), ...now, '--fail-on', 'low'], {})).code, 0);
  // Without the files the critical checks read, only password policy (medium) checks fail.
  const policyOnly = [
    '--credential-report',
    join(fixtures, 'clean', 'credential-report.csv'),
    '--password-policy',
    join(fixtures, 'findings', 'password-policy.json'),
    ...now,
  ];
  assert.equal((await portcullis(['audit', ...policyOnly, '--fail-on', 'high'], {})).code, 0);
  assert.equal((await portcullis(['audit', ...policyOnly, '--fail-on', 'medium'], {})).code, 1);
});

test('the table names each failing resource with its evidence, a summary, and the report age; no colour off a terminal', async () => {
  const result = await portcullis(['audit', ...fileFlags('findings'), '--now', '2026-08-01T18:00:00Z'], {});
  assert.equal(result.code, 0, result.output);
  assert.match(result.stdout, /^FAIL {4}high {6}iam_user_mfa_enabled_console_access +2\.10 +1 of 3 fail$/m);
  assert.match(result.stdout, /^ +bob: password_enabled=true, mfa_active=false$/m);
  assert.match(
    result.stdout,
    /^ +bob \(access key 1\): access_key_1_last_rotated=2025-01-02T10:00:00\+00:00 \(576 days\)$/m,
  );
  assert.match(
    result.stdout,
    /^SKIP +low +accessanalyzer_enabled +2\.18 +needs aws accessanalyzer list-analyzers$/m,
  );
  assert.match(
    result.stdout,
    /^Summary: 26 checks, 4 passed, 21 failed \(3 critical, 7 high, 9 medium, 2 low\), 1 skipped$/m,
  );
  // Generated at 10:00, audited at 18:00: AWS would not have made a newer report before 14:00.
  assert.match(result.stdout, /warning: the credential report was generated 8 hours before this audit/);
  assert.ok(!result.stdout.includes('\u001b['), 'no ANSI colour');
});

test('SARIF, JUnit and CSV carry the same failures', async () => {
  const now = ['--now', expected('findings').now];
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  try {
    const sarifFile = join(dir, 'audit.sarif');
    const sarif = await portcullis(
      ['audit', ...fileFlags('findings'), ...now, '--format', 'sarif', '--output', sarifFile],
      {},
    );
    assert.equal(sarif.stdout, '');
    const log = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      version: string;
      runs: {
        results: { ruleId: string; locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }[];
      }[];
    };
    assert.equal(log.version, '2.1.0');
    const failures = Object.values(expected('findings').checks).reduce((n, c) => n + c.failing.length, 0);
    assert.equal(log.runs[0]!.results.length, failures);
    assert.ok(
      log.runs[0]!.results.some(
        (r) =>
          r.ruleId === 'iam_no_root_access_key' &&
          r.locations[0]!.logicalLocations[0]!.fullyQualifiedName === 'arn:aws:iam::123456789012:root',
      ),
    );

    const junit = await portcullis(['audit', ...fileFlags('findings'), ...now, '--format', 'junit'], {});
    assert.match(
      junit.stdout,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="portcullis audit">/,
    );
    assert.equal(junit.stdout.match(/<failure /g)?.length, failures);
    assert.match(
      junit.stdout,
      /<testsuite name="accessanalyzer_enabled" tests="1" failures="0" skipped="1">/,
    );

    const csv = await portcullis(['audit', ...fileFlags('findings'), ...now, '--format', 'csv'], {});
    const lines = csv.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'check_id,cis,severity,status,resource_arn,resource_name,evidence');
    assert.equal(lines.filter((l) => l.split(',')[3] === 'FAIL').length, failures);
    assert.ok(
      lines.includes(
        'iam_user_two_active_access_key,,medium,FAIL,arn:aws:iam::123456789012:user/bob,bob,"access_key_1_active=true, access_key_2_active=true"',
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options and inputs are refused with exit status 2 and a message, never a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  try {
    const cases: [string[], RegExp][] = [
      [[], /give either --credential-report FILE .* or --endpoint URL/],
      [['--credential-report', join(dir, 'missing.csv')], /cannot read .*missing\.csv/],
      [[...fileFlags('clean'), '--format', 'xml'], /--format must be one of table, json, sarif, junit, csv/],
      [
        [...fileFlags('clean'), '--fail-on', 'severe'],
        /--fail-on must be one of low, medium, high, critical/,
      ],
      [[...fileFlags('clean'), '--now', 'yesterday'], /--now: "yesterday" is not an ISO 8601 time/],
      [[...fileFlags('clean'), '--verbose'], /unknown option --verbose/],
      [
        ['--credential-report', join(fixtures, 'clean', 'authorization-details.json')],
        /credential report: Content is missing or not a string/,
      ],
      [
        [
          '--credential-report',
          join(fixtures, 'clean', 'credential-report.csv'),
          '--password-policy',
          join(fixtures, 'clean', 'credential-report.csv'),
        ],
        /--password-policy: not the JSON the AWS CLI writes/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await portcullis(['audit', ...args], {});
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.output}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's table is this command's real output on the findings fixture", async () => {
  const readme = readFileSync(resolve(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
  const shown = /\n\$ portcullis audit [^\n]*\n([\s\S]*?)\$ echo \$\?\n(\d)\n/.exec(readme);
  assert.ok(shown, 'the README shows the table between "$ portcullis audit" and "$ echo $?"');
  const result = await portcullis(
    ['audit', ...fileFlags('findings'), '--now', expected('findings').now, '--fail-on', 'high'],
    {},
  );
  assert.equal(result.stdout, shown[1]);
  assert.equal(String(result.code), shown[2]);
});

test('--help documents every option', async () => {
  const result = await portcullis(['audit', '--help'], {});
  assert.equal(result.code, 0);
  for (const flag of [
    '--credential-report FILE',
    '--authorization-details FILE',
    '--password-policy FILE',
    '--account-summary FILE',
    '--virtual-mfa-devices FILE',
    '--server-certificates FILE',
    '--access-analyzers FILE',
    '--endpoint URL',
    '--region REGION',
    '--format FORMAT',
    '--fail-on SEVERITY',
    '--now TIME',
    '--output FILE',
  ])
    assert.match(result.stdout, new RegExp(`^  ${flag.replace(/[-]/g, '\\-')}$`, 'm'), flag);
});

describeLive();

/**
 * The findings account loaded into a live server through the SDK, audited with --endpoint. A live
 * account's dates are today's, not the fixture's, so the checks that count days (root use, 45
 * days unused, 90-day rotation, and a never-used key, whose use is recorded off the request's
 * path) are left out of the comparison, and so is CIS 2.17: IAM refuses to store an expired server
 * certificate, so the live account has none to find. Every other check must give the fixture's verdicts.
 */
function describeLive() {
  const DATED = new Set([
    'iam_avoid_root_usage',
    'iam_user_console_access_unused',
    'iam_user_accesskey_unused',
    'iam_rotate_access_key_90_days',
    'iam_user_no_setup_initial_access_key',
    'iam_no_expired_server_certificates_stored',
  ]);
  let server: Server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('a live account loaded with the findings account gives the same verdicts as its files', async () => {
    await loadFindingsAccount(server.iam());
    const env = {
      AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const { audit } = await auditJson(['--endpoint', server.url], env);
    assert.deepEqual(audit.warnings, []);
    const live = verdicts(audit);
    const want = expected('findings').checks;
    const comparable = (checks: Expected['checks']) =>
      Object.fromEntries(Object.entries(checks).filter(([id]) => !DATED.has(id)));
    assert.deepEqual(comparable(live), comparable(want));
    assert.equal(live.iam_no_expired_server_certificates_stored!.status, 'PASS');
  });

  test("live, the checks that count days read the server's clock: 100 days later every key and password is stale", async () => {
    await server.advanceClock(100 * 86_400);
    const env = {
      AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const now = new Date(server.now()).toISOString();
    const { audit } = await auditJson(['--endpoint', server.url, '--now', now], env);
    // The report made 100 days ago is older than 4 hours: a new one was generated for this audit.
    assert.deepEqual(audit.warnings, []);
    const live = verdicts(audit);
    const keys = [
      'bob (access key 1)',
      'bob (access key 2)',
      'svc-backup (access key 1)',
      'dave (access key 1)',
    ];
    const sorted = (names: string[]) => [...names].sort();
    assert.deepEqual(sorted(live.iam_rotate_access_key_90_days!.failing), sorted(keys));
    assert.deepEqual(sorted(live.iam_user_accesskey_unused!.failing), sorted(keys));
    // Passwords never used count from when they were set (password_last_used=no_information).
    assert.deepEqual(sorted(live.iam_user_console_access_unused!.failing), ['alice', 'bob', 'dave']);
  });
}

async function loadFindingsAccount(iam: IAMClient): Promise<void> {
  const send = iam.send.bind(iam) as (command: unknown) => Promise<Record<string, never>>;
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  const admin = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
  const password = 'Str0ng-Passw0rd-For-Tests!';
  const account = `arn:aws:iam::${ROOT.accountId}`;
  for (const [name, document] of [
    ['dev-read', doc({ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' })],
    ['full-admin', doc({ Effect: 'Allow', Action: ['*'], Resource: ['*'] })],
    ['unattached-admin', admin],
  ] as const)
    await send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: document }));
  await send(new CreateGroupCommand({ GroupName: 'admins' }));
  await send(
    new AttachGroupPolicyCommand({
      GroupName: 'admins',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  await send(new CreateGroupCommand({ GroupName: 'developers' }));
  await send(
    new AttachGroupPolicyCommand({ GroupName: 'developers', PolicyArn: `${account}:policy/dev-read` }),
  );
  await send(
    new PutGroupPolicyCommand({
      GroupName: 'developers',
      PolicyName: 'break-glass',
      PolicyDocument: doc({ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }),
    }),
  );
  await send(
    new CreateRoleCommand({
      RoleName: 'deployer',
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { AWS: `${account}:root` },
        Action: 'sts:AssumeRole',
      }),
    }),
  );

  const user = async (
    name: string,
    options: { path?: string; console?: boolean; mfa?: boolean; groups?: string[]; keys?: number },
  ) => {
    await send(new CreateUserCommand({ UserName: name, ...(options.path ? { Path: options.path } : {}) }));
    if (options.console) await send(new CreateLoginProfileCommand({ UserName: name, Password: password }));
    for (const group of options.groups ?? [])
      await send(new AddUserToGroupCommand({ GroupName: group, UserName: name }));
    const keys: string[] = [];
    for (let k = 0; k < (options.keys ?? 0); k++)
      keys.push(
        (
          (await send(new CreateAccessKeyCommand({ UserName: name }))) as {
            AccessKey?: { AccessKeyId: string };
          }
        ).AccessKey!.AccessKeyId,
      );
    if (options.mfa) {
      const created = (await send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${name}-phone` }),
      )) as {
        VirtualMFADevice?: { SerialNumber: string; Base32StringSeed: Uint8Array };
      };
      const codes = consecutiveCodes(seedOf(created.VirtualMFADevice!.Base32StringSeed));
      await send(
        new EnableMFADeviceCommand({
          UserName: name,
          SerialNumber: created.VirtualMFADevice!.SerialNumber,
          AuthenticationCode1: codes.code1,
          AuthenticationCode2: codes.code2,
        }),
      );
    }
    return keys;
  };
  // carol: her password deleted, her only key deactivated — nothing of hers may fail.
  const [carolKey] = await user('carol', { console: true, keys: 1 });
  await send(new DeleteLoginProfileCommand({ UserName: 'carol' }));
  await send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: carolKey!, Status: 'Inactive' }));
  await user('bob', { console: true, groups: ['admins'], keys: 2 });
  await send(
    new PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'bob-extra',
      PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::reports/*' }),
    }),
  );
  await user('alice', { console: true, mfa: true, groups: ['admins'] });
  await user('svc-backup', { path: '/automation/', keys: 1 });
  await send(
    new AttachUserPolicyCommand({ UserName: 'svc-backup', PolicyArn: `${account}:policy/full-admin` }),
  );
  await user('dave', { console: true, mfa: true, groups: ['developers'], keys: 1 });
  await send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 8,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
    }),
  );
}
