// A database written by the previous release (schema version 2) migrates in place to the current
// version on both adapters: its rows stay as they were, and the new tables are there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrate as migrateSqlite, SQLITE_SCHEMA_VERSION } from '../../src/storage/sqlite/migrations.ts';
import { AUDIT_TABLES, auditFileOf } from '../../src/storage/sqlite/audit-file.ts';
import { migrate as migratePostgres } from '../../src/storage/postgres/migrations.ts';
import {
  SCHEMA_VERSION,
  schemaV2,
  schemaV3,
  schemaV4,
  schemaV5,
  schemaV6,
  schemaV7,
  auditTablesV7,
  type SchemaDialect,
} from '../../src/storage/sql/schema.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import type { Store } from '../../src/domain/store.ts';
import { auditBlocks, auditLookups, organizationAccounts } from '../../src/domain/tables.ts';
import { eventsOf } from '../../src/domain/audit/blocks.ts';
import type { AuditEventRecord } from '../../src/domain/records.ts';
import { freshDatabase } from '../support/postgres.ts';

const USER = {
  id: 'AIDAEXAMPLEEXAMPLE01',
  doc: JSON.stringify({ id: 'AIDAEXAMPLEEXAMPLE01', account: '123456789012', name: 'alice', path: '/' }),
};
// Tables added since version 2: federation (3), server certificates (5), AWS Organizations (6),
// the audit trail's blocks (7, replacing version 4's events table), organizational units (8) and
// Organizations policies with their attachments (9), last accessed information (10).
const NEW_TABLES = [
  'oidc_providers',
  'saml_providers',
  'signin_tokens',
  'used_assertions',
  'audit_blocks',
  'audit_lookups',
  'server_certificates',
  'organizations',
  'organization_accounts',
  'create_account_requests',
  'organizational_units',
  'organization_policies',
  'organization_policy_targets',
  'service_accesses',
  'last_accessed_jobs',
];

function auditTablesIn(db: Database.Database, schema: string): number {
  const row = db
    .prepare(`SELECT count(*) AS n FROM ${schema}.sqlite_master WHERE type = 'table' AND name LIKE 'audit_%'`)
    .get() as { n: number };
  return row.n;
}

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
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      assert.deepEqual(db.prepare('SELECT id, doc FROM users').all(), [USER]);
      // The audit trail's tables are in the audit file beside it (audit-file.ts).
      db.prepare('ATTACH DATABASE ? AS audit').run(auditFileOf(file));
      for (const table of NEW_TABLES) {
        const schema = AUDIT_TABLES.has(table) ? 'audit' : 'main';
        assert.deepEqual(db.prepare(`SELECT count(*) AS n FROM ${schema}.${table}`).get(), { n: 0 }, table);
        if (schema === 'audit') assert.equal(auditTablesIn(db, 'main'), 0, `${table} left the main file`);
      }
      db.exec('DETACH DATABASE audit');
      migrateSqlite(db); // a second start finds nothing to do
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
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

// An event as schema version 6 stored it: the whole record as the row's document, its LookupEvents
// attributes as columns (the resource columns from the first resource named).
const V6_EVENT: AuditEventRecord = {
  id: '019a1b2c-3d4e-7f00-8a00-0123456789ab',
  account: '123456789012',
  sortKey: '8235172449999:019a1b2c-3d4e-7f00-8a00-0123456789ab',
  eventTime: '2026-12-04T12:00:00Z',
  eventName: 'CreateUser',
  eventSource: 'iam.amazonaws.com',
  readOnly: false,
  username: 'o\'brien "admin"',
  accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
  resources: [{ type: 'AWS::IAM::User', name: 'bob' }],
  event: {
    eventID: '019a1b2c-3d4e-7f00-8a00-0123456789ab',
    eventName: 'CreateUser',
    requestParameters: { userName: 'bob' },
  },
};
const V6_INSERT =
  'INSERT INTO audit_events (id, version, doc, account, sort_key, event_time, event_name, event_source, read_only, username, access_key_id, resource_type, resource_name) VALUES ';
const V6_VALUES = [
  V6_EVENT.id,
  JSON.stringify(V6_EVENT),
  V6_EVENT.account,
  V6_EVENT.sortKey,
  V6_EVENT.eventTime,
  V6_EVENT.eventName,
  V6_EVENT.eventSource,
  'false',
  V6_EVENT.username,
  V6_EVENT.accessKeyId,
  'AWS::IAM::User',
  'bob',
];

function schemaUpToV6(dialect: SchemaDialect): string[] {
  return [schemaV2, schemaV3, schemaV4, schemaV5, schemaV6].flatMap((version) => version(dialect));
}

/** The events the migrated store finds by each attribute of the version-6 event. */
async function findsV6Event(store: Store): Promise<void> {
  for (const lookup of [
    'EventName:CreateUser',
    'EventSource:iam.amazonaws.com',
    'ReadOnly:false',
    `Username:${V6_EVENT.username}`,
    'AccessKeyId:AKIAEXAMPLEEXAMPLE01',
    'ResourceType:AWS::IAM::User',
    'ResourceName:bob',
  ]) {
    const found = await store.read(async (tx) => {
      const rows = await tx.list(auditLookups, { where: { account: V6_EVENT.account, lookup } });
      const blocks = await tx.getMany(
        auditBlocks,
        rows.map((row) => row.block),
      );
      return blocks.flatMap((block) => eventsOf(block).map((event) => event.record()));
    });
    assert.deepEqual(found, [V6_EVENT], lookup);
  }
}

test('SQLite: a version-6 audit trail moves into blocks, each event found by its attributes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-v6-'));
  try {
    const file = join(dir, 'portcullis.db');
    const old = new Database(file);
    for (const statement of schemaUpToV6('sqlite')) old.exec(statement);
    old.prepare(`${V6_INSERT} (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...V6_VALUES);
    old.pragma('user_version = 6');
    old.close();

    const store = openSqliteStore({ filename: file });
    try {
      await findsV6Event(store);
    } finally {
      await store.close();
    }
    const db = new Database(file);
    try {
      const left = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'audit_events'").get();
      assert.deepEqual(left, { n: 0 }, 'the version-6 events table is gone');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: a version-6 audit trail moves into blocks, each event found by its attributes', async () => {
  const database = await freshDatabase();
  try {
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await pool.query('CREATE TABLE portcullis_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)');
      await pool.query('INSERT INTO portcullis_schema (id, version) VALUES (1, 6)');
      for (const statement of schemaUpToV6('postgres')) await pool.query(statement);
      await pool.query(`${V6_INSERT} ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, V6_VALUES);
    } finally {
      await pool.end();
    }

    const store = await openPostgresStore({ connectionString: database.url });
    try {
      await findsV6Event(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

// An organization as schema version 7 stored it: its members had no parent (there were no OUs).
const V7_ORGANIZATION = {
  id: 'o-aaaaaaaaaa',
  account: '123456789012',
  managementEmail: 'root@example.com',
  featureSet: 'ALL',
  rootId: 'r-ab12',
  createdAt: '2026-12-01T00:00:00Z',
};
const V7_MEMBER = {
  id: '210987654321',
  account: '210987654321',
  organization: 'o-aaaaaaaaaa',
  name: 'B',
  email: 'b@example.com',
  joinedMethod: 'CREATED',
  joinedAt: '2026-12-01T00:00:00Z',
};
const V7_INSERTS = [
  "INSERT INTO organizations (id, version, doc, account) VALUES ('o-aaaaaaaaaa', 1, '" +
    JSON.stringify(V7_ORGANIZATION) +
    "', '123456789012')",
  "INSERT INTO organization_accounts (id, version, doc, account, organization) VALUES ('210987654321', 1, '" +
    JSON.stringify(V7_MEMBER) +
    "', '210987654321', 'o-aaaaaaaaaa')",
];

function schemaUpToV7(dialect: SchemaDialect): string[] {
  return [...schemaUpToV6(dialect), ...schemaV7(dialect)];
}

/** The version-7 member is under its organization's root, in its document and its column. */
async function memberUnderRoot(store: Store): Promise<void> {
  const member = await store.read((tx) => tx.get(organizationAccounts, V7_MEMBER.id));
  assert.deepEqual(member, { ...V7_MEMBER, parent: 'r-ab12' });
  const underRoot = await store.read((tx) => tx.list(organizationAccounts, { where: { parent: 'r-ab12' } }));
  assert.deepEqual(
    underRoot.map((m) => m.id),
    [V7_MEMBER.id],
  );
}

test('SQLite: version-7 member accounts are under their root in version 8', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-v7-'));
  try {
    const file = join(dir, 'portcullis.db');
    const old = new Database(file);
    for (const statement of schemaUpToV7('sqlite')) old.exec(statement);
    for (const statement of V7_INSERTS) old.exec(statement);
    old.pragma('user_version = 7');
    old.close();

    const store = openSqliteStore({ filename: file });
    try {
      await memberUnderRoot(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: version-7 member accounts are under their root in version 8', async () => {
  const database = await freshDatabase();
  try {
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await pool.query('CREATE TABLE portcullis_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)');
      await pool.query('INSERT INTO portcullis_schema (id, version) VALUES (1, 7)');
      for (const statement of schemaUpToV7('postgres')) await pool.query(statement);
      for (const statement of V7_INSERTS) await pool.query(statement);
    } finally {
      await pool.end();
    }

    const store = await openPostgresStore({ connectionString: database.url });
    try {
      await memberUnderRoot(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

// A file written by the release before the audit file (test/fixtures/store-v10-audit: schema version
// 10, its trail in audit_blocks and audit_lookups of the main file).
const V10_FIXTURE = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'store-v10-audit',
  'data',
  'portcullis.sqlite',
);

function rowCounts(file: string): { blocks: number; lookups: number } {
  const db = new Database(file, { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { blocks: n('audit_blocks'), lookups: n('audit_lookups') };
  } finally {
    db.close();
  }
}

for (const interrupted of [false, true])
  test(`SQLite: a version-10 file's audit trail moves into the audit file${interrupted ? ', finishing a move cut short after the copy' : ''}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-v10-'));
    try {
      const file = join(dir, 'portcullis.sqlite');
      copyFileSync(V10_FIXTURE, file);
      const held = rowCounts(file);
      assert.ok(held.blocks > 0 && held.lookups > 0);
      if (interrupted) {
        // What a start killed between the copy's commit and the main file's drop leaves behind.
        const audit = new Database(auditFileOf(file));
        for (const statement of auditTablesV7('sqlite')) audit.exec(statement);
        audit.pragma('user_version = 1');
        audit.prepare('ATTACH DATABASE ? AS old').run(file);
        audit.exec('INSERT INTO main.audit_blocks SELECT * FROM old.audit_blocks');
        audit.exec('INSERT INTO main.audit_lookups SELECT * FROM old.audit_lookups');
        audit.close();
      }

      const store = openSqliteStore({ filename: file });
      try {
        const found = await store.read(async (tx) => {
          const rows = await tx.list(auditLookups, {
            where: { account: '123456789012', lookup: 'EventName:CreateUser' },
          });
          const blocks = await tx.getMany(
            auditBlocks,
            rows.map((row) => row.block),
          );
          return blocks.flatMap((block) =>
            eventsOf(block).filter((event) => event.record().eventName === 'CreateUser'),
          );
        });
        assert.equal(found.length, 3, 'the three CreateUser events, each once');
      } finally {
        await store.close();
      }
      assert.deepEqual(rowCounts(auditFileOf(file)), held, 'every row moved, none twice');
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(auditTablesIn(db, 'main'), 0, 'the main file holds no audit table');
        assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('SQLite: two processes opening a version-10 file together move its trail once, and both open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-v10-'));
  try {
    const file = join(dir, 'portcullis.sqlite');
    copyFileSync(V10_FIXTURE, file);
    const held = rowCounts(file);
    const store = pathToFileURL(
      join(import.meta.dirname, '..', '..', 'src', 'storage', 'sqlite', 'sqlite-store.ts'),
    ).href;
    const script = `const { openSqliteStore } = await import(${JSON.stringify(store)});
      const s = openSqliteStore({ filename: process.argv[1] });
      await s.close();`;
    const open = () =>
      new Promise<{ code: number | null; output: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file]);
        let output = '';
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', (code) => done({ code, output }));
      });
    const results = await Promise.all([open(), open()]);
    for (const result of results) assert.equal(result.code, 0, result.output);
    assert.deepEqual(rowCounts(auditFileOf(file)), held);
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(auditTablesIn(db, 'main'), 0);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
