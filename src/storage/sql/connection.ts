// What the shared SQL code needs from a database connection, whichever driver holds it. SQL is
// written once with "?" placeholders; each adapter turns it into its dialect.

export type SqlValue = string | number | null;

export interface SqlRow {
  readonly [column: string]: unknown;
}

export interface SqlConnection {
  /** Rows of a SELECT. */
  all(sql: string, params: readonly SqlValue[]): Promise<readonly SqlRow[]> | readonly SqlRow[];
  /** Runs a statement; the number of rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number> | number;
}

/** How a driver's errors read: which mean "run the transaction again". */
export interface ErrorKinds {
  /** A unique column already held the value. */
  isUniqueViolation(error: unknown): boolean;
  /** The database could not serialize the transaction (or broke a deadlock): try again. */
  isSerializationFailure(error: unknown): boolean;
}
