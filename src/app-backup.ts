// Backups of the SQLite data directory, and restores into a stopped one.
//
// A backup is taken with SQLite's online backup API while a server runs: it reads committed
// pages only (WAL included), and a backup step that finds the database changed by another
// connection starts over, so the copy is one consistent snapshot. The whole database is copied in
// one step after the first, which a busy writer cannot keep restarting (readers do not block
// writers in WAL mode). The master key is not in the data directory's database, so not in the
// backup: keep it apart (PORTCULLIS_MASTER_KEY_FILE) — a restore needs the same key.
//
// The audit trail, kept in a file of its own (portcullis-audit.sqlite), goes into the backup's one
// file as the tables it had before it moved out, copied from one snapshot of the audit file: the
// backup is one file, and a restored server moves the trail out again at start, as it does when
// upgrading a database that still holds its trail. Audit blocks hold no sealed secret (secrets
// never reach the trail), so the master key has nothing to do with that part.
//
// PostgreSQL has its own tools (pg_dump / pg_restore, docs/deploy.md): these commands refuse it.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from './config.ts';
import { lockDataDirectory } from './storage/sqlite/lock.ts';
import { restrictFileModes } from './storage/sqlite/files.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { auditFileOf, holdsAuditTables } from './storage/sqlite/audit-file.ts';
import { auditTablesV7 } from './storage/sql/schema.ts';
import { checkMasterKey, loadMasterKeys, sealerFor } from './app-master-keys.ts';

const DATABASE_FILE = 'portcullis.sqlite';
const SIDE_FILES = ['-wal', '-shm', '-journal'];

export const POSTGRES_REFUSAL =
  'This deployment keeps its state in PostgreSQL (PORTCULLIS_DATABASE_URL): back it up and restore it ' +
  'with pg_dump and pg_restore, as docs/deploy.md shows ("Backups").';

export interface BackupResult {
  readonly file: string;
  readonly pages: number;
}

/** A consistent copy of the data directory's database into `file` (which must not exist yet). */
export async function backupDataDirectory(config: Config, file: string): Promise<BackupResult> {
  if (config.databaseUrl) throw new Error(POSTGRES_REFUSAL);
  const source = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new Error(`There is no database to back up in ${config.dataDir}.`);
  if (existsSync(file)) throw new Error(`${file} already exists: give the backup a new name.`);
  // Written beside its final name, then renamed: a backup cut short never looks complete.
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  const db = new Database(source, { fileMustExist: true, readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    let pages = 0;
    await db.backup(partial, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        return totalPages;
      },
    });
    // The copy is a file on its own: no WAL beside it (the server puts its database back in WAL mode).
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      copy.pragma('busy_timeout = 5000');
      copyAuditTrail(copy, auditFileOf(source));
      pages = copy.pragma('page_count', { simple: true }) as number;
    } finally {
      copy.close();
    }
    restrictFileModes(partial, 'after');
    checkIntegrity(partial);
    renameSync(partial, file);
    chmodSync(file, 0o600);
    return { file, pages };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

export interface RestoreOptions {
  /** Move an existing database aside (renamed, never deleted) instead of refusing. */
  readonly replace?: boolean;
}

export interface RestoreResult {
  /** Where the database that was there went, when one was. */
  readonly movedAside: string | undefined;
  /** Where its audit file went, when it had one. */
  readonly auditMovedAside: string | undefined;
  /** Whether the configured master key opens the restored secrets (undefined: no key configured). */
  readonly keyOpens: boolean | undefined;
}

/**
 * Puts the backup in `file` in place as the data directory's database. The directory is locked
 * meanwhile, so a server running on it makes this refuse, and none can start halfway.
 */
export async function restoreDataDirectory(
  config: Config,
  file: string,
  { replace = false }: RestoreOptions = {},
): Promise<RestoreResult> {
  if (config.databaseUrl) throw new Error(POSTGRES_REFUSAL);
  if (!existsSync(file)) throw new Error(`${file} does not exist.`);
  checkIntegrity(file);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDirectory(config.dataDir);
  try {
    const target = join(config.dataDir, DATABASE_FILE);
    // The backup brings its own trail back (the server moves it into the audit file at start).
    const targetAudit = auditFileOf(target);
    let movedAside: string | undefined;
    let auditMovedAside: string | undefined;
    if (existsSync(target) || existsSync(targetAudit)) {
      if (!replace)
        throw new Error(
          `${config.dataDir} already holds a database: restore into an empty data directory, or give --replace ` +
            '(the database there is moved aside, not deleted).',
        );
      const replacedAt = `.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      movedAside = target + replacedAt;
      if (existsSync(targetAudit)) auditMovedAside = targetAudit + replacedAt;
      // With its WAL: committed pages still in the WAL belong to that database only.
      for (const file of [target, targetAudit])
        for (const suffix of ['', ...SIDE_FILES])
          if (existsSync(file + suffix)) renameSync(file + suffix, file + replacedAt + suffix);
    }
    for (const file of [target, targetAudit])
      for (const suffix of SIDE_FILES) rmSync(file + suffix, { force: true });
    const partial = `${target}.restoring`;
    rmSync(partial, { force: true });
    const source = new Database(file, { fileMustExist: true, readonly: true });
    try {
      await source.backup(partial, { progress: ({ totalPages }) => totalPages });
    } finally {
      source.close();
    }
    restrictFileModes(partial, 'after');
    renameSync(partial, target);
    restrictFileModes(target, 'after');
    return { movedAside, auditMovedAside, keyOpens: await keyOpens(config, target) };
  } finally {
    lock.release();
  }
}

/** The audit file's tables and rows into the backup's copy (one read transaction on the audit file). */
function copyAuditTrail(copy: Database.Database, auditFile: string): void {
  // A data directory no server has opened since it was upgraded holds its trail in the main file.
  if (!existsSync(auditFile)) return;
  if (!holdsAuditTables(copy)) for (const statement of auditTablesV7('sqlite')) copy.exec(statement);
  copy.prepare('ATTACH DATABASE ? AS trail').run(auditFile);
  try {
    copy.exec('BEGIN');
    copy.exec(
      `INSERT OR IGNORE INTO main.audit_blocks (id, version, doc, account, sort_key, last_time)
         SELECT id, version, doc, account, sort_key, last_time FROM trail.audit_blocks`,
    );
    copy.exec(
      `INSERT OR IGNORE INTO main.audit_lookups (id, version, doc, account, lookup, sort_key)
         SELECT id, version, doc, account, lookup, sort_key FROM trail.audit_lookups`,
    );
    copy.exec('COMMIT');
  } finally {
    if (copy.inTransaction) copy.exec('ROLLBACK');
    copy.exec('DETACH DATABASE trail');
  }
}

function checkIntegrity(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, readonly: true });
    const result = db.pragma('quick_check', { simple: true });
    const tables = db
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'access_keys'")
      .get() as { n: number };
    if (result !== 'ok' || tables.n !== 1) throw new Error('not a Portcullis database');
  } catch (error) {
    throw new Error(`${file} is not a Portcullis SQLite backup (or is damaged).`, { cause: error });
  } finally {
    db?.close();
  }
}

/** Opens the restored store (which also brings its schema up to date) and tries the configured key. */
async function keyOpens(config: Config, filename: string): Promise<boolean | undefined> {
  const store = openSqliteStore({ filename, exclusive: true });
  try {
    let keys;
    try {
      keys = loadMasterKeys(config, { create: false });
    } catch {
      return undefined;
    }
    try {
      await checkMasterKey(store, sealerFor(keys));
      return true;
    } catch {
      return false;
    }
  } finally {
    await store.close();
  }
}
