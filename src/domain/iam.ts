// The domain's dependencies and shared caches, built once by app.ts and handed to every operation.
import { parsePolicy, type CompiledPolicy, type PolicyKind } from '../policy/index.ts';
import type { Sealer } from '../crypto/sealing.ts';
import type { Kind, Store, StoreTx } from './store.ts';
import { IamError } from './errors.ts';

/** An AWS managed policy (arn:aws:iam::aws:policy/...), read-only and the same in every account. */
export interface AwsManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly description?: string;
  readonly defaultVersionId: string;
  readonly document: string;
  readonly createDate: string;
  readonly updateDate: string;
}

export interface AwsManagedPolicyCatalog {
  get(arn: string): AwsManagedPolicy | undefined;
  /** All of them, ordered by name. */
  list(): readonly AwsManagedPolicy[];
}

export interface Iam {
  readonly store: Store;
  readonly now: () => Date;
  readonly sealer: Sealer;
  readonly awsManagedPolicies: AwsManagedPolicyCatalog;
  /** Compiles a stored policy document, reusing the compiled form for the same text. */
  compile(text: string, kind: PolicyKind, id: string): CompiledPolicy;
  /**
   * What `compute` gives for `key`, remembered until the next write transaction (which lets hot
   * paths skip repeating what they derived: authenticate.ts, authorize.ts), when `tx` is a read
   * transaction (in a write transaction it is computed afresh: the write may change it, or roll
   * back). The value is shared by every later reader: it must not be changed.
   */
  remember<T>(tx: StoreTx, key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * What a read transaction running `work` gives, remembered under `key` until the next write:
   * while nothing was written since, the answer comes without a transaction at all. The value is
   * shared by every later reader: it must not be changed.
   */
  readRemembered<T>(key: string, work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

const COMPILED_LIMIT = 10_000;
const RECORDS_LIMIT = 50_000;
/** The records every authorization reads: a caller's user, groups, role and managed policies. */
const REMEMBERED_KINDS: ReadonlySet<Kind> = new Set<Kind>(['user', 'group', 'role', 'policy']);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function createIam(deps: Omit<Iam, 'compile' | 'remember' | 'readRemembered'>): Iam {
  // Keyed by kind and id; the text is compared rather than hashed into the key, so that a lookup
  // allocates nothing. A changed document (a new default version) replaces the entry.
  const compiled = new Map<string, { text: string; policy: CompiledPolicy }>();
  let generation = 0;
  // The generation moves inside the write, before its commit: nothing can run between the two
  // (the store runs one transaction at a time), so no reader remembers what a write replaced.
  // Records read in read transactions, and what was derived from them (remember), are kept until
  // the next write; records frozen so that no reader can change what the next one sees (a write
  // transaction always reads the store itself).
  const records = new Map<string, unknown>();
  const derived = new Map<string, unknown>();
  let recordsAt = generation;
  const forget = () => {
    if (recordsAt !== generation) {
      records.clear();
      derived.clear();
      recordsAt = generation;
    }
  };
  const keep = (key: string, value: unknown) => {
    if (derived.size >= RECORDS_LIMIT) derived.clear();
    derived.set(key, value);
  };
  const readTransactions = new WeakSet<StoreTx>();
  // A store may hand every transaction the same tx object: its reader is then made once.
  const readers = new WeakMap<StoreTx, StoreTx>();
  const remembering = (tx: StoreTx): StoreTx => {
    const known = readers.get(tx);
    if (known) return known;
    const reader: StoreTx = {
      ...tx,
      async get<T>(kind: Kind, key: string): Promise<T | undefined> {
        forget();
        const cacheKey = `${kind}\u0000${key}`;
        const hit = records.get(cacheKey);
        if (hit !== undefined) return hit as T;
        const value = await tx.get<T>(kind, key);
        if (value !== undefined && REMEMBERED_KINDS.has(kind) && records.size < RECORDS_LIMIT) {
          records.set(cacheKey, deepFreeze(value));
        }
        return value;
      },
    };
    readTransactions.add(reader);
    readers.set(tx, reader);
    return reader;
  };
  const store: Store = {
    ...deps.store,
    read: (work) => deps.store.read((tx) => work(remembering(tx))),
    write: (work) =>
      deps.store.write(async (tx) => {
        generation++;
        return work(tx);
      }),
    clear: async () => {
      generation++;
      await deps.store.clear();
    },
  };
  const remember = async <T>(tx: StoreTx, key: string, compute: () => Promise<T>): Promise<T> => {
    if (!readTransactions.has(tx)) return compute();
    forget();
    if (derived.has(key)) return derived.get(key) as T;
    const at = generation;
    const value = await compute();
    if (at === generation) keep(key, value);
    return value;
  };
  return {
    ...deps,
    store,
    remember,
    async readRemembered<T>(key: string, work: (tx: StoreTx) => Promise<T>): Promise<T> {
      forget();
      if (derived.has(key)) return derived.get(key) as T;
      return store.read((tx) => remember(tx, key, () => work(tx)));
    },
    compile(text, kind, id) {
      const cacheKey = `${kind}:${id}`;
      const cached = compiled.get(cacheKey);
      if (cached && cached.text === text) return cached.policy;
      const parsed = parsePolicy(text, { kind, id });
      // Stored documents were validated when they were stored; one that fails now is a bug.
      if (!parsed.ok) throw new IamError('ServiceFailure', `Stored policy ${id} no longer parses.`);
      if (compiled.size >= COMPILED_LIMIT) compiled.clear();
      compiled.set(cacheKey, { text, policy: parsed.policy });
      return parsed.policy;
    },
  };
}
