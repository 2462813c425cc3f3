// A small SigV4-signing load generator: keeps `concurrency` requests in flight over keep-alive
// connections for a fixed time, signing each request afresh, and reports throughput and latency.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

export interface Signer {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
  readonly sessionToken?: string;
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Headers for a POST of a form body to "/", signed with SigV4 (what the AWS SDKs send). */
export function signedHeaders(
  signer: Signer,
  host: string,
  body: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const token = signer.sessionToken;
  const canonicalHeaders =
    `content-type:${contentType}\nhost:${host}\nx-amz-date:${amzDate}\n` +
    (token ? `x-amz-security-token:${token}\n` : '');
  const signedHeaderNames = token
    ? 'content-type;host;x-amz-date;x-amz-security-token'
    : 'content-type;host;x-amz-date';
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaderNames, payloadHash].join('\n');
  const scope = `${day}/${signer.region}/${signer.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const kDate = hmac(`AWS4${signer.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, signer.region), signer.service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return {
    'content-type': contentType,
    'x-amz-date': amzDate,
    ...(token ? { 'x-amz-security-token': token } : {}),
    authorization: `AWS4-HMAC-SHA256 Credential=${signer.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames}, Signature=${signature}`,
  };
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

/** The targets of a load: one server, or several serving the same store (connections split evenly). */
export type Targets = string | readonly string[];

const urlsOf = (targets: Targets): readonly string[] => (typeof targets === 'string' ? [targets] : targets);

/** Sends `body()` (a fresh body per request) for `seconds`, `concurrency` at a time. */
export async function runLoad(options: {
  /** With several servers, worker w sends to server w mod n (each request signed for its server). */
  url: Targets;
  signer: Signer;
  concurrency: number;
  seconds: number;
  /** The body of a worker's n-th request (each worker sends its requests one after another). */
  body: (worker: number, n: number) => string;
  /** Whether a response is the expected one (defaults to status 200). */
  ok?: (status: number) => boolean;
}): Promise<LoadResult> {
  const targets = urlsOf(options.url).map((url) => ({
    url: new URL(url),
    agent: new http.Agent({ keepAlive: true, maxSockets: options.concurrency }),
  }));
  const latencies: number[] = [];
  let errors = 0;
  const ok = options.ok ?? ((status: number) => status === 200);
  const deadline = performance.now() + options.seconds * 1000;
  const once = (worker: number, n: number): Promise<void> =>
    new Promise((resolve) => {
      const { url: target, agent } = targets[worker % targets.length]!;
      const body = options.body(worker, n);
      const started = performance.now();
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: '/',
          headers: {
            ...signedHeaders(options.signer, target.host, body),
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latencies.push(performance.now() - started);
            if (!ok(response.statusCode ?? 0)) errors++;
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let n = 0; performance.now() < deadline; n++) await once(worker, n);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const { agent } of targets) agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50ms: at(0.5),
    p99ms: at(0.99),
  };
}

/**
 * The same signed request over and over (AWS accepts a signature for 15 minutes), sent by
 * autocannon, whose lean sockets leave more of this 2-core machine to the server.
 *
 * With several servers, autocannon's connections take them in turn, and every request carries the
 * first server's Host (the one it is signed for), as a load balancer in front of the nodes passes
 * it on. With several signers, each connection goes through their requests in turn.
 */
export async function runRepeated(options: {
  url: Targets;
  signer: Signer | readonly Signer[];
  concurrency: number;
  /** The run's length; with `until`, the longest it may last. */
  seconds: number;
  body: string;
  /** Ends the run early when it resolves (requests per second are then over the time it ran). */
  until?: Promise<unknown>;
  /** Every response: when it came (performance.now()) and its latency in ms. */
  onResponse?: (at: number, latencyMs: number, status: number) => void;
}): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const urls = urlsOf(options.url);
  const host = new URL(urls[0]!).host;
  const signers: readonly Signer[] = 'accessKeyId' in options.signer ? [options.signer] : options.signer;
  const headersOf = (signer: Signer) => ({ host, ...signedHeaders(signer, host, options.body) });
  const started = performance.now();
  const result = await new Promise<import('autocannon').Result>((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon takes several URLs (its types say one).
        url: (urls.length === 1 ? urls[0]! : [...urls]) as string,
        method: 'POST',
        connections: options.concurrency,
        duration: options.seconds,
        headers: headersOf(signers[0]!),
        body: options.body,
        ...(signers.length > 1
          ? { requests: signers.map((signer) => ({ headers: headersOf(signer) })) }
          : {}),
      },
      (error: unknown, done: import('autocannon').Result) => (error ? reject(error) : resolve(done)),
    );
    if (options.onResponse) {
      const record = options.onResponse;
      instance.on('response', (_client, status, _bytes, latency) =>
        record(performance.now(), latency, status),
      );
    }
    void options.until?.then(() => instance.stop());
  });
  const seconds = options.until ? (performance.now() - started) / 1000 : options.seconds;
  return {
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    seconds,
    perSecond: result.requests.total / seconds,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
  };
}
