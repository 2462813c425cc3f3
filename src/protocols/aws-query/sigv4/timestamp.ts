// Security property: the signing time is parsed strictly (only ISO 8601 basic format, or an
// RFC 7231 IMF-fixdate in the Date header) and a request is accepted only within AWS's
// 15-minute allowance of the server clock that the caller passes in, so a captured request
// cannot be replayed later, nor one be pre-signed for the future. No clock is read here.
import { authErrors, type AuthError } from './errors.ts';

/** AWS accepts a signed time at most 15 minutes before or after its own clock. */
export const CLOCK_SKEW_SECONDS = 15 * 60;

const BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function exactUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  const t = new Date(Date.UTC(y, mo, d, h, mi, s));
  const same =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return same ? t : undefined;
}

// Requests signed within the same second carry the same X-Amz-Date: the last one parsed, and the
// last time formatted, are kept (Dates here are never modified).
let lastParsed: { text: string; date: Date } | undefined;
let lastFormatted: { ms: number; text: string } | undefined;

/** Parses `YYYYMMDD'T'HHMMSS'Z'` (or, when `allowHttpDate`, an IMF-fixdate); rejects impossible dates. */
export function parseSigningTime(text: string, allowHttpDate: boolean): Date | AuthError {
  if (lastParsed?.text === text) return lastParsed.date;
  const parsed = parseTime(text, allowHttpDate);
  if (parsed instanceof Date) lastParsed = { text, date: parsed };
  return parsed;
}

function parseTime(text: string, allowHttpDate: boolean): Date | AuthError {
  const basic = BASIC.exec(text);
  if (basic) {
    const [y, mo, d, h, mi, s] = basic.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return exactUtc(y, mo - 1, d, h, mi, s) ?? authErrors.badDate(text);
  }
  const http = allowHttpDate ? IMF_FIXDATE.exec(text) : null;
  if (http) {
    const [d, mon, y, h, mi, s] = http.slice(1) as [string, string, string, string, string, string];
    return (
      exactUtc(Number(y), MONTHS.indexOf(mon), Number(d), Number(h), Number(mi), Number(s)) ??
      authErrors.badDate(text)
    );
  }
  return authErrors.badDate(text);
}

/** `YYYYMMDD'T'HHMMSS'Z'`, the form used in the string to sign and in AWS's messages. */
export function formatBasic(t: Date): string {
  const ms = Math.floor(t.getTime() / 1000) * 1000;
  if (lastFormatted?.ms === ms) return lastFormatted.text;
  const text = t
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  lastFormatted = { ms, text };
  return text;
}

/** The AuthError when `signedAt` lies outside ±CLOCK_SKEW_SECONDS of `now`, else undefined. */
export function checkClockSkew(signedAt: Date, now: Date): AuthError | undefined {
  const allowance = CLOCK_SKEW_SECONDS * 1000;
  const earliest = new Date(now.getTime() - allowance);
  const latest = new Date(now.getTime() + allowance);
  if (signedAt.getTime() < earliest.getTime()) {
    return authErrors.signatureExpired(
      formatBasic(signedAt),
      formatBasic(earliest),
      formatBasic(now),
      CLOCK_SKEW_SECONDS,
    );
  }
  if (signedAt.getTime() > latest.getTime()) {
    return authErrors.signatureNotYetCurrent(
      formatBasic(signedAt),
      formatBasic(latest),
      formatBasic(now),
      CLOCK_SKEW_SECONDS,
    );
  }
  return undefined;
}

/**
 * For a presigned request: the AuthError when `now` is past `signedAt + expiresSeconds`.
 * (AWS's IAM and STS enforce only the 15-minute allowance on presigned requests; Portcullis
 * also honours a shorter X-Amz-Expires, worded in AWS's "Signature expired" form.)
 */
export function checkPresignedExpiry(
  signedAt: Date,
  expiresSeconds: number,
  now: Date,
): AuthError | undefined {
  const earliest = new Date(now.getTime() - expiresSeconds * 1000);
  if (signedAt.getTime() < earliest.getTime()) {
    return authErrors.signatureExpired(
      formatBasic(signedAt),
      formatBasic(earliest),
      formatBasic(now),
      expiresSeconds,
    );
  }
  return undefined;
}
