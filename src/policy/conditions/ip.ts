// IPv4 and IPv6 addresses and CIDR ranges, for IpAddress / NotIpAddress. Addresses are held as
// 16-bit groups (2 for IPv4, 8 for IPv6); an IPv4-mapped IPv6 address counts as IPv4.

import { sharedValue } from '../shared.ts';

export interface Ip {
  readonly v6: boolean;
  readonly groups: readonly number[];
  /** An IPv4 address as one unsigned 32-bit integer (0 for IPv6). */
  readonly v4: number;
}

/**
 * A CIDR range compiled once: an IPv4 range as its first and last addresses (unsigned 32-bit
 * integers, two comparisons per test), an IPv6 range as its masked 16-bit groups. Only what the
 * test reads is kept: a policy may hold many ranges.
 */
export class Cidr {
  private readonly v6: boolean;
  private readonly first: number;
  private readonly last: number;
  /** IPv6 only (null for IPv4): each group's mask, and the range's groups masked. */
  private readonly masks: readonly number[] | null;
  private readonly masked: readonly number[] | null;

  constructor(ip: Ip, bits: number) {
    this.v6 = ip.v6;
    if (ip.v6) {
      const masks: number[] = [];
      let left = bits;
      for (let i = 0; i < ip.groups.length; i++, left -= 16) {
        const take = Math.max(0, Math.min(16, left));
        masks.push((0xffff << (16 - take)) & 0xffff);
      }
      this.masks = masks;
      this.masked = ip.groups.map((g, i) => g & masks[i]!);
      this.first = 0;
      this.last = 0;
    } else {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      this.masks = null;
      this.masked = null;
      this.first = (ip.v4 & mask) >>> 0;
      this.last = (this.first | ~mask) >>> 0;
    }
  }

  contains(ip: Ip): boolean {
    if (this.v6 !== ip.v6) return false;
    if (!ip.v6) return ip.v4 >= this.first && ip.v4 <= this.last;
    const masks = this.masks!;
    const masked = this.masked!;
    for (let i = 0; i < 8; i++) if ((ip.groups[i]! & masks[i]!) !== masked[i]) return false;
    return true;
  }
}

/** The range of `text`, one for all who name it (shared.ts); null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  return sharedValue(`c${text}`, () => readCidr(text));
}

function readCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.v6 ? 128 : 32;
  if (slash < 0) return new Cidr(ip, max);
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  return bits <= max ? new Cidr(ip, bits) : null;
}

export function parseIp(text: string): Ip | null {
  const trimmed = text.trim();
  if (trimmed.includes(':')) return parseIpv6(trimmed);
  const groups = parseIpv4(trimmed);
  return groups ? v4Address(groups) : null;
}

function v4Address(groups: readonly number[]): Ip {
  return { v6: false, groups, v4: ((groups[0]! << 16) | groups[1]!) >>> 0 };
}

function parseIpv4(text: string): number[] | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  const bytes: number[] = [];
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet)) return null;
    const n = Number(octet);
    if (n > 255) return null;
    bytes.push(n);
  }
  return [(bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!];
}

function parseIpv6(text: string): Ip | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const mappedV4 = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  return mappedV4 ? v4Address(groups.slice(6)) : { v6: true, groups, v4: 0 };
}

/** Colon-separated hex groups; the last may be a dotted IPv4 address (two groups). */
function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return null;
      groups.push(...v4);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}
