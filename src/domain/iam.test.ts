// What Iam remembers between requests, per account: only what read transactions found, and only
// while the account's revision in the store stays where it was. A write committed through this Iam
// forgets the accounts it changed at once; a write committed through another Iam on the same
// database (another node) is seen after the next `refresh(account)`, which every request starts
// with. A write that rolls back changes nothing, memories included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Iam } from './iam.ts';
import type { UserRecord } from './records.ts';
import { users } from './tables.ts';
import { temporaryDatabaseFile, testIam } from '../../test/support/domain.ts';

const A = '111111111111';
const B = '222222222222';

function user(account: string, name: string, fields: Partial<UserRecord> = {}): UserRecord {
  return {
    account,
    id: `AIDA${account}${name.toUpperCase()}`,
    name,
    path: '/',
    createdAt: '2026-01-01T00:00:00Z',
    tags: [],
    inlinePolicies: {},
    ...fields,
  };
}

test('a value remembered for an account is kept while its revision stays; a write to it computes again, a write to another account does not', async () => {
  const iam = testIam();
  let computed = 0;
  // As a request does: bring the account up to date, then read through the memory.
  const derive = async (account: string) => {
    await iam.refresh(account);
    return iam.readRemembered(account, 'answer', async () => ++computed);
  };
  assert.equal(await derive(A), 1);
  assert.equal(await derive(A), 1);
  // `remember` in a read transaction finds the same memory as readRemembered.
  assert.equal(await iam.store.read((tx) => iam.remember(tx, A, 'answer', async () => ++computed)), 1);
  assert.equal(computed, 1);

  // A write that changes nothing revisioned moves no revision: the memory stays.
  await iam.store.write(async () => undefined);
  assert.equal(await derive(A), 1);

  // B's user row moves B's revision only: A's memory stays, B computes its own.
  await iam.store.write((tx) => tx.insert(users, user(B, 'bob')));
  assert.equal(await derive(A), 1);
  assert.equal(await derive(B), 2);

  // A's user row moves A's revision: the next read of A computes again, and that is kept.
  await iam.store.write((tx) => tx.insert(users, user(A, 'alice')));
  assert.equal(await derive(A), 3);
  assert.equal(await derive(A), 3);
  assert.equal(await derive(B), 2);
  assert.equal(computed, 3);
});

test('a write committed through this Iam forgets the account at once, before any refresh', async () => {
  const iam = testIam();
  let computed = 0;
  await iam.refresh(A);
  const derive = () => iam.readRemembered(A, 'answer', async () => ++computed);
  assert.equal(await derive(), 1);
  await iam.store.write((tx) => tx.insert(users, user(A, 'alice')));
  // No refresh in between: the commit itself told this Iam that A changed.
  assert.equal(await derive(), 2);
  assert.equal(await derive(), 2);
});

test('in a write transaction nothing is remembered, and what is remembered is not used', async () => {
  const iam = testIam();
  let computed = 0;
  await iam.refresh(A);
  await iam.store.write((tx) => iam.remember(tx, A, 'answer', async () => ++computed));
  await iam.store.write((tx) => iam.remember(tx, A, 'answer', async () => ++computed));
  assert.equal(computed, 2);
  // Neither write left a memory behind: the first read computes.
  assert.equal(await iam.readRemembered(A, 'answer', async () => ++computed), 3);
  assert.equal(await iam.readRemembered(A, 'answer', async () => ++computed), 3);
  // A write computes afresh even while a read's memory is there (the write may change the answer).
  assert.equal(await iam.store.write((tx) => iam.remember(tx, A, 'answer', async () => ++computed)), 4);
  assert.equal(await iam.readRemembered(A, 'answer', async () => ++computed), 3);
});

test('a write that rolls back changes nothing: neither the rows nor what is remembered', async () => {
  const iam = testIam();
  let computed = 0;
  const derive = async () => {
    await iam.refresh(A);
    return iam.readRemembered(A, 'answer', async () => ++computed);
  };
  assert.equal(await derive(), 1);
  const revision = await iam.store.revision(A);
  await assert.rejects(
    iam.store.write(async (tx) => {
      await tx.insert(users, user(A, 'alice'));
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.equal(await iam.store.read((tx) => tx.get(users, user(A, 'alice').id)), undefined);
  assert.equal(await iam.store.revision(A), revision);
  assert.equal(await derive(), 1);
  assert.equal(computed, 1);
});

test('records read in a read transaction come back frozen and shared; a write transaction reads the store', async () => {
  const iam = testIam();
  const alice = user(A, 'alice', { tags: [{ Key: 'team', Value: 'blue' }] });
  await iam.store.write((tx) => tx.insert(users, alice));
  await iam.refresh(A);

  const first = await iam.store.read((tx) => tx.get(users, alice.id));
  assert.equal(first?.name, 'alice');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first!.tags) && Object.isFrozen(first!.tags[0]));
  const again = await iam.store.read((tx) => tx.get(users, alice.id));
  assert.equal(again, first);

  // Found by name, the same: frozen, and the one object on each read.
  const byName = () => iam.store.read((tx) => tx.find(users, { account: A, name_lower: 'alice' }));
  const found = await byName();
  assert.ok(Object.isFrozen(found));
  assert.equal(await byName(), found);

  // A write transaction gets its own copy, which it may change and save.
  const inWrite = await iam.store.write(async (tx) => {
    const record = await tx.get(users, alice.id);
    record!.path = '/moved/';
    await tx.update(users, record!);
    return record;
  });
  assert.notEqual(inWrite, first);
  assert.equal(Object.isFrozen(inWrite), false);
  // That committed write moved A's revision: readers see the change, not the frozen old copy.
  await iam.refresh(A);
  assert.equal((await iam.store.read((tx) => tx.get(users, alice.id)))?.path, '/moved/');
  assert.equal((await byName())?.path, '/moved/');
});

test('two Iam over one database file: a change written through one is seen by the other after refresh', async (t) => {
  // Two nodes of a deployment in miniature: each has its own store connection and its own memory.
  const filename = temporaryDatabaseFile(t, 'portcullis-iam-');
  const first = testIam({ store: openSqliteStore({ filename }) });
  const second = testIam({ store: openSqliteStore({ filename }), sealer: first.sealer });
  try {
    let computed = 0;
    const userNames = (iam: Iam) =>
      iam.readRemembered(A, 'user names', async (tx) => {
        computed++;
        return (await tx.list(users, { where: { account: A }, orderBy: 'name_lower' })).map((u) => u.name);
      });

    await first.store.write((tx) => tx.insert(users, user(A, 'alice')));
    await first.refresh(A);
    assert.deepEqual(await userNames(first), ['alice']);
    assert.equal(computed, 1);

    await second.refresh(A);
    await second.store.write((tx) => tx.insert(users, user(A, 'bob')));

    // The first node has not refreshed: it answers from memory, without the new user.
    assert.deepEqual(await userNames(first), ['alice']);
    assert.equal(computed, 1);

    // Refreshing reads the moved revision: the next read computes again and sees bob.
    await first.refresh(A);
    assert.deepEqual(await userNames(first), ['alice', 'bob']);
    assert.equal(computed, 2);

    // Records remembered by the first node are brought up to date the same way.
    const alice = user(A, 'alice');
    assert.equal((await first.store.read((tx) => tx.get(users, alice.id)))?.path, '/');
    await second.store.write(async (tx) => {
      const record = await tx.get(users, alice.id);
      await tx.update(users, { ...record!, path: '/moved/' });
    });
    assert.equal((await first.store.read((tx) => tx.get(users, alice.id)))?.path, '/');
    await first.refresh(A);
    assert.equal((await first.store.read((tx) => tx.get(users, alice.id)))?.path, '/moved/');

    // That change of A also ended the first node's memory of A's user names.
    assert.deepEqual(await userNames(first), ['alice', 'bob']);
    assert.equal(computed, 3);

    // A write to another account does not disturb what the first node remembers of A.
    await second.store.write((tx) => tx.insert(users, user(B, 'carol')));
    await first.refresh(A);
    await first.refresh(B);
    assert.deepEqual(await userNames(first), ['alice', 'bob']);
    assert.equal(computed, 3);
  } finally {
    await first.store.close();
    await second.store.close();
  }
});
