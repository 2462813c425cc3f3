// What the HTTP benchmarks run against: the built server (dist/cli/main.js) as child processes, on
// SQLite in a data directory or on a PostgreSQL database, and a throwaway PostgreSQL cluster
// (test/support/postgres-cluster.mjs: fsync and synchronous_commit off, as for the tests). CPU
// time is read from /proc (Linux); elsewhere it is not reported.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startPostgresCluster, type PostgresCluster } from '../test/support/postgres-cluster.mjs';
import { signedHeaders, type Signer } from './load.ts';
import { ACCOUNT_ID, ROOT, type Call } from './workloads/callers.ts';

const repo = resolve(import.meta.dirname, '..');

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/cli/main.js serve` on a free port. Without `databaseUrl` it keeps its state in
 * SQLite in `dataDir`; with it, in that PostgreSQL database (several servers may share one). An
 * empty store gets the benchmarks' account and root key (callers.ts); a seeded one keeps its own.
 * BENCH_PROFILE=<dir> writes a CPU profile of each server there; BENCH_NODE_FLAGS are flags for
 * the servers' Node.js.
 */
export async function startServer(options: {
  dataDir: string;
  masterKey: Buffer;
  databaseUrl?: string;
  /** Further PORTCULLIS_* settings (e.g. PORTCULLIS_AUDIT=off). */
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  return spawnListening(
    [
      ...profile,
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      join(repo, 'dist/cli/main.js'),
      'serve',
    ],
    {
      PORTCULLIS_PORT: '0',
      PORTCULLIS_DATA_DIR: options.dataDir,
      PORTCULLIS_MASTER_KEY: options.masterKey.toString('base64'),
      ...(options.databaseUrl ? { PORTCULLIS_DATABASE_URL: options.databaseUrl } : {}),
      PORTCULLIS_ACCOUNT_ID: ACCOUNT_ID,
      PORTCULLIS_ROOT_PASSWORD: 'Bench-Root-Password-1',
      PORTCULLIS_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
      PORTCULLIS_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      // The server's request log (one JSON line per request on stdout) is on as in production;
      // BENCH_LOG_LEVEL=warn measures without it.
      PORTCULLIS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      ...options.env,
    },
  );
}

/**
 * The API benchmark's yardstick: a bare node:http server (bench/bare-http.mjs) answering every
 * request with `body`, in a process of its own as the real server is.
 */
export function startBareServer(body: string): Promise<ServerProcess> {
  return spawnListening([join(repo, 'bench/bare-http.mjs')], { BENCH_BARE_BODY: body });
}

/** Runs Node.js with `args` until it prints "listening on <url>"; its later output is read and dropped. */
async function spawnListening(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  const server = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      // From here on the output is the request log: read and dropped, not kept.
      server.stdout!.off('data', read);
      server.stdout!.resume();
      resolveUrl(match[1]!);
    };
    server.stdout!.on('data', read);
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    pid: server.pid!,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU time (user + system) a process has used, in ms; with `children`, also its reaped children's. */
export function processCpuMs(pid: number, children = false): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  // Fields after the command name (which ends with ')'): utime, stime, cutime and cstime are the
  // 14th to 17th of the line, the 12th to 15th after it.
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  const reaped = children ? Number(fields[13]) + Number(fields[14]) : 0;
  return ((own + reaped) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** What the CPU readings of a run hold: each server's, and the database cluster's (ms). */
export interface CpuReading {
  readonly servers: readonly (number | undefined)[];
  readonly database?: number | undefined;
}

export function readCpu(
  servers: readonly ServerProcess[],
  postgres?: { cpuMs(): number | undefined },
): CpuReading {
  return { servers: servers.map((s) => processCpuMs(s.pid)), database: postgres?.cpuMs() };
}

/**
 * "  server CPU … µs/request" for a run, from readings before and after it: with several nodes,
 * their sum and each node's share; then the database cluster's, if any.
 */
export function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): string {
  if (requests === 0) return '';
  const per = (a?: number, b?: number) =>
    a === undefined || b === undefined ? undefined : Math.round(((b - a) * 1000) / requests);
  const nodes = before.servers.map((b, i) => per(b, after.servers[i]));
  let text = '';
  if (nodes.every((n) => n !== undefined)) {
    const sum = nodes.reduce((a, b) => a + b, 0);
    text += `  server CPU ${sum} µs/request${nodes.length > 1 ? ` (${nodes.length} nodes: ${nodes.join(' + ')})` : ''}`;
  }
  const database = per(before.database, after.database);
  if (database !== undefined) text += `  database CPU ${database} µs/request`;
  return text;
}

export interface BenchPostgres {
  /** e.g. "PostgreSQL 15.14". */
  readonly version: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** CPU time of the whole cluster (postmaster, its live processes and those that have ended), in ms. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** A throwaway cluster (startPostgresCluster), stopped by stop() or when the process ends. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster: PostgresCluster = await startPostgresCluster();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    cluster.stopSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: cluster.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const version = await admin(
    async (client) =>
      `PostgreSQL ${(await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version}`,
  );
  const postmaster = (): number | undefined => {
    try {
      return Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  return {
    version,
    async createDatabase(name) {
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      const url = new URL(cluster.adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropDatabase(name) {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
    cpuMs() {
      const root = postmaster();
      if (root === undefined) return undefined;
      let total = processCpuMs(root, true);
      if (total === undefined) return undefined;
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
          if (Number(fields[1]) === root) total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
        } catch {
          // gone meanwhile
        }
      }
      return total;
    },
    async stop() {
      process.removeListener('SIGINT', stopOnSignal);
      process.removeListener('SIGTERM', stopOnSignal);
      await cluster.stop();
    },
  };
}

/** A Query body: the parameters and IAM's API version. */
export const form = (params: Record<string, string>) =>
  new URLSearchParams({ Version: '2010-05-08', ...params }).toString();

/** One signed Query call to the server at `url` (callers.ts's Call: the XML of a 200, else a throw). */
export function caller(url: string): Call {
  return async (signer: Signer, params: Record<string, string>) => {
    const body = form(params);
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: signedHeaders(signer, new URL(url).host, body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${params.Action}: ${response.status} ${text}`);
    return text;
  };
}
