// Starts the real server as a child process on a random port with a fresh data directory, and
// hands out AWS SDK v3 clients pointed at it. Tests drive Portcullis exactly as users do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../support/postgres.ts';
import { ALL_TABLES } from '../../src/domain/tables.ts';
import { signedFetch } from './sign.ts';

export const ROOT = {
  accountId: '123456789012',
  email: 'root@example.com',
  password: 'Root-Password-For-Tests-1',
  accessKeyId: 'AKIAROOTROOTROOTROOT',
  secretAccessKey: 'root/secret/for/tests/0123456789abcdefghij',
};

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Where a server keeps its state: SQLite in its data directory, or a fresh PostgreSQL database. */
export type Storage = 'sqlite' | 'postgres';

/**
 * The storage a test's servers use unless it says: PORTCULLIS_E2E_STORAGE=postgres runs a suite
 * against PostgreSQL instead of SQLite.
 */
export const DEFAULT_STORAGE: Storage =
  process.env.PORTCULLIS_E2E_STORAGE === 'postgres' ? 'postgres' : 'sqlite';

export interface Server {
  readonly url: string;
  readonly dataDir: string;
  readonly storage: Storage;
  /** The PostgreSQL database, when storage is 'postgres'. */
  readonly databaseUrl: string | undefined;
  /** The process's output so far (for assertions that nothing secret is logged). */
  readonly output: () => string;
  /**
   * Everything the server keeps at rest, as bytes (for assertions that no secret is kept in
   * clear): its SQLite files, or every row of its PostgreSQL database.
   */
  storedBytes(): Promise<Buffer>;
  iam(credentials?: Credentials): IAMClient;
  sts(credentials?: Credentials): STSClient;
  cloudTrail(credentials?: Credentials): CloudTrailClient;
  organizations(credentials?: Credentials): OrganizationsClient;
  /** The server's idea of now, in ms (real time plus what advanceClock added). */
  now(): number;
  /** Moves the server's clock ahead (the test clock) and signs later requests with the same offset. */
  advanceClock(seconds: number): Promise<void>;
  /**
   * A call to a test endpoint (/_portcullis/reset or /clock) as test suites make it: a JSON body,
   * SigV4-signed with the given credentials (the root user's unless said) at the server's time.
   */
  testEndpoint(path: string, body?: unknown, credentials?: Credentials): Promise<Response>;
  /** Stops the process and starts it again on the same data directory. */
  restart(): Promise<Server>;
  stop(): Promise<void>;
}

const repo = resolve(import.meta.dirname, '..', '..');

/** What every client of a test server is made with. */
interface ClientSettings {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: Credentials;
  readonly maxAttempts: number;
  readonly systemClockOffset: number;
}

export interface ServerOptions {
  readonly env?: Record<string, string>;
  readonly dataDir?: string;
  readonly storage?: Storage;
  /** An existing database to use (another server's), instead of a fresh one. */
  readonly database?: FreshDatabase;
}

export async function startServer(options: ServerOptions = {}): Promise<Server> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  const storage = options.database ? 'postgres' : (options.storage ?? DEFAULT_STORAGE);
  const database = storage === 'postgres' ? (options.database ?? (await freshDatabase())) : undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'serve'], {
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
      PORTCULLIS_ALLOW_TEST_CLOCK: '1',
      ...(database ? { PORTCULLIS_DATABASE_URL: database.url } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitForUrl(child, () => output);
  type Client = IAMClient | STSClient | CloudTrailClient | OrganizationsClient;
  const clients: Client[] = [];
  let clockOffsetMs = 0;
  /** A client of the server, kept so that advanceClock and stop reach it. */
  const client = <C extends Client>(Make: new (config: ClientSettings) => C, credentials: Credentials): C => {
    const made = new Make({
      endpoint: url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      systemClockOffset: clockOffsetMs,
    });
    clients.push(made);
    return made;
  };
  const server: Server = {
    url,
    dataDir,
    storage,
    databaseUrl: database?.url,
    output: () => output,
    storedBytes: () => storedBytes(dataDir, database?.url),
    iam: (credentials = ROOT) => client(IAMClient, credentials),
    sts: (credentials = ROOT) => client(STSClient, credentials),
    cloudTrail: (credentials = ROOT) => client(CloudTrailClient, credentials),
    organizations: (credentials = ROOT) => client(OrganizationsClient, credentials),
    now: () => Date.now() + clockOffsetMs,
    testEndpoint(path, body = {}, credentials = ROOT) {
      return signedFetch(`${url}${path}`, credentials, JSON.stringify(body), {
        service: 'portcullis',
        contentType: 'application/json',
        signingDate: new Date(Date.now() + clockOffsetMs),
      });
    },
    async advanceClock(seconds) {
      const response = await server.testEndpoint('/_portcullis/clock', { advanceSeconds: seconds });
      if (response.status !== 200)
        throw new Error(`the test clock refused: ${response.status} ${await response.text()}`);
      clockOffsetMs += seconds * 1000;
      for (const client of clients) client.config.systemClockOffset = clockOffsetMs;
    },
    async restart() {
      await stopProcess(child, clients);
      return startServer({ ...options, dataDir, ...(database ? { database } : {}) });
    },
    async stop() {
      await stopProcess(child, clients);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      // A database this server made is dropped with it; one handed in belongs to the caller.
      if (database && !options.database) await database.drop();
    },
  };
  return server;
}

async function storedBytes(dataDir: string, databaseUrl: string | undefined): Promise<Buffer> {
  if (!databaseUrl) {
    // The main file and the audit trail's (portcullis-audit.sqlite), with their WAL files.
    const files = readdirSync(dataDir).filter((f) => /^portcullis(-audit)?\.sqlite/.test(f));
    if (files.length === 0) throw new Error(`no SQLite files in ${dataDir}`);
    return Buffer.concat(files.map((name) => readFileSync(join(dataDir, name))));
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows: string[] = [];
    for (const table of ALL_TABLES) {
      const result = await client.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM ${table.name} t`,
      );
      rows.push(...result.rows.map((r) => r.row));
    }
    return Buffer.from(rows.join('\n'), 'utf8');
  } finally {
    await client.end();
  }
}

function waitForUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output()}`)), 30_000);
    const check = () => {
      const match = /listening on (https?:\/\/\S+)/.exec(output());
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolvePromise(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output()}`));
    });
  });
}

async function stopProcess(child: ChildProcess, clients: { destroy(): void }[]): Promise<void> {
  for (const client of clients.splice(0)) client.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs a call expected to fail and returns the AWS error code as sent on the wire, its message and HTTP status. */
export async function awsError(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    // The SDK names modelled errors after their shape (NoSuchEntityException); Code is AWS's code.
    const e = error as {
      name: string;
      Code?: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
    };
    return { code: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail, and it succeeded');
}
