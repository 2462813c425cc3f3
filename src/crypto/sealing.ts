// Security property: secrets at rest are sealed with AES-256-GCM under a key derived from the
// master key, with a fresh random 12-byte IV each time, and bound to the row they belong to:
// the `context` (e.g. "access-key:AKIA…") is GCM additional data, so a sealed value copied to
// another row, or altered in any bit, fails to open. Errors never contain key, plaintext or text.
//
// Format: v2.<key id>.<iv>.<ciphertext>.<tag>, each part base64url; the key id (a fingerprint
// derived from the master key, which reveals nothing of it) names the key a value was sealed
// under, so that while a master key is rotated a server given both keys opens each value with
// its own key, and the rotation knows which values are still to re-seal. The first format,
// v1.<iv>.<ciphertext>.<tag>, named no key: it still opens, under any key given. Random 96-bit
// IVs keep the IV collision risk negligible for up to 2^32 seals under one master key
// (NIST SP 800-38D).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { equalsConstantTime } from './constant-time.ts';

const VERSION = 'v2';
const FIRST_VERSION = 'v1';
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
  /**
   * Whether `given` is the MAC of `value` for `purpose` under the current master key or a previous
   * one (compared in constant time): what was issued before a rotation stays good until it expires.
   */
  macMatches(purpose: string, value: string, given: string): boolean;
  /** The current master key's id: what values sealed from now on name. */
  readonly keyId: string;
  /**
   * `sealed` sealed again under the current key (same plaintext and context), or undefined when
   * it already is: what a master key rotation does to every sealed value.
   */
  reseal(sealed: string, context: string): string | undefined;
}

/** The id a master key's sealed values name: 12 base64url characters, derived one way from it. */
export function masterKeyId(masterKey: Buffer): string {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'portcullis/key-id/v1', 9)).toString(
    'base64url',
  );
}

/** The id of the key a value was sealed under, when its format names one (v1 values do not). */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
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

function additionalData(context: string, keyId?: string): Buffer {
  const prefix = keyId === undefined ? FIRST_VERSION : `${VERSION}\0${keyId}`;
  return Buffer.from(`portcullis-seal:${prefix}\0${context}`, 'utf8');
}

function openFailed(): Error {
  return new Error(
    'A sealed secret could not be opened: it is malformed, was altered, or belongs elsewhere.',
  );
}

/**
 * A sealer that seals under `masterKey` (32 bytes) and opens values sealed under it or under any
 * of `previousKeys` (while a rotation runs). AES keys are derived from master keys with HKDF-SHA256.
 */
export function createSealer(masterKey: Buffer, previousKeys: readonly Buffer[] = []): Sealer {
  const keys = [masterKey, ...previousKeys].map((k) => {
    if (!Buffer.isBuffer(k) || k.length !== 32) throw new Error('The master key must be 32 bytes.');
    return { id: masterKeyId(k), aes: Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), KEY_INFO, 32)) };
  });
  const current = keys[0]!;
  const masterKeys = [masterKey, ...previousKeys];
  const macKeys = new Map<string, Buffer>();
  const macKey = (purpose: string, index = 0): Buffer => {
    const name = `${index}\u0000${purpose}`;
    let found = macKeys.get(name);
    if (!found) {
      const info = `portcullis/mac/v1/${purpose}`;
      found = Buffer.from(hkdfSync('sha256', masterKeys[index]!, Buffer.alloc(0), info, 32));
      macKeys.set(name, found);
    }
    return found;
  };
  const macUnder = (index: number, purpose: string, value: string): string =>
    createHmac('sha256', macKey(purpose, index)).update(value, 'utf8').digest('base64url');

  const sealer: Sealer = {
    keyId: current.id,

    seal(plaintext: string, context: string): string {
      if (typeof plaintext !== 'string' || typeof context !== 'string')
        throw new Error('seal takes two strings.');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.aes, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(context, current.id));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, current.id, iv, ciphertext, tag]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },

    open(sealed: string, context: string): string {
      if (typeof sealed !== 'string' || typeof context !== 'string') throw openFailed();
      const parts = sealed.split('.');
      if (!parts.slice(1).every((p) => /^[A-Za-z0-9_-]*$/.test(p))) throw openFailed();
      if (parts.length === 5 && parts[0] === VERSION) {
        const key = keys.find((k) => k.id === parts[1]);
        if (!key) throw openFailed();
        return decrypt(key.aes, parts.slice(2), additionalData(context, key.id));
      }
      if (parts.length === 4 && parts[0] === FIRST_VERSION) {
        for (const key of keys) {
          try {
            return decrypt(key.aes, parts.slice(1), additionalData(context));
          } catch {
            // another key may have sealed it
          }
        }
      }
      throw openFailed();
    },

    reseal(sealed: string, context: string): string | undefined {
      if (sealedKeyId(sealed) === current.id) {
        sealer.open(sealed, context); // still proves it opens: a rotation never keeps garbage quietly
        return undefined;
      }
      return sealer.seal(sealer.open(sealed, context), context);
    },

    mac(purpose: string, value: string): string {
      return macUnder(0, purpose, value);
    },

    macMatches(purpose: string, value: string, given: string): boolean {
      let matched = false;
      // Every key is tried, so the time taken does not tell which one matched.
      for (let index = 0; index < masterKeys.length; index++)
        if (equalsConstantTime(macUnder(index, purpose, value), given)) matched = true;
      return matched;
    },
  };
  return sealer;
}

function decrypt(key: Buffer, [ivText, ciphertextText, tagText]: string[], aad: Buffer): string {
  const iv = Buffer.from(ivText!, 'base64url');
  const ciphertext = Buffer.from(ciphertextText!, 'base64url');
  const tag = Buffer.from(tagText!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw openFailed();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw openFailed();
  }
}
