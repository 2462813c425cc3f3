// On SQLite the audit trail (audit_blocks, audit_lookups) lives in a database file of its own
// beside the main one: portcullis.sqlite's trail is portcullis-audit.sqlite. The audit writer's
// commits, a batch every fraction of a second, then grow and checkpoint a WAL the request thread
// never reads: on one file they cost GetUser 8-13% of its throughput, on two files within the runs'
// noise (bench/RESULTS.md, 2026-12-05). The file has its own schema version (user_version):
//   1  version 7's audit tables (../sql/schema.ts)
// A main file written before this (schema version 10 or lower) holds its trail itself: at start,
// inside the main file's start-up lock, its rows are copied into the audit file and then dropped
// from the main file (migrations.ts, version 11). A copy cut short leaves the main file as it was,
// and the next start copies again (rows already copied are skipped), so the move is idempotent.
import Database from 'better-sqlite3';
import { auditBlocks, auditLookups } from '../../domain/tables.ts';
import { auditTablesV7 } from '../sql/schema.ts';
import { restrictFileModes } from './files.ts';

/** The tables kept in the audit file. */
export const AUDIT_TABLES: ReadonlySet<string> = new Set([auditBlocks.name, auditLookups.name]);

const AUDIT_FILE_VERSION = 1;
/** How long a start waits in all for another connection's write lock on the audit file. */
const START_PATIENCE_MS = 15_000;

/** The audit file beside a main database file: `portcullis.sqlite` → `portcullis-audit.sqlite`. */
export function auditFileOf(filename: string): string {
  return filename.endsWith('.sqlite')
    ? `${filename.slice(0, -'.sqlite'.length)}-audit.sqlite`
    : `${filename}-audit`;
}

/** Whether a main file's connection still sees the trail's tables in its own file. */
export function holdsAuditTables(db: Database.Database): boolean {
  const row = db
    .prepare("SELECT count(*) AS n FROM main.sqlite_master WHERE type = 'table' AND name = ?")
    .get(auditBlocks.name) as { n: number };
  return row.n > 0;
}

/** Creates the audit file's tables when it has none yet (a connection opened on the audit file). */
export function migrateAuditFile(db: Database.Database): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() === AUDIT_FILE_VERSION) return;
  locked(db, 'BEGIN IMMEDIATE', () => {
    const version = current();
    if (version > AUDIT_FILE_VERSION)
      throw new Error(
        `The audit file's schema (version ${version}) is newer than this Portcullis (${AUDIT_FILE_VERSION}).`,
      );
    if (version < 1) for (const statement of auditTablesV7('sqlite')) db.exec(statement);
    db.pragma(`user_version = ${AUDIT_FILE_VERSION}`);
  });
}

/**
 * Copies the trail held in the main file into the audit file, committed there, then drops the main
 * file's audit tables in `main`'s transaction. `main` holds the main file's start-up lock (BEGIN
 * IMMEDIATE, nothing written yet in it), so the copy reads the main file as last committed.
 */
export function moveAuditTrailOut(main: Database.Database, auditFilename: string): void {
  restrictFileModes(auditFilename, 'before');
  const audit = new Database(auditFilename);
  try {
    audit.pragma('journal_mode = WAL');
    audit.pragma('busy_timeout = 20');
    migrateAuditFile(audit);
    audit.prepare('ATTACH DATABASE ? AS portcullis_main').run(main.name);
    // BEGIN IMMEDIATE would also ask for the main file's write lock, which `main` holds: the first
    // INSERT takes the audit file's alone.
    locked(audit, 'BEGIN', () => {
      audit.exec(
        `INSERT OR IGNORE INTO main.audit_blocks (id, version, doc, account, sort_key, last_time)
           SELECT id, version, doc, account, sort_key, last_time FROM portcullis_main.audit_blocks`,
      );
      audit.exec(
        `INSERT OR IGNORE INTO main.audit_lookups (id, version, doc, account, lookup, sort_key)
           SELECT id, version, doc, account, lookup, sort_key FROM portcullis_main.audit_lookups`,
      );
    });
    audit.exec('DETACH DATABASE portcullis_main');
  } finally {
    audit.close();
    restrictFileModes(auditFilename, 'after');
  }
  // Only once the copy is committed: a process that dies before this leaves both copies, and the
  // next start copies again.
  main.exec(`DROP TABLE main.${auditLookups.name}`);
  main.exec(`DROP TABLE main.${auditBlocks.name}`);
}

/** Runs `work` in a transaction begun by `begin`, retried while another connection holds the lock. */
function locked(db: Database.Database, begin: string, work: () => void): void {
  const deadline = Date.now() + START_PATIENCE_MS;
  for (;;) {
    try {
      db.exec(begin);
      work();
      db.exec('COMMIT');
      return;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      // Each busy attempt has already waited the connection's busy_timeout.
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
    }
  }
}
