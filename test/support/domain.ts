// The IAM the domain's unit tests run against: the real domain over a real SQLite store, in memory
// unless a test needs a file that two nodes share, with what the server would load stubbed out
// (no AWS managed policies unless a test hands in the catalog) and the clock the test chooses.
//
//   const iam = testIam({ now: () => new Date(clock.ms) });
//   const iam = await iamWithAccounts([ACCOUNT]); // with the account's row put
//   const ctx = { iam, caller: rootCaller(ACCOUNT) };
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createSealer, generateMasterKey, type Sealer } from '../../src/crypto/sealing.ts';
import type { Caller } from '../../src/domain/caller.ts';
import { createIam, type AwsManagedPolicyCatalog, type Iam } from '../../src/domain/iam.ts';
import type { AccountRecord, UserRecord } from '../../src/domain/records.ts';
import type { Store } from '../../src/domain/store.ts';
import { accounts } from '../../src/domain/tables.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';

/** A catalog with no AWS managed policy in it (loading the real one takes a while). */
export const noAwsManagedPolicies: AwsManagedPolicyCatalog = {
  get: () => undefined,
  list: () => [],
  documents: () => Promise.resolve(new Map()),
};

/** A new, empty SQLite database in memory, migrated: the store `testIam` runs on unless given one. */
export function memoryStore(): Store {
  return openSqliteStore({ filename: ':memory:' });
}

export interface TestIamOptions {
  /** Default: a new in-memory SQLite store. Two Iam over one store are two nodes of one database. */
  readonly store?: Store;
  /** Default: the wall clock. */
  readonly now?: () => Date;
  /** Default: a sealer of its own under a new master key; nodes that open each other's secrets share one. */
  readonly sealer?: Sealer;
  /** Default: `noAwsManagedPolicies`. */
  readonly awsManagedPolicies?: AwsManagedPolicyCatalog;
}

export function testIam(options: TestIamOptions = {}): Iam {
  return createIam({
    store: options.store ?? memoryStore(),
    now: options.now ?? (() => new Date()),
    sealer: options.sealer ?? createSealer(generateMasterKey()),
    awsManagedPolicies: options.awsManagedPolicies ?? noAwsManagedPolicies,
  });
}

/**
 * An account's row as bootstrap would leave it, `fields` replacing what a test needs otherwise
 * (an empty `rootPasswordHash` is a root user without a password, as CreateAccount leaves it).
 */
export function testAccount(id: string, fields: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id,
    // Unique per account: the store refuses a second account with the same root email.
    rootEmail: `root@${id}.example`,
    rootPasswordHash: '$argon2id$stub',
    createdAt: '2026-01-01T00:00:00Z',
    ...fields,
  };
}

/** `testIam(options)` with these accounts' rows put (an id alone: `testAccount(id)`). */
export async function iamWithAccounts(
  accountsToPut: readonly (string | AccountRecord)[],
  options: TestIamOptions = {},
): Promise<Iam> {
  const iam = testIam(options);
  await iam.store.write(async (tx) => {
    for (const account of accountsToPut)
      await tx.put(accounts, typeof account === 'string' ? testAccount(account) : account);
  });
  return iam;
}

/** The account's root user calling, as a verified request would make it (`fields`: the key, context…). */
export function rootCaller(account: string, fields: Partial<Caller> = {}): Caller {
  return {
    account,
    type: 'root',
    arn: `arn:aws:iam::${account}:root`,
    userId: account,
    requestContext: {},
    ...fields,
  };
}

/** An IAM user of the user's account calling with long-term credentials. */
export function userCaller(
  user: Pick<UserRecord, 'account' | 'id' | 'name'>,
  fields: Partial<Caller> = {},
): Caller {
  return {
    account: user.account,
    type: 'user',
    arn: `arn:aws:iam::${user.account}:user/${user.name}`,
    userName: user.name,
    userId: user.id,
    requestContext: {},
    ...fields,
  };
}

/**
 * A path for a SQLite database file in a directory of its own, removed when the test `t` ends: for
 * nodes that must each open their own connection to one database, as a deployment's do.
 */
export function temporaryDatabaseFile(t: TestContext, prefix = 'portcullis-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'portcullis.sqlite');
}
