// `portcullis --help`, `portcullis help <command>` and `portcullis <command> --help`. serve's help
// lists every setting config.ts reads, as its flag and its environment variable.
import { DEFAULT_PORT, VARIABLES } from '../config.ts';

interface CommandHelp {
  readonly usage: string;
  readonly summary: string;
  readonly details?: () => string;
}

/** What each setting does (config.ts's VARIABLES; a test checks that none is left out). */
export const SETTING_HELP: Readonly<Record<string, string>> = {
  HOST: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface, as in a container)',
  PORT: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
  DATA_DIR: 'directory for the SQLite database, master.key and root-credentials.json (default ./data)',
  DATABASE_URL: 'postgres://… to keep state in PostgreSQL, shared by any number of nodes',
  MASTER_KEY:
    'the 32-byte key (base64 or hex) that seals stored secrets; default: master.key in the data directory, made on first start',
  MASTER_KEY_FILE:
    'a file holding the master key, kept outside the data directory (made on first start if absent)',
  PREVIOUS_MASTER_KEY:
    'during a master key rotation, the old key: values sealed under it still open (see rotate-master-key)',
  PREVIOUS_MASTER_KEY_FILE: 'the same, from a file',
  ALLOW_RESET:
    'turn on POST /_portcullis/reset, which wipes all state (test suites only; root-signed calls only)',
  ALLOW_TEST_CLOCK:
    "turn on POST /_portcullis/clock, which moves the server's clock ahead (test suites only; root-signed calls only)",
  ACCOUNT_ID: 'the 12-digit account id to create on first start (default: random)',
  ROOT_EMAIL: "the root user's e-mail address, created on first start",
  ROOT_PASSWORD: "the root user's console password on first start (default: generated and printed once)",
  ROOT_ACCESS_KEY_ID: "the root user's access key id on first start (default: generated and printed once)",
  ROOT_SECRET_ACCESS_KEY: 'its secret access key (default: generated and printed once)',
  AUDIT:
    'off stops recording the audit trail (CloudTrail events of every call and console sign-in; default on)',
  AUDIT_RETENTION_DAYS: 'how many days audit events are kept (default 90, as CloudTrail event history)',
  METRICS:
    'off turns off GET /metrics (Prometheus text: requests, latencies, AccessDenied, sign-in failures, store transactions; default on)',
  LOG_LEVEL:
    'the JSON request logs on stdout, one line per request: fatal, error, warn, info (default), debug, trace or silent',
  TLS_CERT: 'PEM file of the certificate (chain): serve HTTPS on the same port (with TLS_KEY)',
  TLS_KEY: "PEM file of the certificate's private key",
  PUBLIC_URL:
    'the origin browsers use (https://iam.example.com): the console checks Origin against it; https makes cookies Secure',
  TRUSTED_PROXIES:
    'addresses/CIDRs (or loopback) of reverse proxies whose X-Forwarded-For/-Proto or Forwarded headers are believed',
};

const SWITCHES = new Set(['ALLOW_RESET', 'ALLOW_TEST_CLOCK']);

export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  serve: {
    usage: 'portcullis serve [--<setting> <value>]...',
    summary: 'run the IAM and STS server (the AWS Query API, the web console)',
    details: serveSettings,
  },
  backup: {
    usage: 'portcullis backup <file> [--data-dir DIR]   (portcullis backup --help)',
    summary: 'a consistent online backup of the SQLite database (the master key is not in it)',
  },
  restore: {
    usage: 'portcullis restore <file> [--data-dir DIR] [--replace]   (portcullis restore --help)',
    summary: "restore a backup into a stopped server's data directory",
  },
  'rotate-master-key': {
    usage: 'portcullis rotate-master-key   (portcullis rotate-master-key --help)',
    summary: 're-seal every stored secret under a new master key',
  },
  audit: {
    usage: 'portcullis audit (--credential-report FILE [FILES...] | --endpoint URL) [options]',
    summary: "audit an account's IAM security: CIS AWS Foundations §2 and Prowler's IAM checks",
    details: auditOptions,
  },
  lint: {
    usage: 'portcullis lint <policy.json>... [options]',
    summary:
      'check policies before attaching them: IAM validation, Access Analyzer-style findings, MFA lock-out and bypass',
    details: lintOptions,
  },
  explain: {
    usage:
      'portcullis explain (--principal ARN --action ACTION [--resource ARN] | --request-id ID [--events FILE]) [--context KEY=VALUE]... (--authorization-details FILE | --endpoint URL) [options]',
    summary: 'explain an authorization decision: the AccessDenied text, the rule, every statement and why',
    details: explainOptions,
  },
  help: {
    usage: 'portcullis help [<command>]',
    summary: 'show this help, or the help of one command',
  },
};

/**
 * `portcullis audit`'s options: the one list its parser accepts (src/cli/audit.ts) and its help
 * prints. The value's name is in the key ("--format FORMAT").
 */
export const AUDIT_OPTIONS: Readonly<Record<string, string>> = {
  '--credential-report FILE':
    'the report as `aws iam get-credential-report` writes it (JSON, Content in base64) or its decoded CSV',
  '--authorization-details FILE': '`aws iam get-account-authorization-details` output (JSON)',
  '--password-policy FILE':
    '`aws iam get-account-password-policy` output; an empty file or the word none: the account has no policy (NoSuchEntity)',
  '--account-summary FILE': '`aws iam get-account-summary` output',
  '--virtual-mfa-devices FILE': '`aws iam list-virtual-mfa-devices` output',
  '--server-certificates FILE': '`aws iam list-server-certificates` output',
  '--access-analyzers FILE': '`aws accessanalyzer list-analyzers` output',
  '--endpoint URL':
    'audit a live IAM endpoint instead of files, with the credentials of the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) variables; it generates the credential report and waits for it',
  '--region REGION': 'the region to sign live calls for (default AWS_REGION, else us-east-1)',
  '--format FORMAT':
    'table (default; coloured on a terminal unless NO_COLOR is set), json, sarif (2.1.0), junit or csv',
  '--fail-on SEVERITY':
    'exit with status 1 when a check of this severity or above fails: low, medium, high or critical (default: exit 0 whatever fails)',
  '--now TIME':
    'the time the audit is made at, ISO 8601 (default: now); ages (45, 90 days, 4 hours) count to it',
  '--output FILE': 'write the result to FILE instead of standard output',
};

function auditOptions(): string {
  const lines = [
    'Reads an account from files the AWS CLI exported, or from a live endpoint with the same calls, and',
    'checks it: each check has its Prowler id, its CIS AWS Foundations Benchmark v7.0.0 number, a severity,',
    'and each resource with the evidence (the report cell, the policy field or statement). A check whose',
    'input is missing is SKIP. Without --credential-report or --endpoint nothing can be audited.',
    'Exit status: 0, 1 (--fail-on), 2 (bad options or input). A progress bar shows on a terminal (stderr).',
    '',
    'Options:',
  ];
  for (const [flag, text] of Object.entries(AUDIT_OPTIONS)) lines.push('', `  ${flag}`, `      ${text}`);
  return lines.join('\n');
}

/** `portcullis lint`'s options: the one list its parser accepts (src/cli/lint.ts) and its help prints. */
export const LINT_OPTIONS: Readonly<Record<string, string>> = {
  '--policy-type TYPE':
    'IDENTITY_POLICY (default), RESOURCE_POLICY, SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY, as Access Analyzer names them; the MFA checks run on identity policies',
  '--user-name NAME':
    'the console user whose first sign-in and MFA enrolment the lock-out check walks through, and whose escalations the bypass check tries (default new-console-user)',
  '--account-id ID': "that user's 12-digit account (default 123456789012)",
  '--format FORMAT': 'table (default; coloured on a terminal unless NO_COLOR is set), json or sarif (2.1.0)',
  '--fail-on TYPE':
    'exit with status 1 when a finding of this type or graver is found: ERROR (default), SECURITY_WARNING, WARNING or SUGGESTION',
  '--output FILE': 'write the result to FILE instead of standard output',
};

function lintOptions(): string {
  const lines = [
    "Lints each policy file as IAM Access Analyzer's ValidatePolicy does: ERROR (IAM refuses the document,",
    "with AWS's MalformedPolicyDocument message), SECURITY_WARNING, WARNING and SUGGESTION findings, each",
    'with its issue code and the line and column of its statement. Identity policies given together are',
    'the policies of one group: the MFA lock-out check walks a new console user through a forced password',
    'change and MFA enrolment before MFA (ERROR MFA_LOCKOUT when an explicit Deny blocks a step users need,',
    'WARNING MFA_STEP_DENIED for one they can work around), and the MFA-bypass check lists escalations',
    'still allowed without MFA, each path written out.',
    'Exit status: 0, 1 (a finding at or above --fail-on), 2 (bad options or unreadable files).',
    '',
    'Options:',
  ];
  for (const [flag, text] of Object.entries(LINT_OPTIONS)) lines.push('', `  ${flag}`, `      ${text}`);
  return lines.join('\n');
}

/** `portcullis explain`'s options: the list its parser accepts (src/cli/explain.ts) and its help prints. */
export const EXPLAIN_OPTIONS: Readonly<Record<string, string>> = {
  '--principal ARN':
    "who asks: a user ARN, a role ARN, the account's root user (arn:aws:iam::ACCOUNT:root), a role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a federated user's (arn:aws:sts::ACCOUNT:federated-user/NAME, with --federation-user)",
  '--federation-user ARN':
    'for a federated user: the IAM user (or the root user) whose access key called GetFederationToken; the session has what that user has, through its boundary, limited to the session policy',
  '--request-id ID':
    "explain a request of the audit trail instead of --principal and --action: its caller, action, resource (an AccessDenied message's; else --resource) and the context keys its event records (time, source address, region, user agent, a session's MFA and issue time), found by the request id the client got back in --events, or without --events live in --endpoint's CloudTrail LookupEvents (newest first, stopping at the request's event)",
  '--events FILE':
    '`aws cloudtrail lookup-events` output (JSON) or a CloudTrail log file holding the --request-id request',
  '--start-time TIME':
    'with --request-id and --endpoint: search events from this time, ISO 8601 (default: 90 days before --end-time or now, as far back as LookupEvents reaches)',
  '--end-time TIME':
    'with --request-id and --endpoint: search events up to this time, ISO 8601 (default: the newest)',
  '--event-name NAME':
    "with --request-id and --endpoint: search only this action's events (LookupEvents' EventName attribute: ListUsers, AssumeRole, ...)",
  '--username NAME':
    "with --request-id and --endpoint: search only this caller's events (LookupEvents' Username attribute: the user's name, root, a role session's or federated user's name); not with --event-name",
  '--action ACTION': 'the action, as service:Action (iam:ListUsers, sts:AssumeRole, s3:GetObject, ...)',
  '--resource ARN':
    'the resource ARN (default *: actions without a resource); for sts:AssumeRole a role of the account, whose trust policy is then evaluated',
  '--context KEY=VALUE[,VALUE]':
    "a request context key, repeatable; typed as AWS types its global keys (aws:MultiFactorAuthPresent=true is a Bool, aws:MultiFactorAuthAge a number, aws:CurrentTime a date, aws:SourceIp an address, aws:TagKeys a list); the principal's own keys (aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*) are added, and a key given here replaces them",
  '--authorization-details FILE':
    '`aws iam get-account-authorization-details` output (JSON), where the principal, its groups and their policies are read',
  '--endpoint URL':
    "read the account live instead (GetAccountAuthorizationDetails; with --request-id and no --events, the request's event too, by CloudTrail's LookupEvents), with the credentials of the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) variables",
  '--region REGION': 'the region to sign live calls for (default AWS_REGION, else us-east-1)',
  '--session-policy FILE':
    "a role session's or federated user's session policy (a policy document, JSON), repeatable; a federated user without one may do nothing",
  '--scp FILE[,FILE]':
    "the service control policies of one level of the account's organization (root first), repeatable: one flag per level, each level must allow",
  '--rcp FILE[,FILE]':
    "the resource control policies of one level of the resource's account's organization (root first), repeatable as --scp; they apply as the server applies them to STS actions on a member account's role",
  '--resource-policy FILE': "the target's resource-based policy (a policy document, JSON)",
  '--format FORMAT': 'text (default) or json',
  '--output FILE': 'write the explanation to FILE instead of standard output',
};

function explainOptions(): string {
  const lines = [
    "Evaluates the request with the engine Portcullis authorizes every call with, and prints AWS's",
    'AccessDenied message (or that it is allowed), the rule of the evaluation logic that decided, and each',
    "policy set — RCPs, SCPs, the resource or trust policy, identity-based (the user's and its groups', inline",
    "and managed, or the role's), permissions boundary, session — with every statement: matched, or which",
    'of Action, Resource, Principal or Condition did not match; each condition with its key absent or its',
    'values. Exit status: 0 allowed, 1 denied, 2 bad options or input.',
    '',
    'Options:',
  ];
  for (const [flag, text] of Object.entries(EXPLAIN_OPTIONS)) lines.push('', `  ${flag}`, `      ${text}`);
  return lines.join('\n');
}

function serveSettings(): string {
  const lines = [
    'Settings: each is a flag or an environment variable (a flag wins). Switches take 1, true or yes.',
  ];
  for (const name of VARIABLES) {
    const flag = `--${name.toLowerCase().replace(/_/g, '-')}${SWITCHES.has(name) ? '' : ' <value>'}`;
    lines.push('', `  ${flag}, PORTCULLIS_${name}`, `      ${SETTING_HELP[name] ?? ''}`);
  }
  return lines.join('\n');
}

export function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'usage: portcullis <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    "Run 'portcullis <command> --help' for a command's options.",
  ].join('\n');
}

/** The help of one command, or undefined if there is no such command. */
export function commandHelp(command: string): string | undefined {
  const help = COMMANDS[command];
  if (!help) return undefined;
  return [`usage: ${help.usage}`, '', help.summary, ...(help.details ? ['', help.details()] : [])].join('\n');
}

/** Whether the arguments ask for help rather than for the command to run. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
