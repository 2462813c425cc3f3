// The embedded default Store: one SQLite file in WAL mode through better-sqlite3.
//
// better-sqlite3 is synchronous, and a transaction's work awaits between its statements, so:
// - write transactions queue behind each other in this process and run on one writer
//   connection under BEGIN IMMEDIATE (which also excludes writers of other connections or
//   processes on the same file: when one holds the lock, BEGIN is retried after a short wait,
//   without blocking the event loop);
// - read transactions each take a connection of their own from a small pool (WAL lets readers
//   keep their snapshot while the writer commits), opened on their first statement;
// - the revision of an account is read on a connection that never holds a transaction — or, when
//   the caller holds the file for itself (`exclusive`: a server locks its data directory,
//   lock.ts), kept in memory, since only this process's commits can move it.
// The Store itself works with several instances on one file, which the contract suite uses for
// its races.
import Database from 'better-sqlite3';
import type { Store, StoreTx } from '../../domain/store.ts';
import { ALL_TABLES } from '../../domain/tables.ts';
import type { ErrorKinds, SqlConnection, SqlValue } from '../sql/connection.ts';
import { SqlTransaction } from '../sql/transaction.ts';
import { withRetries } from '../sql/retry.ts';
import { BUMP_ALL_REVISIONS, BUMP_REVISION, REVISION_OF } from '../sql/statements.ts';
import { migrate } from './migrations.ts';
import { restrictFileModes } from './files.ts';

export interface SqliteStoreOptions {
  /** A file path, or ":memory:". */
  readonly filename: string;
  /** No other process or instance writes the file (the caller holds its lock). */
  readonly exclusive?: boolean;
}

/** How long a statement may wait for a lock held by another connection before it reports busy. */
const STATEMENT_BUSY_MS = 20;
/** How long a write waits in all for another connection's write lock. */
const WRITE_LOCK_PATIENCE_MS = 15_000;
const READERS = 4;

const errorKinds: ErrorKinds = {
  isUniqueViolation: (error) =>
    (error as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (error as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  // Under BEGIN IMMEDIATE a transaction never loses a race to another writer.
  isSerializationFailure: () => false,
};

export function openSqliteStore({ filename, exclusive = false }: SqliteStoreOptions): Store {
  const inMemory = filename === ':memory:';
  if (!inMemory) restrictFileModes(filename, 'before');
  const writer = open(filename);
  migrate(writer);
  if (!inMemory) restrictFileModes(filename, 'after');
  // An in-memory database exists only on its one connection.
  const idle: Database.Database[] = [];
  let readersOpen = 0;
  const waiting: ((db: Database.Database) => void)[] = [];
  const single = inMemory ? writer : open(filename);

  const acquireReader = async (): Promise<Database.Database> => {
    if (inMemory) return writer;
    const db = idle.pop();
    if (db) return db;
    if (readersOpen < READERS) {
      readersOpen++;
      return open(filename);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const releaseReader = (db: Database.Database) => {
    if (inMemory) return;
    const next = waiting.shift();
    if (next) next(db);
    else idle.push(db);
  };

  const listeners: ((accounts: ReadonlySet<string>) => void)[] = [];
  // With the file to itself, this process knows every revision as it moves (read once from the file).
  const revisions = exclusive ? new Map<string, number>() : undefined;
  let writes: Promise<unknown> = Promise.resolve();
  // In memory, readers share the writer's connection: they wait for writes to end.
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const run = writes.then(work, work);
    writes = run.catch(() => undefined);
    return run;
  };

  const runWrite = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const tx = new SqlTransaction(() => connection(writer), true);
    await beginImmediate(writer);
    try {
      const result = await work(tx);
      for (const account of tx.touched) statement(writer, BUMP_REVISION).run(account);
      writer.exec('COMMIT');
      for (const account of tx.touched) revisions?.delete(account);
      if (tx.touched.size > 0) for (const listener of listeners) listener(tx.touched);
      return result;
    } catch (error) {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      throw error;
    }
  };

  const runRead = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    let db: Database.Database | undefined;
    const tx = new SqlTransaction(async () => {
      if (!db) {
        db = await acquireReader();
        if (!inMemory) db.exec('BEGIN');
      }
      return connection(db);
    }, false);
    try {
      return await work(tx);
    } finally {
      if (db) {
        if (!inMemory && db.inTransaction) db.exec('COMMIT');
        releaseReader(db);
      }
    }
  };

  return {
    read: (work) => (inMemory ? serialize(() => runRead(work)) : runRead(work)),
    write: (work) => serialize(() => withRetries(errorKinds, () => runWrite(work))),
    async revision(account) {
      const known = revisions?.get(account);
      if (known !== undefined) return known;
      const row = statement(single, REVISION_OF).get(account) as { revision: number } | undefined;
      const revision = row ? Number(row.revision) : 0;
      revisions?.set(account, revision);
      return revision;
    },
    onCommit(listener) {
      listeners.push(listener);
    },
    clear: () =>
      serialize(async () => {
        await beginImmediate(writer);
        try {
          for (const table of ALL_TABLES) writer.exec(`DELETE FROM ${table.name}`);
          writer.exec(BUMP_ALL_REVISIONS);
          writer.exec('COMMIT');
          revisions?.clear();
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () =>
      serialize(async () => {
        for (const db of idle.splice(0)) db.close();
        if (single !== writer) single.close();
        writer.close();
      }),
  };
}

function open(filename: string): Database.Database {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  // Durable across a crash of the process (the OS keeps what was written); a power loss may lose
  // the last transactions, never the file's integrity (SQLite's documentation on WAL).
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${STATEMENT_BUSY_MS}`);
  db.pragma('foreign_keys = ON');
  return db;
}

async function beginImmediate(db: Database.Database): Promise<void> {
  const deadline = Date.now() + WRITE_LOCK_PATIENCE_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function statement(db: Database.Database, sql: string): Database.Statement {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = new Map()));
  let found = statements.get(sql);
  if (!found) statements.set(sql, (found = db.prepare(sql)));
  return found;
}

const connections = new WeakMap<Database.Database, SqlConnection>();

function connection(db: Database.Database): SqlConnection {
  let found = connections.get(db);
  if (!found) {
    found = {
      all: (sql: string, params: readonly SqlValue[]) =>
        statement(db, sql).all(...params) as Record<string, unknown>[],
      run: (sql: string, params: readonly SqlValue[]) => statement(db, sql).run(...params).changes,
    };
    connections.set(db, found);
  }
  return found;
}
