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

/** Sends `body()` (a fresh body per request) for `seconds`, `concurrency` at a time. */
export async function runLoad(options: {
  url: string;
  signer: Signer;
  concurrency: number;
  seconds: number;
  /** The body of a worker's n-th request (each worker sends its requests one after another). */
  body: (worker: number, n: number) => string;
  /** Whether a response is the expected one (defaults to status 200). */
  ok?: (status: number) => boolean;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const ok = options.ok ?? ((status: number) => status === 200);
  const deadline = performance.now() + options.seconds * 1000;
  const once = (worker: number, n: number): Promise<void> =>
    new Promise((resolve) => {
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
  agent.destroy();
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
 */
export async function runRepeated(options: {
  url: string;
  signer: Signer;
  concurrency: number;
  seconds: number;
  body: string;
}): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const target = new URL(options.url);
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.concurrency,
    duration: options.seconds,
    headers: signedHeaders(options.signer, target.host, options.body),
    body: options.body,
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    seconds: options.seconds,
    perSecond: result.requests.total / options.seconds,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
  };
}
