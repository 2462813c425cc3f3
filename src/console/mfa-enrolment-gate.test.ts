// The grace period's notice in words: days rounded up, sign-ins left, both when both apply, and
// the last sign-in allowed without MFA said plainly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrolmentNoticeText } from './mfa-enrolment-gate.ts';

const NOW = new Date('2026-07-01T00:00:00Z');
const inHours = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();

test('the notice names the days and sign-ins left', () => {
  const notice = (e: Parameters<typeof enrolmentNoticeText>[0]) => enrolmentNoticeText(e, NOW);
  assert.equal(
    notice({ reason: 'grace-period', deadline: inHours(72) }),
    'You must enrol an MFA device within 3 days.',
  );
  assert.equal(
    notice({ reason: 'grace-period', deadline: inHours(1) }),
    'You must enrol an MFA device within 1 day.',
  );
  assert.equal(
    notice({ reason: 'grace-period', signInsLeft: 1 }),
    'You must enrol an MFA device within 1 more sign-in.',
  );
  assert.equal(
    notice({ reason: 'grace-period', deadline: inHours(49), signInsLeft: 4 }),
    'You must enrol an MFA device within 3 days or 4 more sign-ins, whichever comes first.',
  );
  assert.equal(
    notice({ reason: 'grace-period', deadline: inHours(49), signInsLeft: 0 }),
    'You must enrol an MFA device before you next sign in.',
  );
});
