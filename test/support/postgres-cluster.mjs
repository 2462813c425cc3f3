// A throwaway PostgreSQL cluster for tests: initdb into a temporary directory, start `postgres` on
// 127.0.0.1 at a free port (its unix socket in that directory too), and on stop shut it down and
// remove the directory. Plain JavaScript so that scripts/run-tests.mjs (which runs without tsx) can
// start one cluster for a whole run; test/support/postgres.ts re-exports it with types from
// postgres-cluster.d.mts.
//
// initdb and postgres refuse to run as root, so as root they run as the `postgres` user (or `nobody`
// when there is none) and the temporary directory is handed to that user.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, mkdtempSync, openSync } from 'node:fs';
import { readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 15_000;

/** Settings that trade durability for speed: a test cluster is thrown away anyway. */
const SERVER_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
  shared_buffers: '32MB',
  autovacuum: 'off',
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '1GB',
  log_min_messages: 'warning',
};

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasServerBinaries(dir) {
  return isExecutable(join(dir, 'postgres')) && isExecutable(join(dir, 'initdb'));
}

/**
 * The directory holding `initdb` and `postgres`: $PORTCULLIS_PG_BIN if set, else the first PATH entry
 * that has both, else the highest version under /usr/lib/postgresql/<version>/bin (Debian's layout,
 * which is not on PATH).
 */
export function findPostgresBinDir() {
  const override = process.env.PORTCULLIS_PG_BIN;
  if (override) {
    if (hasServerBinaries(override)) return override;
    throw new Error(`PORTCULLIS_PG_BIN=${override} does not hold executable initdb and postgres`);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !hasServerBinaries(dir)) continue;
    // Symlinks (say /usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres): use the real
    // directory, so that initdb and postgres are certainly of one version.
    const real = dirname(realpathSync(join(dir, 'postgres')));
    return hasServerBinaries(real) ? real : dir;
  }
  const root = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no such directory
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (hasServerBinaries(dir)) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb and postgres) were found neither on PATH nor in ' +
      '/usr/lib/postgresql/<version>/bin. Install PostgreSQL (Debian: apt-get install postgresql; ' +
      '.ci/run does this) or set PORTCULLIS_PG_BIN to the directory that holds them.',
  );
}

/** As root: the uid and gid to run the server as; otherwise undefined (run as ourselves). */
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
      if (uid > 0 && Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error(
    'Running as root, and initdb/postgres refuse to run as root, but there is neither a `postgres` nor ' +
      'a `nobody` user to run them as.',
  );
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The environment for initdb and postgres: ours without PG* variables, which could redirect them. */
function serverEnv(user) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && value !== undefined) env[key] = value;
  }
  env.LC_ALL = 'C';
  if (user) {
    env.HOME = '/';
    env.USER = env.LOGNAME = user.name;
  }
  return env;
}

function statSafeSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readLog(path, from = 0) {
  try {
    return readFileSync(path).subarray(from).toString('utf8').trim() || '(empty log)';
  } catch {
    return '(no log)';
  }
}

/** Runs a program to completion as `user` (or ourselves), its output appended to `logPath`. */
function run(command, args, { cwd, env, user, logPath }) {
  return new Promise((resolve, reject) => {
    const log = openSync(logPath, 'a');
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', log, log],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    closeSync(log);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Clusters started by this process and not yet stopped, for the stop-at-exit safety net. */
const live = new Set();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers cannot wait for anything asynchronous, hence the synchronous stop.
  process.on('exit', () => {
    for (const cluster of live) cluster.stopSync();
  });
}

function blockFor(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function processGone(pid) {
  try {
    // Our own child lingers as a zombie until reaped, and kill(pid, 0) still succeeds on a zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

/**
 * Starts a throwaway cluster. `adminUrl` connects as the superuser `postgres` (trust auth) to the
 * `postgres` database. `stop()` shuts the server down (fast shutdown) and removes its directory; it
 * also happens at process exit for a cluster not stopped by then.
 */
export async function startPostgresCluster() {
  const binDir = findPostgresBinDir();
  const user = serverUser();
  const env = serverEnv(user);
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'server.log');
  const cleanupDir = () => rmSync(dir, { recursive: true, force: true });
  if (user) chownSync(dir, user.uid, user.gid);

  const failure = (what, logFrom = 0) =>
    new Error(
      `${what} (PostgreSQL from ${binDir}${user ? `, run as ${user.name}` : ''}); its log:\n${readLog(logPath, logFrom)}`,
    );

  try {
    const initdb = await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { cwd: dir, env, user, logPath },
    );
    if (initdb.code !== 0) {
      const hint =
        user && /Permission denied/.test(readLog(logPath))
          ? `; as root, the server runs as ${user.name}, who must be able to reach ${dir} (set TMPDIR to, say, /tmp)`
          : '';
      throw failure(`initdb failed (exit ${initdb.code ?? initdb.signal})${hint}`);
    }
  } catch (error) {
    cleanupDir();
    throw error;
  }

  // The free port is only free when we looked; if another process takes it first, try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logStart = statSafeSize(logPath);
    const settings = { ...SERVER_SETTINGS, listen_addresses: '127.0.0.1', port: String(port) };
    const args = ['-D', dataDir, '-k', dir];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const log = openSync(logPath, 'a');
    const child = spawn(join(binDir, 'postgres'), args, {
      cwd: dir,
      env,
      // Its own process group: a Ctrl-C meant for the tests does not shut it down under them; we do.
      detached: true,
      stdio: ['ignore', log, log],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    closeSync(log);
    child.unref();
    let exited = null;
    const exitedPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        resolve();
      });
      child.on('error', (error) => {
        // could not be spawned at all
        exited = { code: error.message, signal: null };
        resolve();
      });
    });

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let stopping = null;
    const cluster = {
      adminUrl,
      port,
      dir,
      stop() {
        stopping ??= (async () => {
          if (!exited && child.pid !== undefined) {
            child.ref(); // keep the process alive until the server has gone
            child.kill('SIGINT'); // fast shutdown: roll back open transactions, close connections
            const timedOut = await Promise.race([
              exitedPromise.then(() => false),
              sleep(SHUTDOWN_TIMEOUT_MS, true, { ref: false }),
            ]);
            if (timedOut) {
              child.kill('SIGKILL');
              await exitedPromise;
            }
          }
          cleanupDir();
          // Only now: should the process exit half-way, the exit hook finishes the job.
          live.delete(cluster);
        })();
        return stopping;
      },
      stopSync() {
        live.delete(cluster);
        if (!exited && child.pid !== undefined && !processGone(child.pid)) {
          try {
            child.kill('SIGINT');
          } catch {
            // already gone
          }
          const deadline = Date.now() + SHUTDOWN_TIMEOUT_MS;
          while (!processGone(child.pid) && Date.now() < deadline) blockFor(20);
          if (!processGone(child.pid)) child.kill('SIGKILL');
          while (!processGone(child.pid) && Date.now() < deadline + 5000) blockFor(20);
        }
        cleanupDir();
      },
    };
    live.add(cluster);
    installExitHook();

    const started = Date.now();
    while (!exited) {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return cluster;
      } catch {
        await client.end().catch(() => {});
      }
      if (Date.now() - started > STARTUP_TIMEOUT_MS) {
        const error = failure(
          `postgres did not accept connections within ${STARTUP_TIMEOUT_MS / 1000} s`,
          logStart,
        );
        await cluster.stop();
        throw error;
      }
      await Promise.race([exitedPromise, sleep(25)]);
    }
    if (attempt < 5 && /could not bind|Address already in use/i.test(readLog(logPath, logStart))) {
      live.delete(cluster); // the directory stays for the next attempt
      continue;
    }
    const error = failure(`postgres exited during startup (${exited.code ?? exited.signal})`, logStart);
    await cluster.stop();
    throw error;
  }
}
