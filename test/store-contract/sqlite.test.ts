// The Store contract on SQLite (a file, opened by as many instances as a test wants), and what is
// SQLite's own: the file modes, surviving a reopen.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { users } from '../../src/domain/tables.ts';
import { runStoreContract } from './contract.ts';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  const filename = join(dir, 'db.sqlite');
  return {
    open: async () => openSqliteStore({ filename }),
    async columns(table) {
      const db = new Database(filename, { readonly: true });
      try {
        return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      } finally {
        db.close();
      }
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('sqlite: rows survive closing and reopening the file', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'store-')), 'db.sqlite');
  const first = openSqliteStore({ filename });
  const alice = {
    account: '111111111111',
    id: 'AIDAALICE',
    name: 'alice',
    path: '/',
    createdAt: 'x',
    tags: [],
    inlinePolicies: {},
  };
  await first.write((tx) => tx.insert(users, alice));
  await first.close();
  const second = openSqliteStore({ filename });
  assert.deepEqual(await second.read((tx) => tx.get(users, 'AIDAALICE')), alice);
  await second.close();
});

test('sqlite: the database and its WAL and shared-memory files are 0600 whatever the umask', async () => {
  const previous = process.umask(0o022);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const filename = join(dir, 'db.sqlite');
    const store = openSqliteStore({ filename });
    await store.write((tx) =>
      tx.insert(users, {
        account: '111111111111',
        id: 'AIDAX',
        name: 'x',
        path: '/',
        createdAt: 'x',
        tags: [],
        inlinePolicies: {},
      }),
    );
    for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    await store.close();
  } finally {
    process.umask(previous);
  }
});
