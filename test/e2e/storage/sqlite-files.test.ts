// The SQLite data directory as an operator meets it: one server at a time (a second one is
// refused, saying which directory, while the first carries on; the lock dies with its process,
// even under SIGKILL), and the files holding sealed secrets and password hashes readable by their
// owner only, whatever the umask and however the directory came to exist.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { ROOT, startServer } from '../harness.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const directories: string[] = [];
const children: ChildProcess[] = [];

function dataDirectory(mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-files-'));
  chmodSync(dir, mode);
  directories.push(dir);
  return dir;
}

after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

/** The server as an operator starts it: `portcullis serve`, from a shell with this umask. */
function spawnServer(dataDir: string, umask = '077') {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      `umask ${umask}; exec "$0" "$@"`,
      process.execPath,
      '--import',
      'tsx',
      join(repo, 'src/cli/main.ts'),
      'serve',
    ],
    {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        PORTCULLIS_PORT: '0',
        PORTCULLIS_DATA_DIR: dataDir,
        PORTCULLIS_ACCOUNT_ID: ROOT.accountId,
        PORTCULLIS_ROOT_EMAIL: ROOT.email,
        PORTCULLIS_ROOT_PASSWORD: ROOT.password,
        PORTCULLIS_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
        PORTCULLIS_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  /** The URL once it listens, or undefined if it exits first. */
  const listening = new Promise<string | undefined>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no answer from the server within 30 s:\n${output}`)),
      30_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      done(undefined);
    });
  });
  return { child, exited, listening, output: () => output };
}

function iamAt(url: string): IAMClient {
  return new IAMClient({ endpoint: url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 });
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('a second server on the same data directory is refused by name and exits non-zero; the first carries on', async () => {
  const dataDir = dataDirectory();
  const first = await startServer({ storage: 'sqlite', dataDir });
  try {
    await first.iam().send(new CreateUserCommand({ UserName: 'before-second' }));

    const second = spawnServer(dataDir);
    assert.equal(await second.listening, undefined, 'the second server never listens');
    const { code } = await second.exited;
    assert.notEqual(code, 0);
    assert.equal(code, 1);
    assert.match(
      second.output(),
      new RegExp(
        `Another Portcullis server is using the data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    // The lock's note on who holds the directory still names the first server, not the refused one.
    assert.notEqual(readFileSync(join(dataDir, 'portcullis.pid'), 'utf8').trim(), String(second.child.pid));

    // The first server reads and writes as before.
    const iam = first.iam();
    await iam.send(new CreateUserCommand({ UserName: 'after-second' }));
    const names = ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName);
    assert.deepEqual(names, ['after-second', 'before-second']);
  } finally {
    await first.stop();
  }

  // Once the first has stopped, the next one starts, with everything the first wrote.
  const next = await startServer({ storage: 'sqlite', dataDir });
  try {
    const names = ((await next.iam().send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName);
    assert.deepEqual(names, ['after-second', 'before-second']);
  } finally {
    await next.stop();
  }
});

test('a server killed with SIGKILL leaves no stale lock: the next one starts at once, with what was committed', async () => {
  const dataDir = dataDirectory();
  const doomed = spawnServer(dataDir);
  const url = await doomed.listening;
  assert.ok(url, doomed.output());
  const iam = iamAt(url);
  try {
    await iam.send(new CreateUserCommand({ UserName: 'survivor' }));
  } finally {
    iam.destroy();
  }
  doomed.child.kill('SIGKILL');
  assert.deepEqual(await doomed.exited, { code: null, signal: 'SIGKILL' });

  const next = await startServer({ storage: 'sqlite', dataDir });
  try {
    const user = await next.iam().send(new GetUserCommand({ UserName: 'survivor' }));
    assert.equal(user.User?.UserName, 'survivor');
  } finally {
    await next.stop();
  }
});

test('with umask 022 in a pre-existing 0755 directory, the database, its audit file and their -wal and -shm files are 0600', async () => {
  // The shell wrapper really sets the umask the server runs with.
  const probe = spawnSync('/bin/sh', [
    '-c',
    'umask 022; exec "$0" -e "process.stdout.write(String(process.umask()))"',
    process.execPath,
  ]);
  assert.equal(probe.stdout.toString(), String(0o022));

  const dataDir = dataDirectory(0o755);
  const db = join(dataDir, 'portcullis.sqlite');
  const audit = join(dataDir, 'portcullis-audit.sqlite');
  const check = (when: string) => {
    for (const file of [db, `${db}-wal`, `${db}-shm`]) {
      assert.ok(existsSync(file), `${file} exists ${when}`);
      assert.equal(modeOf(file), '600', `${file} ${when}`);
    }
    // The audit trail's file beside it (its WAL and shared-memory files when there are some).
    assert.ok(existsSync(audit), `${audit} exists ${when}`);
    for (const file of [audit, `${audit}-wal`, `${audit}-shm`])
      if (existsSync(file)) assert.equal(modeOf(file), '600', `${file} ${when}`);
    // The other files holding secrets, likewise.
    for (const file of ['master.key', 'root-credentials.json'])
      assert.equal(modeOf(join(dataDir, file)), '600', `${file} ${when}`);
  };

  const run = async (when: string, stop: 'SIGTERM' | 'SIGKILL') => {
    const server = spawnServer(dataDir, '022');
    const url = await server.listening;
    assert.ok(url, server.output());
    const iam = iamAt(url);
    try {
      // Writes, so that the WAL holds secrets (a sealed key, a password hash's neighbours).
      const name = `user-${when.replace(/\W+/g, '-')}`;
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateAccessKeyCommand({ UserName: name }));
      check(when);
    } finally {
      iam.destroy();
      server.child.kill(stop);
      const exit = await server.exited;
      if (stop === 'SIGTERM') assert.equal(exit.code, 0);
    }
  };

  // Killed, the server leaves its -wal and -shm files behind.
  await run('on the first start', 'SIGKILL');
  // Put back from a backup (or copied) with everyone's read permission: made the owner's again.
  for (const file of [db, `${db}-wal`, `${db}-shm`]) {
    assert.ok(existsSync(file), file);
    chmodSync(file, 0o644);
  }
  chmodSync(audit, 0o644);
  await run('after a restore with mode 0644', 'SIGTERM');
});
