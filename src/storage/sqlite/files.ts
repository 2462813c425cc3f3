// The database holds sealed secrets and password hashes: its file and the WAL and shared-memory
// files beside it are readable by the owner only, whatever the umask and however the directory
// came to exist. SQLite creates the WAL and SHM files with the main file's permissions, so the
// main file is made 0600 before the first connection opens it, and all three are set again after.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

const OWNER_ONLY = 0o600;

export function restrictFileModes(filename: string, when: 'before' | 'after'): void {
  if (when === 'before' && !existsSync(filename)) closeSync(openSync(filename, 'a', OWNER_ONLY));
  for (const path of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`]) {
    if (existsSync(path)) chmodSync(path, OWNER_ONLY);
  }
}
