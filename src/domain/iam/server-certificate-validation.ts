// What UploadServerCertificate checks before it keeps a certificate (IAM User Guide, "Manage server
// certificates in IAM"; IAM API reference, UploadServerCertificate and its errors): the body is one
// PEM-encoded X.509 certificate that has not expired, the private key is an unencrypted PEM key of
// a kind the services that use IAM's server certificates accept, the key is the certificate's own,
// and the optional chain starts with the certificate that signed the body, each following
// certificate signing the one before it.
//
// AWS's messages, as its API answers them (quoted in public reports of these errors):
// - a body or key that is not PEM: "Unable to parse certificate. Please ensure the certificate is
//   in PEM format." (MalformedCertificate);
// - a chain out of order: "Unable to validate certificate chain. The certificate chain must start
//   with the immediate signing certificate, followed by any intermediaries in order. The index
//   within the chain of the invalid certificate is: <n>" (-1 when the first chain certificate did
//   not sign the body);
// - a key that is not the certificate's: "Public key certificate and private key doesn't match."
//   (KeyPairMismatch).
// An expired certificate and a key of a kind IAM does not take are MalformedCertificate too (the
// error is documented as "malformed or expired"); AWS's wording for those two is not published, so
// their messages here are this server's own. Keys taken: RSA of 1,024 to 4,096 bits (the IAM User
// Guide's sizes) and ECDSA on the NIST curves ELB offers.
//
// The work is bounded: the API model caps the body and key at 16,384 characters and the server's
// request size caps the chain; the chain's certificates are read, parsed and verified one after
// another for a few milliseconds at a time, yielding to other requests in between, so no request
// holds the event loop for long.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { IamError } from '../errors.ts';

export const UNPARSEABLE_MESSAGE =
  'Unable to parse certificate. Please ensure the certificate is in PEM format.';
export const EXPIRED_MESSAGE = 'The certificate has expired.';
export const UNSUPPORTED_KEY_MESSAGE = 'Invalid Private Key.';
export const KEY_PAIR_MISMATCH_MESSAGE = "Public key certificate and private key doesn't match.";

export function chainMessage(index: number): string {
  return (
    'Unable to validate certificate chain. The certificate chain must start with the immediate ' +
    'signing certificate, followed by any intermediaries in order. The index within the chain of ' +
    `the invalid certificate is: ${index}`
  );
}

/** RSA keys of these sizes (bits), and ECDSA keys on these curves. */
const RSA_BITS = { min: 1024, max: 4096 } as const;
const EC_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * How long (ms) the chain's certificates are parsed and verified before other requests get a
 * turn: a certificate takes well under a millisecond, so a long chain yields many times.
 */
const TURN_MS = 4;

/** One PEM certificate, after any whitespace, where the last one ended (sticky: no scanning ahead). */
const NEXT_CERTIFICATE = /\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----)/y;
const ONLY_WHITESPACE = /\s*$/y;
const PRIVATE_KEY_BLOCK =
  /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA |EC )?PRIVATE KEY-----$/;

export interface ServerCertificateInput {
  readonly body: string;
  readonly privateKey: string;
  readonly chain?: string | undefined;
}

export interface CheckedServerCertificate {
  /** The certificate's notAfter, as IAM's dates are written (seconds, Z). */
  readonly expiration: string;
}

function malformed(message = UNPARSEABLE_MESSAGE): IamError {
  return new IamError('MalformedCertificate', message);
}

/**
 * The PEM certificates of `text`, one at a time, read as they are asked for: `text` holds nothing
 * else but whitespace, and at least one.
 */
function* certificateBlocks(text: string): Generator<string> {
  let at = 0;
  for (let count = 0; ; count++) {
    ONLY_WHITESPACE.lastIndex = at;
    if (count > 0 && ONLY_WHITESPACE.test(text)) return;
    NEXT_CERTIFICATE.lastIndex = at;
    const found = NEXT_CERTIFICATE.exec(text);
    if (!found) throw malformed();
    at = NEXT_CERTIFICATE.lastIndex;
    yield found[1]!;
  }
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw malformed();
  }
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An unencrypted PEM private key (PKCS#1, SEC 1 or PKCS#8) of a supported kind and size. */
function parsePrivateKey(text: string): KeyObject {
  const pem = text.trim();
  // Encrypted keys (PKCS#8 "ENCRYPTED PRIVATE KEY", or PEM headers) are never handed to OpenSSL:
  // IAM takes unencrypted keys only.
  if (!PRIVATE_KEY_BLOCK.test(pem) || pem.includes('Proc-Type')) throw malformed();
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw malformed();
  }
  const details = key.asymmetricKeyDetails ?? {};
  const supported =
    (key.asymmetricKeyType === 'rsa' &&
      (details.modulusLength ?? 0) >= RSA_BITS.min &&
      (details.modulusLength ?? 0) <= RSA_BITS.max) ||
    (key.asymmetricKeyType === 'ec' && EC_CURVES.has(details.namedCurve ?? ''));
  if (!supported) throw malformed(UNSUPPORTED_KEY_MESSAGE);
  return key;
}

function signed(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Checks a server certificate as IAM does, or throws IamError with AWS's code and message. */
export async function checkServerCertificate(
  input: ServerCertificateInput,
  now: Date,
): Promise<CheckedServerCertificate> {
  const blocks = [...certificateBlocks(input.body)];
  if (blocks.length !== 1) throw malformed();
  const certificate = parseCertificate(blocks[0]!);
  const notAfter = new Date(Date.parse(certificate.validTo));
  if (Number.isNaN(notAfter.getTime())) throw malformed();
  if (notAfter.getTime() <= now.getTime()) throw malformed(EXPIRED_MESSAGE);

  const key = parsePrivateKey(input.privateKey);
  if (!certificate.checkPrivateKey(key)) {
    throw new IamError('KeyPairMismatch', KEY_PAIR_MISMATCH_MESSAGE);
  }

  if (input.chain !== undefined) {
    let previous = certificate;
    let index = 0;
    let turnStarted = performance.now();
    for (const block of certificateBlocks(input.chain)) {
      if (performance.now() - turnStarted > TURN_MS) {
        await nextTurn();
        turnStarted = performance.now();
      }
      const next = parseCertificate(block);
      // The certificate that fails to be signed by its successor is the invalid one: the body is -1.
      if (!signed(previous, next)) throw malformed(chainMessage(index - 1));
      previous = next;
      index++;
    }
  }
  return { expiration: isoSeconds(notAfter) };
}
