// What Iam remembers between requests: only what read transactions found, and only until the next
// write transaction — including a write that fails and rolls back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { createSealer, generateMasterKey } from '../crypto/sealing.ts';
import { createIam, type AwsManagedPolicyCatalog } from './iam.ts';

const noManagedPolicies: AwsManagedPolicyCatalog = { get: () => undefined, list: () => [] };

function newIam() {
  return createIam({
    store: openSqliteStore({ filename: ':memory:' }),
    now: () => new Date(),
    sealer: createSealer(generateMasterKey()),
    awsManagedPolicies: noManagedPolicies,
  });
}

test('a value derived in a read transaction is remembered until the next write', async () => {
  const iam = newIam();
  let computed = 0;
  const derive = () => iam.readRemembered('answer', async () => ++computed);
  assert.equal(await derive(), 1);
  assert.equal(await derive(), 1);
  assert.equal(await iam.store.read((tx) => iam.remember(tx, 'answer', async () => ++computed)), 1);
  await iam.store.write(async () => undefined);
  assert.equal(await derive(), 2);
  assert.equal(computed, 2);
});

test('in a write transaction nothing is remembered, and a failed write still makes readers look again', async () => {
  const iam = newIam();
  let computed = 0;
  await iam.store.write((tx) => iam.remember(tx, 'answer', async () => ++computed));
  await iam.store.write((tx) => iam.remember(tx, 'answer', async () => ++computed));
  assert.equal(computed, 2);
  assert.equal(await iam.readRemembered('answer', async () => ++computed), 3);
  await assert.rejects(
    iam.store.write(async () => {
      throw new Error('rolled back');
    }),
  );
  assert.equal(await iam.readRemembered('answer', async () => ++computed), 4);
});

test('records read in a read transaction come back frozen; a write transaction reads the store', async () => {
  const iam = newIam();
  await iam.store.write((tx) => tx.put('user', 'k', { name: 'alice', tags: [] }));
  const first = await iam.store.read((tx) => tx.get<{ name: string; tags: string[] }>('user', 'k'));
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first!.tags));
  const again = await iam.store.read((tx) => tx.get('user', 'k'));
  assert.equal(again, first);
  const inWrite = await iam.store.write((tx) => tx.get<{ name: string }>('user', 'k'));
  assert.notEqual(inWrite, first);
  assert.equal(Object.isFrozen(inWrite), false);
});
