// `portcullis audit`: an account's IAM security checked (src/audit/) from files the AWS CLI
// exported, or from a live endpoint read with the calls an auditor makes on AWS. Both build the
// snapshot from the calls' answers with the same function, so the same data gives the same verdicts.
import { readFileSync, writeFileSync } from 'node:fs';
import { SEVERITIES, type Severity } from '../audit/checks.ts';
import { FORMATS, render, type Format } from '../audit/formats.ts';
import { audit, failsAt } from '../audit/report.ts';
import { buildSnapshot, InputError, type SnapshotInputs } from '../audit/snapshot.ts';
import { AUDIT_OPTIONS } from './help.ts';
import { fetchAuthorizationDetails } from './authorization-details.ts';

type Options = Partial<Record<string, string>>;

class UsageError extends Error {}

const FILE_INPUTS = {
  '--authorization-details': 'authorizationDetails',
  '--account-summary': 'accountSummary',
  '--virtual-mfa-devices': 'virtualMfaDevices',
  '--server-certificates': 'serverCertificates',
  '--access-analyzers': 'accessAnalyzers',
} as const;

export async function runAudit(args: readonly string[]): Promise<number> {
  try {
    const options = parseOptions(args);
    const format = oneOf(options['--format'] ?? 'table', FORMATS, '--format') as Format;
    const failOn = options['--fail-on'] && (oneOf(options['--fail-on'], SEVERITIES, '--fail-on') as Severity);
    const now = options['--now'] ? new Date(options['--now']) : new Date();
    if (Number.isNaN(now.getTime()))
      throw new UsageError(`--now: "${options['--now']}" is not an ISO 8601 time`);
    const inputs = options['--endpoint']
      ? await readLive(options, options['--endpoint'])
      : readFiles(options);
    const result = audit(buildSnapshot(inputs), now);
    const output = options['--output'];
    const colour = !output && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const text = render(result, format, { colour });
    if (output) writeFileSync(output, text);
    else process.stdout.write(text);
    return failOn && failsAt(result.results, failOn) ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      console.error(`portcullis audit: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function parseOptions(args: readonly string[]): Options {
  const known = new Set(Object.keys(AUDIT_OPTIONS).map((flag) => flag.split(' ')[0]!));
  const options: Options = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (!known.has(name!)) throw new UsageError(`unknown option ${arg} (see portcullis audit --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    options[name!] = value;
  }
  if (!options['--endpoint'] === !options['--credential-report'])
    throw new UsageError(
      'give either --credential-report FILE (and the other exported files) or --endpoint URL',
    );
  if (options['--endpoint'])
    for (const flag of [...Object.keys(FILE_INPUTS), '--password-policy'])
      if (options[flag]) throw new UsageError(`${flag} reads a file: it does not go with --endpoint`);
  return options;
}

function oneOf(value: string, allowed: readonly string[], flag: string): string {
  if (!allowed.includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

function readFiles(options: Options): SnapshotInputs {
  const report = readText(options['--credential-report']!);
  const policyFile = options['--password-policy'];
  const policyText = policyFile === undefined || policyFile === 'none' ? policyFile : readText(policyFile);
  const inputs: Record<string, unknown> = {
    credentialReport: report.trimStart().startsWith('{') ? parseJson(report, '--credential-report') : report,
    // `aws iam get-account-password-policy` writes nothing when the account has no policy.
    passwordPolicy:
      policyText === undefined
        ? undefined
        : policyText === 'none' || policyText.trim() === ''
          ? 'none'
          : parseJson(policyText, '--password-policy'),
  };
  for (const [flag, key] of Object.entries(FILE_INPUTS)) {
    const file = options[flag];
    if (file !== undefined) inputs[key] = parseJson(readText(file), flag);
  }
  return inputs as unknown as SnapshotInputs;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseJson(text: string, flag: string): object {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // reported below
  }
  throw new InputError(`${flag}: not the JSON the AWS CLI writes`);
}

/** A progress bar on a terminal (stderr), so a large account's many pages show they move. */
function progress(total: number) {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  return {
    step(label: string) {
      done++;
      if (!tty) return;
      const width = 24;
      const filled = Math.round((Math.min(done, total) / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${label}`.padEnd(80));
    },
    end() {
      if (tty) process.stderr.write(`\r${' '.repeat(80)}\r`);
    },
  };
}

const POLL_LIMIT_MS = 300_000;

/** The live account, read as Prowler reads AWS: the report generated and waited for, then the rest. */
async function readLive(options: Options, endpoint: string): Promise<SnapshotInputs> {
  // Loaded here only: the SDK is needed for a live audit, not by every portcullis command.
  const iamSdk = await import('@aws-sdk/client-iam');
  const iam = new iamSdk.IAMClient({
    endpoint,
    region: options['--region'] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  });
  const bar = progress(7);
  try {
    bar.step('GenerateCredentialReport');
    const deadline = Date.now() + POLL_LIMIT_MS;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
      const { State } = await iam.send(new iamSdk.GenerateCredentialReportCommand({}));
      if (State === 'COMPLETE') break;
      if (Date.now() > deadline)
        throw new InputError('the credential report was not COMPLETE after 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    bar.step('GetCredentialReport');
    const report = await iam.send(new iamSdk.GetCredentialReportCommand({}));
    bar.step('GetAccountPasswordPolicy');
    const passwordPolicy = await iam
      .send(new iamSdk.GetAccountPasswordPolicyCommand({}))
      .catch((error: unknown) => {
        if ((error as { name?: string }).name === 'NoSuchEntityException') return 'none' as const;
        throw error;
      });
    bar.step('GetAccountSummary');
    const accountSummary = await iam.send(new iamSdk.GetAccountSummaryCommand({}));
    const details = await fetchAuthorizationDetails(iamSdk, iam, (page) => {
      if (page > 1) bar.step(`GetAccountAuthorizationDetails, page ${page}`);
    });
    bar.step('GetAccountAuthorizationDetails');
    const devices: unknown[] = [];
    for await (const page of iamSdk.paginateListVirtualMFADevices({ client: iam }, {}))
      devices.push(...(page.VirtualMFADevices ?? []));
    bar.step('ListVirtualMFADevices');
    // An endpoint that does not serve ListServerCertificates leaves CIS 2.17 skipped.
    const certificates = await (async () => {
      const list: unknown[] = [];
      for await (const page of iamSdk.paginateListServerCertificates({ client: iam }, {}))
        list.push(...(page.ServerCertificateMetadataList ?? []));
      return { ServerCertificateMetadataList: list };
    })().catch(() => undefined);
    bar.step('ListServerCertificates');
    return {
      credentialReport: {
        Content: Buffer.from(report.Content ?? new Uint8Array()).toString('base64'),
        GeneratedTime: report.GeneratedTime,
      },
      passwordPolicy,
      accountSummary,
      authorizationDetails: details,
      virtualMfaDevices: { VirtualMFADevices: devices },
      serverCertificates: certificates,
      // Access Analyzer is another service (another endpoint); its check is skipped live.
    };
  } finally {
    bar.end();
    iam.destroy();
  }
}
