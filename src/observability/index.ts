// What the server tells its operators: Prometheus metrics at GET /metrics, one JSON line per
// request on stdout (pino: fastify's logger for its routes, the same logger for the API, whose
// requests do not go through fastify), and the health endpoints. Wired in by app.ts only: the
// protocols hand each call's noted outcome to `observeCall`, the console reports sign-in
// failures to `console`, and the store's transactions are timed by `timeStore`.
//
// Never logged: headers (Authorization, cookies, security tokens), bodies (passwords, secrets,
// policies), query strings (presigned URLs' signatures, federation sign-in tokens). A line holds
// the request id, method, path, action, status, error code, duration, client address and the
// principal's ARN or access key id.
import {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type LogLevel,
} from 'fastify';
import { newRequestId } from '../crypto/ids.ts';
import { clientOfRequest } from '../http/client.ts';
import type { Store } from '../domain/store.ts';
import type { ObservedRequest, ObservedService } from '../protocols/aws-query/handler.ts';
import { signingKeyId, type Noted } from '../protocols/aws-query/audit.ts';
import { Metrics } from './metrics.ts';
import { actionLabel, consoleOutcomeLabel, isAccessDenied, outcomeLabel, UNKNOWN } from './labels.ts';
import { stdoutLogStream, type LogStream } from './log-stream.ts';
import { registerHealth } from './health.ts';
import { timedStore } from './timed-store.ts';

export interface ObservabilityOptions {
  /** Serve GET /metrics (and count). */
  readonly metrics: boolean;
  readonly logLevel: LogLevel;
}

/** What the console reports (its ConsoleObserver). */
export interface ConsoleEvents {
  signInFailed(): void;
  mfaFailed(): void;
  throttled(): void;
  accessDenied(action: string): void;
  identified(request: FastifyRequest, principalArn: string): void;
}

/** Routes probed every few seconds: logged at debug, so that info shows the traffic that matters. */
const PROBES = new Set([
  '/metrics',
  '/_portcullis/health',
  '/_portcullis/health/live',
  '/_portcullis/health/ready',
]);

export class Observability {
  private readonly metrics: Metrics | undefined;
  private readonly stream: LogStream = stdoutLogStream();
  private readonly principals = new WeakMap<FastifyRequest, string>();
  /** Whether info lines are written: when not, a call's line is not even assembled. */
  private readonly logsRequests: boolean;
  private log: FastifyInstance['log'] | undefined;

  constructor(private readonly options: ObservabilityOptions) {
    this.metrics = options.metrics ? new Metrics() : undefined;
    this.logsRequests = ['info', 'debug', 'trace'].includes(options.logLevel);
  }

  /** fastify's options: its pino logger on our stream, our request ids, no request lines of its own. */
  fastifyOptions() {
    return {
      logger: { level: this.options.logLevel, stream: this.stream },
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
      genReqId: () => newRequestId(),
    };
  }

  /** The store, its transactions timed (when counting). */
  timeStore(store: Store): Store {
    return this.metrics ? timedStore(store, this.metrics) : store;
  }

  /** An API call answered (Query or JSON protocol): counted and logged. */
  readonly observeCall = (call: Noted<ObservedService>, request: ObservedRequest): void => {
    const ms = performance.now() - call.started;
    const code = call.error?.code;
    if (this.metrics) {
      const action = actionLabel(call.service, call.action);
      this.metrics.request(call.service, action, outcomeLabel(code), ms / 1000);
      if (isAccessDenied(code)) this.metrics.accessDenied(call.service, action);
    }
    if (!this.logsRequests || !this.log) return;
    const principal = call.caller?.arn;
    const accessKeyId = call.caller?.accessKeyId ?? signingKeyId(call);
    this.log.info(
      {
        requestId: call.requestId,
        method: request.method,
        path: request.path,
        service: call.service,
        action: actionLabel(call.service, call.action),
        status: call.status,
        ...(code ? { errorCode: code } : {}),
        durationMs: round(ms),
        sourceIp: request.sourceIp,
        ...(principal ? { principal } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
      },
      'request',
    );
  };

  /** The console's sign-in failures and denials, and who each of its requests runs as. */
  readonly console: ConsoleEvents = {
    signInFailed: () => this.metrics?.signInFailed(),
    mfaFailed: () => this.metrics?.mfaFailed(),
    throttled: () => this.metrics?.signInThrottled(),
    accessDenied: (action) => this.metrics?.accessDenied('console', actionLabel('iam', action)),
    identified: (request, principalArn) => this.principals.set(request, principalArn),
  };

  /**
   * Takes over fastify's logger for the API's lines, logs and counts every fastify request, and
   * adds /metrics (when on) and the health endpoints. Before any route is registered.
   */
  attach(server: FastifyInstance, storeAnswers: () => Promise<unknown>): void {
    this.log = server.log;
    server.addHook('onResponse', async (request, reply) => this.onResponse(request, reply));
    registerHealth(server, storeAnswers);
    const metrics = this.metrics;
    if (metrics) {
      server.get('/metrics', async (_request, reply) => {
        const { contentType, text } = await metrics.exposition();
        return reply.type(contentType).send(text);
      });
    }
  }

  /** Writes out the log lines still held (at shutdown). */
  flush(): void {
    this.stream.flush();
  }

  private onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    const path = pathOf(request.url);
    const isConsole = path.startsWith('/console') || path === '/federation';
    if (this.metrics && isConsole) {
      this.metrics.request(
        'console',
        route ?? UNKNOWN,
        consoleOutcomeLabel(reply.statusCode),
        reply.elapsedTime / 1000,
      );
    }
    if (!this.logsRequests) return;
    const principal = this.principals.get(request);
    const line = {
      method: request.method,
      path,
      ...(isConsole ? { service: 'console' } : {}),
      ...(route ? { route } : {}),
      status: reply.statusCode,
      durationMs: round(reply.elapsedTime),
      sourceIp: clientOfRequest(request.raw).ip,
      ...(principal ? { principal } : {}),
    };
    if (PROBES.has(path)) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  }
}

/** The path without its query string, which may carry secrets (signatures, sign-in tokens). */
function pathOf(url: string): string {
  const questionMark = url.indexOf('?');
  return questionMark < 0 ? url : url.slice(0, questionMark);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
