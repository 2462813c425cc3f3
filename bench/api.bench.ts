// npm run bench:api — requests per second and p50/p99 latency of the real server (built, one
// process) for GetUser, ListUsers (1,000 users present) and CreateUser+DeleteUser, at
// concurrency 1 and 64, driven over HTTP with SigV4-signed requests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runLoad, runRepeated, signedHeaders, type Signer } from './load.ts';
import { ACCOUNT_ID, ROOT as root, setUpAdmin, setUpAlice } from './workloads/callers.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// BENCH_ONLY=<text> runs only the workloads whose name contains it (e.g. GetUser).
const ONLY = process.env.BENCH_ONLY ?? '';
// BENCH_CONCURRENCY=64 runs only that concurrency.
const CONCURRENCIES = process.env.BENCH_CONCURRENCY ? [Number(process.env.BENCH_CONCURRENCY)] : [1, 64];
const USERS = 1000;
const repo = resolve(import.meta.dirname, '..');

const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
// BENCH_PROFILE=<dir> writes a CPU profile of the server there.
const profile = process.env.BENCH_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
  : [];
const server = spawn(
  process.execPath,
  [
    ...profile,
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    join(repo, 'dist/cli/main.js'),
    'serve',
  ],
  {
    env: {
      PATH: process.env.PATH ?? '',
      PORTCULLIS_PORT: '0',
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_ACCOUNT_ID: ACCOUNT_ID,
      PORTCULLIS_ROOT_PASSWORD: 'Bench-Root-Password-1',
      PORTCULLIS_ROOT_ACCESS_KEY_ID: root.accessKeyId,
      PORTCULLIS_ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolveUrl, reject) => {
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match) resolveUrl(match[1]!);
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

/** CPU time (user + system) the server process has used, in ms; undefined where /proc is absent. */
function serverCpuMs(): number | undefined {
  const file = `/proc/${server.pid}/stat`;
  if (!existsSync(file)) return undefined;
  // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

const form = (params: Record<string, string>) =>
  new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
async function call(signer: Signer, params: Record<string, string>): Promise<string> {
  const result = await fetchSigned(signer, form(params));
  if (result.status !== 200) throw new Error(`${params.Action}: ${result.status} ${result.text}`);
  return result.text;
}
async function fetchSigned(signer: Signer, body: string) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: signedHeaders(signer, new URL(url).host, body),
  });
  return { status: response.status, text: await response.text() };
}

try {
  const aliceMfa = await setUpAlice(call);
  for (let i = 0; i < USERS; i++)
    await call(root, { Action: 'CreateUser', UserName: `user-${String(i).padStart(4, '0')}` });
  // Alice's policies deny ListUsers and CreateUser to her long-term key (no MFA), and her session
  // is for GetUser: the heavier calls are made by a user with only the ManageUsers policy.
  const admin = await setUpAdmin(call);

  // GetUser and ListUsers repeat one signed request (autocannon); CreateUser+DeleteUser sign every
  // request afresh, each worker creating a user and then deleting it.
  const workloads: { name: string; run: (concurrency: number) => Promise<import('./load.ts').LoadResult> }[] =
    [
      {
        name: 'GetUser (alice, MFA session, 4 managed + 1 inline policies)',
        run: (concurrency) =>
          runRepeated({
            url,
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
            url,
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
            url,
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
  console.log(
    `workload: server from dist/ (one Node.js process), SQLite in a temp dir, ${SECONDS} s per run,`,
  );
  console.log(`          load generator in a second process on the same machine (node ${process.version})`);
  for (const workload of workloads.filter((w) => w.name.includes(ONLY))) {
    for (const concurrency of CONCURRENCIES) {
      const cpuBefore = serverCpuMs();
      const r = await workload.run(concurrency);
      const cpuAfter = serverCpuMs();
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined || r.requests === 0
          ? ''
          : `  server CPU ${Math.round(((cpuAfter - cpuBefore) * 1000) / r.requests)} µs/request`;
      console.log(
        `${workload.name.padEnd(46)} c=${String(concurrency).padEnd(3)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(7)} req/s  p50 ${r.p50ms.toFixed(2)} ms  p99 ${r.p99ms.toFixed(2)} ms  (${r.requests} requests, ${r.errors} errors)${cpu}`,
      );
    }
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
