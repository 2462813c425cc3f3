// The event history's HTML: the filter form, then the events as CloudTrail's console lists them
// (event time, user name, event name, event source, source IP address, error code), each with its
// full CloudTrail record behind a <details>; and one event's own page. A denied call, an error or a
// failed sign-in is marked with the word ("Denied", "Error", "Failed") and an icon as well as a colour.
import type { IamError } from '../domain/errors.ts';
import { checkbox, problemBox } from './admin/common.ts';
import { type FilterForm, filterQuery } from './event-history-filters.ts';
import { type EventRow, type Outcome, recordText } from './event-history-rows.ts';
import type { FoundEvents } from './event-history.ts';
import { alertBox, field, html, layout, type Html, type PageUser } from './html.ts';

export const EVENT_HISTORY = '/console/event-history';
const BASE = EVENT_HISTORY;

/**
 * Records are shown in the list up to this size each and this much in all (a page's HTML is built
 * in one go, and a record can hold a 128 KB policy document); a larger one opens on its own page.
 */
const MAX_INLINE_RECORD = 8 * 1024;
const INLINE_BUDGET = 128 * 1024;

const OUTCOME_LABELS: Readonly<Record<Exclude<Outcome, 'success'>, string>> = {
  denied: 'Denied',
  error: 'Error',
  failed: 'Failed',
};

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

const HEADERS = [
  'Event time (UTC)',
  'User name',
  'Event name',
  'Event source',
  'Source IP address',
  'Error code',
];

/** An event's cells: its time heads the row. */
function eventCells(row: EventRow): Html {
  return html`<th scope="row">
      <time datetime="${row.time}">${row.time.replace('T', ' ').replace('Z', '')}</time>
    </th>
    <td>${row.username}</td>
    <td>${row.eventName}</td>
    <td>${row.eventSource}</td>
    <td>${row.sourceIp}</td>
    <td>${outcomeCell(row)}</td>`;
}

function eventPath(row: EventRow): string {
  return `${BASE}/${encodeURIComponent(row.id)}`;
}

function eventsTable(rows: readonly EventRow[]): Html {
  let budget = INLINE_BUDGET;
  const groups = rows.map((row) => {
    const inline = row.raw.length <= MAX_INLINE_RECORD && row.raw.length <= budget;
    if (inline) budget -= row.raw.length;
    return html`<tbody class="event ${row.outcome}">
      <tr>
        ${eventCells(row)}
      </tr>
      <tr class="record">
        <td colspan="${HEADERS.length}">
          <details>
            <summary>
              Event record<span class="visually-hidden"> of ${row.eventName} at ${row.time}</span> (JSON)
            </summary>
            ${
              inline
                ? html`<pre class="code"><code>${recordText(row)}</code></pre>`
                : html`<p>
                    This record is long (${Math.ceil(row.raw.length / 1024)} KB):
                    <a href="${eventPath(row)}">open it on its own page</a>.
                  </p>`
            }
          </details>
        </td>
      </tr>
    </tbody>`;
  });
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Events table">
    <table class="events">
      <caption>
        Events, newest first
      </caption>
      <thead>
        <tr>
          ${HEADERS.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      ${groups}
    </table>
  </div>`;
}

/** One event's page: its row and its whole record (LookupEvents by EventId). */
export function eventPage(user: PageUser, state: { row: EventRow } | { error: IamError | string }): Html {
  const body =
    'row' in state
      ? html`<div class="scroll" tabindex="0" role="region" aria-label="Event table">
            <table class="events">
              <caption>
                Event ${state.row.id}
              </caption>
              <thead>
                <tr>
                  ${HEADERS.map((h) => html`<th scope="col">${h}</th>`)}
                </tr>
              </thead>
              <tbody class="event ${state.row.outcome}">
                <tr>
                  ${eventCells(state.row)}
                </tr>
              </tbody>
            </table>
          </div>
          <section aria-labelledby="record-heading">
            <h2 id="record-heading">Event record (JSON)</h2>
            <pre class="code"><code>${recordText(state.row)}</code></pre>
          </section>`
      : problemBox(state.error);
  return layout({
    title: 'Event',
    body: html`<p><a href="${BASE}">Back to the event history</a></p>
      ${body}`,
    user,
    current: BASE,
  });
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
      (ConsoleLogin, CheckMfa, SwitchRole, ConsoleSignOut), as CloudTrail's LookupEvents returns them. Times
      are in UTC.
    </p>
    ${content}`;
  return layout({ title: 'Event history', body, user, current: BASE });
}
