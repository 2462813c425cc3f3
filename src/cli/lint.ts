// `portcullis lint`: policy files checked before they are attached (src/lint/): IAM's own
// validation, Access Analyzer-style warnings and suggestions, and for identity policies the MFA
// lock-out and bypass checks, evaluated by the policy engine.
import { readFileSync, writeFileSync } from 'node:fs';
import { FINDING_TYPES, type FindingType } from '../lint/findings.ts';
import { FORMATS, render, type Format } from '../lint/formats.ts';
import { POLICY_TYPES, type PolicyType } from '../lint/policy-file.ts';
import { failsAt, lint } from '../lint/report.ts';
import { servicesNamed } from '../lint/services.ts';
import { loadServiceCatalog } from '../app.ts';
import { LINT_OPTIONS } from './help.ts';

class UsageError extends Error {}

export async function runLint(args: readonly string[]): Promise<number> {
  try {
    const { options, files } = parseArgs(args);
    const policyType = oneOf(
      options['--policy-type'] ?? 'IDENTITY_POLICY',
      Object.keys(POLICY_TYPES),
      '--policy-type',
    ) as PolicyType;
    const format = oneOf(options['--format'] ?? 'table', FORMATS, '--format') as Format;
    const failOn = oneOf(
      (options['--fail-on'] ?? 'ERROR').toUpperCase(),
      FINDING_TYPES,
      '--fail-on',
    ) as FindingType;
    const accountId = options['--account-id'] ?? '123456789012';
    if (!/^\d{12}$/.test(accountId))
      throw new UsageError(`--account-id must be 12 digits, not "${accountId}"`);
    const userName = options['--user-name'] ?? 'new-console-user';
    if (!/^[\w+=,.@-]{1,64}$/.test(userName))
      throw new UsageError(`--user-name: "${userName}" is not an IAM user name`);
    const inputs = files.map((file) => ({ file, text: readText(file) }));
    const catalog = await loadServiceCatalog([...new Set(inputs.flatMap((f) => servicesNamed(f.text)))]);
    const result = lint({ files: inputs, policyType, subject: { accountId, userName }, catalog });
    const output = options['--output'];
    const colour = !output && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const text = render(result, format, { colour });
    if (output) writeFileSync(output, text);
    else process.stdout.write(text);
    return failsAt(result.findings, failOn) ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`portcullis lint: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function parseArgs(args: readonly string[]): { options: Partial<Record<string, string>>; files: string[] } {
  const known = new Set(Object.keys(LINT_OPTIONS).map((flag) => flag.split(' ')[0]!));
  const options: Partial<Record<string, string>> = {};
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      files.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (!known.has(name!)) throw new UsageError(`unknown option ${arg} (see portcullis lint --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    options[name!] = value;
  }
  if (files.length === 0) throw new UsageError('give one or more policy files (JSON) to lint');
  return { options, files };
}

function oneOf(value: string, allowed: readonly string[], flag: string): string {
  if (!allowed.includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}
