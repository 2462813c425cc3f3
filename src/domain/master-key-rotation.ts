// A master key rotation: every sealed value in the store is sealed again under the sealer's
// current key. The sealer is given the new key as current and the old one as previous, so every
// value opens whichever key sealed it, and servers given both keys keep answering meanwhile.
//
// The work goes table by table in id order, in batches of short write transactions: a batch
// re-reads its rows, so a row changed by a request meanwhile is re-sealed as it now is (a
// conflict runs the batch again), and no transaction holds the database for long. Running it
// again is harmless: values already under the current key are left as they are.
import type { Sealer } from '../crypto/sealing.ts';
import type { Iam } from './iam.ts';
import type { StoreTx, Table } from './store.ts';
import {
  accessKeys,
  consoleSessions,
  mfaDevices,
  samlProviders,
  serverCertificates,
  stsSessions,
  users,
} from './tables.ts';
import { sealContext as mfaSealContext } from './iam/mfa-common.ts';
import { privateKeySealContext } from './iam/server-certificates.ts';

/** Rows per transaction: small enough that a batch holds the write lock for milliseconds. */
export const RESEAL_BATCH = 100;

export interface RotationProgress {
  readonly table: string;
  /** Rows read so far in this table, and how many of them held a value that was re-sealed. */
  readonly rows: number;
  readonly resealed: number;
}

export interface RotationResult {
  /** Rows whose sealed values were re-sealed, per table. */
  readonly resealed: Readonly<Record<string, number>>;
  readonly total: number;
}

/**
 * A row with every sealed value re-sealed under the current key, or undefined when it holds none
 * that needed it. Each table's contexts are those its writers seal with.
 */
type Resealer<T> = (row: T, sealer: Sealer) => T | undefined;

interface Sealed<T> {
  readonly table: Table<T>;
  readonly reseal: Resealer<T>;
}

// Each entry is typed by its own table; the list only holds them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SEALED: readonly Sealed<any>[] = [
  sealedIn(accessKeys, (row, s) => {
    const sealedSecret = s.reseal(row.sealedSecret, `access-key:${row.id}`);
    return sealedSecret === undefined ? undefined : { ...row, sealedSecret };
  }),
  sealedIn(stsSessions, (row, s) => {
    const sealedSecret = s.reseal(row.sealedSecret, `session:${row.accessKeyId}`);
    return sealedSecret === undefined ? undefined : { ...row, sealedSecret };
  }),
  sealedIn(mfaDevices, (row, s) => {
    if (!row.sealedSeed) return undefined;
    const sealedSeed = s.reseal(row.sealedSeed, mfaSealContext(row.serialNumber));
    return sealedSeed === undefined ? undefined : { ...row, sealedSeed };
  }),
  sealedIn(users, (row, s) => {
    let changed = false;
    const serviceCredentials = row.serviceCredentials?.map((c) => {
      const sealedPassword = s.reseal(c.sealedPassword, `service-credential:${c.id}`);
      if (sealedPassword === undefined) return c;
      changed = true;
      return { ...c, sealedPassword };
    });
    return changed ? { ...row, serviceCredentials } : undefined;
  }),
  sealedIn(samlProviders, (row, s) => {
    let changed = false;
    const privateKeys = row.privateKeys?.map((k) => {
      const sealedKey = s.reseal(k.sealedKey, `saml-private-key:${row.id}:${k.keyId}`);
      if (sealedKey === undefined) return k;
      changed = true;
      return { ...k, sealedKey };
    });
    return changed ? { ...row, privateKeys } : undefined;
  }),
  sealedIn(serverCertificates, (row, s) => {
    const sealedPrivateKey = s.reseal(row.sealedPrivateKey, privateKeySealContext(row.id));
    return sealedPrivateKey === undefined ? undefined : { ...row, sealedPrivateKey };
  }),
  sealedIn(consoleSessions, (row, s) => {
    const next = { ...row };
    let changed = false;
    const pendingKey = row.pendingAccessKey;
    // An empty sealed secret marks a key whose secret was already downloaded.
    if (pendingKey && pendingKey.sealedSecret !== '') {
      const sealedSecret = s.reseal(pendingKey.sealedSecret, `console:${row.id}:${pendingKey.id}`);
      if (sealedSecret !== undefined) {
        next.pendingAccessKey = { ...pendingKey, sealedSecret };
        changed = true;
      }
    }
    const pendingCredential = row.pendingServiceCredential;
    if (pendingCredential) {
      const sealedPassword = s.reseal(
        pendingCredential.sealedPassword,
        `console:${row.id}:${pendingCredential.id}`,
      );
      if (sealedPassword !== undefined) {
        next.pendingServiceCredential = { ...pendingCredential, sealedPassword };
        changed = true;
      }
    }
    const pendingMfa = row.pendingMfa;
    if (pendingMfa) {
      const context = `console:${row.id}:${pendingMfa.serialNumber}`;
      const sealedSeed = s.reseal(pendingMfa.sealedSeed, context);
      const sealedPng = s.reseal(pendingMfa.sealedPng, context);
      if (sealedSeed !== undefined || sealedPng !== undefined) {
        next.pendingMfa = {
          ...pendingMfa,
          sealedSeed: sealedSeed ?? pendingMfa.sealedSeed,
          sealedPng: sealedPng ?? pendingMfa.sealedPng,
        };
        changed = true;
      }
    }
    return changed ? next : undefined;
  }),
];

function sealedIn<T>(table: Table<T>, reseal: Resealer<T>): Sealed<T> {
  return { table, reseal };
}

export interface RotationOptions {
  readonly onProgress?: (progress: RotationProgress) => void;
  readonly batchSize?: number;
  /** Asked between batches: true ends the work there (the server is closing). */
  readonly stopped?: () => boolean;
}

/** Re-seals every sealed value in the store under `iam.sealer`'s current key. */
export async function resealEverything(
  iam: Pick<Iam, 'store' | 'sealer'>,
  { onProgress = () => {}, batchSize = RESEAL_BATCH, stopped = () => false }: RotationOptions = {},
): Promise<RotationResult> {
  const resealed: Record<string, number> = {};
  let total = 0;
  for (const { table, reseal } of SEALED) {
    let after: string | undefined;
    let rows = 0;
    let count = 0;
    while (!stopped()) {
      const batch = await iam.store.write((tx) =>
        resealBatch(tx, table, reseal, iam.sealer, after, batchSize),
      );
      rows += batch.read;
      count += batch.resealed;
      onProgress({ table: table.name, rows, resealed: count });
      if (batch.last === undefined) break;
      after = batch.last;
    }
    resealed[table.name] = count;
    total += count;
  }
  return { resealed, total };
}

async function resealBatch<T>(
  tx: StoreTx,
  table: Table<T>,
  reseal: Resealer<T>,
  sealer: Sealer,
  after: string | undefined,
  limit: number,
): Promise<{ read: number; resealed: number; last: string | undefined }> {
  const rows = await tx.list(table, { ...(after === undefined ? {} : { after }), limit });
  let resealed = 0;
  for (const row of rows) {
    const next = reseal(row, sealer);
    if (next === undefined) continue;
    await tx.update(table, next);
    resealed++;
  }
  return {
    read: rows.length,
    resealed,
    last: rows.length < limit ? undefined : table.id(rows[rows.length - 1]!),
  };
}
