import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { crossOrigin, readCookies, sessionCookieName, setCookie } from './web.ts';
import { Throttle, throttledMessage } from './rate-limit.ts';

function fakeRequest(protocol: 'http' | 'https', headers: Record<string, string> = {}): FastifyRequest {
  return { protocol, headers } as unknown as FastifyRequest;
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

test('the throttle: free failures, then a back-off doubling to 15 minutes; success clears it', () => {
  let now = 0;
  const throttle = new Throttle(2, () => now);
  throttle.fail('u');
  assert.equal(throttle.waitMs('u'), 0);
  throttle.fail('u');
  assert.equal(throttle.waitMs('u'), 60_000);
  now += 60_000;
  throttle.fail('u');
  assert.equal(throttle.waitMs('u'), 120_000);
  for (let i = 0; i < 10; i++) throttle.fail('u');
  assert.equal(throttle.waitMs('u'), 15 * 60_000);
  throttle.succeed('u');
  assert.equal(throttle.waitMs('u'), 0);
  assert.equal(throttledMessage(61_000), 'Too many failed sign-in attempts. Wait 2 minutes and try again.');
  assert.equal(throttledMessage(1_000), 'Too many failed sign-in attempts. Wait 1 minute and try again.');
});

test('failures are forgotten after an hour without one', () => {
  let now = 0;
  const throttle = new Throttle(1, () => now);
  throttle.fail('a');
  assert.ok(throttle.waitMs('a') > 0);
  now += 60 * 60_000 + 1;
  assert.equal(throttle.waitMs('a'), 0);
});
