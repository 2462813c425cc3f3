// One server per data directory: two processes writing one SQLite file through their own caches
// would serve each other's stale data. The lock is an exclusive SQLite lock on a file of its own,
// held for the life of the process: the operating system releases it when the process ends,
// however it ends (kill -9 included), so it never goes stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { restrictFileModes } from './files.ts';

export interface DirectoryLock {
  release(): void;
}

export class DataDirectoryInUse extends Error {
  constructor(dataDir: string) {
    super(
      `Another Portcullis server is using the data directory ${dataDir}. ` +
        'Stop it first, or give this one its own --data-dir (several servers share one database only on PostgreSQL: PORTCULLIS_DATABASE_URL).',
    );
    this.name = 'DataDirectoryInUse';
  }
}

export function lockDataDirectory(dataDir: string): DirectoryLock {
  const file = join(dataDir, 'portcullis.lock');
  restrictFileModes(file, 'before');
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirectoryInUse(dataDir);
    throw error;
  }
  // For people looking at the directory: which process holds it.
  writeFileSync(join(dataDir, 'portcullis.pid'), `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      if (db.open) {
        db.exec('ROLLBACK');
        db.close();
      }
    },
  };
}
