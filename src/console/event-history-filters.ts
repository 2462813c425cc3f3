// The event history's filters, read from the page's GET form (so a filtered view is a URL to
// share): user name, event name, a time range in UTC and "only denied calls and errors", plus the
// NextToken of the page being shown. CloudTrail's LookupEvents takes one lookup attribute (AWS
// CloudTrail API Reference, LookupEvents): the user name is looked up when given, and an event name
// given with it — like "only denied calls and errors", which LookupEvents cannot ask — is applied by
// the page to what LookupEvents returns.

/** What the form shows again, as it was typed (trimmed). */
export interface FilterForm {
  readonly username: string;
  readonly eventName: string;
  readonly start: string;
  readonly end: string;
  readonly errorsOnly: boolean;
  readonly next: string;
}

/** How the events are found: LookupEvents' input, and what the page keeps of its answers. */
export interface LookupPlan {
  readonly attribute?: { readonly AttributeKey: 'Username' | 'EventName'; readonly AttributeValue: string };
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly nextToken?: string;
  /** An event name the page filters by (when the user name is the lookup attribute). */
  readonly eventName?: string;
  readonly errorsOnly: boolean;
}

export type ParsedFilters =
  | { readonly ok: true; readonly form: FilterForm; readonly plan: LookupPlan }
  | { readonly ok: false; readonly form: FilterForm; readonly problems: readonly string[] };

/** LookupEvents' limit on an attribute value (the API model's LookupAttributeValue). */
export const MAX_VALUE_LENGTH = 2000;
/** Our tokens are 68 characters; anything far longer is not one. */
const MAX_TOKEN_LENGTH = 1024;

// What an HTML datetime-local input sends (seconds optional), read as UTC; a space for the T and a
// trailing Z are accepted too, as people type them.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?Z?$/;

function textOf(query: Readonly<Record<string, unknown>>, name: string): string {
  const value = query[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A datetime-local value as a UTC instant, or undefined when it is not a real date and time. */
export function parseUtc(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Date.UTC rolls 31 February over into March: only a date that names itself is real.
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return real ? date : undefined;
}

/** The filters of a request's query string: a plan to run, or the problems to show. */
export function parseFilters(query: Readonly<Record<string, unknown>>): ParsedFilters {
  const raw = {
    username: textOf(query, 'username'),
    eventName: textOf(query, 'event-name'),
    start: textOf(query, 'start'),
    end: textOf(query, 'end'),
    errorsOnly: textOf(query, 'errors') === 'true',
    next: textOf(query, 'next'),
  };
  const problems: string[] = [];
  const tooLong = (value: string, what: string, max: number) => {
    if (value.length > max) problems.push(`${what} is too long: at most ${max} characters.`);
  };
  tooLong(raw.username, 'The user name', MAX_VALUE_LENGTH);
  tooLong(raw.eventName, 'The event name', MAX_VALUE_LENGTH);
  tooLong(raw.next, 'The page token', MAX_TOKEN_LENGTH);
  const time = (value: string, what: string): Date | undefined => {
    if (value === '') return undefined;
    const date = value.length <= 64 ? parseUtc(value) : undefined;
    if (!date)
      problems.push(`${what} is not a date and time: use YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, in UTC.`);
    return date;
  };
  const startTime = time(raw.start, 'The start time');
  const endTime = time(raw.end, 'The end time');
  if (startTime && endTime && endTime < startTime) problems.push('The end time is before the start time.');
  // Echo long values cut short: the form shows them again, the page must stay small.
  const form: FilterForm = {
    ...raw,
    username: raw.username.slice(0, MAX_VALUE_LENGTH),
    eventName: raw.eventName.slice(0, MAX_VALUE_LENGTH),
    start: raw.start.slice(0, 64),
    end: raw.end.slice(0, 64),
    next: raw.next.slice(0, MAX_TOKEN_LENGTH),
  };
  if (problems.length > 0) return { ok: false, form, problems };

  const attribute =
    raw.username !== ''
      ? ({ AttributeKey: 'Username', AttributeValue: raw.username } as const)
      : raw.eventName !== ''
        ? ({ AttributeKey: 'EventName', AttributeValue: raw.eventName } as const)
        : undefined;
  const plan: LookupPlan = {
    ...(attribute ? { attribute } : {}),
    ...(startTime ? { startTime } : {}),
    ...(endTime ? { endTime } : {}),
    ...(raw.next !== '' ? { nextToken: raw.next } : {}),
    ...(raw.username !== '' && raw.eventName !== '' ? { eventName: raw.eventName } : {}),
    errorsOnly: raw.errorsOnly,
  };
  return { ok: true, form, plan };
}

/** The query string of a view with these filters (and a page token, if any). */
export function filterQuery(form: FilterForm, next?: string): string {
  const params = new URLSearchParams();
  if (form.username) params.set('username', form.username);
  if (form.eventName) params.set('event-name', form.eventName);
  if (form.start) params.set('start', form.start);
  if (form.end) params.set('end', form.end);
  if (form.errorsOnly) params.set('errors', 'true');
  if (next) params.set('next', next);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
