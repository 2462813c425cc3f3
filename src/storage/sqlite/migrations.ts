// Schema versions, applied in order at start inside one BEGIN IMMEDIATE (so two processes
// starting together cannot both migrate); the applied version is kept in user_version.
//   1  the first release's records table: JSON records by kind and key (never created any more)
//   2  the relational schema (../sql/schema.ts); a version-1 file's records move into it
//   3  federation: identity providers, console sign-in tokens, used SAML assertions
//   4  the audit trail (CloudTrail events)
//   5  server certificates
//   6  AWS Organizations: organizations, account memberships, CreateAccount requests
//   7  the audit trail in blocks (its events move into them)
//   8  organizational units; each member account's parent (the root for those already in one)
//   9  Organizations policies (service control policies) and their attachments
//  10  last accessed information: each principal's use of each service, and the reports
//  11  (SQLite only, a file database) the audit trail in a file of its own (audit-file.ts): its rows
//      move there and its tables leave this file. Versions 1-10 are the shared schema's; a later
//      shared version is applied here under a number of SQLite's own above 11.
// The move runs in a second turn of the lock, after the first turn's versions are committed (the
// audit file's connection copies what the main file holds as committed).
import type Database from 'better-sqlite3';
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
import { migrateRecordsToV2 } from './migrate-v1.ts';
import { auditFileOf, holdsAuditTables, moveAuditTrailOut } from './audit-file.ts';

/** The version this release leaves a SQLite file at (an in-memory database stays at the shared one). */
export const SQLITE_SCHEMA_VERSION = 11;

export function migrate(db: Database.Database): void {
  inStartupLock(db, () => {
    const current = versionOf(db);
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new Error(
        `The database schema (version ${current}) is newer than this Portcullis (${SQLITE_SCHEMA_VERSION}).`,
      );
    }
    if (current < 2) {
      for (const statement of schemaV2('sqlite')) db.exec(statement);
      if (current === 1) migrateRecordsToV2(db);
    }
    if (current < 3) for (const statement of schemaV3('sqlite')) db.exec(statement);
    if (current < 4) for (const statement of schemaV4('sqlite')) db.exec(statement);
    if (current < 5) for (const statement of schemaV5('sqlite')) db.exec(statement);
    if (current < 6) for (const statement of schemaV6('sqlite')) db.exec(statement);
    if (current < 7) for (const statement of schemaV7('sqlite')) db.exec(statement);
    if (current < 8) for (const statement of schemaV8('sqlite')) db.exec(statement);
    if (current < 9) for (const statement of schemaV9('sqlite')) db.exec(statement);
    if (current < 10) for (const statement of schemaV10('sqlite')) db.exec(statement);
    if (current < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  if (db.memory) return;
  // A restored backup holds its trail in the main file whatever its version (app-backup.ts).
  if (versionOf(db) >= SQLITE_SCHEMA_VERSION && !holdsAuditTables(db)) return;
  inStartupLock(db, () => {
    if (holdsAuditTables(db)) moveAuditTrailOut(db, auditFileOf(db.name));
    if (versionOf(db) < SQLITE_SCHEMA_VERSION) db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  });
}

function versionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs `work` in one BEGIN IMMEDIATE (so two processes starting together cannot both migrate). */
function inStartupLock(db: Database.Database, work: () => void): void {
  for (let wait = 0; ; wait++) {
    try {
      db.exec('BEGIN IMMEDIATE');
      break;
    } catch (error) {
      // Another process is migrating the same file: its busy_timeout-bounded waits add up to seconds.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || wait > 500) throw error;
    }
  }
  try {
    work();
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
