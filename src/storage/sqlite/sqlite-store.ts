// The embedded default Store: one SQLite file in WAL mode through better-sqlite3, and beside it the
// audit trail's file (audit-file.ts), whose writer's frequent commits then never touch the file
// every request reads. Each file has its own writer connection and its own pool of readers; a
// statement goes to the file that holds its table (the domain does not know there are two).
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
import type { AnyTable, Store, StoreTx } from '../../domain/store.ts';
import { ALL_TABLES } from '../../domain/tables.ts';
import type { ErrorKinds, SqlConnection, SqlValue } from '../sql/connection.ts';
import { SqlTransaction } from '../sql/transaction.ts';
import { withRetries } from '../sql/retry.ts';
import { BUMP_ALL_REVISIONS, BUMP_REVISION, REVISION_OF } from '../sql/statements.ts';
import { migrate } from './migrations.ts';
import { restrictFileModes } from './files.ts';
import { AUDIT_TABLES, auditFileOf, migrateAuditFile } from './audit-file.ts';

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
  // An in-memory database keeps its trail with everything else.
  const auditFilename = inMemory ? undefined : auditFileOf(filename);
  if (auditFilename) restrictFileModes(auditFilename, 'before');
  const auditWriter = auditFilename ? open(auditFilename) : undefined;
  if (auditWriter) migrateAuditFile(auditWriter);
  if (!inMemory) restrictFileModes(filename, 'after');
  if (auditFilename) restrictFileModes(auditFilename, 'after');
  // An in-memory database exists only on its one connection.
  const readers = inMemory ? sharedConnection(writer) : readerPool(filename);
  const auditReaders = auditFilename ? readerPool(auditFilename) : undefined;
  const single = inMemory ? writer : open(filename);
  /** The audit file's connections for the trail's tables, the main file's for the rest. */
  const inAuditFile = (table: AnyTable) => auditWriter !== undefined && AUDIT_TABLES.has(table.name);

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

  // Each file's write lock is taken on the transaction's first statement there: the audit writer's
  // transactions never take the main file's lock, and the domain's never the audit file's. A
  // transaction that writes to both commits each in turn (the main file first); none does but clear.
  const runWrite = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    let mainBegun: Promise<void> | undefined;
    let auditBegun: Promise<void> | undefined;
    const tx = new SqlTransaction(async (table) => {
      if (inAuditFile(table)) {
        await (auditBegun ??= beginImmediate(auditWriter!));
        return connection(auditWriter!);
      }
      await (mainBegun ??= beginImmediate(writer));
      return connection(writer);
    }, true);
    try {
      const result = await work(tx);
      if (mainBegun) {
        for (const account of tx.touched) statement(writer, BUMP_REVISION).run(account);
        writer.exec('COMMIT');
      }
      if (auditBegun) auditWriter!.exec('COMMIT');
      for (const account of tx.touched) revisions?.delete(account);
      if (tx.touched.size > 0) for (const listener of listeners) listener(tx.touched);
      return result;
    } catch (error) {
      // A BEGIN still waiting for its lock ends first, so that its transaction is rolled back too.
      await Promise.allSettled([mainBegun, auditBegun]);
      if (writer.inTransaction) writer.exec('ROLLBACK');
      if (auditWriter?.inTransaction) auditWriter.exec('ROLLBACK');
      throw error;
    }
  };

  // A read transaction takes a connection of each file it reads, on its first statement there: a
  // request that reads no audit table never opens a transaction on the audit file.
  const runRead = async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const held = new Map<ReaderPool, Promise<Database.Database>>();
    const tx = new SqlTransaction(async (table) => {
      const pool = inAuditFile(table) ? auditReaders! : readers;
      let db = held.get(pool);
      if (!db) held.set(pool, (db = pool.acquire()));
      return connection(await db);
    }, false);
    try {
      return await work(tx);
    } finally {
      for (const [pool, db] of held) pool.release(await db);
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
          if (auditWriter) await beginImmediate(auditWriter);
          for (const table of ALL_TABLES)
            (inAuditFile(table) ? auditWriter! : writer).exec(`DELETE FROM ${table.name}`);
          writer.exec(BUMP_ALL_REVISIONS);
          writer.exec('COMMIT');
          auditWriter?.exec('COMMIT');
          revisions?.clear();
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          if (auditWriter?.inTransaction) auditWriter.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () =>
      serialize(async () => {
        readers.close();
        auditReaders?.close();
        if (single !== writer) single.close();
        writer.close();
        auditWriter?.close();
      }),
  };
}

interface ReaderPool {
  /** A connection in a read transaction (BEGIN: its snapshot is taken on its first statement). */
  acquire(): Promise<Database.Database>;
  /** Ends the connection's transaction and gives it back. */
  release(db: Database.Database): void;
  /** Closes the idle connections. */
  close(): void;
}

/** A small pool of reader connections on a file, opened as needed, READERS at most. */
function readerPool(filename: string): ReaderPool {
  const idle: Database.Database[] = [];
  let opened = 0;
  const waiting: ((db: Database.Database) => void)[] = [];
  return {
    async acquire() {
      let db = idle.pop();
      if (!db && opened < READERS) {
        opened++;
        db = open(filename);
      }
      db ??= await new Promise<Database.Database>((resolve) => waiting.push(resolve));
      db.exec('BEGIN');
      return db;
    },
    release(db) {
      if (db.inTransaction) db.exec('COMMIT');
      const next = waiting.shift();
      if (next) next(db);
      else idle.push(db);
    },
    close() {
      for (const db of idle.splice(0)) db.close();
    },
  };
}

/** In memory: every read runs on the writer's connection, in turn with the writes (no transaction of its own). */
function sharedConnection(db: Database.Database): ReaderPool {
  return { acquire: () => Promise.resolve(db), release: () => undefined, close: () => undefined };
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
