// A large population written straight into a store (not through the API), for bench:scale:
// `accounts` accounts of `usersPerAccount` users each. Every account has its row (root e-mail and
// password hash) and one root access key; every user a login profile (one argon2id hash, made once
// and shared: hashing each password would take hours), a small inline policy that lets the user
// read its own user, keys and MFA devices (so that any user can call GetUser), one access key and
// every third user a second one, and every other user an enabled virtual MFA device. Secrets are
// sealed with the master key one by one, as the server does (context access-key:<id>, and
// mfa-seed:<serial> for the devices' seeds).
//
// Ids and secrets are derived from the account's and user's numbers, so that the benchmark can
// sign as any seeded user or root without keeping the credentials of 500,000 users; the first
// account is the benchmarks' usual one (callers.ts: ACCOUNT_ID, ROOT), created first, so that the
// server takes it as its own.
import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Sealer } from '../../src/crypto/sealing.ts';
import type { AnyTable, Store } from '../../src/domain/store.ts';
import type {
  AccessKeyRecord,
  AccountRecord,
  MfaDeviceRecord,
  UserRecord,
} from '../../src/domain/records.ts';
import { accessKeys, accounts, mfaDevices, users } from '../../src/domain/tables.ts';
import { columnsOf, columnValues } from '../../src/storage/sql/statements.ts';
import type { Signer } from '../load.ts';
import { ACCOUNT_ID, ROOT } from './callers.ts';

export interface PopulationOptions {
  readonly accounts: number;
  readonly usersPerAccount: number;
  /** Seats left free in the first account for users the benchmark creates through the API (alice). */
  readonly reservedInFirst: number;
  /** The PHC string stored as every password's hash. */
  readonly passwordHash: string;
  readonly sealer: Sealer;
}

/** One row to insert: the table, and the record. */
export type Row = readonly [AnyTable, unknown];

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const CREATED = '2024-01-02T03:04:05Z';
const FIRST_CREATED = '2024-01-01T00:00:00Z';
const SECRET_KEY = 'portcullis-bench-population';

/** AWS's "allow users to manage their own credentials" shape, reduced to reading. */
const SELF_SERVICE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ViewOwnUserAndCredentials',
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListAccessKeys', 'iam:ListMFADevices', 'iam:GetLoginProfile'],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
  ],
});

export function accountIdOf(account: number): string {
  return account === 0 ? ACCOUNT_ID : String(300_000_000_000 + account);
}

/** The number of users seeded in an account. */
export function usersIn(options: PopulationOptions, account: number): number {
  return account === 0 ? options.usersPerAccount - options.reservedInFirst : options.usersPerAccount;
}

const userName = (user: number) => `user-${String(user).padStart(5, '0')}`;
const userId = (account: number, user: number) =>
  `AIDAB${String(account).padStart(5, '0')}U${String(user).padStart(10, '0')}`;

function base32(n: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++, n = Math.floor(n / 32)) text = BASE32[n % 32] + text;
  return text;
}

/** Key k (0 or 1) of a user, or the root key (user -1): AKIA + 16 characters of [A-Z2-7]. */
function keyId(account: number, user: number, k: number): string {
  if (account === 0 && user < 0) return ROOT.accessKeyId;
  return user < 0 ? `AKIARB${base32(account, 14)}` : `AKIAU${base32(account, 4)}${base32(user * 2 + k, 11)}`;
}

const secretOf = (id: string) =>
  createHmac('sha256', SECRET_KEY).update(id).digest().subarray(0, 30).toString('base64');

/** The signer of an account's root user (the first account's is callers.ts's ROOT). */
export function rootSignerOf(account: number): Signer {
  if (account === 0) return ROOT;
  const id = keyId(account, -1, 0);
  return { ...ROOT, accessKeyId: id, secretAccessKey: secretOf(id) };
}

/** The signer of a seeded user's first access key. */
export function userSignerOf(account: number, user: number): Signer {
  const id = keyId(account, user, 0);
  return { ...ROOT, accessKeyId: id, secretAccessKey: secretOf(id) };
}

/** Every row of one account, in an order that inserts cleanly. */
export function* accountRows(options: PopulationOptions, account: number): Generator<Row> {
  const id = accountIdOf(account);
  const createdAt = account === 0 ? FIRST_CREATED : CREATED;
  const record: AccountRecord = {
    id,
    rootEmail: `root@account-${account}.bench.example`,
    rootPasswordHash: options.passwordHash,
    createdAt,
  };
  yield [accounts, record];
  yield [accessKeys, accessKey(options, id, account, -1, 0)];
  for (let user = 0; user < usersIn(options, account); user++) {
    const name = userName(user);
    const row: UserRecord = {
      account: id,
      id: userId(account, user),
      name,
      path: '/',
      createdAt: CREATED,
      tags: [],
      inlinePolicies: { SelfService: SELF_SERVICE },
      loginProfile: {
        passwordHash: options.passwordHash,
        createdAt: CREATED,
        passwordChangedAt: CREATED,
        passwordResetRequired: false,
        previousHashes: [],
      },
    };
    yield [users, row];
    yield [accessKeys, accessKey(options, id, account, user, 0, row.id)];
    if (user % 3 === 0) yield [accessKeys, accessKey(options, id, account, user, 1, row.id)];
    if (user % 2 === 1) {
      const serialNumber = `arn:aws:iam::${id}:mfa/${name}`;
      const device: MfaDeviceRecord = {
        id: `00000000-0000-4000-8000-${(account * 100_000 + user).toString(16).padStart(12, '0')}`,
        account: id,
        serialNumber,
        name,
        path: '/',
        createdAt: CREATED,
        sealedSeed: options.sealer.seal(base32Seed(), `mfa-seed:${serialNumber}`),
        ownerId: row.id,
        enabledAt: CREATED,
        lastUsedStep: 56_789_012,
        tags: [],
      };
      yield [mfaDevices, device];
    }
  }
}

function accessKey(
  options: PopulationOptions,
  accountId: string,
  account: number,
  user: number,
  k: number,
  owner?: string,
): AccessKeyRecord {
  const id = keyId(account, user, k);
  return {
    account: accountId,
    id,
    ...(owner ? { userId: owner } : {}),
    sealedSecret: options.sealer.seal(
      id === ROOT.accessKeyId ? ROOT.secretAccessKey : secretOf(id),
      `access-key:${id}`,
    ),
    status: 'Active',
    createdAt: CREATED,
    position: k + 1,
  };
}

/** A TOTP seed as the server makes them: 20 random bytes in base32 (32 characters). */
function base32Seed(): string {
  const bytes = randomBytes(20);
  let text = '';
  for (let i = 0; i < 20; i += 5) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + bytes[i + j]!;
    text += base32(n, 8);
  }
  return text;
}

/** Writes a batch of rows in one transaction. */
export interface RowWriter {
  write(rows: readonly Row[]): Promise<void>;
  close(): Promise<void>;
}

/** Through the Store port: one write transaction per batch, tx.insert for each row. */
export function storeWriter(store: Store): RowWriter {
  return {
    write: (rows) =>
      store.write(async (tx) => {
        for (const [table, row] of rows) await tx.insert(table, row);
      }),
    close: () => store.close(),
  };
}

/**
 * PostgreSQL without the Store port: one transaction per batch, with one multi-row INSERT per
 * table (at most 1,000 rows each). The rows are what the Store's insert writes — id, the columns
 * tables.ts declares (derived by the same functions), the record as JSON, version 1 — and each
 * account whose revisioned rows the batch holds has its revision moved, as a commit through the
 * Store does.
 */
export async function bulkPostgresWriter(url: string): Promise<RowWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async write(rows) {
      const byTable = new Map<AnyTable, unknown[]>();
      const touched = new Set<string>();
      for (const [table, row] of rows) {
        let list = byTable.get(table);
        if (!list) byTable.set(table, (list = []));
        list.push(row);
        if (table.revisioned) touched.add(String(table.columns.account!(row)));
      }
      await client.query('BEGIN');
      try {
        for (const [table, list] of byTable) {
          const names = ['id', ...columnsOf(table), 'doc', 'version'];
          for (let start = 0; start < list.length; start += 1000) {
            const params: unknown[] = [];
            const tuples: string[] = [];
            for (const row of list.slice(start, start + 1000)) {
              const values = [table.id(row), ...columnValues(table, row), JSON.stringify(row), 1];
              tuples.push(`(${values.map((v) => `$${params.push(v)}`).join(', ')})`);
            }
            await client.query(
              `INSERT INTO ${table.name} (${names.join(', ')}) VALUES ${tuples.join(', ')}`,
              params,
            );
          }
        }
        for (const account of touched) {
          await client.query(
            'INSERT INTO account_revisions (account, revision) VALUES ($1, 1) ' +
              'ON CONFLICT (account) DO UPDATE SET revision = account_revisions.revision + 1',
            [account],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: () => client.end(),
  };
}

export interface SeedResult {
  readonly rows: number;
  readonly users: number;
  readonly seconds: number;
  /** Time spent building rows (sealing included), summed over the lanes. */
  readonly buildSeconds: number;
}

/**
 * Writes the whole population in transactions of `batch` rows, one lane per writer: each lane
 * takes the next account not yet taken and writes it batch after batch, so that no two
 * transactions in flight touch one account (its revision row). A lane builds its next batch while
 * the others' are written. `progress` is told after each account. The writers are closed at the end.
 */
export async function seedPopulation(
  options: PopulationOptions,
  writers: readonly RowWriter[],
  batch: number,
  progress?: (accountsDone: number, rows: number) => void,
): Promise<SeedResult> {
  const started = performance.now();
  let building = 0;
  let rows = 0;
  let users = 0;
  let nextAccount = 0;
  let accountsDone = 0;
  try {
    await Promise.all(
      writers.map(async (writer) => {
        for (let account = nextAccount++; account < options.accounts; account = nextAccount++) {
          users += usersIn(options, account);
          const generator = accountRows(options, account);
          let pending: Row[] = [];
          for (;;) {
            const t = performance.now();
            const next = generator.next();
            building += performance.now() - t;
            if (!next.done) pending.push(next.value);
            if (pending.length >= batch || (next.done && pending.length > 0)) {
              await writer.write(pending);
              rows += pending.length;
              pending = [];
            }
            if (next.done) break;
          }
          progress?.(++accountsDone, rows);
        }
      }),
    );
  } finally {
    for (const writer of writers) await writer.close();
  }
  return { rows, users, seconds: (performance.now() - started) / 1000, buildSeconds: building / 1000 };
}
