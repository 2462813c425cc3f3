// Health for load balancers and orchestrators: liveness (the process answers) and readiness (its
// store answers too). A node whose database is unreachable is taken out of rotation by readiness
// and left running by liveness, so it comes back by itself once the database does.
import type { FastifyInstance } from 'fastify';

/** A store that does not answer within this long is as good as unreachable. */
const READY_TIMEOUT_MS = 3000;

export function registerHealth(server: FastifyInstance, storeAnswers: () => Promise<unknown>): void {
  const ready = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    if (await answersWithin(storeAnswers, READY_TIMEOUT_MS)) return reply.send({ status: 'ok' });
    return reply.code(503).send({ status: 'unavailable', reason: 'the database does not answer' });
  };
  server.get('/_portcullis/health/live', async () => ({ status: 'ok' }));
  server.get('/_portcullis/health/ready', ready);
  // The first endpoint, kept for what already probes it: readiness.
  server.get('/_portcullis/health', ready);
}

async function answersWithin(check: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      check().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
