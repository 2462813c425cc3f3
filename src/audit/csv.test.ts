import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords, parseCredentialReport, REPORT_COLUMNS, ReportFormatError } from './csv.ts';

const HEADER = REPORT_COLUMNS.join(',');
const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2024-01-15T09:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const CAROL =
  'carol,arn:aws:iam::123456789012:user/carol,2024-02-01T10:00:00+00:00,false,2025-01-10T11:00:00+00:00,N/A,N/A,false,false,2024-02-01T10:05:00+00:00,2024-12-31T23:59:00+00:00,us-east-1,sts,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';

test('the root row and a user row keep AWS sentinels typed, and the cells as written', () => {
  const [root, carol] = parseCredentialReport(`${HEADER}\n${ROOT}\n${CAROL}`);
  assert.equal(root!.isRoot, true);
  assert.equal(root!.passwordEnabled, 'not_supported');
  assert.equal(root!.passwordLastUsed, 'no_information');
  assert.equal(root!.passwordLastChanged, 'not_supported');
  assert.deepEqual(root!.keys[0], { active: false, lastRotated: 'N/A', lastUsed: 'N/A' });
  assert.equal(carol!.isRoot, false);
  assert.equal(carol!.passwordEnabled, false);
  // A deleted password keeps its last use; an inactive key keeps its dates.
  assert.deepEqual(carol!.passwordLastUsed, new Date('2025-01-10T11:00:00Z'));
  assert.deepEqual(carol!.keys[0], {
    active: false,
    lastRotated: new Date('2024-02-01T10:05:00Z'),
    lastUsed: new Date('2024-12-31T23:59:00Z'),
  });
  assert.equal(carol!.cells.access_key_1_last_used_service, 'sts');
  assert.equal(carol!.line, 3);
});

test('a final newline, CRLF and upper-case booleans (as AWS documents them) are all read', () => {
  const rows = parseCredentialReport(`${HEADER}\r\n${ROOT.replace(',true,', ',TRUE,')}\r\n`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.mfaActive, true);
});

test('RFC 4180 quoting: a quoted user name with a comma and a doubled quote', () => {
  assert.deepEqual(csvRecords('a,"b,c","d""e"\nf'), [['a', 'b,c', 'd"e'], ['f']]);
  assert.throws(() => csvRecords('a,"b'), /not closed/);
  assert.throws(() => csvRecords('a,b"c'), /quote inside/);
});

test('a report that is not exactly AWS’s is refused with the line and the cell', () => {
  const bad = (text: string, message: RegExp) =>
    assert.throws(
      () => parseCredentialReport(text),
      (e: unknown) => e instanceof ReportFormatError && message.test(e.message),
    );
  bad('user,arn\n', /line 1: not a credential report header/);
  bad(`${HEADER}\n${ROOT},extra`, /line 2: 23 fields, expected 22/);
  bad(
    `${HEADER}\n${CAROL.replace(',false,2025', ',maybe,2025')}`,
    /line 2: password_enabled is "maybe", expected true or false/,
  );
  // not_supported means something only in the root row.
  bad(`${HEADER}\n${CAROL.replace(',false,2025', ',not_supported,2025')}`, /password_enabled/);
  bad(
    `${HEADER}\n${CAROL.replace('2024-12-31T23:59:00+00:00', '31/12/2024')}`,
    /access_key_1_last_used_date is "31\/12\/2024"/,
  );
  bad(`${HEADER}\n${ROOT}\n${ROOT}`, /line 3: a second <root_account> row/);
});
