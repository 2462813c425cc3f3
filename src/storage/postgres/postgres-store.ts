// The Store on PostgreSQL through pg, for several nodes on one database.
//
// - Write transactions run SERIALIZABLE, so quotas, uniqueness and read-then-write rules hold
//   across nodes by the database's guarantee; one that the database cannot serialize (40001), a
//   deadlock (40P01), a unique column taken meanwhile (23505) or a row changed since it was read
//   is run again (../sql/retry.ts). Within a node, writes queue behind each other, so that a busy
//   node does not race itself.
// - Writes about one account also queue across nodes: the account's row of account_locks is
//   locked (SELECT … FOR UPDATE, on a connection of its own) before the transaction takes its
//   snapshot, and held until it ends. Writers of an account then wait for each other instead of
//   aborting each other — under load they take turns, where racing starved some nodes for a second
//   or more and ended in ConcurrentModification.
// - Read transactions run REPEATABLE READ READ ONLY (one snapshot, never a serialization
//   failure) on a pooled connection taken at their first statement: a request answered from
//   memory holds no connection.
// - The SQL keeps to what PostgreSQL-compatible distributed databases (CockroachDB, YugabyteDB)
//   run as well: no advisory locks, no LISTEN/NOTIFY; the migration lock is a row lock.
import pg from 'pg';
import type { Store, StoreTx } from '../../domain/store.ts';
import { ALL_TABLES } from '../../domain/tables.ts';
import type { ErrorKinds, SqlConnection, SqlRow, SqlValue } from '../sql/connection.ts';
import { SqlTransaction } from '../sql/transaction.ts';
import { withRetries } from '../sql/retry.ts';
import { BUMP_ALL_REVISIONS, BUMP_REVISION, REVISION_OF } from '../sql/statements.ts';
import { migrate } from './migrations.ts';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq's form; sslmode and the rest as pg reads them). */
  readonly connectionString: string;
  /** Connections this node may hold (default 10). */
  readonly poolSize?: number;
  /**
   * Idle connections stay open instead of closing after pg's 10 s: a worker's one connection then
   * meets its next task with the database session it had — the statements already prepared and
   * planned, the server process's caches filled — rather than a new one.
   */
  readonly keepIdle?: boolean;
}

const errorKinds: ErrorKinds = {
  isUniqueViolation: (error) => sqlState(error) === '23505',
  isSerializationFailure: (error) => sqlState(error) === '40001' || sqlState(error) === '40P01',
};

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const INT8 = 20;
// Counts, revisions and epoch milliseconds fit a double exactly; pg hands BIGINT over as text.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    application_name: 'portcullis',
    types,
    // A database that does not answer fails requests (and the health check) instead of holding them.
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...(options.keepIdle ? { idleTimeoutMillis: 0 } : {}),
  });
  // An idle connection that breaks (the server restarted) is dropped by the pool, not thrown.
  pool.on('error', () => undefined);
  await migrate(pool);

  const listeners: ((accounts: ReadonlySet<string>) => void)[] = [];
  let writes: Promise<unknown> = Promise.resolve();
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const run = writes.then(work, work);
    writes = run.catch(() => undefined);
    return run;
  };

  /** Runs `body` holding the account's lock (writers of other accounts, and unlocked writes, go on). */
  const withAccountLock = async <T>(account: string | undefined, body: () => Promise<T>): Promise<T> => {
    if (account === undefined) return body();
    const client = await pool.connect();
    try {
      await client.query('INSERT INTO account_locks (account) VALUES ($1) ON CONFLICT (account) DO NOTHING', [
        account,
      ]);
      await client.query('BEGIN');
      await client.query('SELECT account FROM account_locks WHERE account = $1 FOR UPDATE', [account]);
      return await body();
    } finally {
      // Ending the transaction releases the lock; a connection that cannot is thrown away.
      client.release(!(await rollback(client)));
    }
  };

  const runWrite = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      const tx = new SqlTransaction(() => connection(client), true);
      const result = await work(tx);
      for (const account of tx.touched) await client.query(dialect(BUMP_REVISION), [account]);
      await client.query('COMMIT');
      if (tx.touched.size > 0) for (const listener of listeners) listener(tx.touched);
      return result;
    } catch (error) {
      broken = !(await rollback(client));
      throw error;
    } finally {
      client.release(broken);
    }
  };

  const runRead = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    let client: pg.PoolClient | undefined;
    let opening: Promise<SqlConnection> | undefined;
    const tx = new SqlTransaction(() => {
      opening ??= (async () => {
        client = await pool.connect();
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return connection(client);
      })();
      return opening;
    }, false);
    let broken = false;
    try {
      const result = await work(tx);
      if (client) await client.query('COMMIT');
      return result;
    } catch (error) {
      if (client) broken = !(await rollback(client));
      throw error;
    } finally {
      client?.release(broken);
    }
  };

  return {
    read: runRead,
    write: (work, options) =>
      serialize(() => withAccountLock(options?.account, () => withRetries(errorKinds, () => runWrite(work)))),
    async revision(account) {
      const result = await pool.query<{ revision: number }>({ ...prepared(REVISION_OF), values: [account] });
      return result.rows[0]?.revision ?? 0;
    },
    onCommit(listener) {
      listeners.push(listener);
    },
    clear: () =>
      serialize(() =>
        withRetries(errorKinds, async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
            for (const table of ALL_TABLES) await client.query(`DELETE FROM ${table.name}`);
            await client.query(BUMP_ALL_REVISIONS);
            await client.query('COMMIT');
          } catch (error) {
            await rollback(client);
            throw error;
          } finally {
            client.release();
          }
        }),
      ),
    close: () => serialize(() => pool.end()),
  };
}

/** Rolls back; false when the connection is unusable (it is then thrown away, not pooled). */
async function rollback(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

const converted = new Map<string, string>();

/** "?" placeholders as PostgreSQL's $1, $2, … (the shared SQL has no "?" anywhere else). */
export function dialect(sql: string): string {
  let text = converted.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, text);
  }
  return text;
}

const named = new Map<string, pg.QueryConfig>();
const NAMED_LIMIT = 2_000;

/**
 * The statement as a named prepared statement: each connection parses and plans it once, not on
 * every request (the shared SQL is a few hundred shapes; id lists of other lengths stay unnamed).
 */
function prepared(sql: string): pg.QueryConfig {
  let config = named.get(sql);
  if (!config) {
    config = { name: `p${named.size}`, text: dialect(sql) };
    if (named.size < NAMED_LIMIT) named.set(sql, config);
    else config = { text: config.text };
  }
  return config;
}

function connection(client: pg.PoolClient): SqlConnection {
  return {
    async all(sql: string, params: readonly SqlValue[]): Promise<readonly SqlRow[]> {
      return (await client.query({ ...prepared(sql), values: params as SqlValue[] })).rows as SqlRow[];
    },
    async run(sql: string, params: readonly SqlValue[]): Promise<number> {
      return (await client.query({ ...prepared(sql), values: params as SqlValue[] })).rowCount ?? 0;
    },
  };
}
