// Types for postgres-cluster.mjs (plain JavaScript, so that scripts/run-tests.mjs can use it without tsx).

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres — the superuser, trust auth, the `postgres` database. */
  readonly adminUrl: string;
  readonly port: number;
  /** The temporary directory: data/, server.log and the unix socket. Removed by stop(). */
  readonly dir: string;
  /** Fast shutdown, then removes the directory. Idempotent. */
  stop(): Promise<void>;
  /** The same, blocking; for 'exit' handlers. */
  stopSync(): void;
}

/** The directory holding initdb and postgres ($PORTCULLIS_PG_BIN, PATH, /usr/lib/postgresql/<v>/bin). */
export function findPostgresBinDir(): string;

/** initdb into a temporary directory and start postgres on 127.0.0.1 at a free port; resolves once it accepts connections. */
export function startPostgresCluster(): Promise<PostgresCluster>;
