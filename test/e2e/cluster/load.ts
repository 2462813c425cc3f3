// Shared by the cluster and crash tests: killing a server the hard way, a ledger of every call a
// load made (what was acknowledged, what failed and how), and paging through what a server lists.
//
// The harness does not hand out its child process, so a server's pid is found in /proc: the child
// of this process whose environment names the server's data directory (each server has its own).
// A server killed here must not be given to server.stop() or server.restart(): the harness waits
// for an 'exit' event that has already happened, and hangs (see abandon()).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  ListEntitiesForPolicyCommand,
  ListUsersCommand,
  RemoveUserFromGroupCommand,
  type IAMClient,
  type User,
} from '@aws-sdk/client-iam';
import type { Server } from '../harness.ts';

/** A fresh 32-byte master key, for servers that must open each other's sealed secrets. */
export function masterKeyEnv(): Record<string, string> {
  return { PORTCULLIS_MASTER_KEY: randomBytes(32).toString('base64') };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of the server's process (Linux: read from /proc). */
export function serverPid(server: Server): number {
  const wanted = `PORTCULLIS_DATA_DIR=${server.dataDir}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no child process of ${process.pid} serves ${server.dataDir}`);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * kill -9, then waits until the process is gone. `justBefore` runs right before the signal is sent.
 * Find the pid (serverPid) before the load begins: the search of /proc blocks this process for a
 * while, during which the server would drain every request in flight.
 */
export async function killHard(pid: number, justBefore: () => void = () => undefined): Promise<void> {
  justBefore();
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} survived SIGKILL for 10 s`);
    await sleep(5);
  }
}

/**
 * What server.stop() would do for a server that was killed, without waiting for its exit (the
 * harness would wait forever): closes its clients and removes a data directory it made.
 */
export function abandon(
  server: Server,
  clients: readonly { destroy(): void }[],
  removeDataDir: boolean,
): void {
  for (const client of clients) client.destroy();
  if (removeDataDir) rmSync(server.dataDir, { recursive: true, force: true });
}

export interface Failure {
  /** The HTTP status, when a response came at all. */
  readonly status: number | undefined;
  /** AWS's error code, or the socket error's (ECONNRESET, ECONNREFUSED, ...). */
  readonly code: string;
  readonly message: string;
  readonly requestId: string | undefined;
}

export function failureOf(error: unknown): Failure {
  const e = error as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  return {
    status: e.$metadata?.httpStatusCode,
    code: e.Code ?? e.code ?? e.name ?? 'unknown',
    message: e.message ?? String(error),
    requestId: e.$metadata?.requestId,
  };
}

export interface Call {
  readonly node: string;
  readonly op: string;
  /** What the call was about, e.g. the user name, or "user -> group". */
  readonly target: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Acknowledged: an HTTP 200 whose content the caller checked. */
  readonly ok: boolean;
  readonly failure?: Failure;
}

/** Every call a load made, with its outcome. */
export class Ledger {
  readonly calls: Call[] = [];

  /**
   * Sends a call and records it. `acknowledged` says whether the response is the success it should
   * be (a 200 with the expected content); the result is returned only then.
   */
  async call<T>(
    node: string,
    op: string,
    target: string,
    send: () => Promise<T>,
    acknowledged: (result: T) => boolean = () => true,
  ): Promise<T | undefined> {
    const startedAt = Date.now();
    try {
      const result = await send();
      const ok = acknowledged(result);
      this.calls.push({
        node,
        op,
        target,
        startedAt,
        endedAt: Date.now(),
        ok,
        ...(ok
          ? {}
          : {
              failure: {
                status: 200,
                code: 'UnexpectedResponse',
                message: JSON.stringify(result),
                requestId: undefined,
              },
            }),
      });
      return ok ? result : undefined;
    } catch (error) {
      this.calls.push({
        node,
        op,
        target,
        startedAt,
        endedAt: Date.now(),
        ok: false,
        failure: failureOf(error),
      });
      return undefined;
    }
  }

  acknowledged(op: string): Call[] {
    return this.calls.filter((c) => c.op === op && c.ok);
  }

  failures(): Call[] {
    return this.calls.filter((c) => !c.ok);
  }

  /** Calls answered with a 5xx (never acceptable). */
  serverErrors(): Call[] {
    return this.calls.filter((c) => c.failure?.status !== undefined && c.failure.status >= 500);
  }

  /** One line per node and op: how many calls, acknowledged, and failures by code. */
  summary(): string {
    const groups = new Map<string, Call[]>();
    for (const c of this.calls) {
      const key = `${c.node} ${c.op}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    return [...groups]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, calls]) => {
        const codes = new Map<string, number>();
        for (const c of calls)
          if (c.failure) {
            const k = `${c.failure.code}${c.failure.status ? `/${c.failure.status}` : ''}`;
            codes.set(k, (codes.get(k) ?? 0) + 1);
          }
        const failed = [...codes].map(([k, n]) => `${k}×${n}`).join(' ');
        return `${key}: ${calls.length} calls, ${calls.filter((c) => c.ok).length} acknowledged${failed ? `, failed: ${failed}` : ''}`;
      })
      .join('\n');
  }
}

/** Every user, through all pages. */
export async function listAllUsers(iam: IAMClient): Promise<User[]> {
  const all: User[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListUsersCommand({ MaxItems: 1000, Marker: marker }));
    all.push(...(page.Users ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

/** The names of the group's members, through all pages. */
export async function groupMembers(iam: IAMClient, group: string): Promise<string[]> {
  const all: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new GetGroupCommand({ GroupName: group, MaxItems: 1000, Marker: marker }));
    all.push(...(page.Users ?? []).map((u) => u.UserName!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

/** The names of the users the policy is attached to, through all pages. */
export async function policyUsers(iam: IAMClient, policyArn: string): Promise<string[]> {
  const all: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: policyArn,
        EntityFilter: 'User',
        MaxItems: 1000,
        Marker: marker,
      }),
    );
    all.push(...(page.PolicyUsers ?? []).map((u) => u.UserName!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return all;
}

/** The values that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

// ---------------------------------------------------------------------------------------------
// A mixed write load that ends with the server killed: CreateUser, then for some users
// AttachUserPolicy and AddUserToGroup, from many workers at once.

export const CRASH_GROUPS = ['crash-a', 'crash-b', 'crash-c'] as const;
export const CRASH_POLICIES = [
  'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::aws:policy/IAMUserChangePassword',
] as const;

export interface CrashLoad {
  readonly ledger: Ledger;
  /** When the kill was sent (ms since the epoch). */
  readonly killedAt: number;
  readonly startedAt: number;
  readonly users: { readonly acknowledged: Map<string, User>; readonly attempted: Set<string> };
  /** By policy ARN: the users whose attachment was acknowledged, and attempted. */
  readonly attachments: {
    readonly acknowledged: Map<string, Set<string>>;
    readonly attempted: Map<string, Set<string>>;
  };
  /** By group: the users whose membership was acknowledged, and attempted. */
  readonly memberships: {
    readonly acknowledged: Map<string, Set<string>>;
    readonly attempted: Map<string, Set<string>>;
  };
}

const add = (map: Map<string, Set<string>>, key: string, value: string) => {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
};

/**
 * Runs `workers` concurrent writers against `iam` and calls `kill` after `killAfterMs` (which calls
 * `justBefore` right before it sends the signal); a worker stops at the first call that does not
 * get an answer, and none starts a call after the kill.
 */
export async function crashUnderLoad(
  iam: IAMClient,
  options: {
    readonly workers: number;
    readonly killAfterMs: number;
    readonly kill: (justBefore: () => void) => Promise<void>;
  },
): Promise<CrashLoad> {
  const ledger = new Ledger();
  const users = { acknowledged: new Map<string, User>(), attempted: new Set<string>() };
  const attachments = {
    acknowledged: new Map<string, Set<string>>(),
    attempted: new Map<string, Set<string>>(),
  };
  const memberships = {
    acknowledged: new Map<string, Set<string>>(),
    attempted: new Map<string, Set<string>>(),
  };
  const startedAt = Date.now();
  let killedAt: number | undefined;
  const node = 'server';

  const worker = async (w: number) => {
    for (let i = 0; killedAt === undefined; i++) {
      const name = `crash-w${w}-${i}`;
      users.attempted.add(name);
      const created = await ledger.call(
        node,
        'CreateUser',
        name,
        () => iam.send(new CreateUserCommand({ UserName: name })),
        (r) => r.User?.UserName === name && typeof r.User.UserId === 'string',
      );
      if (!created) return;
      users.acknowledged.set(name, created.User!);
      if (i % 2 === 0 && killedAt === undefined) {
        const policy = CRASH_POLICIES[i % CRASH_POLICIES.length]!;
        add(attachments.attempted, policy, name);
        const ok = await ledger.call(node, 'AttachUserPolicy', `${name} -> ${policy}`, () =>
          iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policy })),
        );
        if (!ok) return;
        add(attachments.acknowledged, policy, name);
      }
      if (i % 3 !== 2 && killedAt === undefined) {
        const group = CRASH_GROUPS[(i + w) % CRASH_GROUPS.length]!;
        add(memberships.attempted, group, name);
        const ok = await ledger.call(node, 'AddUserToGroup', `${name} -> ${group}`, () =>
          iam.send(new AddUserToGroupCommand({ UserName: name, GroupName: group })),
        );
        if (!ok) return;
        add(memberships.acknowledged, group, name);
      }
    }
  };
  const killer = async () => {
    await sleep(options.killAfterMs);
    await options.kill(() => (killedAt = Date.now()));
  };
  await Promise.all([killer(), ...Array.from({ length: options.workers }, (_, w) => worker(w))]);
  return { ledger, killedAt: killedAt!, startedAt, users, attachments, memberships };
}

/**
 * Creates the groups the load adds users to, and warms the server up (each call of the load once,
 * undone after), so that the load measures a server at speed.
 */
export async function prepareCrashLoad(iam: IAMClient): Promise<void> {
  for (const group of CRASH_GROUPS) await iam.send(new CreateGroupCommand({ GroupName: group }));
  const UserName = 'warm-up';
  await iam.send(new CreateUserCommand({ UserName }));
  for (const PolicyArn of CRASH_POLICIES)
    await iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn }));
  for (const GroupName of CRASH_GROUPS) await iam.send(new AddUserToGroupCommand({ UserName, GroupName }));
  for (const PolicyArn of CRASH_POLICIES)
    await iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn }));
  for (const GroupName of CRASH_GROUPS)
    await iam.send(new RemoveUserFromGroupCommand({ UserName, GroupName }));
  await iam.send(new DeleteUserCommand({ UserName }));
}

/**
 * After the crash, through a server on the same data: no call was answered with a 5xx or failed
 * before the kill; every acknowledged write is there (users with the acknowledged ids, attachments,
 * memberships), each once; nothing is there that was not asked for; counts agree.
 */
export async function verifyAfterCrash(iam: IAMClient, load: CrashLoad): Promise<string> {
  const summary = load.ledger.summary();
  assert.deepEqual(load.ledger.serverErrors(), [], `5xx answers:\n${summary}`);
  for (const c of load.ledger.failures()) {
    assert.equal(
      c.failure!.status,
      undefined,
      `an AWS error, not a dropped connection: ${JSON.stringify(c)}`,
    );
    assert.ok(c.endedAt >= load.killedAt, `failed before the kill: ${JSON.stringify(c)}`);
  }
  assert.ok(load.users.acknowledged.size > 0, 'the load acknowledged nothing');

  const listed = await listAllUsers(iam);
  const names = listed.map((u) => u.UserName!);
  assert.deepEqual(duplicates(names), [], 'users listed twice');
  const byName = new Map(listed.map((u) => [u.UserName!, u]));
  const lost = [...load.users.acknowledged.keys()].filter((n) => !byName.has(n));
  assert.deepEqual(lost, [], 'acknowledged users missing after the crash');
  for (const [name, user] of load.users.acknowledged)
    assert.equal(byName.get(name)!.UserId, user.UserId, `${name}: the acknowledged UserId`);
  assert.deepEqual(
    names.filter((n) => !load.users.attempted.has(n)),
    [],
    'users nobody asked for',
  );

  const check = async (
    what: string,
    keys: readonly string[],
    acknowledged: Map<string, Set<string>>,
    attempted: Map<string, Set<string>>,
    members: (key: string) => Promise<string[]>,
  ) => {
    let total = 0;
    for (const key of keys) {
      const found = await members(key);
      total += found.length;
      assert.deepEqual(duplicates(found), [], `${what} ${key}: listed twice`);
      const set = new Set(found);
      const missing = [...(acknowledged.get(key) ?? [])].filter((n) => !set.has(n));
      assert.deepEqual(missing, [], `${what} ${key}: acknowledged, missing after the crash`);
      const unasked = found.filter((n) => !attempted.get(key)?.has(n));
      assert.deepEqual(unasked, [], `${what} ${key}: present, never asked for`);
      const dangling = found.filter((n) => !byName.has(n));
      assert.deepEqual(dangling, [], `${what} ${key}: users that do not exist`);
    }
    return total;
  };
  const attached = await check(
    'policy',
    CRASH_POLICIES,
    load.attachments.acknowledged,
    load.attachments.attempted,
    (p) => policyUsers(iam, p),
  );
  const members = await check(
    'group',
    CRASH_GROUPS,
    load.memberships.acknowledged,
    load.memberships.attempted,
    (g) => groupMembers(iam, g),
  );

  const account = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(account.Users, listed.length, 'GetAccountSummary counts the users listed');

  const count = (m: Map<string, Set<string>>) => [...m.values()].reduce((n, s) => n + s.size, 0);
  return (
    `${summary}\n` +
    `users: ${load.users.acknowledged.size} acknowledged, ${listed.length} present (${load.users.attempted.size} attempted); ` +
    `attachments: ${count(load.attachments.acknowledged)} acknowledged, ${attached} present; ` +
    `memberships: ${count(load.memberships.acknowledged)} acknowledged, ${members} present`
  );
}
