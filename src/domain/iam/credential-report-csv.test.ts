// The CSV builder against the contract's reference fixture (credential-report.md §4 and §4.1),
// byte for byte, and its quoting and slot rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assignSlots,
  buildCredentialReport,
  CREDENTIAL_REPORT_COLUMNS,
  csvField,
  reportTime,
  ROOT_ROW_NAME,
  type ReportPrincipal,
  type ReportSnapshot,
} from './credential-report-csv.ts';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const ACCOUNT = '123456789012';

function principal(
  fields: Partial<ReportPrincipal> & Pick<ReportPrincipal, 'name' | 'createdAt'>,
): ReportPrincipal {
  return {
    id: `AIDA-${fields.name}`,
    arn: `arn:aws:iam::${ACCOUNT}:user/${fields.name}`,
    hasPassword: false,
    passwordLastUsed: undefined,
    passwordChangedAt: undefined,
    mfaActive: false,
    accessKeys: [],
    certificates: [],
    ...fields,
  };
}

const root = principal({
  id: ROOT_ROW_NAME,
  name: ROOT_ROW_NAME,
  arn: `arn:aws:iam::${ACCOUNT}:root`,
  createdAt: '2024-01-15T09:00:00Z',
  hasPassword: true,
  passwordLastUsed: '2026-07-30T08:12:45Z',
  mfaActive: true,
});
const alice = principal({
  name: 'alice',
  createdAt: '2025-03-01T10:00:00Z',
  hasPassword: true,
  passwordChangedAt: '2026-06-01T09:30:00Z',
  passwordLastUsed: '2026-07-29T16:45:10Z',
  mfaActive: true,
});
const svcBackup = principal({
  name: 'svc-backup',
  arn: `arn:aws:iam::${ACCOUNT}:user/automation/svc-backup`,
  createdAt: '2025-05-10T12:00:00Z',
  accessKeys: [
    {
      id: 'AKIASVC',
      status: 'Active',
      createdAt: '2025-05-10T12:05:00Z',
      lastUsed: { date: '2026-07-30T02:00:00Z', region: 'eu-west-1', service: 'dynamodb' },
    },
  ],
});
const bob = principal({
  name: 'bob',
  createdAt: '2024-11-20T08:00:00Z',
  hasPassword: true,
  passwordChangedAt: '2024-11-20T08:00:00Z',
  accessKeys: [
    {
      id: 'AKIABOB1',
      status: 'Active',
      createdAt: '2025-01-02T10:00:00Z',
      lastUsed: { date: '2026-07-28T22:10:03Z', region: 'us-west-2', service: 'ec2' },
    },
    { id: 'AKIABOB2', status: 'Active', createdAt: '2026-07-01T09:00:00Z' },
  ],
});
const carol = principal({
  name: 'carol',
  createdAt: '2024-02-01T10:00:00Z',
  passwordLastUsed: '2025-01-10T11:00:00Z',
  accessKeys: [
    {
      id: 'AKIACAROL',
      status: 'Inactive',
      createdAt: '2024-02-01T10:05:00Z',
      lastUsed: { date: '2024-12-31T23:59:00Z', region: 'us-east-1', service: 'sts' },
    },
  ],
});

const fixture: ReportSnapshot = {
  root,
  // Given in another order than creation on purpose: the report orders users by creation time.
  users: [svcBackup, alice, bob],
  passwordPolicy: { MaxPasswordAge: 90 },
};

const EXPECTED = [
  HEADER,
  '<root_account>,arn:aws:iam::123456789012:root,2024-01-15T09:00:00+00:00,true,2026-07-30T08:12:45+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'bob,arn:aws:iam::123456789012:user/bob,2024-11-20T08:00:00+00:00,true,no_information,2024-11-20T08:00:00+00:00,2025-02-18T08:00:00+00:00,false,true,2025-01-02T10:00:00+00:00,2026-07-28T22:10:03+00:00,us-west-2,ec2,true,2026-07-01T09:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A',
  'alice,arn:aws:iam::123456789012:user/alice,2025-03-01T10:00:00+00:00,true,2026-07-29T16:45:10+00:00,2026-06-01T09:30:00+00:00,2026-08-30T09:30:00+00:00,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'svc-backup,arn:aws:iam::123456789012:user/automation/svc-backup,2025-05-10T12:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-05-10T12:05:00+00:00,2026-07-30T02:00:00+00:00,eu-west-1,dynamodb,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
];

const CAROL_ROW =
  'carol,arn:aws:iam::123456789012:user/carol,2024-02-01T10:00:00+00:00,false,2025-01-10T11:00:00+00:00,N/A,N/A,false,false,2024-02-01T10:05:00+00:00,2024-12-31T23:59:00+00:00,us-east-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';

test('the header is exactly the 22 columns in AWS order', () => {
  assert.equal(CREDENTIAL_REPORT_COLUMNS.length, 22);
  assert.equal(CREDENTIAL_REPORT_COLUMNS.join(','), HEADER);
});

test('the reference fixture (§4) reproduces byte for byte, with no final newline', () => {
  const { csv } = buildCredentialReport(fixture);
  assert.equal(csv, EXPECTED.join('\n'));
  assert.doesNotMatch(csv, /\r|\n\n| \n| $/);
});

test('the edge row (§4.1): a deleted password keeps its last use, an inactive key keeps its dates', () => {
  const { csv } = buildCredentialReport({ ...fixture, users: [...fixture.users, carol] });
  const lines = csv.split('\n');
  assert.equal(lines[2], CAROL_ROW);
  assert.deepEqual([lines[0], lines[1], ...lines.slice(3)], EXPECTED);
});

test('password_next_rotation is N/A without a policy or with MaxPasswordAge absent or 0', () => {
  for (const passwordPolicy of [undefined, {}, { MaxPasswordAge: 0 }]) {
    const { csv } = buildCredentialReport({ root, users: [bob], passwordPolicy });
    const cells = csv.split('\n')[2]!.split(',');
    assert.equal(cells[5], '2024-11-20T08:00:00+00:00');
    assert.equal(cells[6], 'N/A');
  }
});

test('a user with nothing has false and N/A everywhere but its name, ARN and creation time', () => {
  const { csv } = buildCredentialReport({
    root,
    users: [principal({ name: 'empty', createdAt: '2026-01-01T00:00:00.123Z' })],
    passwordPolicy: undefined,
  });
  assert.equal(
    csv.split('\n')[2],
    'empty,arn:aws:iam::123456789012:user/empty,2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  );
});

test('root without a password says false and no_information; root keys and MFA fill its row', () => {
  const { csv } = buildCredentialReport({
    root: {
      ...root,
      hasPassword: false,
      passwordLastUsed: undefined,
      mfaActive: false,
      accessKeys: [{ id: 'AKIAROOT', status: 'Active', createdAt: '2024-01-15T09:00:00Z' }],
    },
    users: [],
    passwordPolicy: { MaxPasswordAge: 30 },
  });
  assert.equal(
    csv.split('\n')[1],
    '<root_account>,arn:aws:iam::123456789012:root,2024-01-15T09:00:00+00:00,false,no_information,not_supported,not_supported,false,true,2024-01-15T09:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  );
});

test('signing certificates fill cert_1 and cert_2', () => {
  const { csv } = buildCredentialReport({
    root,
    users: [
      principal({
        name: 'certs',
        createdAt: '2026-01-01T00:00:00Z',
        certificates: [
          { id: 'C1', status: 'Inactive', uploadedAt: '2026-01-02T00:00:00Z' },
          { id: 'C2', status: 'Active', uploadedAt: '2026-01-03T00:00:00Z' },
        ],
      }),
    ],
    passwordPolicy: undefined,
  });
  assert.deepEqual(csv.split('\n')[2]!.split(',').slice(18), [
    'false',
    '2026-01-02T00:00:00+00:00',
    'true',
    '2026-01-03T00:00:00+00:00',
  ]);
});

test('s3 use has no region (not Region-specific); other services keep the signing region', () => {
  const { csv } = buildCredentialReport({
    root,
    users: [
      principal({
        name: 'u',
        createdAt: '2026-01-01T00:00:00Z',
        accessKeys: [
          {
            id: 'K1',
            status: 'Active',
            createdAt: '2026-01-01T00:00:00Z',
            lastUsed: { date: '2026-01-02T00:00:00Z', region: 'eu-west-1', service: 's3' },
          },
          {
            id: 'K2',
            status: 'Active',
            createdAt: '2026-01-01T00:00:00Z',
            lastUsed: { date: '2026-01-02T00:00:00Z', region: 'eu-west-1', service: 'iam' },
          },
        ],
      }),
    ],
    passwordPolicy: undefined,
  });
  const cells = csv.split('\n')[2]!.split(',');
  assert.deepEqual(cells.slice(10, 13), ['2026-01-02T00:00:00+00:00', 'N/A', 's3']);
  assert.deepEqual(cells.slice(15, 18), ['2026-01-02T00:00:00+00:00', 'eu-west-1', 'iam']);
});

test('only fields holding a comma (or quote) are quoted, as RFC 4180 says', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  const { csv } = buildCredentialReport({
    root,
    users: [
      principal({
        name: 'doe,john',
        arn: `arn:aws:iam::${ACCOUNT}:user/doe,john`,
        createdAt: '2026-01-01T00:00:00Z',
      }),
    ],
    passwordPolicy: undefined,
  });
  assert.match(
    csv.split('\n')[2]!,
    /^"doe,john","arn:aws:iam::123456789012:user\/doe,john",2026-01-01T00:00:00\+00:00,false,/,
  );
  assert.doesNotMatch(csv.split('\n').slice(0, 2).join('\n'), /"/);
});

test('timestamps are written with +00:00 and whole seconds', () => {
  assert.equal(reportTime('2026-07-31T12:00:00Z'), '2026-07-31T12:00:00+00:00');
  assert.equal(reportTime('2026-07-31T12:00:00.987Z'), '2026-07-31T12:00:00+00:00');
  assert.equal(reportTime('2026-07-31T14:00:00+02:00'), '2026-07-31T12:00:00+00:00');
});

test('slots: a new credential takes the lowest free slot and keeps it until deleted (§5.3)', () => {
  assert.deepEqual(assignSlots(undefined, []), [null, null]);
  assert.deepEqual(assignSlots(undefined, ['A', 'B']), ['A', 'B']);
  // A (slot 1) deleted: B stays in slot 2, slot 1 is empty.
  assert.deepEqual(assignSlots(['A', 'B'], ['B']), [null, 'B']);
  // Then C is created: it takes slot 1 though it is newer than B.
  assert.deepEqual(assignSlots([null, 'B'], ['B', 'C']), ['C', 'B']);
  assert.deepEqual(assignSlots(['A', null], ['A', 'B']), ['A', 'B']);
});

test('slots carry over from the previous report into the CSV', () => {
  const user = (keys: ReportPrincipal['accessKeys']) =>
    principal({ name: 'k', createdAt: '2026-01-01T00:00:00Z', accessKeys: keys });
  const k1 = { id: 'K1', status: 'Active' as const, createdAt: '2026-01-01T01:00:00Z' };
  const k2 = { id: 'K2', status: 'Active' as const, createdAt: '2026-01-01T02:00:00Z' };
  const first = buildCredentialReport({ root, users: [user([k1, k2])], passwordPolicy: undefined });
  assert.deepEqual(first.slots['AIDA-k'], { keys: ['K1', 'K2'], certs: [null, null] });
  const second = buildCredentialReport({
    root,
    users: [user([k2])],
    passwordPolicy: undefined,
    previousSlots: first.slots,
  });
  assert.deepEqual(second.csv.split('\n')[2]!.split(',').slice(8, 18), [
    'false',
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'true',
    '2026-01-01T02:00:00+00:00',
    'N/A',
    'N/A',
    'N/A',
  ]);
});
