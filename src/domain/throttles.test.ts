// The store-backed throttle (console sign-in back-off) against a real SQLite store and a clock the
// test moves: free failures, then a back-off doubling to 15 minutes; a success clears the count; a
// count with no failure for an hour is forgotten, and swept away. Counts live in the store, so two
// nodes on one database share them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Iam } from './iam.ts';
import { throttles } from './tables.ts';
import { FORGET_AFTER_MS, Throttle, sweepThrottles } from './throttles.ts';
import { temporaryDatabaseFile, testIam } from '../../test/support/domain.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-07-31T12:00:00Z');

function setup(): { iam: Iam; clock: { ms: number } } {
  const clock = { ms: T0 };
  return { iam: testIam({ now: () => new Date(clock.ms) }), clock };
}

test('the throttle: free failures, then a back-off doubling to 15 minutes; success clears it', async () => {
  const { iam, clock } = setup();
  const throttle = new Throttle(iam, 'test', 2);
  await throttle.fail('u');
  assert.equal(await throttle.waitMs('u'), 0);
  await throttle.fail('u');
  assert.equal(await throttle.waitMs('u'), MINUTE);
  clock.ms += MINUTE;
  await throttle.fail('u');
  assert.equal(await throttle.waitMs('u'), 2 * MINUTE);
  for (let i = 0; i < 10; i++) await throttle.fail('u');
  assert.equal(await throttle.waitMs('u'), 15 * MINUTE);
  // The wait counts down with the clock.
  clock.ms += 5 * MINUTE;
  assert.equal(await throttle.waitMs('u'), 10 * MINUTE);
  await throttle.succeed('u');
  assert.equal(await throttle.waitMs('u'), 0);
});

test('keys and scopes are counted apart', async () => {
  const { iam } = setup();
  const users = new Throttle(iam, 'users', 1);
  const addresses = new Throttle(iam, 'addresses', 1);
  await users.fail('alice');
  assert.equal(await users.waitMs('alice'), MINUTE);
  assert.equal(await users.waitMs('bob'), 0);
  // The same key in another scope has a count of its own.
  assert.equal(await addresses.waitMs('alice'), 0);
});

test('failures are forgotten after an hour without one', async () => {
  const { iam, clock } = setup();
  const throttle = new Throttle(iam, 'test', 1);
  await throttle.fail('a');
  assert.ok((await throttle.waitMs('a')) > 0);
  clock.ms += FORGET_AFTER_MS + 1;
  assert.equal(await throttle.waitMs('a'), 0);
  // A forgotten count starts again from nothing: the next failure is the first (one minute, not two).
  await throttle.fail('a');
  assert.equal(await throttle.waitMs('a'), MINUTE);
});

test('two nodes on one database share the counts (two Iam, two stores, one file)', async (t) => {
  const filename = temporaryDatabaseFile(t, 'portcullis-throttles-');
  const now = () => new Date(T0);
  const first = testIam({ store: openSqliteStore({ filename }), now });
  const second = testIam({ store: openSqliteStore({ filename }), now, sealer: first.sealer });
  try {
    const onFirst = new Throttle(first, 'sign-in-user', 2);
    const onSecond = new Throttle(second, 'sign-in-user', 2);
    // Failures counted on either node add up: guessing cannot be spread across nodes.
    await onFirst.fail('alice');
    await onSecond.fail('alice');
    assert.equal(await onFirst.waitMs('alice'), MINUTE);
    assert.equal(await onSecond.waitMs('alice'), MINUTE);
    // A success on one node clears the count for both.
    await onFirst.succeed('alice');
    assert.equal(await onSecond.waitMs('alice'), 0);
  } finally {
    await first.store.close();
    await second.store.close();
  }
});

test('sweepThrottles deletes counts with no failure for over an hour and keeps the others', async () => {
  const { iam, clock } = setup();
  const throttle = new Throttle(iam, 'test', 2);
  await throttle.fail('old');
  clock.ms = T0 + MINUTE;
  await throttle.fail('edge');
  clock.ms = T0 + 50 * MINUTE;
  await throttle.fail('recent');

  // 'old' is an hour and a minute old, 'edge' exactly an hour (still counted), 'recent' 11 minutes.
  clock.ms = T0 + 61 * MINUTE;
  await sweepThrottles(iam);
  const left = await iam.store.read((tx) => tx.list(throttles, { orderBy: 'last_at' }));
  assert.deepEqual(
    left.map((count) => [count.failures, count.lastAt]),
    [
      [1, T0 + MINUTE],
      [1, T0 + 50 * MINUTE],
    ],
  );

  // What was kept still counts: a second failure of 'recent' is past the free allowance.
  await throttle.fail('recent');
  assert.equal(await throttle.waitMs('recent'), MINUTE);
});

test('a throttle with bounds of its own: locked after its free failures, doubling to its longest wait', async () => {
  const { iam, clock } = setup();
  const HOUR = 60 * MINUTE;
  const lockout = new Throttle(iam, 'lockout', {
    free: 3,
    firstBackoffMs: 15 * MINUTE,
    maxBackoffMs: 24 * HOUR,
    forgetAfterMs: 7 * 24 * HOUR,
  });
  await lockout.fail('u');
  await lockout.fail('u');
  assert.equal(await lockout.waitMs('u'), 0);
  await lockout.fail('u');
  assert.deepEqual(await iam.store.read((tx) => lockout.stateIn(tx, 'u')), {
    failures: 3,
    lockedUntil: clock.ms + 15 * MINUTE,
  });
  clock.ms += 15 * MINUTE;
  assert.equal(await lockout.waitMs('u'), 0);
  await lockout.fail('u');
  assert.equal(await lockout.waitMs('u'), 30 * MINUTE);
  for (let i = 0; i < 10; i++) await lockout.fail('u');
  assert.equal(await lockout.waitMs('u'), 24 * HOUR);
  // Waiting out the longest lock does not forget the count: the next failure locks for a day again.
  clock.ms += 25 * HOUR;
  await sweepThrottles(iam);
  assert.equal(await lockout.waitMs('u'), 0);
  await lockout.fail('u');
  assert.equal(await lockout.waitMs('u'), 24 * HOUR);
  // A week without a failure forgets it, and the sweep removes it then and not before.
  clock.ms += 7 * 24 * HOUR;
  await sweepThrottles(iam);
  assert.equal((await iam.store.read((tx) => tx.list(throttles))).length, 1);
  clock.ms += 1;
  await sweepThrottles(iam);
  assert.equal((await iam.store.read((tx) => tx.list(throttles))).length, 0);
});

test('the sweep goes by when each count is forgotten: a long-kept count does not hold back the others', async () => {
  const { iam, clock } = setup();
  const long = new Throttle(iam, 'long', {
    free: 1,
    firstBackoffMs: MINUTE,
    maxBackoffMs: MINUTE,
    forgetAfterMs: 24 * 60 * MINUTE,
  });
  const short = new Throttle(iam, 'short', 1);
  for (let i = 0; i < 150; i++) await long.fail(`k${i}`);
  clock.ms += MINUTE;
  await short.fail('s');
  clock.ms += 62 * MINUTE;
  await sweepThrottles(iam);
  const left = await iam.store.read((tx) => tx.list(throttles));
  assert.equal(left.length, 150);
  assert.ok(left.every((count) => count.id.startsWith('long:')));
});
