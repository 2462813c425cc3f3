// `portcullis rotate-master-key`: opens the deployment's store and re-seals it under the new key.
// On PostgreSQL it runs beside the servers; on SQLite the data directory is one server's alone,
// so this runs on a stopped one (or the server, started with both keys, re-seals by itself).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import type { Store } from './domain/store.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { DataDirectoryInUse, lockDataDirectory } from './storage/sqlite/lock.ts';
import { describeKeys, loadMasterKeys, rotateMasterKey } from './app-master-keys.ts';
import type { RotationResult } from './domain/master-key-rotation.ts';

export async function runMasterKeyRotation(
  config: Config,
  report: (line: string) => void,
): Promise<RotationResult> {
  const keys = loadMasterKeys(config, { create: false });
  report(`Re-sealing every secret under ${describeKeys(keys)}.`);
  if (config.databaseUrl) {
    const store = await openPostgresStore({ connectionString: config.databaseUrl });
    return closing(store, () => rotateMasterKey(store, keys, report));
  }
  let lock;
  try {
    lock = lockDataDirectory(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirectoryInUse)) throw error;
    throw new Error(
      `A server is using ${config.dataDir}. On SQLite the server re-seals by itself: restart it with the new key as ` +
        'PORTCULLIS_MASTER_KEY(_FILE) and the old one as PORTCULLIS_PREVIOUS_MASTER_KEY(_FILE). Or stop it and run this again.',
      { cause: error },
    );
  }
  try {
    const filename = join(config.dataDir, 'portcullis.sqlite');
    if (!existsSync(filename)) throw new Error(`There is no database in ${config.dataDir}.`);
    const store = openSqliteStore({ filename, exclusive: true });
    return await closing(store, () => rotateMasterKey(store, keys, report));
  } finally {
    lock.release();
  }
}

async function closing<T>(store: Store, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await store.close();
  }
}
