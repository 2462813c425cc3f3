// A database written by the previous release (schema version 2) migrates in place to the current
// version on both adapters: its rows stay as they were, and the new tables are there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrate as migrateSqlite } from '../../src/storage/sqlite/migrations.ts';
import { migrate as migratePostgres } from '../../src/storage/postgres/migrations.ts';
import { SCHEMA_VERSION, schemaV2 } from '../../src/storage/sql/schema.ts';
import { freshDatabase } from '../support/postgres.ts';

const USER = {
  id: 'AIDAEXAMPLEEXAMPLE01',
  doc: JSON.stringify({ id: 'AIDAEXAMPLEEXAMPLE01', account: '123456789012', name: 'alice', path: '/' }),
};
// Tables added since version 2: federation (3), the audit trail (4), server certificates (5) and
// AWS Organizations (6).
const NEW_TABLES = [
  'oidc_providers',
  'saml_providers',
  'signin_tokens',
  'used_assertions',
  'audit_events',
  'server_certificates',
  'organizations',
  'organization_accounts',
  'create_account_requests',
];

test('SQLite: a version-2 file migrates to the current version, its rows kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-v2-'));
  try {
    const file = join(dir, 'portcullis.db');
    const old = new Database(file);
    for (const statement of schemaV2('sqlite')) old.exec(statement);
    old
      .prepare(
        "INSERT INTO users (id, version, doc, account, name_lower, path) VALUES (?, 1, ?, '123456789012', 'alice', '/')",
      )
      .run(USER.id, USER.doc);
    old.pragma('user_version = 2');
    old.close();

    const db = new Database(file);
    try {
      migrateSqlite(db);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.deepEqual(db.prepare('SELECT id, doc FROM users').all(), [USER]);
      for (const table of NEW_TABLES) {
        assert.deepEqual(db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), { n: 0 }, table);
      }
      migrateSqlite(db); // a second start finds nothing to do
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: a version-2 database migrates to the current version, its rows kept', async () => {
  const database = await freshDatabase();
  const pool = new pg.Pool({ connectionString: database.url });
  try {
    await pool.query('CREATE TABLE portcullis_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)');
    await pool.query('INSERT INTO portcullis_schema (id, version) VALUES (1, 2)');
    for (const statement of schemaV2('postgres')) await pool.query(statement);
    await pool.query(
      "INSERT INTO users (id, version, doc, account, name_lower, path) VALUES ($1, 1, $2, '123456789012', 'alice', '/')",
      [USER.id, USER.doc],
    );

    await Promise.all([migratePostgres(pool), migratePostgres(pool)]); // two nodes starting together
    const version = await pool.query<{ version: number }>('SELECT version FROM portcullis_schema');
    assert.deepEqual(version.rows, [{ version: SCHEMA_VERSION }]);
    assert.deepEqual((await pool.query('SELECT id, doc FROM users')).rows, [USER]);
    for (const table of NEW_TABLES) {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      assert.deepEqual(rows, [{ n: '0' }], table);
    }
  } finally {
    await pool.end();
    await database.drop();
  }
});
