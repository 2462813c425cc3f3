// When each access key was last used (GetAccessKeyLastUsed, the credential report), recorded
// without becoming a write per request: AWS records use at coarse granularity and says it may
// show late; so does this.
// - A node notes a key's use when its region or service changes, or when the last use it noted
//   is 15 minutes old; other uses change nothing.
// - Noted uses are written together, in one transaction a second later (or at once when many
//   wait), off the request's path. Before this node reads last uses it writes what it has
//   noted (flushKeyUses), so its own answers are never behind; another node's are at most a
//   second behind.
import type { Iam } from './iam.ts';
import type { AccessKeyRecord, LastUsedRecord } from './records.ts';
import { lastUsed } from './tables.ts';

const GRANULARITY_MS = 15 * 60 * 1000;
const FLUSH_DELAY_MS = 1000;
const FLUSH_AT = 500;
const MEMORY_LIMIT = 100_000;

interface Recorder {
  /** What this node last noted per key. */
  readonly noted: Map<string, { at: number; region: string; service: string }>;
  /** Uses noted and not yet written. */
  pending: Map<string, LastUsedRecord>;
  timer: NodeJS.Timeout | undefined;
  flushing: Promise<void>;
}

const recorders = new WeakMap<Iam, Recorder>();

function recorderOf(iam: Iam): Recorder {
  let recorder = recorders.get(iam);
  if (!recorder) {
    recorder = { noted: new Map(), pending: new Map(), timer: undefined, flushing: Promise.resolve() };
    recorders.set(iam, recorder);
  }
  return recorder;
}

/** Notes a use of a long-term key (a request it signed, in `region`, for `service`). */
export function recordAccessKeyUse(iam: Iam, key: AccessKeyRecord, region: string, service: string): void {
  const recorder = recorderOf(iam);
  const now = iam.now();
  const last = recorder.noted.get(key.id);
  if (last && last.region === region && last.service === service && now.getTime() - last.at < GRANULARITY_MS)
    return;
  if (recorder.noted.size >= MEMORY_LIMIT) recorder.noted.clear();
  recorder.noted.set(key.id, { at: now.getTime(), region, service });
  const date = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  recorder.pending.set(key.id, { id: key.id, account: key.account, date, region, service });
  if (recorder.pending.size >= FLUSH_AT) void flushKeyUses(iam);
  else recorder.timer ??= setTimeout(() => void flushKeyUses(iam), FLUSH_DELAY_MS).unref();
}

/** Writes the uses this node has noted and not yet written (one flush at a time). */
export function flushKeyUses(iam: Iam): Promise<void> {
  const recorder = recorderOf(iam);
  recorder.flushing = recorder.flushing.then(async () => {
    if (recorder.timer) clearTimeout(recorder.timer);
    recorder.timer = undefined;
    const batch = [...recorder.pending.values()];
    recorder.pending = new Map();
    if (batch.length === 0) return;
    try {
      await iam.store.write(async (tx) => {
        for (const use of batch) await tx.put(lastUsed, use);
      });
    } catch {
      // Last use is advisory: what could not be written now is written with the next flush.
      for (const use of batch) if (!recorder.pending.has(use.id)) recorder.pending.set(use.id, use);
      recorder.timer ??= setTimeout(() => void flushKeyUses(iam), FLUSH_DELAY_MS).unref();
    }
  });
  return recorder.flushing;
}
