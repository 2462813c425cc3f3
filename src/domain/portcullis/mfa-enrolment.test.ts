// The grace period arithmetic: when a member became subject (the later of joining and the period's
// start), sign-ins counted from then (this one included), days to a deadline, and the strictest of
// several groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrolmentDue, gracePeriodRequirement, subjectSince } from './mfa-enrolment.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-07-01T00:00:00Z');
const at = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

test('a member is subject from the later of joining and the period start (join times from old rows absent)', () => {
  const period = { days: 3, since: at(T0) };
  assert.equal(subjectSince({ period, joinedAt: at(T0 - DAY) }), at(T0));
  assert.equal(subjectSince({ period, joinedAt: at(T0 + DAY) }), at(T0 + DAY));
  assert.equal(subjectSince({ period }), at(T0));
  // Times with and without milliseconds compare as instants, not as text.
  assert.equal(
    subjectSince({ period, joinedAt: new Date(T0 + 5).toISOString() }),
    new Date(T0 + 5).toISOString(),
  );
});

test('within N sign-ins: this sign-in counts; past N the enrolment is due; sign-ins before the start do not count', () => {
  const members = [{ period: { signIns: 2, since: at(T0) } }];
  const earlier = [at(T0 - DAY)];
  const first = gracePeriodRequirement(
    members,
    [...earlier, new Date(T0 + 1000).toISOString()],
    new Date(T0 + 1000),
  );
  assert.deepEqual(first, { reason: 'grace-period', signInsLeft: 1 });
  const second = gracePeriodRequirement(members, [at(T0 + 1000), at(T0 + 2000)], new Date(T0 + 2000));
  assert.deepEqual(second, { reason: 'grace-period', signInsLeft: 0 });
  const third = gracePeriodRequirement(
    members,
    [at(T0 + 1000), at(T0 + 2000), at(T0 + 3000)],
    new Date(T0 + 3000),
  );
  assert.deepEqual(third, { reason: 'grace-period', due: true, signInsLeft: 0 });
});

test('within N days: a deadline until it passes, then due; the strictest of several groups wins', () => {
  const members = [
    { period: { days: 10, since: at(T0) } },
    { period: { days: 3, signIns: 5, since: at(T0) }, joinedAt: at(T0 + DAY) },
    { period: { signIns: 2, since: at(T0 - 30 * DAY) } },
  ];
  const signIns = [at(T0 + 2 * DAY)];
  const during = gracePeriodRequirement(members, signIns, new Date(T0 + 2 * DAY));
  assert.deepEqual(during, {
    reason: 'grace-period',
    deadline: new Date(T0 + 4 * DAY).toISOString(),
    signInsLeft: 1,
  });
  assert.equal(enrolmentDue(during!, new Date(T0 + 4 * DAY - 1)), false);
  assert.equal(enrolmentDue(during!, new Date(T0 + 4 * DAY)), true);
  const over = gracePeriodRequirement(members, signIns, new Date(T0 + 4 * DAY));
  assert.equal(over?.due, true);
  assert.equal(gracePeriodRequirement([], signIns, new Date(T0)), undefined);
});
