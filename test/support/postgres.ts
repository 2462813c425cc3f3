// A real, throwaway PostgreSQL database for each test that wants one.
//
//   const db = await freshDatabase();   // postgres://postgres@127.0.0.1:PORT/portcullis_test_…
//   … connect to db.url …
//   await db.drop();
//
// `npm test` (scripts/run-tests.mjs) starts one cluster for the whole run and hands its admin URL
// down in PORTCULLIS_TEST_POSTGRES_URL; a test file run on its own (node --import tsx --test FILE)
// starts a cluster of its own on first use, stopped when the process exits.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.mjs';

export { findPostgresBinDir, startPostgresCluster, type PostgresCluster } from './postgres-cluster.mjs';

/** The environment variable holding the admin URL of the cluster that freshDatabase() uses. */
export const TEST_POSTGRES_URL_ENV = 'PORTCULLIS_TEST_POSTGRES_URL';

export interface FreshDatabase {
  /** postgres://postgres@127.0.0.1:PORT/NAME — the superuser, trust auth. */
  readonly url: string;
  readonly name: string;
  /** Ends every other connection to the database and drops it. Idempotent. */
  drop(): Promise<void>;
}

let ownCluster: Promise<PostgresCluster> | undefined;

function adminUrl(): Promise<string> {
  const shared = process.env[TEST_POSTGRES_URL_ENV];
  if (shared) return Promise.resolve(shared);
  // Started once per process; postgres-cluster.mjs stops it at exit. A failure is kept, so each
  // caller sees the same error instead of another slow attempt.
  ownCluster ??= startPostgresCluster().then((cluster) => {
    stopOnSignals(cluster);
    return cluster;
  });
  return ownCluster.then((cluster) => cluster.adminUrl);
}

/**
 * A signal's default action ends the process without 'exit' handlers, which would leave the server
 * and its directory behind: stop it first, then let the signal do what it would have done.
 */
function stopOnSignals(cluster: PostgresCluster): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      cluster.stopSync();
      process.removeListener(signal, handler);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

let created = 0;

/** Creates a new, empty, uniquely named database (from template1) and returns its URL. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const admin = await adminUrl();
  const name = `portcullis_test_${process.pid}_${++created}_${randomBytes(3).toString('hex')}`;
  await withAdmin(admin, async (client) => {
    // FILE_COPY (PostgreSQL 15+) copies template1's files instead of writing them all through the
    // WAL as 15's default does: about twice as fast here (~15-50 ms against ~25-100 ms).
    const version = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
    const strategy = version >= 150000 ? ' STRATEGY FILE_COPY' : '';
    await client.query(`CREATE DATABASE ${quoteIdent(name)}${strategy}`);
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      dropping ??= withAdmin(admin, async (client) => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        // FORCE (PostgreSQL 13+) also ends connections that arrived since, say from a pool reconnecting.
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      });
      return dropping;
    },
  };
}
