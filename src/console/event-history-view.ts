// The event history page's HTML: the filter form, then the events as CloudTrail's console lists them
// (event time, user name, event name, event source, source IP address, error code), each with its
// full CloudTrail record behind a <details>. A denied call, an error or a failed sign-in is marked
// with the word ("Denied", "Error", "Failed") and an icon as well as a colour.
import type { IamError } from '../domain/errors.ts';
import { checkbox, problemBox } from './admin/common.ts';
import { type FilterForm, filterQuery } from './event-history-filters.ts';
import type { FoundEvents } from './event-history.ts';
import { alertBox, field, html, layout, type Html, type PageUser } from './html.ts';

export const EVENT_HISTORY = '/console/event-history';
const BASE = EVENT_HISTORY;

export type Outcome = 'success' | 'denied' | 'error' | 'failed';

export interface EventRow {
  readonly id: string;
  readonly time: string;
  readonly username: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly sourceIp: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly outcome: Outcome;
  /** The CloudTrail record, pretty-printed. */
  readonly record: string;
}

const OUTCOME_LABELS: Readonly<Record<Exclude<Outcome, 'success'>, string>> = {
  denied: 'Denied',
  error: 'Error',
  failed: 'Failed',
};

/** Access errors as the AWS services name them (AccessDenied, AccessDeniedException, UnauthorizedOperation). */
const DENIED = /^(AccessDenied|UnauthorizedOperation|Client\.UnauthorizedOperation)/;

/** One LookupEvents event as a row: the columns CloudTrail's console reads from its record. */
export function rowOf(event: Readonly<Record<string, unknown>>): EventRow {
  let record: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(String(event.CloudTrailEvent ?? '{}'));
    if (parsed && typeof parsed === 'object') record = parsed as Record<string, unknown>;
  } catch {
    // A record that is not JSON is shown as it is, with what the event's own fields say.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const errorCode = text(record.errorCode);
  const errorMessage = text(record.errorMessage);
  // A failed console sign-in has a message and no code (CloudTrail's ConsoleLogin "Failed authentication").
  const outcome: Outcome = errorCode
    ? DENIED.test(errorCode)
      ? 'denied'
      : 'error'
    : errorMessage
      ? 'failed'
      : 'success';
  const time = event.EventTime instanceof Date ? event.EventTime.toISOString() : text(event.EventTime);
  return {
    id: text(event.EventId),
    time: time.replace(/\.\d{3}Z$/, 'Z'),
    username: text(event.Username),
    eventName: text(event.EventName),
    eventSource: text(event.EventSource),
    sourceIp: text(record.sourceIPAddress),
    errorCode,
    errorMessage,
    outcome,
    record: Object.keys(record).length > 0 ? JSON.stringify(record, null, 2) : text(event.CloudTrailEvent),
  };
}

function filterForm(form: FilterForm): Html {
  return html`<form
    method="get"
    action="${BASE}"
    class="card wide filters"
    role="search"
    aria-label="Filter events"
  >
    <div class="filter-fields">
      ${field({ id: 'username', label: 'User name', value: form.username, required: false, autocomplete: 'off' })}
      ${field({ id: 'event-name', label: 'Event name', value: form.eventName, required: false, autocomplete: 'off' })}
      ${field({ id: 'start', label: 'From (UTC)', type: 'datetime-local', step: '1', value: form.start, required: false })}
      ${field({ id: 'end', label: 'Until (UTC)', type: 'datetime-local', step: '1', value: form.end, required: false })}
    </div>
    ${checkbox({ id: 'errors', label: 'Only denied calls, errors and failed sign-ins', checked: form.errorsOnly })}
    <button type="submit">Search</button>
    <a href="${BASE}">Clear filters</a>
  </form>`;
}

function outcomeCell(row: EventRow): Html {
  if (row.outcome === 'success') return html`${row.errorCode}`;
  // The icon is decoration; the word says it to everyone, screen readers included.
  return html`<span class="outcome ${row.outcome}"
      ><span aria-hidden="true">&#x2716;</span> ${OUTCOME_LABELS[row.outcome]}</span
    >
    ${row.errorCode ? html`<code>${row.errorCode}</code>` : html`<span>${row.errorMessage}</span>`}`;
}

function eventsTable(rows: readonly EventRow[]): Html {
  const headers = [
    'Event time (UTC)',
    'User name',
    'Event name',
    'Event source',
    'Source IP address',
    'Error code',
  ];
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Events table">
    <table class="events">
      <caption>
        Events, newest first
      </caption>
      <thead>
        <tr>
          ${headers.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      ${rows.map(
        (row) =>
          html`<tbody class="event ${row.outcome}" data-event-id="${row.id}">
            <tr>
              <th scope="row">
                <time datetime="${row.time}">${row.time.replace('T', ' ').replace('Z', '')}</time>
              </th>
              <td>${row.username}</td>
              <td>${row.eventName}</td>
              <td>${row.eventSource}</td>
              <td>${row.sourceIp}</td>
              <td>${outcomeCell(row)}</td>
            </tr>
            <tr class="record">
              <td colspan="${headers.length}">
                <details>
                  <summary>
                    Event record<span class="visually-hidden"> of ${row.eventName} at ${row.time}</span>
                    (JSON)
                  </summary>
                  <pre class="code"><code>${row.record}</code></pre>
                </details>
              </td>
            </tr>
          </tbody>`,
      )}
    </table>
  </div>`;
}

function resultsSection(form: FilterForm, found: FoundEvents): Html {
  const paging = html`${
      found.searched !== undefined
        ? html`<p>
            ${found.rows.length === 0 ? 'None of' : 'Those above are the matches among'} the ${found.searched}
            events read; a search stops there. "Older events" searches further back.
          </p>`
        : ''
    }
    <p class="paging">
      ${form.next ? html`<a href="${BASE}${filterQuery(form)}">Newest events</a>` : ''}
      ${found.nextToken ? html`<a href="${BASE}${filterQuery(form, found.nextToken)}" rel="next">Older events</a>` : ''}
    </p>`;
  return html`<section aria-labelledby="events-heading">
    <h2 id="events-heading">Events</h2>
    ${
      found.rows.length === 0 && found.searched === undefined
        ? html`<p>No events match these filters.</p>`
        : found.rows.length > 0
          ? eventsTable(found.rows)
          : ''
    }
    ${paging}
  </section>`;
}

export function eventHistoryPage(
  user: PageUser,
  view: {
    form: FilterForm;
    state: { problems: readonly string[] } | { error: IamError } | { found: FoundEvents };
  },
): Html {
  const { form, state } = view;
  let content: Html;
  if ('problems' in state)
    content = html`${alertBox(
      'error',
      html`<strong>These filters cannot be used:</strong>
        <ul>
          ${state.problems.map((p) => html`<li>${p}</li>`)}
        </ul>`,
    )}
    ${filterForm(form)}`;
  else if ('error' in state)
    content =
      state.error.code === 'AccessDenied'
        ? problemBox(state.error)
        : html`${problemBox(state.error)} ${filterForm(form)}`;
  else content = html`${filterForm(form)} ${resultsSection(form, state.found)}`;
  const body = html`<p>
      The audit trail: every IAM and STS call, allowed or denied, and every console sign-in step
      (ConsoleLogin, CheckMfa, ConsoleSignOut), as CloudTrail's LookupEvents returns them. Times are in UTC.
    </p>
    ${content}`;
  return layout({ title: 'Event history', body, user, current: BASE });
}
