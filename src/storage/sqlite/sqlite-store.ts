// The embedded default Store: one SQLite file in WAL mode through better-sqlite3.
// better-sqlite3 is synchronous, so every transaction holds the one connection until it ends;
// transactions queue behind each other (a promise chain) so that one never sees another's
// uncommitted writes, even though the domain's work inside awaits between steps. One process owns
// the file: two servers on one data directory are not supported.
import Database from 'better-sqlite3';
import type { Entry, Kind, ListOptions, Store, StoreTx } from '../../domain/store.ts';
import { migrate } from './migrations.ts';

export interface SqliteStoreOptions {
  /** A file path, or ":memory:". */
  readonly filename: string;
}

export function openSqliteStore({ filename }: SqliteStoreOptions): Store {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const statements = {
    get: db.prepare<[string, string], { value: string }>(
      'SELECT value FROM records WHERE kind = ? AND key = ?',
    ),
    put: db.prepare(
      'INSERT INTO records (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value',
    ),
    delete: db.prepare('DELETE FROM records WHERE kind = ? AND key = ?'),
    list: db.prepare<[string, string, string, string, number], { key: string; value: string }>(
      'SELECT key, value FROM records WHERE kind = ? AND key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?',
    ),
    count: db.prepare<[string, string, string], { n: number }>(
      'SELECT count(*) AS n FROM records WHERE kind = ? AND key >= ? AND key < ?',
    ),
    deletePrefix: db.prepare('DELETE FROM records WHERE kind = ? AND key >= ? AND key < ?'),
  };

  const tx: StoreTx = {
    async get<T>(kind: Kind, key: string) {
      const row = statements.get.get(kind, key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    async put(kind, key, value) {
      statements.put.run(kind, key, JSON.stringify(value));
    },
    async delete(kind, key) {
      return statements.delete.run(kind, key).changes > 0;
    },
    async list<T>(kind: Kind, options: ListOptions = {}) {
      const prefix = options.prefix ?? '';
      const rows = statements.list.all(
        kind,
        prefix,
        prefixEnd(prefix),
        options.after ?? '',
        options.limit ?? -1,
      );
      return rows.map((row): Entry<T> => ({ key: row.key, value: JSON.parse(row.value) as T }));
    },
    async count(kind, prefix) {
      return statements.count.get(kind, prefix, prefixEnd(prefix))!.n;
    },
    async deletePrefix(kind, prefix) {
      return statements.deletePrefix.run(kind, prefix, prefixEnd(prefix)).changes;
    },
  };

  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    // Reads need no BEGIN: transactions run one at a time on the one connection, so nothing can
    // change between the statements of a read.
    read: (work) => serialize(() => work(tx)),
    write: (work) =>
      serialize(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(tx);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      }),
    clear: () => serialize(async () => void db.exec('DELETE FROM records')),
    close: () => serialize(async () => void db.close()),
  };
}

/** The smallest string greater than every string starting with `prefix` ("" means no upper bound). */
function prefixEnd(prefix: string): string {
  return prefix === '' ? '\u{10FFFF}' : prefix + '\u{10FFFF}';
}
