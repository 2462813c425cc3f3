// The package as users get it: `npm pack`, then `npm install --omit=dev <tarball>` into an empty
// directory, then `npx portcullis serve` — no TypeScript, no tsx, no dev dependencies. The server
// must answer the API, load the AWS managed policy catalog and run its report worker from dist/,
// and serve the console's static files; `portcullis explain` must reach its LookupEvents. The install builds better-sqlite3 as users' installs do
// (its install script); packages come from npm's cache when the repository's own install left them
// there (--prefer-offline), else from the registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ROOT } from '../harness.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'portcullis-package-'));
const project = join(work, 'project');
let tarball = '';

function npm(args: string[], cwd: string) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 9 * 60_000 });
  assert.equal(result.status, 0, `npm ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

before(() => {
  // prepack builds dist/ first.
  const packed = npm(['pack', '--silent', '--pack-destination', work], repo).trim().split('\n').pop()!;
  tarball = join(work, packed);
  assert.ok(existsSync(tarball), tarball);
  mkdirSync(project);
  // As docs/deploy.md says: the project approves better-sqlite3's install script (npm 11's
  // allowScripts), and a strict policy shows nothing else in the package needs a script to run.
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'users-project', private: true, allowScripts: { 'better-sqlite3': true } }),
  );
  npm(
    [
      'install',
      '--omit=dev',
      '--strict-allow-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
    ],
    project,
  );
});

after(() => rmSync(work, { recursive: true, force: true }));

interface Running {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** `npx portcullis serve` in the user's project, with a fresh data directory. */
function serve(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const dataDir = mkdtempSync(join(work, 'data-'));
  const child = spawn('npx', ['--no-install', 'portcullis', 'serve'], {
    cwd: project,
    detached: true, // its own process group: npx and the server stop together
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? work,
      PORTCULLIS_PORT: '0',
      PORTCULLIS_DATA_DIR: dataDir,
      PORTCULLIS_ACCOUNT_ID: ROOT.accountId,
      PORTCULLIS_ROOT_EMAIL: ROOT.email,
      PORTCULLIS_ROOT_PASSWORD: ROOT.password,
      PORTCULLIS_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
      PORTCULLIS_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function start(): Promise<Running> {
  const { child, output, exited } = serve();
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 120_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/[^\s]+)/.exec(output())?.[1];
    if (ended) throw new Error(`the server exited:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output,
    async stop() {
      if (!ended) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

test('the installed package holds no TypeScript tooling, no tests and no dev dependencies', () => {
  const modules = join(project, 'node_modules');
  for (const dev of ['typescript', 'tsx', 'eslint', 'playwright-core', '@aws-sdk/client-sts'])
    assert.equal(existsSync(join(modules, dev)), false, dev);
  const installed = join(modules, 'portcullis');
  assert.ok(existsSync(join(installed, 'dist/cli/main.js')));
  assert.ok(existsSync(join(installed, 'dist/storage/aws-managed-policies.json.gz')));
  assert.ok(existsSync(join(installed, 'dist/storage/aws-managed-policy-versions.br')));
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
    );
  assert.deepEqual(
    files(installed).filter((f) => /\.test\./.test(f)),
    [],
  );
});

test('npx portcullis --help and serve --help work from the installed package', () => {
  const general = spawnSync('npx', ['--no-install', 'portcullis', '--help'], {
    cwd: project,
    encoding: 'utf8',
  });
  assert.equal(general.status, 0, general.stderr);
  assert.match(general.stdout, /^ {2}serve /m);
  const serveHelp = spawnSync('npx', ['--no-install', 'portcullis', 'serve', '--help'], {
    cwd: project,
    encoding: 'utf8',
  });
  assert.equal(serveHelp.status, 0, serveHelp.stderr);
  assert.match(serveHelp.stdout, /PORTCULLIS_DATA_DIR/);
});

test('npx portcullis serve answers GetCallerIdentity and runs what it loads at run time from dist/', async () => {
  const server = await start();
  try {
    const settings = { endpoint: server.url, region: 'us-east-1', credentials: ROOT, maxAttempts: 1 };
    const sts = new STSClient(settings);
    const iam = new IAMClient(settings);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, ROOT.accountId);
    assert.equal(identity.Arn, `arn:aws:iam::${ROOT.accountId}:root`);
    // The AWS managed policy catalog (a data file beside the code).
    await iam.send(new CreateUserCommand({ UserName: 'installed' }));
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'installed',
        PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );
    // The credential report's worker thread, loaded from dist/.
    let state: string | undefined;
    for (let i = 0; i < 100 && state !== 'COMPLETE'; i++) {
      state = (await iam.send(new GenerateCredentialReportCommand({}))).State;
      if (state !== 'COMPLETE') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(state, 'COMPLETE');
    const report = await iam.send(new GetCredentialReportCommand({}));
    assert.match(Buffer.from(report.Content!).toString('utf8'), /^installed,/m);
    // The console, and the browser bundle of a runtime dependency it serves.
    assert.equal((await fetch(`${server.url}/console/root-signin`)).status, 200);
    const bundle = await fetch(`${server.url}/console/static/simplewebauthn-browser.js`);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.text()).length > 1000);
    // explain --request-id reads CloudTrail's LookupEvents with its SDK client, a run-time dependency.
    const explained = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        'npx',
        [
          '--no-install',
          'portcullis',
          'explain',
          '--endpoint',
          server.url,
          '--request-id',
          'no-such-request',
        ],
        {
          cwd: project,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? work,
            AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
            AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
            AWS_REGION: 'us-east-1',
          },
        },
        (error, _stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      ),
    );
    assert.equal(explained.code, 2, explained.stderr);
    assert.match(explained.stderr, /no event of the request no-such-request in LookupEvents on /);
    sts.destroy();
    iam.destroy();
    assert.doesNotMatch(server.output(), /internal failure/);
  } finally {
    await server.stop();
  }
});

test('without its native SQLite driver the server says what to run, and exits', async () => {
  const build = join(project, 'node_modules/better-sqlite3/build');
  const aside = join(work, 'better-sqlite3-build');
  renameSync(build, aside);
  try {
    const { output, exited } = serve();
    assert.equal(await exited, 1);
    assert.match(output(), /npm rebuild better-sqlite3/);
    assert.match(output(), /npm approve-scripts better-sqlite3/);
    assert.ok(output().includes(project), 'names the directory to run it in');
  } finally {
    renameSync(aside, build);
  }
});
