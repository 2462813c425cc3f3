// Endpoints for test suites, each off unless its setting turns it on (then they answer 404):
//   POST /_portcullis/reset  {}                      → all state removed, bootstrap run again
//   POST /_portcullis/clock  {"advanceSeconds": N}    → the server's clock moves N seconds ahead
//   POST /_portcullis/sweep  {}                      → the periodic sweeps run now (with the clock)
// The clock lets suites see sessions expire and reports age without waiting; clients must sign
// with the same offset (the AWS SDKs' systemClockOffset), as AWS rejects skew over 15 minutes.
// The sweep runs, at once, what each node otherwise runs every few minutes (the orphaned MFA
// device janitor), so suites that moved the clock see its work without waiting for the timer.
//
// Either one, when on, wipes or bends the whole server: a call must be signed (SigV4, in the
// Authorization header, verified by the API's own code) with the root user's credentials, and a
// browser's request is refused before its signature is even looked at. A browser can neither
// attach an Authorization header nor send application/json across origins without a CORS
// preflight, which nothing here answers; Origin and Sec-Fetch-Site catch the rest.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Iam } from './domain/iam.ts';
import { callerFor } from './domain/authenticate.ts';
import { verifyWithStoredKeys } from './protocols/aws-query/sigv4/verify-stored.ts';

export interface Clock {
  readonly now: () => Date;
  advance(seconds: number): void;
  readonly offsetSeconds: () => number;
}

export function createClock(): Clock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (seconds) => {
      offsetMs += seconds * 1000;
    },
    offsetSeconds: () => offsetMs / 1000,
  };
}

export interface TestEndpointOptions {
  readonly allowReset: boolean;
  readonly allowTestClock: boolean;
  readonly clock: Clock;
  readonly iam: Iam;
  readonly reset: () => Promise<string>;
  /** Runs the periodic sweeps once; resolves when they are done. */
  readonly sweep: () => Promise<unknown>;
}

export function registerTestEndpoints(server: FastifyInstance, options: TestEndpointOptions): void {
  server.post('/_portcullis/reset', async (request, reply) => {
    if (!options.allowReset) return reply.code(404).send({ message: 'Not found' });
    if (!(await admitRoot(options.iam, request, reply))) return reply;
    return { reset: true, accountId: await options.reset() };
  });
  server.post('/_portcullis/clock', async (request, reply) => {
    if (!options.allowTestClock) return reply.code(404).send({ message: 'Not found' });
    if (!(await admitRoot(options.iam, request, reply))) return reply;
    let body: unknown;
    try {
      body = JSON.parse(bodyBytes(request).toString('utf8') || '{}');
    } catch {
      body = undefined;
    }
    const seconds = (body as { advanceSeconds?: unknown } | undefined)?.advanceSeconds;
    if (
      typeof seconds !== 'number' ||
      !Number.isFinite(seconds) ||
      seconds < 0 ||
      seconds > 10 * 365 * 86400
    ) {
      return reply
        .code(400)
        .send({ message: 'advanceSeconds must be a number of seconds between 0 and ten years' });
    }
    options.clock.advance(seconds);
    return { offsetSeconds: options.clock.offsetSeconds(), now: options.clock.now().toISOString() };
  });
  server.post('/_portcullis/sweep', async (request, reply) => {
    if (!options.allowTestClock) return reply.code(404).send({ message: 'Not found' });
    if (!(await admitRoot(options.iam, request, reply))) return reply;
    await options.sweep();
    return { swept: true };
  });
}

function bodyBytes(request: FastifyRequest): Buffer {
  const body = request.body;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : '', 'utf8');
}

/** Answers the refusal itself (and returns false) unless the root user signed a same-site call. */
async function admitRoot(iam: Iam, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const crossSite = crossSiteReason(request);
  if (crossSite !== undefined) {
    await reply.code(403).send({ code: 'AccessDenied', message: crossSite });
    return false;
  }
  const raw = request.raw.url ?? '/';
  const queryAt = raw.indexOf('?');
  const { verified, signing } = await verifyWithStoredKeys(
    iam,
    {
      method: request.method,
      path: queryAt < 0 ? raw : raw.slice(0, queryAt),
      query: queryAt < 0 ? '' : raw.slice(queryAt + 1),
      headers: request.headers,
      body: bodyBytes(request),
    },
    iam.now(),
  );
  if (!verified.ok) {
    await reply
      .code(verified.error.status)
      .send({ code: verified.error.code, message: verified.error.message });
    return false;
  }
  // A presigned URL can be put in a form's action: only the Authorization header counts here.
  const caller = verified.presigned || !signing ? null : await callerFor(iam, signing, {});
  if (caller?.type !== 'root') {
    await reply.code(403).send({
      code: 'AccessDenied',
      message: "Only the root user's credentials, in an Authorization header, may call this endpoint.",
    });
    return false;
  }
  return true;
}

/** Why a request looks like a browser's from another site, if it does. */
function crossSiteReason(request: FastifyRequest): string | undefined {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
    return 'Cross-site requests are refused.';
  // SDKs and the CLI send no Origin; a browser does on every POST, and no page needs this.
  if (request.headers.origin !== undefined) return 'Requests from web pages are refused.';
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return 'The body must be application/json (a type no browser sends across sites without asking).';
  return undefined;
}
