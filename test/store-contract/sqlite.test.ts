import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { runStoreContract } from './contract.ts';

runStoreContract('sqlite (file)', async () =>
  openSqliteStore({ filename: join(mkdtempSync(join(tmpdir(), 'store-')), 'db.sqlite') }),
);
runStoreContract('sqlite (memory)', async () => openSqliteStore({ filename: ':memory:' }));

test('sqlite: data written survives closing and reopening the file', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'store-')), 'db.sqlite');
  const first = openSqliteStore({ filename });
  await first.write((tx) => tx.put('user', '1/alice', { name: 'alice' }));
  await first.close();
  const second = openSqliteStore({ filename });
  assert.deepEqual(await second.read((tx) => tx.get('user', '1/alice')), { name: 'alice' });
  await second.close();
});
