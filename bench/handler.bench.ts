// npm run bench:handler — the cost of Portcullis's own code per request: GetUser (alice, MFA
// session, the standard policy workload) through the Query handler in this process, without HTTP,
// sockets or a second process. bench:api measures the same call over the wire; the difference is
// Node's HTTP stack, the kernel and the load generator.
//
// BENCH_OBSERVE=1 adds what the server adds to each call: its metrics (the store's transactions
// timed too) and its JSON request log on stdout, as app.ts wires them. Send stdout elsewhere
// (`> /dev/null`); the figures then go to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { loadAwsManagedPolicyCatalog } from '../src/storage/aws-managed-policies.ts';
import { createIam } from '../src/domain/iam.ts';
import { bootstrap } from '../src/domain/bootstrap.ts';
import { iamOperations } from '../src/domain/iam/index.ts';
import { stsOperations, stsUnsignedOperations } from '../src/domain/sts/index.ts';
import { createSealer, generateMasterKey } from '../src/crypto/sealing.ts';
import { createAuditTrail } from '../src/domain/audit/index.ts';
import { createAuditWorker } from '../src/app-audit-worker.ts';
import {
  handleQueryRequest,
  type QueryHandlerDeps,
  type QueryRequest,
} from '../src/protocols/aws-query/handler.ts';
import type { EncodedBody } from '../src/protocols/aws-query/codec/encode-in-parts.ts';
import { Observability } from '../src/observability/index.ts';
import Fastify from 'fastify';
import { signedHeaders, type Signer } from './load.ts';
import { ACCOUNT_ID, ROOT, setUpAlice } from './workloads/callers.ts';

/** A response's document as text (a large one comes in parts). */
const bodyText = (body: EncodedBody) =>
  typeof body === 'string' ? body : Buffer.concat(body).toString('utf8');

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = 9;
const HOST = '127.0.0.1:4590';

const observability =
  process.env.BENCH_OBSERVE === '1' ? new Observability({ metrics: true, logLevel: 'info' }) : undefined;
const print = observability ? console.error : console.log;
const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-handler-bench-'));
const store = openSqliteStore({ filename: join(dataDir, 'portcullis.sqlite'), exclusive: true });
try {
  if (observability) observability.attach(Fastify(observability.fastifyOptions()), async () => undefined);
  const iam = createIam({
    store: observability ? observability.timeStore(store) : store,
    now: () => new Date(),
    sealer: createSealer(generateMasterKey()),
    awsManagedPolicies: loadAwsManagedPolicyCatalog(),
  });
  await bootstrap(iam, {
    accountId: ACCOUNT_ID,
    rootPassword: 'Bench-Root-Password-1',
    rootAccessKeyId: ROOT.accessKeyId,
    rootSecretAccessKey: ROOT.secretAccessKey,
  });
  // The audit trail as the server runs it: batches written by a worker thread on its own connection.
  const auditWriter = createAuditWorker({ kind: 'sqlite', filename: join(dataDir, 'portcullis.sqlite') });
  const audit = createAuditTrail({ now: () => new Date(), sink: auditWriter, retentionDays: 90 });
  const deps: QueryHandlerDeps = {
    iam,
    operations: { iam: iamOperations, sts: stsOperations },
    unsignedOperations: stsUnsignedOperations,
    logError: (error) => console.error(error),
    ...(observability ? { observe: observability.observeCall } : {}),
  };
  const request = (signer: Signer, params: Record<string, string>): QueryRequest => {
    const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
    return {
      method: 'POST',
      path: '/',
      query: '',
      headers: { host: HOST, 'content-length': String(body.length), ...signedHeaders(signer, HOST, body) },
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      secure: false,
      userAgent: 'bench',
    };
  };
  const send = async (req: QueryRequest) => {
    const response = await handleQueryRequest(deps, req);
    const body = bodyText(response.body);
    if (response.status !== 200) throw new Error(body);
    return body;
  };
  const alice = await setUpAlice((signer, params) => send(request(signer, params)));

  // One signed request, repeated (as bench:api does); rounds alternate without and with the audit
  // trail recording, and the median of each is the figure: what recording costs the request
  // thread (the batches are written by the trail's worker thread, on another core when there is one).
  const getUser = request(alice, { Action: 'GetUser' });
  const recording: QueryHandlerDeps = {
    ...deps,
    audit: { record: audit.record, defaultAccount: () => ACCOUNT_ID },
  };
  const perCall = { off: [] as number[], on: [] as number[] };
  for (let round = 0; round < ROUNDS * 2; round++) {
    const on = round % 2 === 1;
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) {
      const response = await handleQueryRequest(on ? recording : deps, getUser);
      if (response.status !== 200) throw new Error(bodyText(response.body));
    }
    (on ? perCall.on : perCall.off).push(((performance.now() - started) * 1000) / CALLS);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const off = median(perCall.off);
  const on = median(perCall.on);
  print(`workload: GetUser by alice (MFA session, 4 managed + 1 inline policies) through the Query`);
  print(
    `          handler in-process, ${ROUNDS} rounds of ${CALLS} calls each way (node ${process.version})${observability ? ', with metrics and the request log' : ''}`,
  );
  print(`GetUser in-process, audit trail off: median ${off.toFixed(1)} µs/call`);
  print(
    `GetUser in-process, audit trail on:  median ${on.toFixed(1)} µs/call (recording costs ${(((on - off) / off) * 100).toFixed(1)}%)`,
  );
  await audit.flush();
  await auditWriter.close();
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
