// The domain's dependencies and shared caches, built once by app.ts and handed to every operation.
//
// What repeats from one request to the next (a key's record and opened secret, the caller's
// principal and effective policies, the records authorization reads) is remembered per account,
// from read transactions only, and kept while the account's revision in the store stays where it
// was. Every request starts with `refresh(account)`, which reads that revision: a change written
// through any node — this one or another on the same database — is seen by the next request.
// A write committed here forgets the accounts it changed at once.
import { parsePolicy, type CompiledPolicy, type PolicyKind } from '../policy/index.ts';
import type { Sealer } from '../crypto/sealing.ts';
import {
  StoreConflict,
  type AnyTable,
  type Query,
  type Store,
  type StoreTx,
  type Table,
  type Where,
} from './store.ts';
import { IamError } from './errors.ts';
import { policies, roles, groups, users } from './tables.ts';

/** An AWS managed policy (arn:aws:iam::aws:policy/...), read-only and the same in every account. */
export interface AwsManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly description?: string;
  readonly defaultVersionId: string;
  /** The default version's document. */
  readonly document: string;
  readonly createDate: string;
  readonly updateDate: string;
  /** Every version AWS keeps of it (v1…vN), oldest first. */
  readonly versions: readonly AwsManagedPolicyVersion[];
}

export interface AwsManagedPolicyVersion {
  readonly versionId: string;
  readonly createDate: string;
  /** False for a version AWS lists whose document the catalog's source did not record. */
  readonly recorded: boolean;
}

export interface AwsManagedPolicyCatalog {
  get(arn: string): AwsManagedPolicy | undefined;
  /** All of them, ordered by policy id (the order ListPolicies lists them in). */
  list(): readonly AwsManagedPolicy[];
  /** The documents of the policy's recorded versions, default included, by version id. */
  documents(policy: AwsManagedPolicy): Promise<ReadonlyMap<string, string>>;
}

/**
 * What AWS gives a service's service-linked role (IAM User Guide, "Using service-linked roles",
 * and each service's own page on its role): the name, the path /aws-service-role/<service>/, the
 * AWS managed policy attached, and whether CreateServiceLinkedRole takes a CustomSuffix.
 */
export interface ServiceLinkedRoleSpec {
  /** The service principal, e.g. acm.amazonaws.com. */
  readonly service: string;
  readonly roleName: string;
  readonly path: string;
  readonly policyArn: string;
  readonly customSuffixAllowed: boolean;
}

export interface ServiceLinkedRoleCatalog {
  get(service: string): ServiceLinkedRoleSpec | undefined;
  /** All of them, by service principal. */
  list(): readonly ServiceLinkedRoleSpec[];
}

/** Runs generateAndStoreReport (credential-report.ts) for an account, e.g. in a worker thread. */
export type CredentialReportGenerator = (
  account: string,
  nowMs: number,
  generatedAt: string,
) => Promise<'STARTED' | 'COMPLETE'>;

export interface Iam {
  readonly store: Store;
  readonly now: () => Date;
  readonly sealer: Sealer;
  readonly awsManagedPolicies: AwsManagedPolicyCatalog;
  /** The AWS services' service-linked roles. Absent: no service is known (CreateServiceLinkedRole refuses). */
  readonly serviceLinkedRoles?: ServiceLinkedRoleCatalog;
  /**
   * Where credential reports are generated, when not on the requests' own thread (the server
   * generates and stores them in a worker thread with a store connection of its own, so that a
   * large account's report — reading the account, the previous report, building and writing a
   * megabyte of CSV — does not hold the event loop every other request waits on). Absent: here.
   */
  readonly generateCredentialReport?: CredentialReportGenerator;
  /** Compiles a stored policy document, reusing the compiled form for the same text. */
  compile(text: string, kind: PolicyKind, id: string): CompiledPolicy;
  /**
   * Brings what this node remembers of the account up to the store's revision: call it when a
   * request's account becomes known, before anything remembered of it is used.
   */
  refresh(account: string): Promise<void>;
  /**
   * What `compute` gives for `key`, remembered for the account until its revision moves, when
   * `tx` is a read transaction (in a write transaction it is computed afresh: the write may change
   * it, or roll back). The value is shared by every later reader: it must not be changed.
   */
  remember<T>(tx: StoreTx, account: string, key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * What a read transaction running `work` gives, remembered as `remember` does: while the
   * account's revision stays, the answer comes without a transaction at all.
   */
  readRemembered<T>(account: string, key: string, work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

const COMPILED_LIMIT = 10_000;
const REMEMBERED_LIMIT = 50_000;
/** Pages of these tables are remembered too (ListUsers, GetGroup…), up to this many rows. */
const REMEMBERED_PAGE_ROWS = 1001;
/** The tables every authorization reads: a caller's user, groups, role and managed policies. */
const REMEMBERED_TABLES: ReadonlySet<AnyTable> = new Set<AnyTable>([users, groups, roles, policies]);

/** AWS's text for ConcurrentModification (IAM API reference, ConcurrentModificationException). */
const CONCURRENT_MODIFICATION =
  'The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What this node knows of an account: the revision its memories belong to. */
interface AccountState {
  /** Memories are valid while they carry the current epoch. */
  epoch: object;
  /** The store's revision the memories reflect (undefined: not read since the last forgetting). */
  revision: number | undefined;
  /** The tick at which the account was last forgotten. */
  forgottenAt: number;
}

interface Memory {
  readonly epoch: object;
  readonly value: unknown;
}

export function createIam(deps: Omit<Iam, 'compile' | 'remember' | 'readRemembered' | 'refresh'>): Iam {
  const compiled = new Map<string, { text: string; policy: CompiledPolicy }>();

  // A tick counts forgettings. A read transaction notes the tick it began at; what it read may
  // be remembered only if its account was not forgotten since (a write that committed while it
  // ran may have changed what it saw).
  let tick = 0;
  let everythingForgottenAt = 0;
  const states = new Map<string, AccountState>();
  const memories = new Map<string, Memory>();
  const stateOf = (account: string): AccountState => {
    let state = states.get(account);
    if (!state) states.set(account, (state = { epoch: {}, revision: undefined, forgottenAt: 0 }));
    return state;
  };
  const forget = (account: string): AccountState => {
    const state = stateOf(account);
    state.epoch = {};
    state.revision = undefined;
    state.forgottenAt = ++tick;
    return state;
  };
  const recall = (key: string, account: string): Memory | undefined => {
    const memory = memories.get(key);
    if (memory && memory.epoch !== stateOf(account).epoch) {
      memories.delete(key);
      return undefined;
    }
    return memory;
  };
  const keep = (key: string, account: string, since: number, value: unknown): void => {
    const state = stateOf(account);
    if (state.forgottenAt > since || everythingForgottenAt > since) return;
    if (memories.size >= REMEMBERED_LIMIT) memories.clear();
    memories.set(key, { epoch: state.epoch, value });
  };

  deps.store.onCommit((accounts) => {
    for (const account of accounts) forget(account);
  });

  const readers = new WeakMap<StoreTx, number>();
  const remembering = (tx: StoreTx): StoreTx => {
    const since = tick;
    // Spelled out: a transaction's methods may live on its prototype, where a spread misses them.
    const reader: StoreTx = {
      getMany: (table, ids) => tx.getMany(table, ids),
      count: (table, where) => tx.count(table, where),
      tally: (table, column, where) => tx.tally(table, column, where),
      insert: (table, row) => tx.insert(table, row),
      update: (table, row) => tx.update(table, row),
      put: (table, row) => tx.put(table, row),
      delete: (table, id) => tx.delete(table, id),
      deleteWhere: (table, where) => tx.deleteWhere(table, where),
      async get<T>(table: Table<T>, id: string): Promise<T | undefined> {
        if (!REMEMBERED_TABLES.has(table)) return tx.get(table, id);
        const key = `${table.name}\u0000${id}`;
        const hit = memories.get(key);
        if (hit !== undefined) {
          const account = String(table.columns.account!(hit.value as T));
          if (hit.epoch === stateOf(account).epoch) return hit.value as T;
          memories.delete(key);
        }
        const value = await tx.get(table, id);
        if (value !== undefined) keep(key, String(table.columns.account!(value)), since, deepFreeze(value));
        return value;
      },
      async list<T>(table: Table<T>, query?: Query): Promise<T[]> {
        const account = query?.where?.account;
        const limit = query?.limit;
        if (
          !REMEMBERED_TABLES.has(table) ||
          typeof account !== 'string' ||
          limit === undefined ||
          limit > REMEMBERED_PAGE_ROWS
        ) {
          return tx.list(table, query);
        }
        // Subqueries name their table; its name is what tells them apart.
        const key = `${table.name}\u0000list\u0000${JSON.stringify(query, (name, value) =>
          name === 'table' ? (value as AnyTable).name : value,
        )}`;
        const hit = recall(key, account);
        if (hit) return hit.value as T[];
        const rows = await tx.list(table, query);
        keep(key, account, since, deepFreeze(rows));
        return rows;
      },
      async find<T>(table: Table<T>, where: Where): Promise<T | undefined> {
        const account = where.account;
        if (!REMEMBERED_TABLES.has(table) || typeof account !== 'string') return tx.find(table, where);
        const key = `${table.name}\u0000find\u0000${JSON.stringify(where)}`;
        const hit = recall(key, account);
        if (hit) return hit.value as T;
        const value = await tx.find(table, where);
        if (value !== undefined) keep(key, account, since, deepFreeze(value));
        return value;
      },
    };
    readers.set(reader, since);
    return reader;
  };

  const store: Store = {
    ...deps.store,
    read: (work) => deps.store.read((tx) => work(remembering(tx))),
    write: async (work, options) => {
      try {
        return await deps.store.write(work, options);
      } catch (error) {
        if (error instanceof StoreConflict)
          throw new IamError('ConcurrentModification', CONCURRENT_MODIFICATION);
        throw error;
      }
    },
    clear: async () => {
      everythingForgottenAt = ++tick;
      states.clear();
      memories.clear();
      await deps.store.clear();
    },
  };

  const remember = async <T>(
    tx: StoreTx,
    account: string,
    key: string,
    compute: () => Promise<T>,
  ): Promise<T> => {
    const since = readers.get(tx);
    if (since === undefined) return compute();
    const memoryKey = `${account}\u0000${key}`;
    const hit = recall(memoryKey, account);
    if (hit) return hit.value as T;
    const value = await compute();
    keep(memoryKey, account, since, value);
    return value;
  };

  return {
    ...deps,
    store,
    remember,
    async refresh(account) {
      const revision = await deps.store.revision(account);
      const state = stateOf(account);
      if (state.revision !== revision) forget(account).revision = revision;
    },
    async readRemembered<T>(account: string, key: string, work: (tx: StoreTx) => Promise<T>): Promise<T> {
      const hit = recall(`${account}\u0000${key}`, account);
      if (hit) return hit.value as T;
      return store.read((tx) => remember(tx, account, key, () => work(tx)));
    },
    compile(text, kind, id) {
      const cacheKey = `${kind}:${id}`;
      const cached = compiled.get(cacheKey);
      // Least recently used first out: a managed policy many principals attach (keyed by its ARN,
      // so AdministratorAccess is compiled once for all of them) stays while their own policies
      // come and go, and every principal keeps sharing the one compiled copy.
      compiled.delete(cacheKey);
      if (cached && cached.text === text) {
        compiled.set(cacheKey, cached);
        return cached.policy;
      }
      const parsed = parsePolicy(text, { kind, id, stored: true });
      // Stored documents were validated when they were stored; one that fails now is a bug.
      if (!parsed.ok) throw new IamError('ServiceFailure', `Stored policy ${id} no longer parses.`);
      if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value!);
      compiled.set(cacheKey, { text, policy: parsed.policy });
      return parsed.policy;
    },
  };
}
