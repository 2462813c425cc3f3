// How condition operators read numbers and dates, from a policy's values and from a request's alike.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : null;
}

const EPOCH_SECONDS = /^\d{1,12}(\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([Tt ][\d:.]+([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** ISO 8601 dates and times, or POSIX epoch seconds; milliseconds since the epoch or null. */
export function parseDate(text: string): number | null {
  const trimmed = text.trim();
  if (EPOCH_SECONDS.test(trimmed)) return Number(trimmed) * 1000;
  if (!ISO_DATE.test(trimmed)) return null;
  // A date or time without a zone is UTC in IAM.
  const withZone =
    /([Zz]|[+-]\d{2}:?\d{2})$/.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? null : ms;
}
