// A request's event found live through CloudTrail's LookupEvents, for `explain --request-id
// --endpoint`. LookupEvents cannot look up a request id: its lookup attributes are EventId,
// EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId (AWS
// CloudTrail API Reference, LookupEvents and LookupAttribute). So the events of a time window are
// read newest first, page by page, narrowed by one attribute when the user names the call or the
// caller, and the search stops at the request's event.
import type * as CloudTrailSdk from '@aws-sdk/client-cloudtrail';
import { eventsOf, findRequest } from '../audit/explain-request.ts';

/** LookupEvents reaches back 90 days (its API reference: "within the last 90 days"). */
export const LOOKUP_DAYS = 90;

export interface RequestSearch {
  readonly requestId: string;
  readonly start: Date;
  /** Absent: up to the newest event (the server's clock, not this one's, says what is newest). */
  readonly end?: Date;
  /** One lookup attribute at most: LookupEvents refuses more. */
  readonly attribute?: { readonly key: 'EventName' | 'Username'; readonly value: string };
}

/** The window searched when the user gives no --start-time: LOOKUP_DAYS back from its end. */
export function defaultStart(end: Date | undefined, now: Date): Date {
  return new Date((end ?? now).getTime() - LOOKUP_DAYS * 86_400_000);
}

/** What was searched, as an error names it. */
export function describeSearch(search: RequestSearch): string {
  const window = search.end
    ? `from ${search.start.toISOString()} to ${search.end.toISOString()}`
    : `since ${search.start.toISOString()}`;
  return search.attribute ? `${window} with ${search.attribute.key} ${search.attribute.value}` : window;
}

/** The request's CloudTrail record, or undefined when no event of the window is its. */
export async function lookUpRequest(
  sdk: typeof CloudTrailSdk,
  client: CloudTrailSdk.CloudTrailClient,
  search: RequestSearch,
): Promise<Record<string, unknown> | undefined> {
  const input: CloudTrailSdk.LookupEventsCommandInput = {
    StartTime: search.start,
    ...(search.end ? { EndTime: search.end } : {}),
    ...(search.attribute
      ? { LookupAttributes: [{ AttributeKey: search.attribute.key, AttributeValue: search.attribute.value }] }
      : {}),
  };
  for await (const page of sdk.paginateLookupEvents({ client, pageSize: 50 }, input)) {
    // Each page read as an exported one is: one way to turn LookupEvents' answer into records.
    const event = findRequest(eventsOf({ Events: page.Events ?? [] }), search.requestId);
    if (event) return event;
  }
  return undefined;
}
