// The event history page, as CloudTrail's console shows it: the audit trail read with CloudTrail's
// LookupEvents as the signed-in caller (so cloudtrail:LookupEvents decides who may see it, and a
// denied caller sees AWS's AccessDenied message), filtered by the GET form of
// event-history-filters.ts, newest first, a page at a time with LookupEvents' NextToken.
//
//   /console/event-history?username=&event-name=&start=&end=&errors=true&next=
//   /console/event-history/<event id>     one event and its whole record (LookupEvents by EventId)
import type { FastifyInstance } from 'fastify';
import type { Caller } from '../domain/caller.ts';
import type { IamError } from '../domain/errors.ts';
import { type ConsoleContext, callCloudTrail, requireSession } from './context.ts';
import { type LookupPlan, parseFilters } from './event-history-filters.ts';
import { type EventRow, rowOf } from './event-history-rows.ts';
import { EVENT_HISTORY, eventHistoryPage, eventPage } from './event-history-view.ts';
import { statusOf } from './admin/common.ts';
import { sendHtml } from './web.ts';

/** Rows per page, as CloudTrail's console shows them (and LookupEvents' MaxResults limit). */
const PAGE_SIZE = 50;
/**
 * A filter LookupEvents cannot apply is applied to at most this many of its pages per view, so
 * a view reads at most 500 events; "Older events" goes on from where it stopped.
 */
const MAX_PAGES_FILTERED = 10;

export interface FoundEvents {
  readonly rows: readonly EventRow[];
  /** LookupEvents' NextToken after the last page read: older events remain. */
  readonly nextToken?: string;
  /** The page filtered and stopped at MAX_PAGES_FILTERED before filling a page. */
  readonly searched?: number;
}

export function registerEventHistory(server: FastifyInstance, ctx: ConsoleContext): void {
  server.get(EVENT_HISTORY, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const parsed = parseFilters((request.query ?? {}) as Record<string, unknown>);
    const show = (status: number, state: Parameters<typeof eventHistoryPage>[1]['state']) =>
      sendHtml(reply, status, eventHistoryPage(signed.user, { form: parsed.form, state }));
    if (!parsed.ok) return show(400, { problems: parsed.problems });
    const found = await findEvents(signed.caller, ctx, parsed.plan);
    if ('error' in found) return show(statusOf(found.error), { error: found.error });
    return show(200, { found });
  });

  server.get(`${EVENT_HISTORY}/:id`, async (request, reply) => {
    const signed = await requireSession(ctx, request, reply, 'active');
    if (!signed) return reply;
    const id = (request.params as { id: string }).id;
    const notFound = () => sendHtml(reply, 404, eventPage(signed.user, { error: 'There is no such event.' }));
    // Event ids are UUIDs (CloudTrail's eventID).
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return notFound();
    const result = await callCloudTrail(signed.caller, ctx, 'LookupEvents', {
      LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: id }],
    });
    if (!result.ok)
      return sendHtml(reply, statusOf(result.error), eventPage(signed.user, { error: result.error }));
    const event = ((result.output.Events ?? []) as Record<string, unknown>[])[0];
    if (!event) return notFound();
    return sendHtml(reply, 200, eventPage(signed.user, { row: rowOf(event) }));
  });
}

/** Lets other requests run between rows: a record can be large, and a view reads up to 500. */
function yieldToOtherRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** LookupEvents page by page until a page of rows passes the page's own filters (if any). */
async function findEvents(
  caller: Caller,
  ctx: ConsoleContext,
  plan: LookupPlan,
): Promise<FoundEvents | { error: IamError }> {
  const filtered = plan.eventName !== undefined || plan.errorsOnly;
  const keep = (row: EventRow) =>
    (plan.eventName === undefined || row.eventName === plan.eventName) &&
    (!plan.errorsOnly || row.outcome !== 'success');
  const rows: EventRow[] = [];
  let token = plan.nextToken;
  let read = 0;
  const maxPages = filtered ? MAX_PAGES_FILTERED : 1;
  for (let pages = 0; pages < maxPages && rows.length < PAGE_SIZE; pages++) {
    const result = await callCloudTrail(caller, ctx, 'LookupEvents', {
      ...(plan.attribute ? { LookupAttributes: [plan.attribute] } : {}),
      ...(plan.startTime ? { StartTime: plan.startTime } : {}),
      ...(plan.endTime ? { EndTime: plan.endTime } : {}),
      ...(token ? { NextToken: token } : {}),
      MaxResults: PAGE_SIZE,
    });
    if (!result.ok) return { error: result.error };
    const events = (result.output.Events ?? []) as Record<string, unknown>[];
    read += events.length;
    let since = performance.now();
    for (const event of events) {
      if (performance.now() - since > 10) {
        await yieldToOtherRequests();
        since = performance.now();
      }
      const row = rowOf(event);
      if (keep(row)) rows.push(row);
    }
    token = typeof result.output.NextToken === 'string' ? result.output.NextToken : undefined;
    if (!token) return { rows };
  }
  // Older events remain: whole pages were read, so LookupEvents' token goes on from the last one.
  return { rows, nextToken: token!, ...(filtered && rows.length < PAGE_SIZE ? { searched: read } : {}) };
}
