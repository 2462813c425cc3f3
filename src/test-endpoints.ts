// Endpoints for test suites, each off unless its setting turns it on (then they answer 404):
//   POST /_portcullis/reset  {}                      → all state removed, bootstrap run again
//   POST /_portcullis/clock  {"advanceSeconds": N}    → the server's clock moves N seconds ahead
// The clock lets suites see sessions expire and reports age without waiting; clients must sign
// with the same offset (the AWS SDKs' systemClockOffset), as AWS rejects skew over 15 minutes.
import type { FastifyInstance } from 'fastify';

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

export function registerTestEndpoints(
  server: FastifyInstance,
  options: { allowReset: boolean; allowTestClock: boolean; clock: Clock; reset: () => Promise<string> },
): void {
  server.post('/_portcullis/reset', async (_request, reply) => {
    if (!options.allowReset) return reply.code(404).send({ message: 'Not found' });
    return { reset: true, accountId: await options.reset() };
  });
  server.post('/_portcullis/clock', async (request, reply) => {
    if (!options.allowTestClock) return reply.code(404).send({ message: 'Not found' });
    let body: unknown;
    try {
      body = JSON.parse(
        Buffer.isBuffer(request.body) ? request.body.toString('utf8') : String(request.body ?? '{}'),
      );
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
}
