// The audit trail: CloudTrail events of every IAM and STS call and console sign-in step
// (events.ts), written in batches of blocks (trail.ts, blocks.ts), read by LookupEvents
// (lookup-events.ts).
import type { Operation } from '../operation.ts';
import { lookupEvents } from './lookup-events.ts';

export {
  createAuditTrail,
  storeSink,
  type AuditSink,
  type AuditTrail,
  type AuditTrailOptions,
} from './trail.ts';
export type { AuditCall, AuditEntry, AuditIdentity } from './events.ts';
export type { AuditBlock } from './blocks.ts';

/** CloudTrail's operations, by the names of its API model. */
export const cloudTrailOperations: Readonly<Record<string, Operation>> = { LookupEvents: lookupEvents };
