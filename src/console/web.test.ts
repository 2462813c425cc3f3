import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { crossOrigin, readCookies, sessionCookieName, setCookie } from './web.ts';
import { throttledMessage } from './rate-limit.ts';

/** A request as fastify hands it over: the scheme comes from the raw request's socket (TLS or not). */
function fakeRequest(protocol: 'http' | 'https', headers: Record<string, string> = {}): FastifyRequest {
  const socket = { remoteAddress: '127.0.0.1', encrypted: protocol === 'https' };
  return { protocol, headers, raw: { socket, headers } } as unknown as FastifyRequest;
}

function fakeReply(): FastifyReply & { cookies: () => string[] } {
  const headers: Record<string, unknown> = {};
  const reply = {
    getHeader: (name: string) => headers[name],
    header(name: string, value: unknown) {
      headers[name] = value;
      return reply;
    },
    cookies: () => (headers['set-cookie'] as string[] | undefined) ?? [],
  };
  return reply as unknown as FastifyReply & { cookies: () => string[] };
}

test('under TLS the session cookie is Secure and __Host- prefixed; over plain HTTP it is neither', () => {
  const tls = fakeRequest('https');
  const reply = fakeReply();
  setCookie(tls, reply, sessionCookieName(tls), 'token', { sameSite: 'Lax', maxAgeSeconds: 60 });
  assert.deepEqual(reply.cookies(), [
    '__Host-portcullis-console=token; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60',
  ]);
  const plain = fakeRequest('http');
  const second = fakeReply();
  setCookie(plain, second, sessionCookieName(plain), 'token', { sameSite: 'Strict' });
  assert.deepEqual(second.cookies(), ['portcullis-console=token; Path=/; HttpOnly; SameSite=Strict']);
});

test('several cookies in one response are all kept', () => {
  const request = fakeRequest('http');
  const reply = fakeReply();
  setCookie(request, reply, 'a', '1', { sameSite: 'Lax' });
  setCookie(request, reply, 'b', '2', { sameSite: 'Lax' });
  assert.equal(reply.cookies().length, 2);
});

test('cookies are read by name; the first of a repeated name wins', () => {
  const cookies = readCookies(fakeRequest('http', { cookie: 'a=1; portcullis-console=x; a=2' }));
  assert.equal(cookies.get('a'), '1');
  assert.equal(cookies.get('portcullis-console'), 'x');
});

test('a POST whose Origin names another host is cross-origin; a missing Origin is not', () => {
  assert.equal(crossOrigin(fakeRequest('http', { host: 'h:1', origin: 'http://h:1' })), false);
  assert.equal(crossOrigin(fakeRequest('http', { host: 'h:1', origin: 'http://evil:1' })), true);
  assert.equal(crossOrigin(fakeRequest('http', { host: 'h:1', origin: 'https://h:1' })), true);
  assert.equal(crossOrigin(fakeRequest('http', { host: 'h:1' })), false);
});

// The throttle itself (store-backed, shared by every node) is tested in src/domain/throttles.test.ts.
test('the sign-in page says how long to wait, in whole minutes rounded up', () => {
  assert.equal(throttledMessage(61_000), 'Too many failed sign-in attempts. Wait 2 minutes and try again.');
  assert.equal(throttledMessage(1_000), 'Too many failed sign-in attempts. Wait 1 minute and try again.');
});
