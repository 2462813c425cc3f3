// npm run bench:scale — the built server on a large store: 100 accounts × 5,000 users (AWS's
// per-account user quota), each user with a login profile, one or two access keys and, for every
// other one, an enabled virtual MFA device (workloads/population.ts), written straight into the
// store rather than through the API. Against the same measurements on a store holding one such
// account, it reports:
// - GetUser at concurrency 64: by alice (the bench:api workload, set up through the API in the
//   first account), and rotating over the keys of many seeded users in several accounts;
// - GenerateCredentialReport for one account (5,000 users), timed to its answer, while the GetUser
//   load by alice goes on, with GetUser's p99 during the generation.
// On SQLite and on PostgreSQL (a throwaway cluster). The seeding is timed and reported.
//
// BENCH_STORAGE=sqlite|postgres|all (default all), BENCH_ACCOUNTS (100), BENCH_USERS_PER_ACCOUNT
// (5000), BENCH_SECONDS (5 per run), BENCH_CONCURRENCY (64), BENCH_ROTATE_USERS (1000),
// BENCH_ROUNDS (3: GetUser runs per store, alternating between the stores), BENCH_REPORTS (3:
// reports of that many accounts, one after another, under the load),
// BENCH_ONLY=<workload name part> (BENCH_ONLY=seeding: only seed), BENCH_SEED_BATCH (rows per
// write transaction, 500); on PostgreSQL, BENCH_SEED_VIA=store|bulk (the Store port's insert, the
// default, or multi-row INSERTs of the same rows, about 3 times as fast) and
// BENCH_SEED_CONNECTIONS (transactions in flight at once, each on accounts of its own; 1);
// BENCH_PROFILE and BENCH_NODE_FLAGS as for bench:api.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { hashPassword } from '../src/crypto/passwords.ts';
import { createSealer, generateMasterKey } from '../src/crypto/sealing.ts';
import type { Store } from '../src/domain/store.ts';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { runRepeated, type LoadResult, type Signer } from './load.ts';
import {
  caller,
  cpuPerRequest,
  form,
  readCpu,
  startBenchPostgres,
  startServer,
  type BenchPostgres,
  type ServerProcess,
} from './servers.ts';
import { setUpAlice, type Call } from './workloads/callers.ts';
import {
  bulkPostgresWriter,
  rootSignerOf,
  seedPopulation,
  storeWriter,
  userSignerOf,
  usersIn,
  type PopulationOptions,
  type RowWriter,
} from './workloads/population.ts';

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = num('BENCH_CONCURRENCY', 64);
const STORAGE = process.env.BENCH_STORAGE ?? 'all';
const ACCOUNTS = num('BENCH_ACCOUNTS', 100);
const USERS_PER_ACCOUNT = num('BENCH_USERS_PER_ACCOUNT', 5000);
const ROTATE_USERS = num('BENCH_ROTATE_USERS', 1000);
const REPORTS = num('BENCH_REPORTS', 3);
const ROUNDS = num('BENCH_ROUNDS', 3);
const ONLY = process.env.BENCH_ONLY ?? '';
const SEED_BATCH = num('BENCH_SEED_BATCH', 500);
const SEED_VIA = process.env.BENCH_SEED_VIA ?? 'store';
const SEED_CONNECTIONS = num('BENCH_SEED_CONNECTIONS', 1);
/** Accounts the rotating GetUser spreads over (at most). */
const ROTATE_ACCOUNTS = 10;
/** Each measured GetUser run follows an unmeasured one this long (caches filled, key uses recorded). */
const WARM_UP_SECONDS = 1;

if (!['sqlite', 'postgres', 'all'].includes(STORAGE))
  throw new Error(`BENCH_STORAGE is sqlite, postgres or all, not ${STORAGE}`);
if (!['bulk', 'store'].includes(SEED_VIA))
  throw new Error(`BENCH_SEED_VIA is bulk or store, not ${SEED_VIA}`);
if (USERS_PER_ACCOUNT < 2) throw new Error('BENCH_USERS_PER_ACCOUNT must be at least 2 (alice takes a seat)');

type Storage = 'sqlite' | 'postgres';
const storages: Storage[] = STORAGE === 'all' ? ['sqlite', 'postgres'] : [STORAGE as Storage];
const shapes = [...new Set([1, ACCOUNTS])];

const masterKey = generateMasterKey();
const sealer = createSealer(masterKey);
const hashStarted = performance.now();
const passwordHash = await hashPassword('Bench-User-Password-1');
const hashMs = performance.now() - hashStarted;
const sealStarted = performance.now();
for (let i = 0; i < 10_000; i++) sealer.seal('bench/secret/0123456789abcdefghijklmnopqrs', `access-key:${i}`);
const sealUs = ((performance.now() - sealStarted) * 1000) / 10_000;

console.log(
  `workload: server from dist/ (one Node.js process) on a store of ${ACCOUNTS} accounts × ${USERS_PER_ACCOUNT.toLocaleString('en-US')} users, seeded`,
);
console.log(
  '          directly (login profile, 1 or 2 access keys, every other user an enabled virtual MFA device),',
);
console.log(
  `          against the same on a store of 1 account, both served at once (one idle while the other is measured);`,
);
console.log(
  `          GetUser at c=${CONCURRENCY}: ${ROUNDS} rounds of ${SECONDS} s per store, alternating, after ${WARM_UP_SECONDS} s of warm-up;`,
);
console.log(
  `          load generator in this process (node ${process.version}); one argon2id hash (${Math.round(hashMs)} ms) shared by all`,
);
console.log(`          users; sealing a secret: ${sealUs.toFixed(1)} µs, once per key and per MFA seed`);

/** A seeded store with its server running, ready to be measured. */
interface Prepared {
  readonly accounts: number;
  readonly label: string;
  readonly options: PopulationOptions;
  readonly server: ServerProcess;
  readonly call: Call;
  readonly alice: Signer;
  readonly rotation: { readonly signers: readonly Signer[]; readonly accounts: number };
}

const aliceName = 'GetUser (alice, MFA session, 4 managed + 1 inline policies)';
const rotatingName = 'GetUser rotating over users of several accounts';
const reportName = 'GenerateCredentialReport under GetUser load';

let postgres: BenchPostgres | undefined;
try {
  for (const storage of storages) {
    if (storage === 'postgres') postgres ??= await startBenchPostgres();
    console.log('');
    console.log(
      storage === 'sqlite'
        ? 'storage: SQLite in a temp dir'
        : `storage: ${postgres!.version}, throwaway local cluster (fsync and synchronous_commit off, as for the tests), ` +
            `seeded ${SEED_VIA === 'bulk' ? 'with multi-row INSERTs (not the Store port)' : "through the Store port's insert"}, ` +
            `${SEED_CONNECTIONS} transaction${SEED_CONNECTIONS === 1 ? '' : 's'} at a time`,
    );
    await benchmark(storage === 'postgres' ? postgres : undefined);
  }
} finally {
  await postgres?.stop();
}

/**
 * Both stores are seeded and served first; the GetUser runs then alternate between them, round
 * after round, so that a slow moment of the machine does not fall on one store only. The figures
 * compared are each store's median round.
 */
async function benchmark(postgres: BenchPostgres | undefined): Promise<void> {
  const prepared: Prepared[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    for (const accounts of shapes) {
      const ready = await prepare(accounts, postgres, cleanups);
      if (ready) prepared.push(ready);
    }
    if (prepared.length === 0) return;
    const runs = new Map<string, LoadResult[]>();
    const measure = async (
      store: Prepared,
      name: string,
      signer: Signer | readonly Signer[],
      round: number,
    ) => {
      const body = form({ Action: 'GetUser' });
      const url = store.server.url;
      if (round === 1)
        await runRepeated({ url, signer, concurrency: CONCURRENCY, seconds: WARM_UP_SECONDS, body });
      const before = readCpu([store.server], postgres);
      const r = await runRepeated({ url, signer, concurrency: CONCURRENCY, seconds: SECONDS, body });
      const after = readCpu([store.server], postgres);
      print(`${name}, ${store.label}, round ${round}`, r, cpuPerRequest(before, after, r.requests));
      const key = `${name}\u0000${store.accounts}`;
      runs.set(key, [...(runs.get(key) ?? []), r]);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const store of prepared) {
        if (aliceName.includes(ONLY)) await measure(store, 'GetUser (alice)', store.alice, round);
        if (rotatingName.includes(ONLY)) {
          const name = `GetUser rotating (${store.rotation.signers.length} users in ${store.rotation.accounts} account${store.rotation.accounts === 1 ? '' : 's'})`;
          await measure(store, name, store.rotation.signers, round);
        }
      }
    }
    if (reportName.includes(ONLY)) {
      for (const store of prepared) await reportsUnderLoad(store, postgres);
    }
    if (prepared.length === 2) {
      const median = (name: string, accounts: number) => {
        const list = [...(runs.get(`${name}\u0000${accounts}`) ?? [])].sort(
          (x, y) => x.perSecond - y.perSecond,
        );
        return list[(list.length - 1) >> 1];
      };
      compare('GetUser (alice)', median('GetUser (alice)', 1), median('GetUser (alice)', ACCOUNTS));
      const rotating = (store: Prepared) =>
        `GetUser rotating (${store.rotation.signers.length} users in ${store.rotation.accounts} account${store.rotation.accounts === 1 ? '' : 's'})`;
      compare(
        'GetUser rotating',
        median(rotating(prepared[0]!), 1),
        median(rotating(prepared[1]!), ACCOUNTS),
      );
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/**
 * Seeds a store of `accounts` accounts (PostgreSQL when `postgres` is given, else SQLite), starts
 * the server on it and sets up alice and the rotating signers; undefined with BENCH_ONLY=seeding.
 * What must be undone afterwards goes to `cleanups`.
 */
async function prepare(
  accounts: number,
  postgres: BenchPostgres | undefined,
  cleanups: (() => Promise<void>)[],
): Promise<Prepared | undefined> {
  const options: PopulationOptions = {
    accounts,
    usersPerAccount: USERS_PER_ACCOUNT,
    reservedInFirst: 1,
    passwordHash,
    sealer,
  };
  const label = `${accounts} account${accounts === 1 ? '' : 's'}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-scale-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const database = `bench_scale_${accounts}_${process.pid}`;
  const databaseUrl = postgres ? await postgres.createDatabase(database) : undefined;
  if (postgres) cleanups.push(() => postgres.dropDatabase(database));

  // Seed. The store is opened first in any case: it creates the schema.
  const store: Store = databaseUrl
    ? await openPostgresStore({ connectionString: databaseUrl })
    : openSqliteStore({ filename: join(dataDir, 'portcullis.sqlite') });
  const writers: RowWriter[] = [];
  try {
    if (!databaseUrl) writers.push(storeWriter(store));
    else if (SEED_VIA === 'store') {
      writers.push(storeWriter(store));
      for (let lane = 1; lane < SEED_CONNECTIONS; lane++)
        writers.push(storeWriter(await openPostgresStore({ connectionString: databaseUrl, poolSize: 1 })));
    } else {
      await store.close();
      for (let lane = 0; lane < SEED_CONNECTIONS; lane++) writers.push(await bulkPostgresWriter(databaseUrl));
    }
  } catch (error) {
    for (const writer of writers) await writer.close();
    throw error;
  }
  const progress = process.stderr.isTTY
    ? (done: number, rows: number) =>
        process.stderr.write(
          `\r  seeding: ${done}/${accounts} accounts, ${rows.toLocaleString('en-US')} rows`,
        )
    : undefined;
  let seed;
  try {
    seed = await seedPopulation(options, writers, SEED_BATCH, progress);
  } finally {
    if (progress) process.stderr.write('\r\x1b[K');
  }
  let size: number;
  let analyze = '';
  if (databaseUrl) {
    // The test cluster runs without autovacuum: the statistics a live database would have are
    // gathered here, once.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const started = performance.now();
    await client.query('VACUUM ANALYZE');
    analyze = `; VACUUM ANALYZE ${((performance.now() - started) / 1000).toFixed(1)} s`;
    size = Number(
      (await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0]!
        .size,
    );
    await client.end();
  } else {
    size = statSync(join(dataDir, 'portcullis.sqlite')).size;
  }
  console.log(
    `seeded ${label} × ${USERS_PER_ACCOUNT.toLocaleString('en-US')} users: ${seed.rows.toLocaleString('en-US')} rows in ${seed.seconds.toFixed(1)} s ` +
      `(${Math.round(seed.rows / seed.seconds).toLocaleString('en-US')} rows/s, ${Math.round(seed.users / seed.seconds).toLocaleString('en-US')} users/s; ` +
      `building rows and sealing ${seed.buildSeconds.toFixed(1)} s of it), ${(size / 2 ** 20).toFixed(0)} MiB${analyze}`,
  );
  if (ONLY === 'seeding') return undefined;

  // Serve.
  const startedAt = performance.now();
  const server = await startServer({ dataDir, masterKey, databaseUrl });
  cleanups.push(() => server.stop());
  const startup = (performance.now() - startedAt) / 1000;
  const call = caller(server.url);
  const alice = await setUpAlice(call);
  const rotation = rotatingSigners(options);
  let firstUse = '';
  if (rotatingName.includes(ONLY)) {
    // A key's first use in 15 minutes records it (a write on the request's path): every rotating
    // key is used once now, so that the runs measure reads. That pass is timed too.
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < rotation.signers.length) await call(rotation.signers[next++]!, { Action: 'GetUser' });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    firstUse =
      `; first use of the ${rotation.signers.length} rotating keys (each records its last use), 16 at a time: ` +
      `${seconds.toFixed(2)} s, ${Math.round(rotation.signers.length / seconds).toLocaleString('en-US')} requests/s`;
  }
  console.log(`server on ${label} started in ${startup.toFixed(1)} s${firstUse}`);
  return { accounts, label, options, server, call, alice, rotation };
}

/** The first keys of users spread evenly over up to ROTATE_ACCOUNTS accounts spread evenly. */
function rotatingSigners(options: PopulationOptions): { signers: Signer[]; accounts: number } {
  const accounts = Math.min(ROTATE_ACCOUNTS, options.accounts);
  const chosen = Array.from({ length: accounts }, (_, j) => Math.floor((j * options.accounts) / accounts));
  const perAccount = Math.ceil(ROTATE_USERS / accounts);
  const signers: Signer[] = [];
  // Interleaved: one account's user, the next account's, and so on.
  for (let m = 0; m < perAccount; m++) {
    for (const account of chosen) {
      const seats = usersIn(options, account);
      const taken = Math.min(perAccount, seats);
      if (m < taken && signers.length < ROTATE_USERS)
        signers.push(userSignerOf(account, Math.floor((m * seats) / taken)));
    }
  }
  return { signers, accounts };
}

/**
 * GetUser by alice at the benchmark's concurrency, and meanwhile, one after another (half a second
 * apart), GenerateCredentialReport by the root users of the first accounts, each timed to its
 * answer; GetUser's latency is reported over the requests that overlapped each generation.
 */
async function reportsUnderLoad(store: Prepared, postgres: BenchPostgres | undefined): Promise<void> {
  const { server, call, options, alice, label } = store;
  const url = server.url;
  const servers = [server];
  const responses: number[] = []; // pairs: when the response came, its latency (ms)
  let stop!: () => void;
  const until = new Promise<void>((resolve) => (stop = resolve));
  const before = readCpu(servers, postgres);
  const loading = runRepeated({
    url,
    signer: alice,
    concurrency: CONCURRENCY,
    seconds: 3600,
    body: form({ Action: 'GetUser' }),
    until,
    onResponse: (at, latency) => responses.push(at, latency),
  });
  const reports: { account: number; seconds: number; window: [number, number] }[] = [];
  try {
    await sleep(1000);
    for (let account = 0; account < Math.min(REPORTS, options.accounts); account++) {
      const started = performance.now();
      const answer = await call(rootSignerOf(account), { Action: 'GenerateCredentialReport' });
      const ended = performance.now();
      if (!answer.includes('<State>STARTED</State>'))
        throw new Error(`GenerateCredentialReport did not start a report: ${answer}`);
      reports.push({ account, seconds: (ended - started) / 1000, window: [started, ended] });
      await sleep(500);
    }
  } finally {
    stop();
  }
  const load = await loading;
  const after = readCpu(servers, postgres);
  print(
    `GetUser (alice) during the reports below, ${label}`,
    load,
    cpuPerRequest(before, after, load.requests),
  );
  for (const report of reports) {
    // The report's rows: a header, the root user, and every user (alice too in the first account).
    const got = await call(rootSignerOf(report.account), { Action: 'GetCredentialReport' });
    const csv = Buffer.from(/<Content>([^<]*)</.exec(got)![1]!, 'base64').toString('utf8');
    const users = csv.trim().split('\n').length - 2;
    const expected = usersIn(options, report.account) + (report.account === 0 ? 1 : 0);
    if (users !== expected) throw new Error(`the report holds ${users} users, not ${expected}`);
    const [from, to] = report.window;
    const during: number[] = [];
    for (let i = 0; i < responses.length; i += 2) {
      const at = responses[i]!;
      const latency = responses[i + 1]!;
      if (at > from && at - latency < to) during.push(latency);
    }
    during.sort((a, b) => a - b);
    const at = (q: number) => during[Math.min(during.length - 1, Math.floor(q * during.length))] ?? 0;
    console.log(
      `GenerateCredentialReport (${users.toLocaleString('en-US')} users, account #${report.account + 1}) ${report.seconds.toFixed(3)} s to the answer` +
        `  GetUser during it: p50 ${at(0.5).toFixed(2)} ms  p99 ${at(0.99).toFixed(2)} ms  max ${at(1).toFixed(2)} ms  (${during.length} requests)`,
    );
  }
}

function print(name: string, r: LoadResult, cpu: string): void {
  console.log(
    `${name.padEnd(72)} c=${String(CONCURRENCY).padEnd(3)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)} req/s  p50 ${r.p50ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  (${r.requests} requests, ${r.errors} errors)${cpu}`,
  );
}

function compare(name: string, one?: LoadResult, many?: LoadResult): void {
  if (!one || !many) return;
  const change = (many.perSecond / one.perSecond - 1) * 100;
  console.log(
    `${name}, median rounds: ${ACCOUNTS} accounts against 1: throughput ${change >= 0 ? '+' : ''}${change.toFixed(1)}% ` +
      `(${Math.round(many.perSecond).toLocaleString('en-US')} against ${Math.round(one.perSecond).toLocaleString('en-US')} req/s), ` +
      `p99 ${many.p99ms.toFixed(2)} against ${one.p99ms.toFixed(2)} ms`,
  );
}
