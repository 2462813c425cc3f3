// The administration's lists (users, groups, roles, policies, the policy picker): search by name,
// a path prefix, sort and paging, all in the query string so that they work without JavaScript and
// every page can be linked to.
//
// The lists are read through the API's own List* operations, page by page with Marker and MaxItems,
// as an API caller would. In name order (the API's own order) a page is read from where the last one
// ended: the cursor is the API's Marker of the chunk the page starts in and how many matches of that
// chunk were already shown, so no page needs a key the console made up. Any other order (name
// descending, creation date) needs every item, so the items are read up to a bound and sorted here;
// both readings stop after a bounded number of items per request (each chunk an awaited operation,
// so the event loop is never held for long) and the page says when what it shows is partial.
import type { IamError } from '../../domain/errors.ts';
import type { OperationResult } from '../context.ts';
import { html, trustedHtml, type Html } from '../html.ts';
import { problemBox } from './common.ts';

/** Items read per operation while searching or sorting (the API's largest MaxItems). */
const CHUNK = 1000;
/** Items a name-order search reads per request before showing what it found so far. */
export const SEARCH_BUDGET = 5000;
/** Items read (and sorted) per request for any order but the API's own. */
export const SORT_LIMIT = 10_000;
/** How many earlier pages' cursors the Previous link remembers (the URL stays short). */
const TRAIL_CHARS = 3000;

export const PAGE_SIZE = { min: 10, max: 100, default: 50 } as const;

export type SortKey = 'name' | 'created';
export type SortOrder = 'asc' | 'desc';

/** Where a page in name order starts: after `skip` matches of the chunk that `marker` starts. */
export interface Cursor {
  readonly marker: string | undefined;
  readonly skip: number;
}

export interface ListQuery {
  /** Name contains (case-insensitive); empty: every name. */
  readonly q: string;
  readonly pathPrefix: string;
  readonly sort: SortKey;
  readonly order: SortOrder;
  readonly pageSize: number;
  /** The page number in a sorted reading (1 first). */
  readonly page: number;
  /** Name order: where this page starts, and where the pages before it started. */
  readonly cursor: Cursor;
  readonly trail: readonly Cursor[];
  /** Why the path prefix typed was not used, if it was not. */
  readonly problem?: string;
}

// The API's PathPrefix pattern (\u002F[\u0021-\u007F]*), at most 512 characters.
const PATH_PREFIX = /^\/[\u0021-\u007F]{0,511}$/;
const CURSOR = /^([A-Za-z0-9_-]*)\.(\d{1,6})$/;

function cursorOf(text: string | undefined): Cursor | undefined {
  const m = text === undefined ? null : CURSOR.exec(text);
  if (!m) return undefined;
  return { marker: m[1] === '' ? undefined : m[1], skip: Number(m[2]) };
}

function cursorText(cursor: Cursor): string {
  return `${cursor.marker ?? ''}.${cursor.skip}`;
}

function bounded(text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined || !/^\d{1,6}$/.test(text)) return fallback;
  return Math.min(max, Math.max(min, Number(text)));
}

/** The list's query string read leniently: anything out of range falls back to a default. */
export function parseListQuery(query: Readonly<Record<string, string | undefined>>): ListQuery {
  const typedPath = (query.path ?? '').trim();
  const pathOk = typedPath === '' || PATH_PREFIX.test(typedPath);
  const trail = (query.prev ?? '')
    .split('~')
    .filter((t) => t !== '')
    .map(cursorOf)
    .filter((c): c is Cursor => c !== undefined);
  return {
    q: (query.q ?? '').trim().slice(0, 128),
    pathPrefix: pathOk && typedPath !== '' ? typedPath : '/',
    sort: query.sort === 'created' ? 'created' : 'name',
    order: query.order === 'desc' ? 'desc' : 'asc',
    pageSize: bounded(query.pageSize, PAGE_SIZE.min, PAGE_SIZE.max, PAGE_SIZE.default),
    page: bounded(query.page, 1, 1_000_000, 1),
    cursor: cursorOf(query.after) ?? { marker: undefined, skip: 0 },
    trail,
    ...(pathOk
      ? {}
      : {
          problem:
            'A path prefix starts with a slash (/) and holds only printable ASCII characters; the list shows every path.',
        }),
  };
}

/** How a list's operation is called and its items read. */
export interface ListSource {
  /** The List* operation with PathPrefix, MaxItems and perhaps Marker. */
  readonly fetch: (input: Record<string, unknown>) => Promise<OperationResult>;
  /** The output member holding the items (Users, Groups, Roles, Policies). */
  readonly member: string;
  /** The output member holding an item's name (UserName, ...). */
  readonly nameOf: string;
}

export type Item = Record<string, unknown>;

export interface Listed {
  readonly rows: readonly Item[];
  readonly error?: IamError;
  /** Name order: where the next page starts, if there may be one. */
  readonly next?: Cursor;
  /** Sorted reading: how many matches were sorted (the page count follows). */
  readonly total?: number;
  /** The page shown in a sorted reading (the one asked for, or the last there is). */
  readonly page: number;
  /** The bound stopped the reading: the page (or the sort) covers only the items read. */
  readonly partial: boolean;
  /** Items read by this request. */
  readonly examined: number;
}

function matcher(source: ListSource, q: string): (item: Item) => boolean {
  const needle = q.toLowerCase();
  return (item) =>
    String(item[source.nameOf] ?? '')
      .toLowerCase()
      .includes(needle);
}

function itemsOf(output: Record<string, unknown>, member: string): Item[] {
  return (output[member] ?? []) as Item[];
}

/** One page of the list as `query` asks. */
export async function readList(source: ListSource, query: ListQuery): Promise<Listed> {
  return query.sort === 'name' && query.order === 'asc'
    ? readInNameOrder(source, query)
    : readSorted(source, query);
}

async function readInNameOrder(source: ListSource, query: ListQuery): Promise<Listed> {
  const matches = matcher(source, query.q);
  // Without a search every item is a match: a chunk the page's size reads exactly one page.
  const chunk = query.q === '' ? query.pageSize : CHUNK;
  const rows: Item[] = [];
  let { marker, skip } = query.cursor;
  let examined = 0;
  for (;;) {
    const result = await source.fetch({
      PathPrefix: query.pathPrefix,
      MaxItems: chunk,
      ...(marker ? { Marker: marker } : {}),
    });
    if (!result.ok) return { rows, error: result.error, page: 1, partial: false, examined };
    const items = itemsOf(result.output, source.member);
    examined += items.length;
    const usable = items.filter(matches).slice(skip);
    const need = query.pageSize - rows.length;
    if (usable.length > need) {
      rows.push(...usable.slice(0, need));
      return { rows, next: { marker, skip: skip + need }, page: 1, partial: false, examined };
    }
    rows.push(...usable);
    skip = 0;
    const nextMarker = result.output.IsTruncated === true ? String(result.output.Marker) : undefined;
    if (nextMarker === undefined) return { rows, page: 1, partial: false, examined };
    marker = nextMarker;
    const next = { marker, skip: 0 };
    if (rows.length === query.pageSize) return { rows, next, page: 1, partial: false, examined };
    if (examined >= SEARCH_BUDGET) return { rows, next, page: 1, partial: true, examined };
  }
}

async function readSorted(source: ListSource, query: ListQuery): Promise<Listed> {
  const matches = matcher(source, query.q);
  const found: Item[] = [];
  let marker: string | undefined;
  let examined = 0;
  let partial = false;
  for (;;) {
    const result = await source.fetch({
      PathPrefix: query.pathPrefix,
      MaxItems: CHUNK,
      ...(marker ? { Marker: marker } : {}),
    });
    if (!result.ok) return { rows: [], error: result.error, page: 1, partial: false, examined };
    const items = itemsOf(result.output, source.member);
    examined += items.length;
    for (const item of items) if (matches(item)) found.push(item);
    if (result.output.IsTruncated !== true) break;
    marker = String(result.output.Marker);
    if (examined >= SORT_LIMIT) {
      partial = true;
      break;
    }
  }
  // Each item's keys computed once: a comparator that lower-cased names on every comparison
  // would cost ten thousand items several times what the sort itself does.
  const keyed = found.map((item) => ({
    item,
    name: String(item[source.nameOf] ?? '').toLowerCase(),
    created: String(item.CreateDate ?? ''),
  }));
  type Keyed = (typeof keyed)[number];
  const byName = (a: Keyed, b: Keyed) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const compare =
    query.sort === 'created'
      ? (a: Keyed, b: Keyed) => (a.created < b.created ? -1 : a.created > b.created ? 1 : byName(a, b))
      : byName;
  keyed.sort(query.order === 'desc' ? (a, b) => compare(b, a) : compare);
  const pages = Math.max(1, Math.ceil(found.length / query.pageSize));
  const page = Math.min(query.page, pages);
  const start = (page - 1) * query.pageSize;
  return {
    rows: keyed.slice(start, start + query.pageSize).map((k) => k.item),
    total: keyed.length,
    page,
    partial,
    examined,
  };
}

// ---- the controls: the search form and the pager

/** The list's URL with `query`'s search, filter, sort and size, and the given position. */
export function listUrl(
  base: string,
  query: ListQuery,
  position: Record<string, string> = {},
  extra: Readonly<Record<string, string>> = {},
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  if (query.q) params.set('q', query.q);
  if (query.pathPrefix !== '/') params.set('path', query.pathPrefix);
  if (query.sort !== 'name') params.set('sort', query.sort);
  if (query.order !== 'asc') params.set('order', query.order);
  if (query.pageSize !== PAGE_SIZE.default) params.set('pageSize', String(query.pageSize));
  for (const [k, v] of Object.entries(position)) params.set(k, v);
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}" ${value === selected ? trustedHtml('selected') : ''}>
    ${label}
  </option>`;
}

/** An extra filter of a list (the policies' scope): a select kept in the query string. */
export interface ListFilter {
  readonly name: string;
  readonly label: string;
  readonly options: readonly { value: string; label: string }[];
  readonly selected: string;
}

/** The list's search form (GET): name contains, path prefix, sort, order and page size. */
export function listControls(
  base: string,
  noun: string,
  query: ListQuery,
  filters: readonly ListFilter[] = [],
): Html {
  const sizes = [10, 25, 50, 100];
  if (!sizes.includes(query.pageSize)) sizes.push(query.pageSize);
  sizes.sort((a, b) => a - b);
  return html`<form
    method="get"
    action="${base}"
    class="card list-controls"
    role="search"
    aria-label="Find ${noun}"
  >
    <div class="field">
      <label for="list-q">Name contains</label>
      <input id="list-q" name="q" type="search" value="${query.q}" />
    </div>
    <div class="field">
      <label for="list-path">Path prefix</label>
      <input id="list-path" name="path" type="text" value="${query.pathPrefix}" />
    </div>
    ${filters.map(
      (f) =>
        html`<div class="field">
          <label for="list-${f.name}">${f.label}</label>
          <select id="list-${f.name}" name="${f.name}">
            ${f.options.map((o) => option(o.value, o.label, f.selected))}
          </select>
        </div>`,
    )}
    <div class="field">
      <label for="list-sort">Sort by</label>
      <select id="list-sort" name="sort">
        ${option('name', 'Name', query.sort)} ${option('created', 'Creation date', query.sort)}
      </select>
    </div>
    <div class="field">
      <label for="list-order">Order</label>
      <select id="list-order" name="order">
        ${option('asc', 'Ascending', query.order)} ${option('desc', 'Descending', query.order)}
      </select>
    </div>
    <div class="field">
      <label for="list-page-size">Per page</label>
      <select id="list-page-size" name="pageSize">
        ${sizes.map((s) => option(String(s), String(s), String(query.pageSize)))}
      </select>
    </div>
    <button type="submit">Apply</button>
  </form>`;
}

/** Previous / Next (and what the page holds), and a note when the reading was bounded. */
export function pager(
  base: string,
  noun: string,
  query: ListQuery,
  listed: Listed,
  extra: Readonly<Record<string, string>> = {},
): Html {
  const links: Html[] = [];
  let status: string;
  let note: Html | string = '';
  if (listed.total !== undefined) {
    const pages = Math.max(1, Math.ceil(listed.total / query.pageSize));
    const first = listed.total === 0 ? 0 : (listed.page - 1) * query.pageSize + 1;
    const last = Math.min(listed.total, listed.page * query.pageSize);
    status = `Page ${listed.page} of ${pages}, showing ${first}–${last} of ${listed.total}${listed.partial ? ' read' : ''}.`;
    if (listed.page > 1)
      links.push(
        html`<a rel="prev" href="${listUrl(base, query, { page: String(listed.page - 1) }, extra)}"
          >Previous page</a
        >`,
      );
    if (listed.page < pages)
      links.push(
        html`<a rel="next" href="${listUrl(base, query, { page: String(listed.page + 1) }, extra)}"
          >Next page</a
        >`,
      );
    if (listed.partial)
      note = `Only the first ${SORT_LIMIT.toLocaleString('en-US')} ${noun} (in name order) were read and sorted; narrow the list with a search or a path prefix to sort the rest.`;
  } else {
    const number = query.trail.length + 1;
    status = `Page ${number}, showing ${listed.rows.length}.`;
    if (query.trail.length > 0 || query.cursor.marker !== undefined || query.cursor.skip > 0) {
      const previous = query.trail[query.trail.length - 1];
      const position: Record<string, string> =
        previous && (previous.marker !== undefined || previous.skip > 0)
          ? { after: cursorText(previous) }
          : {};
      const earlier = query.trail.slice(0, -1);
      if (earlier.length > 0) position.prev = earlier.map(cursorText).join('~');
      links.push(html`<a rel="prev" href="${listUrl(base, query, position, extra)}">Previous page</a>`);
    }
    if (listed.next) {
      let trail = [...query.trail, query.cursor].map(cursorText);
      // The oldest pages are forgotten first: Previous then leads back to the first page sooner.
      while (trail.join('~').length > TRAIL_CHARS) trail = trail.slice(1);
      links.push(
        html`<a
          rel="next"
          href="${listUrl(base, query, { after: cursorText(listed.next), prev: trail.join('~') }, extra)}"
          >Next page</a
        >`,
      );
    }
    if (listed.partial)
      note = `The search read ${listed.examined.toLocaleString('en-US')} ${noun} without filling this page; the next page continues the search.`;
  }
  return html`<nav aria-label="Pages of ${noun}" class="pager">
    <p role="status">${status}</p>
    ${note ? html`<p class="partial">${note}</p>` : ''}
    ${
      links.length > 0
        ? html`<ul>
            ${links.map((l) => html`<li>${l}</li>`)}
          </ul>`
        : ''
    }
  </nav>`;
}

/** A list's section: its heading, the search form, the table of this page's rows and the pager. */
export function listSection(options: {
  readonly title: string;
  readonly id: string;
  readonly base: string;
  readonly noun: string;
  readonly query: ListQuery;
  readonly listed: Listed;
  readonly render: (rows: readonly Item[]) => Html;
  readonly filters?: readonly ListFilter[];
  readonly extra?: Readonly<Record<string, string>>;
}): Html {
  const { base, noun, query, listed } = options;
  return html`<section aria-labelledby="${options.id}">
    <h2 id="${options.id}">${options.title}</h2>
    ${listControls(base, noun, query, options.filters)} ${query.problem ? problemBox(query.problem) : ''}
    ${
      listed.error
        ? problemBox(listed.error)
        : html`${options.render(listed.rows)} ${pager(base, noun, query, listed, options.extra)}`
    }
  </section>`;
}
