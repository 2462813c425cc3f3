// The metrics served at GET /metrics, in a registry of their own (not prom-client's global one,
// so nothing else loaded in the process adds to them). Each label set's children are made once and
// kept in maps keyed by strings a request already has, so the request path builds no label
// objects; prom-client still keys each child's update by its label values (about a microsecond
// per request for the counter and the histogram together, measured on the development machine:
// about 1% of a GetUser's server time). The label sets are bounded (labels.ts).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricService } from './labels.ts';

/** Request latency buckets (seconds): from a remembered GetUser to a slow credential report. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Store transaction buckets (seconds): a snapshot read to a write that waited its turn. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

type RequestLabels = 'service' | 'action' | 'outcome';

interface ActionCell {
  readonly latency: Histogram.Internal<'service' | 'action'>;
  readonly outcomes: Map<string, Counter.Internal>;
  denied?: Counter.Internal;
}

export type TransactionKind = 'read' | 'write';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter<RequestLabels>({
    name: 'portcullis_requests_total',
    help: 'Requests answered, by service (iam, sts, cloudtrail, organizations, access-analyzer, console), action and outcome (ok or the error code)',
    labelNames: ['service', 'action', 'outcome'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram<'service' | 'action'>({
    name: 'portcullis_request_duration_seconds',
    help: 'Time from a request read to its answer ready, by service and action',
    labelNames: ['service', 'action'],
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly denied = new Counter<'service' | 'action'>({
    name: 'portcullis_access_denied_total',
    help: 'Calls refused with AccessDenied, by service and action (console: the IAM action a page called)',
    labelNames: ['service', 'action'],
    registers: [this.registry],
  });
  private readonly signInFailures = new Counter({
    name: 'portcullis_console_sign_in_failures_total',
    help: 'Console sign-ins refused at the password step (wrong password, unknown user or account)',
    registers: [this.registry],
  });
  private readonly mfaFailures = new Counter({
    name: 'portcullis_console_mfa_failures_total',
    help: 'Console sign-ins refused at the MFA step (wrong code or security key)',
    registers: [this.registry],
  });
  private readonly throttled = new Counter({
    name: 'portcullis_console_sign_in_throttled_total',
    help: 'Console sign-in attempts refused by the sign-in throttles before any check',
    registers: [this.registry],
  });
  private readonly transactions = new Histogram<'kind' | 'outcome'>({
    name: 'portcullis_store_transaction_duration_seconds',
    help: 'Store transactions, from asked for to committed (or failed), by kind (read, write) and outcome (ok, error)',
    labelNames: ['kind', 'outcome'],
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  private readonly cells = new Map<MetricService, Map<string, ActionCell>>();
  private readonly transactionCells = {
    read: { ok: this.transactions.labels('read', 'ok'), error: this.transactions.labels('read', 'error') },
    write: { ok: this.transactions.labels('write', 'ok'), error: this.transactions.labels('write', 'error') },
  };

  constructor() {
    // The process's own: CPU, memory, heap, event loop lag, handles, GC.
    collectDefaultMetrics({ register: this.registry });
  }

  /** A request answered: `action` and `outcome` are bounded label values (labels.ts). */
  request(service: MetricService, action: string, outcome: string, seconds: number): void {
    const cell = this.cellOf(service, action);
    let counter = cell.outcomes.get(outcome);
    if (counter === undefined) {
      counter = this.requests.labels(service, action, outcome);
      cell.outcomes.set(outcome, counter);
    }
    counter.inc();
    cell.latency.observe(seconds);
  }

  accessDenied(service: MetricService, action: string): void {
    const cell = this.cellOf(service, action);
    cell.denied ??= this.denied.labels(service, action);
    cell.denied.inc();
  }

  signInFailed(): void {
    this.signInFailures.inc();
  }

  mfaFailed(): void {
    this.mfaFailures.inc();
  }

  signInThrottled(): void {
    this.throttled.inc();
  }

  storeTransaction(kind: TransactionKind, ok: boolean, seconds: number): void {
    this.transactionCells[kind][ok ? 'ok' : 'error'].observe(seconds);
  }

  /** The Prometheus text exposition of every metric, and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private cellOf(service: MetricService, action: string): ActionCell {
    let actions = this.cells.get(service);
    if (actions === undefined) {
      actions = new Map();
      this.cells.set(service, actions);
    }
    let cell = actions.get(action);
    if (cell === undefined) {
      cell = { latency: this.latency.labels(service, action), outcomes: new Map() };
      actions.set(action, cell);
    }
    return cell;
  }
}
