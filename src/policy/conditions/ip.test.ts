import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseIp } from './ip.ts';

const inRange = (cidr: string, ip: string) => {
  const c = parseCidr(cidr);
  const i = parseIp(ip);
  return !!c && !!i && c.contains(i);
};

test('IPv4 CIDR ranges', () => {
  assert.equal(inRange('203.0.113.0/24', '203.0.113.7'), true);
  assert.equal(inRange('203.0.113.0/24', '203.0.114.7'), false);
  assert.equal(inRange('10.0.0.0/8', '10.255.1.2'), true);
  assert.equal(inRange('0.0.0.0/0', '192.0.2.1'), true);
  assert.equal(inRange('192.0.2.1', '192.0.2.1'), true);
  assert.equal(inRange('192.0.2.1/32', '192.0.2.2'), false);
});

test('IPv6 CIDR ranges with :: compression', () => {
  assert.equal(inRange('2001:DB8:1234:5678::/64', '2001:db8:1234:5678:abcd::1'), true);
  assert.equal(inRange('2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1'), false);
  assert.equal(inRange('::1/128', '::1'), true);
  assert.equal(inRange('2001:db8::/32', '2001:db8:ffff::'), true);
});

test('an IPv4-mapped IPv6 address is matched as IPv4; families never mix otherwise', () => {
  assert.equal(inRange('192.0.2.0/24', '::ffff:192.0.2.5'), true);
  assert.equal(inRange('2001:db8::/32', '192.0.2.5'), false);
});

test('malformed addresses and ranges never match', () => {
  for (const bad of ['', '1.2.3', '1.2.3.256', '1.2.3.4/33', '::1::2', 'g::1', '1.2.3.4/x']) {
    assert.equal(parseCidr(bad), null, bad);
  }
});

test('a range compiled to integers agrees with a bit-by-bit comparison at every prefix length', () => {
  const bitsOf = (ip: string) =>
    parseIp(ip)!
      .groups.map((g) => g.toString(2).padStart(16, '0'))
      .join('');
  const addresses = ['0.0.0.0', '255.255.255.255', '203.0.113.7', '128.0.0.1', '127.255.255.255', '10.9.8.7'];
  for (const network of addresses) {
    for (let bits = 0; bits <= 32; bits++) {
      for (const ip of addresses) {
        const expected = bitsOf(network).slice(0, bits) === bitsOf(ip).slice(0, bits);
        assert.equal(inRange(`${network}/${bits}`, ip), expected, `${ip} in ${network}/${bits}`);
      }
    }
  }
  for (const network of ['2001:db8::1', 'ffff::', '::']) {
    for (let bits = 0; bits <= 128; bits += 7) {
      for (const ip of ['2001:db8:8000::', 'ffff:1::', '::1', '2001:db8::']) {
        const expected = bitsOf(network).slice(0, bits) === bitsOf(ip).slice(0, bits);
        assert.equal(inRange(`${network}/${bits}`, ip), expected, `${ip} in ${network}/${bits}`);
      }
    }
  }
});
