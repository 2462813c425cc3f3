// What the credential report says, read through the SDK from a real server: AWS's 22 columns, the
// <root_account> row, passwords, access keys (with the last use the server recorded), signing
// certificates, MFA, a name with a comma; and that it parses as the seed blog's script reads it
// (seed 004: base64-decode, split lines, split on commas, zip with the header) and as real CSV.
// The contract: AWS's "Getting credential reports" (IAM User Guide, the report's format).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  UpdateAccountPasswordPolicyCommand,
  UploadSigningCertificateCommand,
  type AccessKey,
} from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../harness.ts';

const COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
const COMMA_USER = 'doe,jane';
const PASSWORD = 'Correct-Horse-Battery-9';
// A self-signed EC certificate (valid until 2126), generated once with openssl for this test.
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBrzCCAVWgAwIBAgIUdXexPAoRxRmOG/pUUMmrgLcfK9UwCgYIKoZIzj0EAwIw
LDEqMCgGA1UEAwwhcG9ydGN1bGxpcy1jcmVkZW50aWFsLXJlcG9ydC10ZXN0MCAX
DTI2MTEyMzEyNDk1NloYDzIxMjYxMDMwMTI0OTU2WjAsMSowKAYDVQQDDCFwb3J0
Y3VsbGlzLWNyZWRlbnRpYWwtcmVwb3J0LXRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAT52hz2ecHOlF+62wlQoOMrwCf7J2EaF0a8SzpY2Glo1B6ySbYa/oMk
HaWFmNuYGOQ+HvS3BTFbuWD63vs6HMbpo1MwUTAdBgNVHQ4EFgQUNljHBAlnd9bM
Ykhs85WxdNgsDq0wHwYDVR0jBBgwFoAUNljHBAlnd9bMYkhs85WxdNgsDq0wDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA4L8bIDotSVrVFWPqYDTX
QytRjJCUGtYFFlRPlcMT/50CIH/9Npwa/02Yr5VMj8iBu7zGjhW0izDPK74kuQ6T
ADZe
-----END CERTIFICATE-----`;

let server: Server;
/** The report as the AWS CLI prints it: Content in base64, as the seed script reads it. */
let cliJson: string;
let text: string;
let generatedTime: Date;
let rows: Map<string, Row>;
let usedKey: AccessKey;
let unusedKey: AccessKey;
let usedAt: number;
let certificateUploaded: Date;
let createdAt: Map<string, Date>;
/** Why the MFA part could not be set up (the MFA operations not served yet), if it could not. */
let mfaSkipped: string | undefined;

/** RFC 4180: fields separated by commas, quoted fields may hold commas and doubled quotes. */
function parseCsv(input: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const endRecord = () => {
    record.push(field);
    records.push(record);
    record = [];
    field = '';
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') endRecord();
    else field += c;
  }
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

function zipRow(header: readonly string[], cells: readonly string[]): Row {
  return Object.fromEntries(header.map((name, i) => [name, cells[i]])) as Row;
}

before(async () => {
  server = await startServer();
  const iam = server.iam();
  createdAt = new Map();
  const createUser = async (UserName: string, Path?: string) => {
    const out = await iam.send(new CreateUserCommand({ UserName, Path }));
    createdAt.set(UserName, out.User!.CreateDate!);
  };
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, MaxPasswordAge: 90 }));

  await createUser('console-user');
  await iam.send(new CreateLoginProfileCommand({ UserName: 'console-user', Password: PASSWORD }));

  await createUser('two-keys');
  usedKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'two-keys' }))).AccessKey!;
  unusedKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'two-keys' }))).AccessKey!;
  // One call with the first key, to STS in eu-west-1: the report shows that region and service.
  const sts = new STSClient({
    endpoint: server.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: usedKey.AccessKeyId!, secretAccessKey: usedKey.SecretAccessKey! },
    maxAttempts: 1,
  });
  usedAt = Date.now();
  await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();

  await createUser('nothing');
  await createUser(COMMA_USER, '/people/');
  await createUser('cert-user');
  certificateUploaded = (
    await iam.send(
      new UploadSigningCertificateCommand({ UserName: 'cert-user', CertificateBody: CERTIFICATE }),
    )
  ).Certificate!.UploadDate!;

  // The seeds' story: a user enables a virtual MFA device with two consecutive codes; another has none.
  await createUser('mfa-user');
  await createUser('no-mfa-user');
  await iam.send(new CreateLoginProfileCommand({ UserName: 'mfa-user', Password: PASSWORD }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'no-mfa-user', Password: PASSWORD }));
  try {
    const device = await iam.send(
      new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user-phone' }),
    );
    const seed = new TextDecoder().decode(device.VirtualMFADevice!.Base32StringSeed);
    const now = Date.now();
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'mfa-user',
        SerialNumber: device.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: totpCode(seed, now - 30_000),
        AuthenticationCode2: totpCode(seed, now),
      }),
    );
  } catch (error) {
    const code = (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name;
    if (code !== 'InvalidAction') throw error;
    mfaSkipped = `MFA operations not served yet: ${(error as Error).message}`;
  }

  const started = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(started.State, 'STARTED');
  const report = await iam.send(new GetCredentialReportCommand({}));
  generatedTime = report.GeneratedTime!;
  text = new TextDecoder().decode(report.Content);
  cliJson = JSON.stringify({
    Content: Buffer.from(report.Content!).toString('base64'),
    ReportFormat: report.ReportFormat,
    GeneratedTime: report.GeneratedTime!.toISOString(),
  });
  const [header, ...records] = parseCsv(text);
  rows = new Map(records.map((cells) => [cells[0]!, zipRow(header!, cells)]));
});
after(async () => {
  await server?.stop();
});

function reportTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

test('the header is exactly the 22 columns in AWS order; every line is 22 fields, LF only', () => {
  const lines = text.split('\n');
  assert.equal(lines[0], COLUMNS.join(','));
  assert.doesNotMatch(text, /\r/);
  assert.ok(lines.every((line) => line !== '' && !line.endsWith(' ')));
  for (const record of parseCsv(text)) assert.equal(record.length, 22, record.join(','));
});

test('one row per user after the <root_account> row, in creation order', () => {
  const users = parseCsv(text)
    .slice(1)
    .map((r) => r[0]);
  assert.equal(users[0], '<root_account>');
  assert.deepEqual(new Set(users.slice(1)), new Set(createdAt.keys()));
  assert.equal(users.length, createdAt.size + 1);
  const times = users.slice(1).map((u) => createdAt.get(u!)!.getTime());
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
});

test('the <root_account> row: root ARN, account creation, a password, not_supported rotation', () => {
  const root = rows.get('<root_account>')!;
  assert.equal(root.arn, `arn:aws:iam::${ROOT.accountId}:root`);
  assert.match(root.user_creation_time, TIMESTAMP);
  assert.equal(root.password_enabled, 'true');
  assert.match(root.password_last_used, /^(no_information|\d{4}-.*\+00:00)$/);
  assert.equal(root.password_last_changed, 'not_supported');
  assert.equal(root.password_next_rotation, 'not_supported');
  assert.equal(root.mfa_active, 'false');
  // The harness's root key has been used (us-east-1, iam) to build this account.
  assert.equal(root.access_key_1_active, 'true');
  assert.equal(root.access_key_1_last_used_region, 'us-east-1');
  assert.equal(root.access_key_1_last_used_service, 'iam');
  assert.deepEqual(
    [root.cert_1_active, root.cert_1_last_rotated, root.cert_2_active, root.cert_2_last_rotated],
    ['false', 'N/A', 'false', 'N/A'],
  );
  // not_supported appears nowhere else.
  for (const [name, row] of rows) {
    if (name !== '<root_account>') assert.ok(!Object.values(row).includes('not_supported'), name);
  }
});

test('a user with a password: enabled, never used, changed at creation, next rotation 90 days later', () => {
  const row = rows.get('console-user')!;
  assert.equal(row.password_enabled, 'true');
  assert.equal(row.password_last_used, 'no_information');
  assert.match(row.password_last_changed, TIMESTAMP);
  const changed = Date.parse(row.password_last_changed);
  assert.ok(changed >= createdAt.get('console-user')!.getTime());
  assert.ok(changed <= generatedTime.getTime());
  assert.equal(row.password_next_rotation, reportTime(new Date(changed + 90 * 24 * 3600 * 1000)));
});

test('two access keys: the used one shows when, where and which service; the other N/A', () => {
  const row = rows.get('two-keys')!;
  assert.equal(row.password_enabled, 'false');
  assert.deepEqual(
    [row.password_last_used, row.password_last_changed, row.password_next_rotation],
    ['N/A', 'N/A', 'N/A'],
  );
  assert.equal(row.access_key_1_active, 'true');
  assert.equal(row.access_key_1_last_rotated, reportTime(usedKey.CreateDate!));
  assert.match(row.access_key_1_last_used_date, TIMESTAMP);
  const used = Date.parse(row.access_key_1_last_used_date);
  assert.ok(used >= Math.floor(usedAt / 1000) * 1000 - 1000 && used <= generatedTime.getTime());
  assert.equal(row.access_key_1_last_used_region, 'eu-west-1');
  assert.equal(row.access_key_1_last_used_service, 'sts');
  assert.equal(row.access_key_2_active, 'true');
  assert.equal(row.access_key_2_last_rotated, reportTime(unusedKey.CreateDate!));
  assert.deepEqual(
    [row.access_key_2_last_used_date, row.access_key_2_last_used_region, row.access_key_2_last_used_service],
    ['N/A', 'N/A', 'N/A'],
  );
});

test('a user with nothing: false and N/A in every credential column', () => {
  const row = rows.get('nothing')!;
  assert.equal(row.arn, `arn:aws:iam::${ROOT.accountId}:user/nothing`);
  assert.equal(row.user_creation_time, reportTime(createdAt.get('nothing')!));
  assert.deepEqual(Object.values(row).slice(3), [
    'false',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'false',
    'N/A',
  ]);
});

test('a signing certificate fills cert_1', () => {
  const row = rows.get('cert-user')!;
  assert.deepEqual(
    [row.cert_1_active, row.cert_1_last_rotated, row.cert_2_active, row.cert_2_last_rotated],
    ['true', reportTime(certificateUploaded), 'false', 'N/A'],
  );
});

test('mfa_active is true for the user who enabled a virtual MFA device, false for another', (t) => {
  if (mfaSkipped) return t.skip(mfaSkipped);
  assert.equal(rows.get('mfa-user')!.mfa_active, 'true');
  assert.equal(rows.get('no-mfa-user')!.mfa_active, 'false');
  assert.equal(rows.get('no-mfa-user')!.password_enabled, 'true');
});

test('dates are +00:00 timestamps or sentinels, booleans lowercase, nothing later than GeneratedTime', () => {
  const booleans = [
    'password_enabled',
    'mfa_active',
    'access_key_1_active',
    'access_key_2_active',
    'cert_1_active',
    'cert_2_active',
  ];
  const dates = COLUMNS.filter((c) =>
    /time|last_used$|last_changed|next_rotation|last_rotated|used_date/.test(c),
  );
  for (const [name, row] of rows) {
    for (const column of booleans)
      assert.match(row[column as keyof Row], /^(true|false)$/, `${name} ${column}`);
    for (const column of dates) {
      const value = row[column];
      if (['N/A', 'no_information', 'not_supported'].includes(value)) continue;
      assert.match(value, TIMESTAMP, `${name} ${column}`);
      if (column !== 'password_next_rotation')
        assert.ok(Date.parse(value) <= generatedTime.getTime(), `${name} ${column}`);
    }
  }
});

test('a user name with a comma is quoted as CSV requires, and a CSV parser reads it back', () => {
  const line = text.split('\n').find((l) => l.startsWith('"doe,jane"'));
  assert.ok(line, 'the row starts with the quoted name');
  assert.match(line, /^"doe,jane","arn:aws:iam::\d{12}:user\/people\/doe,jane",\d{4}-/);
  const row = rows.get(COMMA_USER)!;
  assert.equal(row.arn, `arn:aws:iam::${ROOT.accountId}:user/people/${COMMA_USER}`);
  assert.equal(row.mfa_active, 'false');
  // Nothing else is quoted.
  assert.equal(text.split('"').length - 1, 4);
});

test("the seed blog's approach reads every row without a comma in its name", () => {
  // base64-decode Content, split lines, split on commas, zip with the header (seed 004).
  const report = JSON.parse(cliJson) as { Content: string };
  const table = Buffer.from(report.Content, 'base64').toString('utf8').split(/\r?\n/);
  const head = table[0]!.split(',');
  for (const line of table.slice(1)) {
    const user = zipRow(head, line.split(','));
    if (line.startsWith('"')) continue; // the comma in "doe,jane" shifts the naive split
    assert.deepEqual(user, rows.get(user.user));
  }
  const mfa = Object.fromEntries(
    table.slice(1).map((line) => {
      const user = zipRow(head, line.split(','));
      return [user.user, user.mfa_active];
    }),
  );
  assert.equal(mfa['nothing'], 'false');
  if (!mfaSkipped) assert.equal(mfa['mfa-user'], 'true');
});

const python = spawnSync('python3', ['--version']).status === 0;

test("the seed script itself (in Python 3) and Python's csv module read the report", (t) => {
  if (!python) return t.skip('python3 is not installed');
  // Seed 004's script, with only what Python 3 needs changed (print(), bytes → str).
  const seedScript = [
    'from sys import stdin',
    'import json',
    'import base64',
    'report = json.loads(stdin.read())',
    'table = base64.b64decode(report["Content"]).decode().splitlines()',
    'head = table[0].split(",")',
    'table = table[1:]',
    'for row in iter(table):',
    '    user = dict(zip(head, row.split(",")))',
    '    print("%s %s" % (user["user"], user["mfa_active"]))',
  ].join('\n');
  const seed = spawnSync('python3', ['-c', seedScript], { input: cliJson, encoding: 'utf8' });
  assert.equal(seed.status, 0, seed.stderr);
  const printed = seed.stdout.trim().split('\n');
  for (const [name, row] of rows) {
    if (name.includes(',')) continue;
    assert.ok(printed.includes(`${name} ${row.mfa_active}`), `${name} ${row.mfa_active}`);
  }

  const csvScript = [
    'import base64, csv, io, json, sys',
    'report = json.loads(sys.stdin.read())',
    'reader = csv.DictReader(io.StringIO(base64.b64decode(report["Content"]).decode()))',
    'print(json.dumps([dict(r) for r in reader]))',
  ].join('\n');
  const parsed = spawnSync('python3', ['-c', csvScript], { input: cliJson, encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  const records = JSON.parse(parsed.stdout) as Row[];
  assert.deepEqual(records, [...rows.values()]);
  assert.ok(records.some((r) => r.user === COMMA_USER && r.arn.endsWith('/people/doe,jane')));
});

test('a report generated earlier is not regenerated: GetCredentialReport keeps its GeneratedTime', async () => {
  const iam = server.iam();
  assert.equal((await iam.send(new GenerateCredentialReportCommand({}))).State, 'COMPLETE');
  const again = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(again.GeneratedTime!.getTime(), generatedTime.getTime());
  assert.equal(new TextDecoder().decode(again.Content), text);
});
