// When each access key was last used (GetAccessKeyLastUsed, the credential report): noted per key,
// region and service, written in batches off the request's path (use-batches.ts).
import type { Iam } from './iam.ts';
import type { AccessKeyRecord } from './records.ts';
import { lastUsed } from './tables.ts';
import { useBatches } from './use-batches.ts';

const batches = useBatches(lastUsed);

/** Notes a use of a long-term key (a request it signed, in `region`, for `service`). */
export function recordAccessKeyUse(iam: Iam, key: AccessKeyRecord, region: string, service: string): void {
  batches.note(iam, key.id, `${region}\u0000${service}`, (date) => ({
    id: key.id,
    account: key.account,
    date,
    region,
    service,
  }));
}

/** Writes the key uses this node has noted and not yet written. */
export function flushKeyUses(iam: Iam): Promise<void> {
  return batches.flush(iam);
}
