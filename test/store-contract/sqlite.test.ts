// The Store contract on SQLite (a file, opened by as many instances as a test wants), and what is
// SQLite's own: the file modes, surviving a reopen, the audit trail in a file of its own.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { auditBlocks, auditLookups, users } from '../../src/domain/tables.ts';
import { runStoreContract } from './contract.ts';
import { AUDIT_TABLES, auditFileOf } from '../../src/storage/sqlite/audit-file.ts';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  const filename = join(dir, 'db.sqlite');
  return {
    open: async () => openSqliteStore({ filename }),
    async columns(table) {
      // The audit trail's tables are in the audit file beside the main one.
      const db = new Database(AUDIT_TABLES.has(table) ? auditFileOf(filename) : filename, { readonly: true });
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

test("sqlite: the audit trail's tables are in a file of their own, which the rest never waits on", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-'));
  const filename = join(dir, 'db.sqlite');
  const auditFile = auditFileOf(filename);
  assert.equal(auditFile, join(dir, 'db-audit.sqlite'));
  const store = openSqliteStore({ filename, exclusive: true });
  const block = {
    id: 'block-1',
    account: '111111111111',
    sortKey: '8000000000000:block-1',
    lastTime: '2026-12-05T00:00:00Z',
    lookups: 1,
    entries: '[]',
  };
  const lookup = {
    id: 'block-1:0',
    account: '111111111111',
    lookup: 'EventName:GetUser',
    sortKey: block.sortKey,
    block: 'block-1',
  };
  try {
    await store.write(async (tx) => {
      await tx.insert(auditBlocks, block);
      await tx.insert(auditLookups, lookup);
    });
    const count = (file: string, table: string) => {
      const db = new Database(file, { readonly: true });
      try {
        const exists = db.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = ?').get(table) as {
          n: number;
        };
        return exists.n === 0
          ? undefined
          : (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    assert.equal(count(auditFile, 'audit_blocks'), 1);
    assert.equal(count(auditFile, 'audit_lookups'), 1);
    assert.equal(count(filename, 'audit_blocks'), undefined, 'the main file has no audit table');
    assert.equal(statSync(auditFile).mode & 0o777, 0o600);

    // Another connection holds the audit file's write lock: the main file's writes go on.
    const holder = new Database(auditFile);
    holder.exec('BEGIN IMMEDIATE');
    try {
      await store.write((tx) =>
        tx.insert(users, {
          account: '111111111111',
          id: 'AIDAW',
          name: 'w',
          path: '/',
          createdAt: 'x',
          tags: [],
          inlinePolicies: {},
        }),
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    assert.deepEqual(await store.read((tx) => tx.get(auditBlocks, 'block-1')), block);
    // A read transaction reads both files when it asks for both.
    const both = await store.read(async (tx) => [
      await tx.get(users, 'AIDAW'),
      await tx.list(auditLookups, { where: { account: '111111111111' } }),
    ]);
    assert.deepEqual(both[1], [lookup]);
    await store.clear();
    assert.equal(count(auditFile, 'audit_blocks'), 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
