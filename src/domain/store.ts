// The Store port: what the domain needs from storage, and nothing about how it is kept.
//
// Rows live in tables (tables.ts declares them). Every row is keyed by its immutable id and kept
// whole as a document; the columns a table declares are derived from the row and exist so that
// queries can select, order and count by them — an account's users by name, a group's members, a
// policy's attachments — in the database rather than in JavaScript. Names are unique indexed
// columns, never keys: a renamed user is one changed row, and a re-created "alice" is a new id.
//
// Every read and write happens inside a transaction. Reads see one snapshot. Writes state their
// conflicts: `insert` fails on a unique column already taken, `update` and `delete` fail when the
// row changed since this transaction read it. A write transaction that loses a race (or that the
// database cannot serialize) is run again from the start by the Store, a bounded number of times,
// so `work` must have no effect outside the transaction; when the races do not stop, `write`
// rejects with StoreConflict.

export type Scalar = string | number | null;

export interface Table<T> {
  readonly name: string;
  /** The row's immutable id. */
  readonly id: (row: T) => string;
  /** The columns queries use, derived from the row (the row itself is stored whole). */
  readonly columns: Readonly<Record<string, (row: T) => Scalar>>;
  /**
   * Whether a write to this table moves the revision of the row's account (its `account`
   * column): what authorization reads lives in revisioned tables, and every node's caches of an
   * account are good only while its revision stays where it was.
   */
  readonly revisioned: boolean;
}

// The type parameter only serves inference at call sites.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTable = Table<any>;

/** Rows whose column equals the value (null: has none), or is among values (listed, or selected). */
export type Where = Readonly<Record<string, Scalar | Among>>;

export interface Among {
  readonly in: readonly Scalar[] | Subquery;
}

/** The values of `column` in the rows of `table` that match `where`. */
export interface Subquery {
  readonly table: AnyTable;
  readonly column: string;
  readonly where: Where;
}

export interface Query {
  readonly where?: Where;
  /** Only rows whose column starts with the text (a range scan, compared by code point). */
  readonly prefix?: { readonly column: string; readonly value: string };
  /** Rows come in this column's order (ties by id); without it, in id order. */
  readonly orderBy?: string;
  /** Only rows after this value of the order column (for pages; the order column should be unique). */
  readonly after?: Scalar;
  readonly limit?: number;
}

export interface StoreTx {
  get<T>(table: Table<T>, id: string): Promise<T | undefined>;
  /** The rows with these ids that exist, in no particular order. */
  getMany<T>(table: Table<T>, ids: readonly string[]): Promise<T[]>;
  /** The one row matching `where` (a unique column), if any. */
  find<T>(table: Table<T>, where: Where): Promise<T | undefined>;
  list<T>(table: Table<T>, query?: Query): Promise<T[]>;
  count(table: AnyTable, where?: Where): Promise<number>;
  /** How many rows matching `where` hold each value of `column` (rows without one are left out). */
  tally(table: AnyTable, column: string, where?: Where): Promise<Map<string, number>>;
  /** Adds a row; a unique column already taken is a conflict. */
  insert<T>(table: Table<T>, row: T): Promise<void>;
  /** Replaces a row read in this transaction; a row changed by someone else since is a conflict. */
  update<T>(table: Table<T>, row: T): Promise<void>;
  /** Adds or replaces a row without regard to what was there (last use, counters). */
  put<T>(table: Table<T>, row: T): Promise<void>;
  /** True when the row existed. */
  delete(table: AnyTable, id: string): Promise<boolean>;
  deleteWhere(table: AnyTable, where: Where): Promise<number>;
}

export interface WriteOptions {
  /**
   * The account the transaction is about, when it is about one: a store may make writers of one
   * account wait for each other instead of racing (PostgreSQL does, across nodes), so that under
   * load they take turns rather than abort each other again and again.
   */
  readonly account?: string;
}

export interface Store {
  /** Runs `work` in a read-only transaction (one snapshot). */
  read<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Runs `work` in a serializable read-write transaction: committed when it resolves, rolled back when it throws. */
  write<T>(work: (tx: StoreTx) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** The account's revision as committed: it moves with every write to the account's revisioned rows. */
  revision(account: string): Promise<number>;
  /** Called after each commit with the accounts whose revisioned rows it changed. */
  onCommit(listener: (accounts: ReadonlySet<string>) => void): void;
  /** Removes every row (the test-suite reset); every account's revision moves. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** A write transaction that kept losing races (or that the database could not serialize). */
export class StoreConflict extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflict';
  }
}

export function table<T>(spec: Table<T>): Table<T> {
  return spec;
}
