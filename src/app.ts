// The composition root: configuration → store → domain → protocols on one HTTP server.
// The only file that wires storage into the domain.
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts';
import { lockDataDirectory, type DirectoryLock } from './storage/sqlite/lock.ts';
import { withNativeDriverHint } from './storage/sqlite/native-driver.ts';
import { openPostgresStore } from './storage/postgres/postgres-store.ts';
import type { Store } from './domain/store.ts';
import { flushKeyUses } from './domain/key-uses.ts';
import { flushServiceUses } from './domain/service-uses.ts';
import { sweepOrphanedMfaDevices, sweptDeviceEvent } from './domain/portcullis/orphaned-mfa-devices.ts';
import { createReportWorker } from './app-report-worker.ts';
import type { StoreLocation } from './app-store-worker.ts';
import { createAuditWorker } from './app-audit-worker.ts';
import { loadAwsManagedPolicyCatalog } from './storage/aws-managed-policies.ts';
import { loadServiceLinkedRoleCatalog } from './storage/service-linked-roles.ts';
import { createIam, type Iam } from './domain/iam.ts';
import { bootstrap, type BootstrapResult } from './domain/bootstrap.ts';
import { iamOperations } from './domain/iam/index.ts';
import { stsOperations, stsUnsignedOperations } from './domain/sts/index.ts';
import { checkMasterKey, loadMasterKeys, resealInBackground, sealerFor } from './app-master-keys.ts';
import type { QueryHandlerDeps } from './protocols/aws-query/handler.ts';
import { createQueryServer } from './protocols/aws-query/http.ts';
import { requestTooLargeResponse, toQueryErrorResponse } from './protocols/aws-query/errors.ts';
import { encodeQueryError } from './protocols/aws-query/codec/encode.ts';
import { newRequestId } from './crypto/ids.ts';
import { createClock, registerTestEndpoints } from './test-endpoints.ts';
import { registerConsole } from './console/index.ts';
import { createAuditTrail } from './domain/audit/index.ts';
import { jsonProtocol } from './app-json.ts';
import { restJsonProtocol } from './app-rest-json.ts';
import { applyNetworkSettings, readTls } from './network.ts';
import { Observability } from './observability/index.ts';

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
/**
 * How often each node sweeps expired orphaned MFA devices: the accounts' hours are whole hours, so
 * a few minutes late is nothing, and the user's own next enrolment never waits for it
 * (CreateVirtualMFADevice replaces an expired orphan itself).
 */
const ORPHAN_SWEEP_MS = 10 * 60_000;

export async function startApp(config: Config): Promise<App> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const observability = new Observability({ metrics: config.metrics, logLevel: config.logLevel });
  const opened = await openStore(config);
  const { lock, location } = opened;
  // The domain's transactions are timed for /metrics; the adapter is closed as itself.
  const store = observability.timeStore(opened.store);
  const reports = createReportWorker(location);
  const masterKeys = loadMasterKeys(config, { create: true });
  const clock = createClock();
  const iam = createIam({
    store,
    now: clock.now,
    sealer: sealerFor(masterKeys),
    awsManagedPolicies: loadAwsManagedPolicyCatalog(),
    serviceLinkedRoles: loadServiceLinkedRoleCatalog(),
    generateCredentialReport: reports.generate,
  });
  await checkMasterKey(store, iam.sealer);
  let bootstrapped = await bootstrap(iam, config.bootstrap);
  if (bootstrapped.created) writeRootCredentials(config.dataDir, bootstrapped);

  const auditWriter = config.audit.enabled ? createAuditWorker(location) : undefined;
  const audit = auditWriter
    ? createAuditTrail({
        now: clock.now,
        sink: auditWriter,
        retentionDays: config.audit.retentionDays,
        onError: (error) => console.error('audit trail: events not written yet:', error),
      })
    : undefined;
  const deps: QueryHandlerDeps = {
    iam,
    ...(audit ? { audit: { record: audit.record, defaultAccount: () => bootstrapped.accountId } } : {}),
    operations: { iam: iamOperations, sts: stsOperations },
    unsignedOperations: stsUnsignedOperations,
    logError: (error, requestId) => console.error(`[${requestId}] internal failure:`, error),
    observe: observability.observeCall,
  };
  applyNetworkSettings(config.network);
  const tls = readTls(config.network);
  // The Query endpoint ("/") is served on Node's HTTP server directly; fastify serves the rest.
  const server = Fastify({
    bodyLimit: BODY_LIMIT,
    ...observability.fastifyOptions(),
    trustProxy: false,
    serverFactory: (otherwise) =>
      createQueryServer({
        deps,
        bodyLimit: BODY_LIMIT,
        otherwise,
        json: jsonProtocol(iam, deps),
        restJson: restJsonProtocol(iam, deps),
        ...(tls ? { tls } : {}),
      }),
  });
  // Readiness: the store answers (for load balancers: a node that cannot reach its database is
  // taken out of rotation).
  observability.attach(server, () => store.revision(bootstrapped.accountId));
  registerBodyHandling(server);
  registerConsole(server, {
    iam,
    accountId: () => bootstrapped.accountId,
    observer: observability.console,
    ...(audit ? { audit } : {}),
  });
  // The periodic sweeps, one after another: each expired orphaned MFA device deleted is an audit event.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = (): Promise<unknown> =>
    (sweeping = sweeping
      .then(() => sweepOrphanedMfaDevices(iam))
      .then((swept) => swept.forEach((device) => audit?.record(sweptDeviceEvent(device))))
      .catch((error: unknown) => console.error('orphaned MFA devices: sweep failed:', error)));
  registerTestEndpoints(server, {
    allowReset: config.allowReset,
    allowTestClock: config.allowTestClock,
    clock,
    iam,
    reset: async () => {
      await store.clear();
      bootstrapped = await bootstrap(iam, config.bootstrap);
      if (bootstrapped.created) writeRootCredentials(config.dataDir, bootstrapped);
      return bootstrapped.accountId;
    },
    sweep,
  });

  await server.listen({ host: config.host, port: config.port });
  // Once the server answers, the report worker gets ready in its own thread, so that the first
  // credential report does not wait for it to load.
  reports.warm();
  const resealing = config.databaseUrl ? undefined : resealInBackground(iam, masterKeys);
  const orphanSweep = setInterval(sweep, ORPHAN_SWEEP_MS);
  orphanSweep.unref();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    accountId: bootstrapped.accountId,
    bootstrap: bootstrapped,
    iam,
    async close() {
      clearInterval(orphanSweep);
      await server.close();
      await sweeping;
      await resealing?.stop();
      await flushKeyUses(iam);
      await flushServiceUses(iam);
      await audit?.flush();
      await auditWriter?.close();
      await reports.close();
      await opened.store.close();
      lock?.release();
      observability.flush();
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
  const lock = withNativeDriverHint(() => lockDataDirectory(config.dataDir));
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

// What the operator commands (src/cli) run.
export { backupDataDirectory, restoreDataDirectory } from './app-backup.ts';
export { runMasterKeyRotation } from './app-rotation.ts';
// `portcullis lint` reads AWS's Service Authorization Reference as ValidatePolicy does.
export { loadServiceCatalog } from './domain/access-analyzer/service-catalog.ts';
