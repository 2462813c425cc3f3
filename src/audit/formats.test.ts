import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT_COLUMNS } from './csv.ts';
import { render } from './formats.ts';
import { audit } from './report.ts';
import { buildSnapshot } from './snapshot.ts';

const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2024-01-15T09:00:00+00:00,true,2026-06-01T00:00:00+00:00,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const report = {
  Content: Buffer.from(`${REPORT_COLUMNS.join(',')}\n${ROOT}\n`).toString('base64'),
  GeneratedTime: '2026-08-01T11:00:00Z',
};
const result = audit(buildSnapshot({ credentialReport: report }), new Date('2026-08-01T12:00:00Z'));

test('the table is coloured only when asked: a failing check in red, a skipped one in yellow', () => {
  const coloured = render(result, 'table', { colour: true });
  const ESC = '\u001b';
  assert.ok(coloured.includes(`${ESC}[31mFAIL  ${ESC}[0m  critical  iam_root_mfa_enabled`));
  assert.ok(coloured.includes(`${ESC}[33mSKIP  ${ESC}[0m`));
  const plain = render(result, 'table', { colour: false });
  assert.equal(plain.includes(`${ESC}[`), false);
  assert.match(plain, /^FAIL {4}critical {2}iam_root_mfa_enabled/m);
});

test('a report within 4 hours gives no warning; JSON says which checks were skipped and why', () => {
  assert.deepEqual(result.warnings, []);
  const json = JSON.parse(render(result, 'json', { colour: false })) as {
    reportGeneratedAt: string;
    checks: { id: string; status: string; skipped?: string }[];
  };
  assert.equal(json.reportGeneratedAt, '2026-08-01T11:00:00.000Z');
  const length = json.checks.find((c) => c.id === 'iam_password_policy_minimum_length_14')!;
  assert.equal(length.status, 'SKIP');
  assert.equal(length.skipped, 'needs aws iam get-account-password-policy');
});

test('JUnit escapes what XML would misread', () => {
  const xml = render(result, 'junit', { colour: false });
  assert.match(xml, /name="&#60;root_account&#62; arn:aws:iam::123456789012:root"/);
});
