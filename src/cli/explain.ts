// `portcullis explain`: one request's decision explained (src/audit/explain.ts, the engine's
// traceDecision) for a principal of an account read from a `get-account-authorization-details`
// export or, live, from an endpoint with the same call — so both give the same verdict. With
// --request-id, the principal, action, resource and context come from that request's event
// (src/audit/explain-request.ts): in an exported audit trail, or live through the endpoint's
// CloudTrail LookupEvents (lookup-request.ts), the account then read from the same endpoint.
import { readFileSync, writeFileSync } from 'node:fs';
import { explainDecision } from '../audit/explain.ts';
import { EXPLAIN_FORMATS, renderExplanation, type ExplainFormat } from '../audit/explain-format.ts';
import { parseContext } from '../audit/context-keys.ts';
import { eventsOf, findRequest, recordedRequest } from '../audit/explain-request.ts';
import { InputError, readAuthorizationDetails } from '../audit/snapshot.ts';
import { fetchAuthorizationDetails } from './authorization-details.ts';
import { EXPLAIN_OPTIONS } from './help.ts';
import { defaultStart, describeSearch, lookUpRequest, type RequestSearch } from './lookup-request.ts';

/** Flags that may be given more than once. */
const REPEATABLE = new Set(['--context', '--session-policy', '--scp', '--rcp']);
/** Flags that bound the live search for a request's event. */
const SEARCH = ['--start-time', '--end-time', '--event-name', '--username'];

type Options = Partial<Record<string, string[]>>;

class UsageError extends Error {}

export async function runExplain(args: readonly string[]): Promise<number> {
  try {
    const options = parseOptions(args);
    const one = (flag: string) => options[flag]?.[0];
    const format = (one('--format') ?? 'text') as ExplainFormat;
    if (!EXPLAIN_FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${EXPLAIN_FORMATS.join(', ')}, not "${format}"`);
    // The request first: an unknown id is told before the account is read.
    const requestId = one('--request-id');
    const recorded =
      requestId === undefined
        ? undefined
        : recordedRequest(
            one('--events')
              ? readRequest(requestId, one('--events')!)
              : await readLiveRequest(one('--endpoint')!, one('--region'), searchOf(requestId, one)),
          );
    const details = readAuthorizationDetails(
      one('--endpoint')
        ? await readLive(one('--endpoint')!, one('--region'))
        : readJson(one('--authorization-details')!, '--authorization-details'),
    );
    const resource = recorded?.resource ?? one('--resource');
    if (recorded && resource === undefined)
      throw new UsageError(
        `the request ${one('--request-id')} was not denied, and its event does not record the resource: give --resource`,
      );
    const explanation = explainDecision(details, {
      principalArn: recorded?.principalArn ?? one('--principal')!,
      federationUserArn: recorded?.federationUserArn ?? one('--federation-user'),
      action: recorded?.action ?? one('--action')!,
      resource: resource ?? '*',
      // The keys the event records, then those given, which replace them.
      context: parseContext([...(recorded?.context ?? []), ...(options['--context'] ?? [])]),
      sessionPolicies: options['--session-policy']?.map((file) => readJson(file, '--session-policy')),
      serviceControlPolicies: options['--scp']?.map((level) =>
        level.split(',').map((file) => ({ name: file, document: readJson(file, '--scp') })),
      ),
      resourceControlPolicies: options['--rcp']?.map((level) =>
        level.split(',').map((file) => ({ name: file, document: readJson(file, '--rcp') })),
      ),
      resourcePolicy: one('--resource-policy') && readJson(one('--resource-policy')!, '--resource-policy'),
    });
    const text = renderExplanation(explanation, format);
    const output = one('--output');
    if (output) writeFileSync(output, text);
    else process.stdout.write(text);
    return explanation.trace.result.decision === 'allowed' && !explanation.refused ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      console.error(`portcullis explain: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function parseOptions(args: readonly string[]): Options {
  const known = new Set(Object.keys(EXPLAIN_OPTIONS).map((flag) => flag.split(' ')[0]!));
  const options: Options = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (!known.has(name!)) throw new UsageError(`unknown option ${arg} (see portcullis explain --help)`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (options[name!] && !REPEATABLE.has(name!)) throw new UsageError(`${name} is given twice`);
    (options[name!] ??= []).push(value);
  }
  if (options['--request-id']) {
    for (const flag of ['--principal', '--action', '--federation-user'])
      if (options[flag])
        throw new UsageError(`--request-id takes ${flag.slice(2)} from the audit trail's event`);
    if (!options['--events'] && !options['--endpoint'])
      throw new UsageError(
        '--request-id needs --events FILE (aws cloudtrail lookup-events output) or --endpoint URL (its LookupEvents)',
      );
    const searching = SEARCH.find((flag) => options[flag]);
    if (searching && options['--events'])
      throw new UsageError(`${searching} bounds the search of --endpoint's LookupEvents, not --events`);
    if (options['--event-name'] && options['--username'])
      throw new UsageError('LookupEvents takes one lookup attribute: give --event-name or --username');
  } else {
    for (const flag of ['--principal', '--action'])
      if (!options[flag]) throw new UsageError(`${flag} is required (see portcullis explain --help)`);
    if (options['--events']) throw new UsageError('--events is read with --request-id only');
    const searching = SEARCH.find((flag) => options[flag]);
    if (searching) throw new UsageError(`${searching} is read with --request-id only`);
  }
  if (!options['--endpoint'] === !options['--authorization-details'])
    throw new UsageError('give either --authorization-details FILE or --endpoint URL');
  return options;
}

/** The request's event in an exported audit trail. */
function readRequest(requestId: string, file: string): Record<string, unknown> {
  const event = findRequest(eventsOf(readJson(file, '--events')), requestId);
  if (!event) throw new InputError(`no event of the request ${requestId} in ${file}`);
  return event;
}

/** The window and attribute the live search reads, from the flags (default: LookupEvents' 90 days). */
function searchOf(requestId: string, one: (flag: string) => string | undefined): RequestSearch {
  const time = (flag: string) => {
    const text = one(flag);
    if (text === undefined) return undefined;
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) throw new UsageError(`${flag}: "${text}" is not an ISO 8601 time`);
    return date;
  };
  const end = time('--end-time');
  const start = time('--start-time') ?? defaultStart(end, new Date());
  if (end && start > end) throw new UsageError('--start-time is after --end-time');
  const eventName = one('--event-name');
  const username = one('--username');
  return {
    requestId,
    start,
    ...(end ? { end } : {}),
    ...(eventName !== undefined
      ? { attribute: { key: 'EventName', value: eventName } }
      : username !== undefined
        ? { attribute: { key: 'Username', value: username } }
        : {}),
  };
}

async function readLiveRequest(
  endpoint: string,
  region: string | undefined,
  search: RequestSearch,
): Promise<Record<string, unknown>> {
  // Loaded here only, as the IAM client is.
  const sdk = await import('@aws-sdk/client-cloudtrail');
  // LookupEvents takes two requests per second per account and Region (its API reference): a long
  // search paces itself to the throttling it meets rather than fail on it.
  const client = new sdk.CloudTrailClient({ ...clientSettings(endpoint, region), retryMode: 'adaptive' });
  let event: Record<string, unknown> | undefined;
  try {
    event = await lookUpRequest(sdk, client, search);
  } catch (error) {
    throw new InputError(`LookupEvents on ${endpoint}: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
  if (!event)
    throw new InputError(
      `no event of the request ${search.requestId} in LookupEvents on ${endpoint} ${describeSearch(search)} (give --start-time and --end-time around the call, or --events FILE)`,
    );
  return event;
}

/** A live client's endpoint and region; credentials come from the SDK's default chain. */
function clientSettings(endpoint: string, region: string | undefined) {
  return {
    endpoint,
    region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

function readJson(file: string, flag: string): object {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // reported below
  }
  throw new InputError(`${flag}: ${file} is not JSON`);
}

async function readLive(endpoint: string, region: string | undefined): Promise<object> {
  // Loaded here only: the SDK is needed for a live account, not by every portcullis command.
  const iamSdk = await import('@aws-sdk/client-iam');
  const iam = new iamSdk.IAMClient(clientSettings(endpoint, region));
  try {
    return await fetchAuthorizationDetails(iamSdk, iam);
  } catch (error) {
    // Refused, unreachable, not an IAM endpoint: said as the SDK says it, never a stack trace.
    throw new InputError(`GetAccountAuthorizationDetails on ${endpoint}: ${(error as Error).message}`);
  } finally {
    iam.destroy();
  }
}
