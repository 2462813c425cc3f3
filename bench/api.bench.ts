// npm run bench:api — requests per second and p50/p99 latency of the real server (built) for
// GetUser, ListUsers (1,000 users present) and CreateUser+DeleteUser, at concurrency 1 and 64,
// driven over HTTP with SigV4-signed requests: on SQLite (one process), and on PostgreSQL with one
// node and with two nodes (two server processes on one database, the connections split between
// them). BENCH_STORAGE=sqlite|postgres|all (default all) picks the storage; BENCH_NODES=1 or 2
// only that many PostgreSQL nodes.
// On SQLite it also sets the API path against a yardstick: GetUser at c=64 and a bare node:http
// server answering the same GetUser response (bench/bare-http.mjs), both driven by the load
// generator that signs every request afresh (as SDKs do), in alternating rounds of one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey } from '../src/crypto/sealing.ts';
import { runLoad, runRepeated, type LoadResult, type Signer } from './load.ts';
import {
  caller,
  cpuPerRequest,
  form,
  processCpuMs,
  readCpu,
  startBenchPostgres,
  startBareServer,
  startServer,
  type BenchPostgres,
  type ServerProcess,
} from './servers.ts';
import { ROOT as root, setUpAdmin, setUpAlice } from './workloads/callers.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// BENCH_ONLY=<text> runs only the workloads whose name contains it (e.g. GetUser).
const ONLY = process.env.BENCH_ONLY ?? '';
// BENCH_CONCURRENCY=64 runs only that concurrency.
const CONCURRENCIES = process.env.BENCH_CONCURRENCY ? [Number(process.env.BENCH_CONCURRENCY)] : [1, 64];
const STORAGE = process.env.BENCH_STORAGE ?? 'all';
const NODES = process.env.BENCH_NODES ? [Number(process.env.BENCH_NODES)] : [1, 2];
const USERS = 1000;
/** Rounds of each, alternating, so that the machine's busy moments fall on both alike. */
const RATIO_ROUNDS = Number(process.env.BENCH_RATIO_ROUNDS ?? 3);
const RATIO_CONCURRENCY = 64;

if (!['sqlite', 'postgres', 'all'].includes(STORAGE))
  throw new Error(`BENCH_STORAGE is sqlite, postgres or all, not ${STORAGE}`);

interface Setup {
  readonly storage: 'sqlite' | 'postgres';
  readonly nodes: number;
  /** Off: the audit trail is not recorded (PORTCULLIS_AUDIT=off), to show what recording costs. */
  readonly audit?: false;
}
const setups: Setup[] = [
  ...(STORAGE !== 'postgres'
    ? [
        { storage: 'sqlite' as const, nodes: 1 },
        // The audit trail's cost: the same GetUser runs with recording off.
        { storage: 'sqlite' as const, nodes: 1, audit: false as const },
      ]
    : []),
  ...(STORAGE !== 'sqlite' ? NODES.map((nodes) => ({ storage: 'postgres' as const, nodes })) : []),
];

console.log(`workload: server from dist/, ${SECONDS} s per run, load generator in a second process on the`);
console.log(`          same machine (node ${process.version})`);

let postgres: BenchPostgres | undefined;
try {
  for (const setup of setups) {
    if (setup.storage === 'postgres') postgres ??= await startBenchPostgres();
    await benchmark(setup, postgres);
  }
} finally {
  await postgres?.stop();
}

async function benchmark(setup: Setup, postgres: BenchPostgres | undefined): Promise<void> {
  const masterKey = generateMasterKey();
  const dataDirs: string[] = [];
  const servers: ServerProcess[] = [];
  const database = `bench_api_${setup.nodes}_nodes_${process.pid}`;
  try {
    const databaseUrl = postgres ? await postgres.createDatabase(database) : undefined;
    // One after the other: the first creates the schema and the account, the others find them.
    for (let n = 0; n < setup.nodes; n++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
      dataDirs.push(dataDir);
      servers.push(
        await startServer({
          dataDir,
          masterKey,
          databaseUrl,
          ...(setup.audit === false ? { env: { PORTCULLIS_AUDIT: 'off' } } : {}),
        }),
      );
    }
    const urls = servers.map((s) => s.url);
    // Set up through the first node; the others read the same database.
    const call = caller(urls[0]!);
    const aliceMfa = await setUpAlice(call);
    for (let i = 0; i < USERS; i++)
      await call(root, { Action: 'CreateUser', UserName: `user-${String(i).padStart(4, '0')}` });
    // Alice's policies deny ListUsers and CreateUser to her long-term key (no MFA), and her session
    // is for GetUser: the heavier calls are made by a user with only the ManageUsers policy.
    const admin = await setUpAdmin(call);

    // GetUser and ListUsers repeat one signed request (autocannon); CreateUser+DeleteUser sign every
    // request afresh, each worker creating a user and then deleting it.
    const workloads: { name: string; run: (concurrency: number) => Promise<LoadResult> }[] = [
      {
        name: 'GetUser (alice, MFA session, 4 managed + 1 inline policies)',
        run: (concurrency) =>
          runRepeated({
            url: urls,
            signer: aliceMfa,
            concurrency,
            seconds: SECONDS,
            body: form({ Action: 'GetUser' }),
          }),
      },
      {
        name: `ListUsers (${USERS + 2} users, 100 per page)`,
        run: (concurrency) =>
          runRepeated({
            url: urls,
            signer: admin,
            concurrency,
            seconds: SECONDS,
            body: form({ Action: 'ListUsers' }),
          }),
      },
      {
        name: 'CreateUser+DeleteUser (each worker: create, then delete)',
        run: (concurrency) =>
          runLoad({
            url: urls,
            signer: admin,
            concurrency,
            seconds: SECONDS,
            body: (worker, n) => {
              const name = `churn-${worker}-${Math.floor(n / 2)}`;
              return form(
                n % 2 === 0
                  ? { Action: 'CreateUser', UserName: name }
                  : { Action: 'DeleteUser', UserName: name },
              );
            },
          }),
      },
    ];
    const processes =
      setup.nodes === 1
        ? 'one Node.js process'
        : `${setup.nodes} Node.js processes on one database, connections split evenly`;
    const skipped = CONCURRENCIES.some((c) => c < setup.nodes)
      ? ` (no run at c < ${setup.nodes}: a node would be idle)`
      : '';
    console.log('');
    console.log(
      setup.storage === 'sqlite'
        ? `storage: SQLite in a temp dir, ${processes}, audit trail ${setup.audit === false ? 'off (GetUser only)' : 'on'}`
        : `storage: ${postgres!.version}, throwaway local cluster (fsync and synchronous_commit off, as for ` +
            `the tests), ${processes}${skipped}`,
    );
    const only = setup.audit === false ? 'GetUser' : ONLY;
    for (const workload of workloads.filter((w) => w.name.includes(only) && w.name.includes(ONLY))) {
      for (const concurrency of CONCURRENCIES.filter((c) => c >= setup.nodes)) {
        const before = readCpu(servers, postgres);
        const r = await workload.run(concurrency);
        const after = readCpu(servers, postgres);
        console.log(
          `${workload.name.padEnd(46)} c=${String(concurrency).padEnd(3)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)} req/s  p50 ${r.p50ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  (${r.requests} requests, ${r.errors} errors)${cpuPerRequest(before, after, r.requests)}`,
        );
      }
    }
    if (setup.storage === 'sqlite' && setup.audit !== false && 'GetUser'.includes(ONLY))
      await againstBareHttp(servers, aliceMfa);
  } finally {
    for (const server of servers) await server.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    if (postgres) await postgres.dropDatabase(database);
  }
}

/**
 * GetUser on the real server against a bare node:http server answering the response GetUser gave,
 * with the same generator (runLoad: every request signed afresh) at c=64.
 */
async function againstBareHttp(servers: readonly ServerProcess[], signer: Signer): Promise<void> {
  const url = servers[0]!.url;
  const body = form({ Action: 'GetUser' });
  const answer = await caller(url)(signer, { Action: 'GetUser' });
  const bare = await startBareServer(answer);
  const totals = {
    real: { requests: 0, seconds: 0, errors: 0, cpuMs: 0 },
    bare: { requests: 0, seconds: 0, errors: 0, cpuMs: 0 },
  };
  const pids = { real: servers[0]!.pid, bare: bare.pid };
  try {
    for (let round = 0; round < RATIO_ROUNDS; round++) {
      for (const [name, target] of [
        ['real', url],
        ['bare', bare.url],
      ] as const) {
        const cpuBefore = processCpuMs(pids[name]) ?? 0;
        const r = await runLoad({
          url: target,
          signer,
          concurrency: RATIO_CONCURRENCY,
          seconds: SECONDS,
          body: () => body,
        });
        totals[name].requests += r.requests;
        totals[name].seconds += r.seconds;
        totals[name].errors += r.errors;
        totals[name].cpuMs += (processCpuMs(pids[name]) ?? 0) - cpuBefore;
      }
    }
  } finally {
    await bare.stop();
  }
  const rate = (t: { requests: number; seconds: number }) => t.requests / t.seconds;
  const line = (name: string, t: (typeof totals)['real']) =>
    `${name.padEnd(46)} c=${RATIO_CONCURRENCY}  ${Math.round(rate(t)).toLocaleString('en-US').padStart(7)} req/s  (${t.requests} requests, ${t.errors} errors; ${RATIO_ROUNDS} rounds of ${SECONDS} s)  server CPU ${Math.round((t.cpuMs * 1000) / Math.max(1, t.requests))} µs/request`;
  console.log('each request signed afresh (runLoad), alternating rounds:');
  console.log(line('GetUser (alice, MFA session)', totals.real));
  console.log(line('bare node:http, the same GetUser response', totals.bare));
  console.log(`GetUser / bare node:http = ${Math.round((100 * rate(totals.real)) / rate(totals.bare))}%`);
}
