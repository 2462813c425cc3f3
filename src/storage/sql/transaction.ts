// The Store port's transaction over any SQL connection: rows in, records out, with the versions
// read remembered so that a write can state its conflict, and the accounts whose revisioned rows
// it changed collected for the revision bump at commit.
import type { AnyTable, Query, StoreTx, Table, Where } from '../../domain/store.ts';
import type { SqlConnection, SqlRow, SqlValue } from './connection.ts';
import {
  CHUNK,
  columnValues,
  countQuery,
  deleteById,
  deleteQuery,
  distinctAccounts,
  insertRow,
  selectById,
  selectMany,
  selectQuery,
  tallyQuery,
  updateRow,
  upsertRow,
} from './statements.ts';

/** A row changed (or vanished) since this transaction read it: the transaction runs again. */
export class StaleRow extends Error {
  constructor(table: string, id: string) {
    super(`${table} ${id} changed since it was read`);
    this.name = 'StaleRow';
  }
}

export class SqlTransaction implements StoreTx {
  /** The rows read or written, by "<table>\0<id>": their version, and their account if revisioned. */
  readonly #seen = new Map<string, { version: number; account: string | undefined }>();
  /** Accounts whose revisioned rows this transaction changed. */
  readonly touched = new Set<string>();
  readonly #connection: (table: AnyTable) => SqlConnection | Promise<SqlConnection>;
  readonly #writable: boolean;

  /**
   * `connection` is asked for on each statement, with the table the statement is about (a
   * subquery's table must be reachable on the same connection): an adapter may keep some tables
   * in a database of their own, and a transaction that reads nothing costs nothing.
   */
  constructor(connection: (table: AnyTable) => SqlConnection | Promise<SqlConnection>, writable: boolean) {
    this.#connection = connection;
    this.#writable = writable;
  }

  async #all(table: AnyTable, sql: string, params: readonly SqlValue[]): Promise<readonly SqlRow[]> {
    return (await this.#connection(table)).all(sql, params);
  }

  async #run(table: AnyTable, sql: string, params: readonly SqlValue[]): Promise<number> {
    if (!this.#writable) throw new Error('A read transaction cannot write');
    return (await this.#connection(table)).run(sql, params);
  }

  #remember<T>(table: Table<T>, id: string, version: number, record: T): void {
    const account = table.revisioned ? String(table.columns.account!(record)) : undefined;
    this.#seen.set(`${table.name}\u0000${id}`, { version, account });
  }

  #record<T>(table: Table<T>, row: SqlRow): T {
    const record = JSON.parse(row.doc as string) as T;
    // Versions are for writes to state their conflicts; a read transaction writes nothing.
    if (this.#writable) this.#remember(table, row.id as string, Number(row.version), record);
    return record;
  }

  async get<T>(table: Table<T>, id: string): Promise<T | undefined> {
    const rows = await this.#all(table, selectById(table), [id]);
    return rows.length === 0 ? undefined : this.#record(table, rows[0]!);
  }

  async getMany<T>(table: Table<T>, ids: readonly string[]): Promise<T[]> {
    const unique = [...new Set(ids)];
    const found: T[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      for (const row of await this.#all(table, selectMany(table, chunk.length), chunk)) {
        found.push(this.#record(table, row));
      }
    }
    return found;
  }

  async find<T>(table: Table<T>, where: Where): Promise<T | undefined> {
    const [first] = await this.list(table, { where, limit: 1 });
    return first;
  }

  async list<T>(table: Table<T>, query: Query = {}): Promise<T[]> {
    const { sql, params } = selectQuery(table, query);
    return (await this.#all(table, sql, params)).map((row) => this.#record(table, row));
  }

  async count(table: AnyTable, where?: Where): Promise<number> {
    const { sql, params } = countQuery(table, where);
    const rows = await this.#all(table, sql, params);
    return Number(rows[0]!.n);
  }

  async tally(table: AnyTable, column: string, where?: Where): Promise<Map<string, number>> {
    const { sql, params } = tallyQuery(table, column, where);
    const counts = new Map<string, number>();
    for (const row of await this.#all(table, sql, params)) counts.set(String(row.value), Number(row.n));
    return counts;
  }

  async insert<T>(table: Table<T>, row: T): Promise<void> {
    const id = table.id(row);
    await this.#run(table, insertRow(table), [id, ...columnValues(table, row), JSON.stringify(row), 1]);
    this.#written(table, id, 1, row);
  }

  async update<T>(table: Table<T>, row: T): Promise<void> {
    const id = table.id(row);
    const seen = this.#seen.get(`${table.name}\u0000${id}`);
    if (!seen) throw new Error(`Update of ${table.name} ${id}, which this transaction did not read`);
    const params = [...columnValues(table, row), JSON.stringify(row), id, seen.version];
    if ((await this.#run(table, updateRow(table), params)) === 0) throw new StaleRow(table.name, id);
    if (seen.account !== undefined) this.touched.add(seen.account);
    this.#written(table, id, seen.version + 1, row);
  }

  async put<T>(table: Table<T>, row: T): Promise<void> {
    const id = table.id(row);
    const seen = this.#seen.get(`${table.name}\u0000${id}`);
    await this.#run(table, upsertRow(table), [id, ...columnValues(table, row), JSON.stringify(row), 1]);
    if (seen?.account !== undefined) this.touched.add(seen.account);
    // The version the upsert left is not known here: a later update in this transaction must read again.
    this.#seen.delete(`${table.name}\u0000${id}`);
    if (table.revisioned) this.touched.add(String(table.columns.account!(row)));
  }

  async delete(table: AnyTable, id: string): Promise<boolean> {
    const key = `${table.name}\u0000${id}`;
    // A revisioned row is read first, for its account (whose revision its removal moves).
    if (table.revisioned && !this.#seen.has(key) && (await this.get(table, id)) === undefined) return false;
    const seen = this.#seen.get(key);
    const changed = seen
      ? await this.#run(table, deleteById(table, true), [id, seen.version])
      : await this.#run(table, deleteById(table, false), [id]);
    if (seen && changed === 0) throw new StaleRow(table.name, id);
    this.#seen.delete(key);
    if (seen?.account !== undefined) this.touched.add(seen.account);
    return changed > 0;
  }

  async deleteWhere(table: AnyTable, where: Where): Promise<number> {
    if (table.revisioned) {
      const accounts = distinctAccounts(table, where);
      for (const row of await this.#all(table, accounts.sql, accounts.params))
        this.touched.add(String(row.account));
    }
    const { sql, params } = deleteQuery(table, where);
    return this.#run(table, sql, params);
  }

  #written<T>(table: Table<T>, id: string, version: number, row: T): void {
    this.#remember(table, id, version, row);
    if (table.revisioned) this.touched.add(String(table.columns.account!(row)));
  }
}
