// Decrypting a SAML EncryptedAssertion (XML Encryption 1.1) with a SAML provider's private keys
// (IAM's AddPrivateKey): the content key is RSA-OAEP key transport, the assertion AES-GCM or
// AES-CBC. RSA PKCS#1 v1.5 key transport is refused (it is the Bleichenbacher oracle), and every
// failure gives the same answer, so that an attacker learns nothing from which step failed.
import { createDecipheriv, privateDecrypt, constants, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { IamError } from '../errors.ts';
import { NS, attr, children, onlyChild, textOf } from './saml-xml.ts';

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';

const CONTENT: Readonly<Record<string, { cipher: string; bytes: number; gcm: boolean }>> = {
  [`${XENC}aes128-cbc`]: { cipher: 'aes-128-cbc', bytes: 16, gcm: false },
  [`${XENC}aes192-cbc`]: { cipher: 'aes-192-cbc', bytes: 24, gcm: false },
  [`${XENC}aes256-cbc`]: { cipher: 'aes-256-cbc', bytes: 32, gcm: false },
  [`${XENC11}aes128-gcm`]: { cipher: 'aes-128-gcm', bytes: 16, gcm: true },
  [`${XENC11}aes192-gcm`]: { cipher: 'aes-192-gcm', bytes: 24, gcm: true },
  [`${XENC11}aes256-gcm`]: { cipher: 'aes-256-gcm', bytes: 32, gcm: true },
};

const DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  [`${XENC}sha256`]: 'sha256',
  [`${XENC}sha512`]: 'sha512',
};

export const decryptionFailed = () =>
  new IamError('InvalidIdentityToken', 'Failed to decrypt the SAML assertion.');

/** The decrypted Assertion's XML text, or decryptionFailed(). */
export function decryptAssertion(encryptedAssertion: Element, keys: readonly KeyObject[]): string {
  try {
    const data = onlyChild(encryptedAssertion, XENC, 'EncryptedData');
    if (!data) throw decryptionFailed();
    const method = CONTENT[attr(onlyChild(data, XENC, 'EncryptionMethod')!, 'Algorithm') ?? ''];
    if (!method) throw decryptionFailed();
    const cipherValue = cipherValueOf(data);
    const keyInfo = onlyChild(data, NS.dsig, 'KeyInfo');
    const encryptedKeys = [
      ...(keyInfo ? children(keyInfo, XENC, 'EncryptedKey') : []),
      ...children(encryptedAssertion, XENC, 'EncryptedKey'),
    ].slice(0, 4);
    for (const encryptedKey of encryptedKeys) {
      for (const key of keys) {
        const contentKey = unwrapKey(encryptedKey, key);
        if (!contentKey || contentKey.length !== method.bytes) continue;
        const plain = decryptContent(method, contentKey, cipherValue);
        if (plain !== undefined) return plain;
      }
    }
  } catch {
    // Fall through: one answer for every failure.
  }
  throw decryptionFailed();
}

function cipherValueOf(parent: Element): Buffer {
  const cipherData = onlyChild(parent, XENC, 'CipherData');
  const value = cipherData && onlyChild(cipherData, XENC, 'CipherValue');
  if (!value) throw decryptionFailed();
  return Buffer.from(textOf(value).replace(/\s+/g, ''), 'base64');
}

/** RSA-OAEP key transport (xmlenc#rsa-oaep-mgf1p, or xmlenc11#rsa-oaep with MGF1 of the digest). */
function unwrapKey(encryptedKey: Element, key: KeyObject): Buffer | undefined {
  const method = onlyChild(encryptedKey, XENC, 'EncryptionMethod');
  const algorithm = method && attr(method, 'Algorithm');
  if (algorithm !== `${XENC}rsa-oaep-mgf1p` && algorithm !== `${XENC11}rsa-oaep`) return undefined;
  const digestMethod = onlyChild(method!, NS.dsig, 'DigestMethod');
  const oaepHash = digestMethod ? DIGESTS[attr(digestMethod, 'Algorithm') ?? ''] : 'sha1';
  if (!oaepHash) return undefined;
  if (algorithm === `${XENC11}rsa-oaep`) {
    // The MGF must use the same digest: Node's OAEP does (MGF1 with oaepHash).
    const mgf = onlyChild(method!, XENC11, 'MGF');
    const mgfAlgorithm = mgf ? attr(mgf, 'Algorithm') : `${XENC11}mgf1sha1`;
    if (mgfAlgorithm !== `${XENC11}mgf1${oaepHash}`) return undefined;
  }
  try {
    return privateDecrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      cipherValueOf(encryptedKey),
    );
  } catch {
    return undefined;
  }
}

function decryptContent(
  method: { cipher: string; gcm: boolean },
  contentKey: Buffer,
  cipherValue: Buffer,
): string | undefined {
  try {
    if (method.gcm) {
      // XML Encryption 1.1: a 96-bit IV, then the ciphertext, then a 128-bit tag.
      if (cipherValue.length < 12 + 16) return undefined;
      const decipher = createDecipheriv(
        method.cipher as 'aes-256-gcm',
        contentKey,
        cipherValue.subarray(0, 12),
      );
      decipher.setAuthTag(cipherValue.subarray(cipherValue.length - 16));
      return Buffer.concat([
        decipher.update(cipherValue.subarray(12, cipherValue.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    }
    // CBC: a 128-bit IV, then the ciphertext; XML Encryption's padding is its last byte's count.
    if (cipherValue.length < 32 || cipherValue.length % 16 !== 0) return undefined;
    const decipher = createDecipheriv(method.cipher, contentKey, cipherValue.subarray(0, 16));
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(cipherValue.subarray(16)), decipher.final()]);
    const pad = padded[padded.length - 1]!;
    if (pad < 1 || pad > 16) return undefined;
    return padded.subarray(0, padded.length - pad).toString('utf8');
  } catch {
    return undefined;
  }
}
