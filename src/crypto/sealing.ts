// Security property: secrets at rest are sealed with AES-256-GCM under a key derived from the
// master key, with a fresh random 12-byte IV each time, and bound to the row they belong to:
// the `context` (e.g. "access-key:AKIA…") is GCM additional data, so a sealed value copied to
// another row, or altered in any bit, fails to open. Errors never contain key, plaintext or text.
//
// Format: v1.<iv>.<ciphertext>.<tag>, each part base64url. Random 96-bit IVs keep the IV
// collision risk negligible for up to 2^32 seals under one master key (NIST SP 800-38D).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_INFO = 'portcullis/sealing/v1/aes-256-gcm';

export interface Sealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  /**
   * HMAC-SHA256 of `value` (base64url) under a key derived from the master key for `purpose`:
   * every node sharing the master key computes the same MAC, and no two purposes share a key.
   */
  mac(purpose: string, value: string): string;
}

/** 32 random bytes, for a new master key. */
export function generateMasterKey(): Buffer {
  return randomBytes(32);
}

/** Reads a master key given as 64 hex characters or as base64/base64url of 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const t = typeof text === 'string' ? text.trim() : '';
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}$/.test(t)) {
    const key = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  throw new Error('The master key must be 32 bytes, written as 64 hex characters or as base64.');
}

function additionalData(context: string): Buffer {
  return Buffer.from(`portcullis-seal:${VERSION}\0${context}`, 'utf8');
}

function openFailed(): Error {
  return new Error(
    'A sealed secret could not be opened: it is malformed, was altered, or belongs elsewhere.',
  );
}

/** A sealer bound to `masterKey` (32 bytes). The AES key is derived from it with HKDF-SHA256. */
export function createSealer(masterKey: Buffer): Sealer {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== 32)
    throw new Error('The master key must be 32 bytes.');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), KEY_INFO, 32));
  const macKeys = new Map<string, Buffer>();
  const macKey = (purpose: string): Buffer => {
    let found = macKeys.get(purpose);
    if (!found) {
      found = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `portcullis/mac/v1/${purpose}`, 32));
      macKeys.set(purpose, found);
    }
    return found;
  };

  return {
    seal(plaintext: string, context: string): string {
      if (typeof plaintext !== 'string' || typeof context !== 'string')
        throw new Error('seal takes two strings.');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv, ciphertext, tag]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },

    open(sealed: string, context: string): string {
      if (typeof sealed !== 'string' || typeof context !== 'string') throw openFailed();
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw openFailed();
      if (!parts.slice(1).every((p) => /^[A-Za-z0-9_-]*$/.test(p))) throw openFailed();
      const iv = Buffer.from(parts[1]!, 'base64url');
      const ciphertext = Buffer.from(parts[2]!, 'base64url');
      const tag = Buffer.from(parts[3]!, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw openFailed();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(context));
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
        return new TextDecoder('utf-8', { fatal: true }).decode(plain);
      } catch {
        throw openFailed();
      }
    },

    mac(purpose: string, value: string): string {
      return createHmac('sha256', macKey(purpose)).update(value, 'utf8').digest('base64url');
    },
  };
}
