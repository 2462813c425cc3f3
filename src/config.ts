// Configuration: defaults, then environment variables, then command-line flags (each flag is the
// variable's name without PORTCULLIS_, in lower case with dashes: --data-dir, --root-email, ...).
// No secret has a default.
import type { BootstrapSettings } from './domain/bootstrap.ts';
import { networkSettings, NETWORK_VARIABLES, type NetworkSettings } from './network.ts';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** postgres://… to keep state in PostgreSQL (several nodes may share it); else SQLite in dataDir. */
  readonly databaseUrl: string | undefined;
  /** Base64 or hex; when absent, a key is generated into the data directory on first start. */
  readonly masterKey: string | undefined;
  /** A file holding the master key (kept outside the data directory, so a copy of it holds none). */
  readonly masterKeyFile: string | undefined;
  /** The key being rotated away from: values sealed under it still open (app-master-keys.ts). */
  readonly previousMasterKey: string | undefined;
  readonly previousMasterKeyFile: string | undefined;
  readonly allowReset: boolean;
  /** Enables POST /_portcullis/clock, which moves the server's clock forward (test suites only). */
  readonly allowTestClock: boolean;
  readonly bootstrap: BootstrapSettings;
  /** The audit trail: on unless PORTCULLIS_AUDIT=off; events kept PORTCULLIS_AUDIT_RETENTION_DAYS (90). */
  readonly audit: { readonly enabled: boolean; readonly retentionDays: number };
  /** HTTPS, public origin and trusted proxies (network.ts). */
  readonly network: NetworkSettings;
  /** GET /metrics (Prometheus text): on unless PORTCULLIS_METRICS=off. */
  readonly metrics: boolean;
  /** The JSON request logs' level (pino's names); `silent` writes none. */
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PORT = 4590;

export const VARIABLES = [
  'HOST',
  'PORT',
  'DATA_DIR',
  'DATABASE_URL',
  'MASTER_KEY',
  'MASTER_KEY_FILE',
  'PREVIOUS_MASTER_KEY',
  'PREVIOUS_MASTER_KEY_FILE',
  'ALLOW_RESET',
  'ALLOW_TEST_CLOCK',
  'ACCOUNT_ID',
  'ROOT_EMAIL',
  'ROOT_PASSWORD',
  'ROOT_ACCESS_KEY_ID',
  'ROOT_SECRET_ACCESS_KEY',
  'AUDIT',
  'AUDIT_RETENTION_DAYS',
  'METRICS',
  'LOG_LEVEL',
  ...NETWORK_VARIABLES,
] as const;
type Variable = (typeof VARIABLES)[number];

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const values = new Map<Variable, string>();
  for (const name of VARIABLES) {
    const value = env[`PORTCULLIS_${name}`];
    if (value !== undefined && value !== '') values.set(name, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const name = flag.toUpperCase().replace(/-/g, '_') as Variable;
    if (!VARIABLES.includes(name)) throw new Error(`Unknown option --${flag}`);
    if ((name === 'ALLOW_RESET' || name === 'ALLOW_TEST_CLOCK') && inline === undefined) {
      values.set(name, '1');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    values.set(name, value);
  }
  const port = Number(values.get('PORT') ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`Invalid port: ${values.get('PORT')}`);
  const accountId = values.get('ACCOUNT_ID');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId))
    throw new Error('PORTCULLIS_ACCOUNT_ID must be 12 digits');
  return {
    host: values.get('HOST') ?? '127.0.0.1',
    port,
    dataDir: values.get('DATA_DIR') ?? './data',
    databaseUrl: databaseUrlOf(values.get('DATABASE_URL')),
    masterKey: values.get('MASTER_KEY'),
    masterKeyFile: values.get('MASTER_KEY_FILE'),
    previousMasterKey: values.get('PREVIOUS_MASTER_KEY'),
    previousMasterKeyFile: values.get('PREVIOUS_MASTER_KEY_FILE'),
    allowReset: isOn(values.get('ALLOW_RESET')),
    allowTestClock: isOn(values.get('ALLOW_TEST_CLOCK')),
    bootstrap: {
      accountId,
      rootEmail: values.get('ROOT_EMAIL'),
      rootPassword: values.get('ROOT_PASSWORD'),
      rootAccessKeyId: values.get('ROOT_ACCESS_KEY_ID'),
      rootSecretAccessKey: values.get('ROOT_SECRET_ACCESS_KEY'),
    },
    audit: auditOf(values.get('AUDIT'), values.get('AUDIT_RETENTION_DAYS')),
    network: networkSettings((name) => values.get(name)),
    metrics: !isOff(values.get('METRICS')),
    logLevel: logLevelOf(values.get('LOG_LEVEL')),
  };
}

function logLevelOf(value: string | undefined): LogLevel {
  const level = (value ?? 'info').toLowerCase();
  const known = LOG_LEVELS.find((l) => l === level);
  if (!known) throw new Error(`PORTCULLIS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return known;
}

function auditOf(enabled: string | undefined, days: string | undefined): Config['audit'] {
  const retentionDays = Number(days ?? 90);
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36500)
    throw new Error('PORTCULLIS_AUDIT_RETENTION_DAYS must be a whole number of days (1 to 36500)');
  return { enabled: !isOff(enabled), retentionDays };
}

function databaseUrlOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^postgres(?:ql)?:\/\//.test(value))
    throw new Error('PORTCULLIS_DATABASE_URL must be a postgres:// (or postgresql://) URL');
  return value;
}

function isOff(value: string | undefined): boolean {
  return ['0', 'off', 'false', 'no'].includes((value ?? '').toLowerCase());
}

function isOn(value: string | undefined): boolean {
  return ['1', 'true', 'yes'].includes((value ?? '').toLowerCase());
}
