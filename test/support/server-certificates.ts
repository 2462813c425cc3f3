// Throw-away TLS server certificates for tests, made with the openssl CLI in a temp dir: a root CA,
// an intermediate it signs, and a leaf the intermediate signs (each with its private key), as a
// certificate authority hands them out.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, PEM (PKCS#8, unencrypted). */
  readonly key: string;
}

export interface CertificateChain {
  readonly root: KeyPair;
  readonly intermediate: KeyPair;
  readonly leaf: KeyPair;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** A root, an intermediate and a leaf for `cn`; the leaf is valid for `days` days. */
export function makeChain(cn = 'www.example.com', days = 2): CertificateChain {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-cert-'));
  try {
    writeFileSync(
      join(dir, 'ca.ext'),
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    writeFileSync(join(dir, 'leaf.ext'), `basicConstraints=CA:FALSE\nsubjectAltName=DNS:${cn}\n`);
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=Test Root CA',
      '-days',
      '30',
      '-keyout',
      'root.key',
      '-out',
      'root.pem',
    ]);
    openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=Test Intermediate CA',
      '-keyout',
      'int.key',
      '-out',
      'int.csr',
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      'int.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-set_serial',
      '2',
      '-days',
      '20',
      '-extfile',
      'ca.ext',
      '-out',
      'int.pem',
    ]);
    openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'int.pem',
      '-CAkey',
      'int.key',
      '-set_serial',
      '3',
      '-days',
      String(days),
      '-extfile',
      'leaf.ext',
      '-out',
      'leaf.pem',
    ]);
    return {
      root: { cert: read(dir, 'root.pem'), key: read(dir, 'root.key') },
      intermediate: { cert: read(dir, 'int.pem'), key: read(dir, 'int.key') },
      leaf: { cert: read(dir, 'leaf.pem'), key: read(dir, 'leaf.key') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A self-signed certificate and its key; `algorithm` is what `openssl req -newkey` takes
 * (rsa:2048, ec:<params file>, ed25519…), or an EC curve name.
 */
export function selfSigned(cn = 'self.example.com', algorithm = 'rsa:2048'): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-cert-'));
  try {
    const newkey = algorithm.startsWith('rsa:') || algorithm === 'ed25519' ? algorithm : 'ec';
    const curve = newkey === 'ec' ? ['-pkeyopt', `ec_paramgen_curve:${algorithm}`] : [];
    openssl(dir, ['req', '-x509', '-newkey', newkey, ...curve, '-nodes', '-subj', `/CN=${cn}`,
      '-days', '2', '-keyout', 'key.pem', '-out', 'cert.pem']); // prettier-ignore
    return { cert: read(dir, 'cert.pem'), key: read(dir, 'key.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The key in PKCS#1 form ("BEGIN RSA PRIVATE KEY"), as `openssl rsa -traditional` writes it. */
export function traditionalRsaKey(key: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-cert-'));
  try {
    writeFileSync(join(dir, 'in.pem'), key);
    openssl(dir, ['rsa', '-in', 'in.pem', '-traditional', '-out', 'out.pem']);
    return read(dir, 'out.pem');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The key encrypted under a passphrase (PKCS#8, "BEGIN ENCRYPTED PRIVATE KEY"). */
export function encryptedKey(key: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-cert-'));
  try {
    writeFileSync(join(dir, 'in.pem'), key);
    openssl(dir, ['pkcs8', '-topk8', '-in', 'in.pem', '-passout', 'pass:secret', '-out', 'out.pem']);
    return read(dir, 'out.pem');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
