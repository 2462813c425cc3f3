// The web console: server-rendered pages under /console over the same domain operations and the
// same engine decisions as the API. (Being written.)
import type { FastifyInstance } from 'fastify';
import type { Iam } from '../domain/iam.ts';

export interface ConsoleOptions {
  readonly iam: Iam;
  readonly accountId: () => string;
}

export function registerConsole(_server: FastifyInstance, _options: ConsoleOptions): void {}
