import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { parseForwarded, parsePublicUrl, parseTrustedProxies, resolveClient } from './client.ts';

function request(remoteAddress: string, headers: Record<string, string>, encrypted = false): IncomingMessage {
  return { socket: { remoteAddress, encrypted }, headers } as unknown as IncomingMessage;
}

const trusted = parseTrustedProxies('10.0.0.0/8, 192.0.2.7, loopback, 2001:db8::/32');

test('trusted proxies: addresses, CIDRs of both families, loopback; anything else is refused', () => {
  for (const address of ['10.1.2.3', '192.0.2.7', '127.0.0.5', '::1', '2001:db8::9', '::ffff:10.0.0.1'])
    assert.equal(trusted.has(address), true, address);
  for (const address of ['192.0.2.8', '11.0.0.1', '2001:db9::1', 'unknown', ''])
    assert.equal(trusted.has(address), false, address);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x', '::/129'])
    assert.throws(() => parseTrustedProxies(bad), /PORTCULLIS_TRUSTED_PROXIES/, bad);
});

test('without trusted proxies, forwarding headers are ignored', () => {
  const req = request('::ffff:203.0.113.5', {
    'x-forwarded-for': '198.51.100.1',
    'x-forwarded-proto': 'https',
  });
  assert.deepEqual(resolveClient(req, undefined), { ip: '203.0.113.5', secure: false });
  assert.deepEqual(resolveClient(req, trusted), { ip: '203.0.113.5', secure: false });
  assert.deepEqual(resolveClient(request('10.0.0.1', {}, true), undefined), { ip: '10.0.0.1', secure: true });
});

test('X-Forwarded-For is walked from the right: the first untrusted hop is the client', () => {
  const forged = request('10.0.0.1', {
    'x-forwarded-for': '198.51.100.99, 203.0.113.5, 10.0.0.2',
    'x-forwarded-proto': 'https',
  });
  assert.deepEqual(resolveClient(forged, trusted), { ip: '203.0.113.5', secure: true });
  const allTrusted = request('10.0.0.1', { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' });
  assert.deepEqual(resolveClient(allTrusted, trusted), { ip: '10.0.0.3', secure: false });
  const garbage = request('10.0.0.1', { 'x-forwarded-for': 'unknown, not-an-ip' });
  assert.deepEqual(resolveClient(garbage, trusted), { ip: '10.0.0.1', secure: false });
});

test('X-Forwarded-Proto lines up with X-Forwarded-For from the right', () => {
  const req = request('10.0.0.1', {
    'x-forwarded-for': '203.0.113.5, 10.0.0.2',
    'x-forwarded-proto': 'https, http',
  });
  assert.deepEqual(resolveClient(req, trusted), { ip: '203.0.113.5', secure: true });
});

test('RFC 7239 Forwarded: quoted IPv6 with port, IPv4 with port, proto per element', () => {
  assert.deepEqual(parseForwarded('for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2;by=x'), [
    { for: '[2001:db8:cafe::17]:4711', proto: 'https' },
    { for: '10.0.0.2', proto: undefined },
  ]);
  const req = request('10.0.0.1', {
    forwarded: 'for=198.51.100.99, for="203.0.113.5:5555";proto=https, for=10.0.0.2;proto=http',
    'x-forwarded-for': '10.0.0.9',
  });
  // Walking right to left: 10.0.0.2 (trusted, received http), then 203.0.113.5 (untrusted, https).
  assert.deepEqual(resolveClient(req, trusted), { ip: '203.0.113.5', secure: true });
  const v6 = request('2001:db8::1', { forwarded: 'for="[2001:db9::5]";proto=https' });
  assert.deepEqual(resolveClient(v6, trusted), { ip: '2001:db9::5', secure: true });
});

test('oversized forwarding headers are not read', () => {
  const req = request('10.0.0.1', { 'x-forwarded-for': `${'10.0.0.2, '.repeat(1000)}203.0.113.5` });
  assert.deepEqual(resolveClient(req, trusted), { ip: '10.0.0.1', secure: false });
});

test('the public URL names an origin', () => {
  assert.equal(parsePublicUrl('https://iam.example.com'), 'https://iam.example.com');
  assert.equal(parsePublicUrl('https://iam.example.com:8443/'), 'https://iam.example.com:8443');
  for (const bad of ['iam.example.com', 'ftp://x', 'https://x/iam', 'https://u:p@x'])
    assert.throws(() => parsePublicUrl(bad), /PORTCULLIS_PUBLIC_URL/, bad);
});
