// Last use of access keys: noted at coarse granularity, written together off the request's path,
// and written before this node reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flushKeyUses, recordAccessKeyUse } from './key-uses.ts';
import type { AccessKeyRecord } from './records.ts';
import type { Store } from './store.ts';
import { lastUsed } from './tables.ts';
import { memoryStore, testIam } from '../../test/support/domain.ts';

function setUp() {
  let now = Date.parse('2026-12-01T12:00:00Z');
  const inner = memoryStore();
  let writes = 0;
  const store: Store = { ...inner, write: (work, options) => (writes++, inner.write(work, options)) };
  const iam = testIam({ store, now: () => new Date(now) });
  const key = (id: string): AccessKeyRecord => ({
    account: '111111111111',
    id,
    sealedSecret: 'x',
    status: 'Active',
    createdAt: '2026-12-01T00:00:00Z',
    position: 1,
  });
  return {
    iam,
    key,
    writes: () => writes,
    advance: (ms: number) => (now += ms),
    used: (id: string) => iam.store.read((tx) => tx.get(lastUsed, id)),
  };
}

test('uses are noted per key, region and service, at most every 15 minutes, and written together', async () => {
  const { iam, key, writes, advance, used } = setUp();
  for (let i = 0; i < 50; i++) recordAccessKeyUse(iam, key('AKIAONE'), 'us-east-1', 'iam');
  recordAccessKeyUse(iam, key('AKIATWO'), 'us-east-1', 'sts');
  assert.equal(writes(), 0, 'nothing is written on the request path');
  await flushKeyUses(iam);
  assert.equal(writes(), 1, 'every noted use in one transaction');
  assert.deepEqual(await used('AKIAONE'), {
    id: 'AKIAONE',
    account: '111111111111',
    date: '2026-12-01T12:00:00Z',
    region: 'us-east-1',
    service: 'iam',
  });
  assert.equal((await used('AKIATWO'))?.service, 'sts');

  advance(60_000);
  recordAccessKeyUse(iam, key('AKIAONE'), 'us-east-1', 'iam');
  await flushKeyUses(iam);
  assert.equal(writes(), 1, 'a use within 15 minutes in the same place changes nothing');
  recordAccessKeyUse(iam, key('AKIAONE'), 'eu-west-1', 'iam');
  await flushKeyUses(iam);
  assert.equal((await used('AKIAONE'))?.region, 'eu-west-1', 'another region is noted at once');
  advance(15 * 60_000);
  recordAccessKeyUse(iam, key('AKIAONE'), 'eu-west-1', 'iam');
  await flushKeyUses(iam);
  assert.equal((await used('AKIAONE'))?.date, '2026-12-01T12:16:00Z', 'after 15 minutes the date moves on');
});

test('noted uses are written a moment later without anyone asking', async () => {
  const { iam, key, used } = setUp();
  recordAccessKeyUse(iam, key('AKIALATER'), 'us-east-1', 'iam');
  await new Promise((resolve) => setTimeout(resolve, 1300));
  assert.equal((await used('AKIALATER'))?.service, 'iam');
});
