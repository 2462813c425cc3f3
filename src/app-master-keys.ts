// Where the master key comes from, and its rotation.
//
// The key is given as PORTCULLIS_MASTER_KEY, or as PORTCULLIS_MASTER_KEY_FILE (a file outside the
// data directory, so that a copy of the directory or a backup holds the secrets but not the key
// that opens them), or else lives in master.key in the data directory (made on first start).
//
// A rotation: the new key becomes PORTCULLIS_MASTER_KEY(_FILE) and the old one
// PORTCULLIS_PREVIOUS_MASTER_KEY(_FILE); a server given both seals under the first and opens
// values sealed under either, and `portcullis rotate-master-key` re-seals every value under the
// new key in short transactions while servers keep answering. On PostgreSQL with several nodes
// the keys change in steps (docs/deploy.md): every node first learns the new key as its
// "previous" one while still sealing under the old, so that no node meets a value it cannot open.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import {
  createSealer,
  generateMasterKey,
  masterKeyId,
  parseMasterKey,
  type Sealer,
} from './crypto/sealing.ts';
import { accessKeys } from './domain/tables.ts';
import type { Store } from './domain/store.ts';
import type { Iam } from './domain/iam.ts';
import { resealEverything, type RotationResult } from './domain/master-key-rotation.ts';
import { sealedKeyId } from './crypto/sealing.ts';

export interface MasterKeys {
  readonly current: Buffer;
  /** Keys whose sealed values still open (a rotation in progress). */
  readonly previous: readonly Buffer[];
}

/**
 * The configured master keys. Without a key given, the data directory's master.key is used — and
 * made, when `create` (the server's first start).
 */
export function loadMasterKeys(config: Config, { create }: { create: boolean }): MasterKeys {
  const current =
    keyFrom(config.masterKey, config.masterKeyFile, 'PORTCULLIS_MASTER_KEY', create) ??
    dataDirectoryKey(config.dataDir, create);
  const previous = keyFrom(
    config.previousMasterKey,
    config.previousMasterKeyFile,
    'PORTCULLIS_PREVIOUS_MASTER_KEY',
    false,
  );
  return { current, previous: previous && !previous.equals(current) ? [previous] : [] };
}

export function sealerFor(keys: MasterKeys): Sealer {
  return createSealer(keys.current, keys.previous);
}

function keyFrom(
  value: string | undefined,
  file: string | undefined,
  name: string,
  create: boolean,
): Buffer | undefined {
  if (value !== undefined && file !== undefined)
    throw new Error(`Give either ${name} or ${name}_FILE, not both.`);
  if (value !== undefined) return parseKey(value, name);
  if (file === undefined) return undefined;
  if (!existsSync(file)) {
    if (!create) throw new Error(`${name}_FILE names ${file}, which does not exist.`);
    return newKeyFile(file);
  }
  return parseKey(readKeyFile(file, `${name}_FILE`), `${name}_FILE (${file})`);
}

function dataDirectoryKey(dataDir: string, create: boolean): Buffer {
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return parseKey(readKeyFile(file, 'master.key'), file);
  if (!create)
    throw new Error(
      `No master key: give PORTCULLIS_MASTER_KEY or PORTCULLIS_MASTER_KEY_FILE (there is no ${file}).`,
    );
  return newKeyFile(file);
}

function newKeyFile(file: string): Buffer {
  const key = generateMasterKey();
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

function readKeyFile(file: string, name: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${name}: cannot read ${file} (${(error as { code?: string }).code ?? 'error'}).`, {
      cause: error,
    });
  }
}

/** Parse errors never echo the text (it may be a near-miss of the real key). */
function parseKey(text: string, where: string): Buffer {
  try {
    return parseMasterKey(text);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Secrets are sealed with the master key: a server given another key than the one the store was
 * written with could open none of them. Said at start, plainly, rather than as failed signatures.
 */
export async function checkMasterKey(store: Store, sealer: Sealer): Promise<void> {
  const [sample] = await store.read((tx) => tx.list(accessKeys, { limit: 1 }));
  if (!sample) return;
  try {
    sealer.open(sample.sealedSecret, `access-key:${sample.id}`);
  } catch {
    const id = sealedKeyId(sample.sealedSecret);
    throw new Error(
      'The master key does not open the secrets in this database: start with the master key it was written with ' +
        '(PORTCULLIS_MASTER_KEY or PORTCULLIS_MASTER_KEY_FILE, or master.key in the data directory). ' +
        'Every node of a deployment needs the same key. ' +
        (id
          ? `The database's secrets are sealed under key id ${id}; this server was given key id ${sealer.keyId}.`
          : ''),
    );
  }
}

/** The key ids a server was given, for the operator (ids are fingerprints, not keys). */
export function describeKeys(keys: MasterKeys): string {
  const previous = keys.previous.map((k) => masterKeyId(k));
  return `master key id ${masterKeyId(keys.current)}${previous.length ? ` (also opening ${previous.join(', ')})` : ''}`;
}

/** Passes of the rotation at most: a later pass catches values sealed under the old key meanwhile. */
const PASSES = 3;

/**
 * Re-seals every sealed value under the current key, pass after pass until one finds nothing
 * left to do. Rejects when values are still re-sealed after PASSES (a node still sealing under
 * the old key).
 */
export async function rotateMasterKey(
  store: Store,
  keys: MasterKeys,
  report: (line: string) => void,
): Promise<RotationResult> {
  if (keys.previous.length === 0)
    throw new Error(
      'rotate-master-key re-seals under PORTCULLIS_MASTER_KEY(_FILE) what was sealed under PORTCULLIS_PREVIOUS_MASTER_KEY(_FILE): give both.',
    );
  const sealer = sealerFor(keys);
  await checkMasterKey(store, sealer);
  let first: RotationResult | undefined;
  for (let pass = 1; pass <= PASSES; pass++) {
    const result = await resealEverything({ store, sealer });
    first ??= result;
    const tables = Object.entries(result.resealed)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ');
    report(`pass ${pass}: re-sealed ${result.total} row(s) (${tables})`);
    if (result.total === 0) return first;
  }
  throw new Error(
    'Values sealed under the previous key keep appearing: a server is still sealing under it. ' +
      'Give every node the new key as PORTCULLIS_MASTER_KEY, then run rotate-master-key again.',
  );
}

/**
 * On SQLite the server holds its data directory alone, so no other process can re-seal it: a
 * server started with a previous key re-seals by itself, in the background, while it answers.
 */
export function resealInBackground(iam: Iam, keys: MasterKeys): { stop(): Promise<void> } | undefined {
  if (keys.previous.length === 0) return undefined;
  let stopping = false;
  const done = resealEverything(iam, { stopped: () => stopping }).then(
    (result) => {
      if (!stopping)
        console.log(
          `Master key rotation: ${result.total} row(s) re-sealed under key id ${iam.sealer.keyId}; ` +
            'the previous key (PORTCULLIS_PREVIOUS_MASTER_KEY) is no longer needed.',
        );
    },
    (error: unknown) => console.error('Master key rotation failed:', (error as Error).message),
  );
  return {
    async stop() {
      stopping = true;
      await done;
    },
  };
}
