// The Store port: what the domain needs from storage, and nothing about how it is kept.
// Records are JSON-serializable values filed under a kind and a key; keys sort as strings, so a
// key laid out as "<account>/<name in lower case>" lists an account's entities in name order.
// Every read and write happens inside a transaction; writes are atomic and isolated.

export type Kind =
  | 'account'
  | 'user'
  | 'group'
  | 'group-member'
  | 'role'
  | 'policy'
  | 'policy-attachment'
  | 'access-key'
  | 'instance-profile'
  | 'mfa-device'
  | 'security-key'
  | 'console-session'
  | 'credential-report'
  | 'session'
  | 'meta';

export interface ListOptions {
  /** Only keys starting with this text. */
  readonly prefix?: string;
  /** Only keys after this one (exclusive), for pagination. */
  readonly after?: string;
  readonly limit?: number;
}

export interface Entry<T> {
  readonly key: string;
  readonly value: T;
}

export interface StoreTx {
  get<T>(kind: Kind, key: string): Promise<T | undefined>;
  put(kind: Kind, key: string, value: unknown): Promise<void>;
  /** True when something was deleted. */
  delete(kind: Kind, key: string): Promise<boolean>;
  list<T>(kind: Kind, options?: ListOptions): Promise<Entry<T>[]>;
  count(kind: Kind, prefix: string): Promise<number>;
  deletePrefix(kind: Kind, prefix: string): Promise<number>;
}

export interface Store {
  /** Runs `work` in a read-only transaction. */
  read<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Runs `work` in a read-write transaction: committed when it resolves, rolled back when it throws. */
  write<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Removes everything (the test-suite reset). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
