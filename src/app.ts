// The composition root: configuration → store → domain → protocols on one HTTP server.
// The only file that wires storage into the domain.
import { mkdirSync, existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { lockDataDirectory, type DirectoryLock } from './storage/sqlite/lock.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';
import type { Store } from './domain/store.ts';
import { accessKeys } from './domain/tables.ts';
import { flushKeyUses } from './domain/key-uses.ts';
import { createReportWorker, type StoreLocation } from './app-report-worker.ts';
import { loadAwsManagedPolicyCatalog } from './storage/aws-managed-policies.ts';
import { createIam, type Iam } from './domain/iam.ts';
import { bootstrap, type BootstrapResult } from './domain/bootstrap.ts';
import { iamOperations } from './domain/iam/index.ts';
import { stsOperations, stsUnsignedOperations } from './domain/sts/index.ts';
import { createSealer, generateMasterKey, parseMasterKey } from './crypto/sealing.ts';
import type { QueryHandlerDeps } from './protocols/aws-query/handler.ts';
import { createQueryServer } from './protocols/aws-query/http.ts';
import { requestTooLargeResponse, toQueryErrorResponse } from './protocols/aws-query/errors.ts';
import { encodeQueryError } from './protocols/aws-query/codec/encode.ts';
import { newRequestId } from './crypto/ids.ts';
import { createClock, registerTestEndpoints } from './test-endpoints.ts';
import { registerConsole } from './console/index.ts';
import { applyNetworkSettings, readTls } from './network.ts';

export interface App {
  readonly url: string;
  readonly accountId: string;
  /** What bootstrap created on this start (secrets only on the first start). */
  readonly bootstrap: BootstrapResult;
  readonly iam: Iam;
  close(): Promise<void>;
}

/** Largest request body accepted: IAM's largest parameters (policy documents) fit well within it. */
const BODY_LIMIT = 1024 * 1024;

export async function startApp(config: Config): Promise<App> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { store, lock, location } = await openStore(config);
  const reports = createReportWorker(location);
  const masterKey = config.masterKey
    ? parseMasterKey(config.masterKey)
    : loadOrCreateMasterKey(config.dataDir);
  const clock = createClock();
  const iam = createIam({
    store,
    now: clock.now,
    sealer: createSealer(masterKey),
    awsManagedPolicies: loadAwsManagedPolicyCatalog(),
    buildCredentialReport: reports.build,
  });
  await checkMasterKey(iam);
  let bootstrapped = await bootstrap(iam, config.bootstrap);
  if (bootstrapped.created) writeRootCredentials(config.dataDir, bootstrapped);

  const deps: QueryHandlerDeps = {
    iam,
    operations: { iam: iamOperations, sts: stsOperations },
    unsignedOperations: stsUnsignedOperations,
    logError: (error, requestId) => console.error(`[${requestId}] internal failure:`, error),
  };
  applyNetworkSettings(config.network);
  const tls = readTls(config.network);
  // The Query endpoint ("/") is served on Node's HTTP server directly; fastify serves the rest.
  const server = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: false,
    trustProxy: false,
    serverFactory: (otherwise) =>
      createQueryServer({ deps, bodyLimit: BODY_LIMIT, otherwise, ...(tls ? { tls } : {}) }),
  });
  registerBodyHandling(server);
  registerConsole(server, { iam, accountId: () => bootstrapped.accountId });
  registerTestEndpoints(server, {
    allowReset: config.allowReset,
    allowTestClock: config.allowTestClock,
    clock,
    reset: async () => {
      await store.clear();
      bootstrapped = await bootstrap(iam, config.bootstrap);
      if (bootstrapped.created) writeRootCredentials(config.dataDir, bootstrapped);
      return bootstrapped.accountId;
    },
  });
  // For load balancers: a node that cannot reach its database is taken out of rotation.
  server.get('/_portcullis/health', async (_request, reply) => {
    try {
      await store.revision(bootstrapped.accountId);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'the database does not answer' });
    }
  });

  await server.listen({ host: config.host, port: config.port });
  // Once the server answers, the report worker gets ready in its own thread, so that the first
  // credential report does not wait for it to load.
  reports.warm();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    accountId: bootstrapped.accountId,
    bootstrap: bootstrapped,
    iam,
    async close() {
      await server.close();
      await flushKeyUses(iam);
      await reports.close();
      await store.close();
      lock?.release();
    },
  };
}

/**
 * PostgreSQL when a database URL is set (any number of nodes); else SQLite in the data directory,
 * which one server at a time may use (the directory is locked for the life of the process).
 */
async function openStore(
  config: Config,
): Promise<{ store: Store; lock: DirectoryLock | undefined; location: StoreLocation }> {
  if (config.databaseUrl) {
    const connectionString = config.databaseUrl;
    return {
      store: await openPostgresStore({ connectionString }),
      lock: undefined,
      location: { kind: 'postgres', connectionString },
    };
  }
  const lock = lockDataDirectory(config.dataDir);
  const filename = join(config.dataDir, 'portcullis.sqlite');
  try {
    return {
      store: openSqliteStore({ filename, exclusive: true }),
      lock,
      location: { kind: 'sqlite', filename },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * Secrets are sealed with the master key: a server given another key than the one the store was
 * written with could open none of them. Said at start, plainly, rather than as failed signatures.
 */
async function checkMasterKey(iam: Iam): Promise<void> {
  const [sample] = await iam.store.read((tx) => tx.list(accessKeys, { limit: 1 }));
  if (!sample) return;
  try {
    iam.sealer.open(sample.sealedSecret, `access-key:${sample.id}`);
  } catch {
    throw new Error(
      'The master key does not open the secrets in this database: start with the master key it was written with ' +
        '(PORTCULLIS_MASTER_KEY, or master.key in the data directory). Every node of a deployment needs the same key.',
    );
  }
}

/** Bodies stay raw bytes (each route reads its own); failures outside the console answer in XML. */
function registerBodyHandling(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  server.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const requestId = newRequestId();
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) console.error(`[${requestId}] internal failure:`, error);
    const answer =
      status === 413
        ? requestTooLargeResponse(requestId)
        : status < 500
          ? {
              status,
              body: encodeQueryError(
                'iam',
                { code: 'MalformedQueryString', message: 'The request could not be read.' },
                requestId,
              ),
            }
          : toQueryErrorResponse('iam', error, requestId);
    void reply.code(answer.status).type('text/xml').send(answer.body);
  });
}

function loadOrCreateMasterKey(dataDir: string): Buffer {
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return parseMasterKey(readFileSync(file, 'utf8').trim());
  const key = generateMasterKey();
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/** The bootstrap's secrets, once, in a file only the owner can read. */
function writeRootCredentials(dataDir: string, result: BootstrapResult): void {
  const file = join(dataDir, 'root-credentials.json');
  const content = {
    accountId: result.accountId,
    rootEmail: result.rootEmail,
    rootPassword: result.rootPassword,
    accessKeyId: result.rootAccessKeyId,
    secretAccessKey: result.rootSecretAccessKey,
  };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
