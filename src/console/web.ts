// The console's HTTP plumbing: cookies, form bodies, security headers, CSRF checks for requests
// made before sign-in, and sending pages.
//
// Cookies: the session cookie is HttpOnly, SameSite=Lax (so a link to the console from elsewhere
// still finds the session; every state change is a POST with a CSRF token, so Lax suffices),
// Path=/, and under TLS Secure with the __Host- prefix. The sign-in form's cookie, which only binds
// the sign-in form's CSRF token, is SameSite=Strict.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newSecretToken } from '../crypto/ids.ts';
import type { Html } from './html.ts';
import { clientOf, publicOriginOf, publicSchemeIsHttps } from '../http/client.ts';

/** default-src 'self' and nothing inline: scripts, styles and images come from the console itself. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
};

/** Whether browsers reach the console over https (PORTCULLIS_PUBLIC_URL, or the client's scheme). */
export function isSecure(request: FastifyRequest): boolean {
  return publicSchemeIsHttps(request.raw);
}

/** The origin browsers see (scheme://host[:port]): what Origin headers and absolute URLs use. */
export function originOf(request: FastifyRequest): string {
  return publicOriginOf(request.raw);
}

/** The client's address: the socket's, or what trusted proxies say it is. */
export function clientIp(request: FastifyRequest): string {
  return clientOf(request.raw).ip;
}

export function sessionCookieName(request: FastifyRequest): string {
  return isSecure(request) ? '__Host-portcullis-console' : 'portcullis-console';
}

export function signInCookieName(request: FastifyRequest): string {
  return isSecure(request) ? '__Host-portcullis-signin' : 'portcullis-signin';
}

export function readCookies(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  const header = request.headers.cookie;
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function setCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  value: string,
  options: { sameSite: 'Lax' | 'Strict'; maxAgeSeconds?: number },
): void {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite}`];
  if (isSecure(request)) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}

export function clearCookie(request: FastifyRequest, reply: FastifyReply, name: string): void {
  setCookie(request, reply, name, '', { sameSite: 'Lax', maxAgeSeconds: 0 });
}

/** An application/x-www-form-urlencoded body (the app keeps every body as a raw Buffer). */
export function readForm(request: FastifyRequest): URLSearchParams {
  const body = request.body;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  return new URLSearchParams(text);
}

/** Form text: trimmed for names, never longer than `max`. Passwords are taken as typed. */
export function formText(form: URLSearchParams, name: string, max = 256): string {
  return (form.get(name) ?? '').trim().slice(0, max);
}

export function formSecret(form: URLSearchParams, name: string, max = 1024): string {
  return (form.get(name) ?? '').slice(0, max);
}

/**
 * A POST from another site: its Origin (sent by browsers on every POST) names another host. A
 * missing Origin is allowed (non-browser clients); the CSRF token still has to match.
 */
export function crossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return origin !== originOf(request);
}

// ---- CSRF before sign-in: the sign-in forms' token is an HMAC of a random cookie value, under a
// key derived from the master key (so any node of a deployment accepts a form another served).

/** The MAC the sign-in forms' tokens are made with (the Sealer's, bound to the master key). */
export type FormMac = (purpose: string, value: string) => string;
export type FormMacCheck = (purpose: string, value: string, given: string) => boolean;

export function signInCsrf(request: FastifyRequest, reply: FastifyReply, mac: FormMac): string {
  const name = signInCookieName(request);
  let value = readCookies(request).get(name);
  if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    value = newSecretToken(32);
    setCookie(request, reply, name, value, { sameSite: 'Strict' });
  }
  return mac(SIGN_IN_FORM, value);
}

/** A form rendered before a master key rotation still signs in (the previous key's MAC matches). */
export function signInCsrfMatches(
  request: FastifyRequest,
  submitted: string | null,
  macMatches: FormMacCheck,
): boolean {
  const value = readCookies(request).get(signInCookieName(request));
  if (!value || typeof submitted !== 'string') return false;
  return macMatches(SIGN_IN_FORM, value, submitted);
}

const SIGN_IN_FORM = 'console-sign-in-form';

export function sendHtml(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.toString());
}

/** See Other after a form (Post/Redirect/Get); 301 where an address has moved for good. */
export function redirect(reply: FastifyReply, location: string, status: 301 | 303 = 303): FastifyReply {
  return reply.code(status).header('location', location).send();
}
