import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, TEST_POSTGRES_URL_ENV } from './postgres.ts';

async function query(url: string, sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

test('two fresh databases are distinct, and each is usable on its own', async () => {
  const [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
  try {
    assert.notEqual(a.name, b.name);
    assert.notEqual(a.url, b.url);
    assert.equal((await query(a.url, 'SELECT current_database() AS name')).rows[0].name, a.name);
    assert.equal((await query(b.url, 'SELECT current_database() AS name')).rows[0].name, b.name);

    await query(a.url, 'CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)');
    await query(a.url, "INSERT INTO t VALUES (1, 'alice')");
    assert.deepEqual((await query(a.url, 'SELECT id, name FROM t')).rows, [{ id: 1, name: 'alice' }]);
    assert.equal((await query(b.url, "SELECT to_regclass('public.t') AS t")).rows[0].t, null);
    await query(b.url, 'CREATE TABLE t (other int)'); // the same name, no clash
  } finally {
    await Promise.all([a.drop(), b.drop()]);
  }
});

test('drop() removes the database, even with a connection still open to it', async () => {
  const db = await freshDatabase();
  const lingering = new pg.Client({ connectionString: db.url });
  lingering.on('error', () => {}); // it is about to be terminated
  await lingering.connect();

  await db.drop();
  await db.drop(); // idempotent

  const admin = process.env[TEST_POSTGRES_URL_ENV] ?? new URL('/postgres', db.url).toString();
  const left = await query(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
  assert.equal(left.rowCount, 0);
  await assert.rejects(query(db.url, 'SELECT 1'), /does not exist/);
  await lingering.end().catch(() => {});
});
