// Schema versions on PostgreSQL, applied at start under a lock so that N nodes starting together
// migrate once: the version lives in a one-row table whose row is locked (SELECT … FOR UPDATE)
// by the node that migrates, while the others wait for its commit and then find nothing to do.
// DDL is transactional in PostgreSQL, so a migration that fails leaves the schema as it was.
//   2  the relational schema (../sql/schema.ts); PostgreSQL starts there (version 1 was SQLite's
//      records table only)
//   3  federation: identity providers, console sign-in tokens, used SAML assertions
//   4  the audit trail (CloudTrail events)
//   5  server certificates
//   6  AWS Organizations: organizations, account memberships, CreateAccount requests
//   7  the audit trail in blocks (its events move into them)
//   8  organizational units; each member account's parent (the root for those already in one)
//   9  Organizations policies (service control policies) and their attachments
//  10  last accessed information: each principal's use of each service, and the reports
import type pg from 'pg';
import {
  SCHEMA_VERSION,
  schemaV2,
  schemaV3,
  schemaV4,
  schemaV5,
  schemaV6,
  schemaV7,
  schemaV8,
  schemaV9,
  schemaV10,
} from '../sql/schema.ts';

const MIGRATIONS: Readonly<Record<number, () => readonly string[]>> = {
  2: () => schemaV2('postgres'),
  3: () => schemaV3('postgres'),
  4: () => schemaV4('postgres'),
  5: () => schemaV5('postgres'),
  6: () => schemaV6('postgres'),
  7: () => schemaV7('postgres'),
  8: () => schemaV8('postgres'),
  9: () => schemaV9('postgres'),
  10: () => schemaV10('postgres'),
};

export async function migrate(pool: pg.Pool): Promise<void> {
  await ensureVersionTable(pool);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM portcullis_schema WHERE id = 1 FOR UPDATE',
    );
    const current = rows[0]!.version;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `The database schema (version ${current}) is newer than this Portcullis (${SCHEMA_VERSION}).`,
      );
    }
    for (let version = Math.max(current + 1, 2); version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version]!()) await client.query(statement);
    }
    await client.query('UPDATE portcullis_schema SET version = $1 WHERE id = 1', [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The version table and its one row; nodes creating it at the same moment may collide, then retry. */
async function ensureVersionTable(pool: pg.Pool): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query(
        'CREATE TABLE IF NOT EXISTS portcullis_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)',
      );
      await pool.query(
        'INSERT INTO portcullis_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
      );
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
