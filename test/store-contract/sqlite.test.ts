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

test('sqlite: a store holding its file alone keeps revisions in memory, and they move with its commits', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'store-')), 'db.sqlite');
  const store = openSqliteStore({ filename, exclusive: true });
  const account = '111111111111';
  const user = (id: string) => ({
    account,
    id,
    name: id,
    path: '/',
    createdAt: 'x',
    tags: [],
    inlinePolicies: {},
  });
  assert.equal(await store.revision(account), 0);
  await store.write((tx) => tx.insert(users, user('AIDAONE')));
  const first = await store.revision(account);
  assert.ok(first > 0);
  await store.write((tx) => tx.insert(users, user('AIDATWO')));
  assert.ok((await store.revision(account)) > first);
  const beforeClear = await store.revision(account);
  await store.clear();
  assert.ok((await store.revision(account)) > beforeClear);
  await store.close();
  // What it kept in memory is what the file says.
  const reopened = openSqliteStore({ filename });
  assert.equal(await reopened.revision(account), beforeClear + 1);
  await reopened.close();
});
