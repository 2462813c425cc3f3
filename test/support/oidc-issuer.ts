// A loopback HTTPS OpenID Connect issuer for tests: discovery document and JWKS served over TLS
// with a certificate from a throw-away CA (made with the openssl CLI, SAN IP:127.0.0.1), signing
// keys from jose. It mints ID tokens with any claims, algorithm and key id, rotates its keys, and can
// be told to serve wrong data.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** What the issuer serves: its real documents, or one of the ways an issuer can be wrong. */
export type Serving = 'ok' | 'no-jwks-uri' | 'http-jwks-uri' | 'jwks-500' | 'jwks-not-json' | 'hang';

export interface MintOptions {
  readonly alg?: SigningAlgorithm;
  /** The key id in the header; defaults to the current key's. `null` leaves kid out. */
  readonly kid?: string | null;
  /** Sign with this key instead of the current one (a key the JWKS does not hold, say). */
  readonly key?: SigningKey;
  readonly header?: Record<string, unknown>;
}

export interface OidcIssuer {
  /** https://127.0.0.1:<port> — the `iss` of its tokens. */
  readonly url: string;
  /** The provider URL without https:// (trust policy keys are named after it). */
  readonly host: string;
  /** SHA-1 thumbprints (hex, lower case) of the CA and of the leaf certificate. */
  readonly caThumbprint: string;
  readonly leafThumbprint: string;
  /** The CA certificate (PEM), for a process that should trust it as a system CA. */
  readonly caPem: string;
  readonly caFile: string;
  readonly leafPem: string;
  /** Another CA's certificate, which signed nothing this issuer presents. */
  readonly otherCaPem: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: () => number;
  serve(mode: Serving): void;
  /** Mints a signed JWT with these claims (iss defaults to the issuer, iat/exp to now/+5 min). */
  mint(claims: JWTPayload, options?: MintOptions): Promise<string>;
  /** A new key pair that replaces the current one in the JWKS. */
  rotate(alg?: SigningAlgorithm): Promise<SigningKey>;
  /** A key pair the JWKS does not publish. */
  strayKey(alg?: SigningAlgorithm): Promise<SigningKey>;
  /** Publishes an extra key alongside the current one. */
  publish(key: SigningKey): void;
  close(): Promise<void>;
}

let kids = 0;

async function newKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `key-${++kids}-${alg}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** A CA and a leaf for 127.0.0.1 signed by it, made with the openssl CLI in a temp dir. */
function makeCertificates(dir: string): {
  key: Buffer;
  chain: string;
  caPem: string;
  leafPem: string;
  otherCaPem: string;
} {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) =>
    run(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
        .concat([
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.pem`,
          '-days',
          '2',
          '-subj',
          '/CN=Portcullis Test OIDC CA',
        ])
        .concat([
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ]),
    );
  ca('ca');
  ca('other-ca');
  run(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=127.0.0.1',
    ]),
  );
  writeFileSync(
    join(dir, 'leaf.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  run(
    ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-out',
      'leaf.pem',
      '-days',
      '2',
      '-extfile',
      'leaf.ext',
    ]),
  );
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  const otherCaPem = readFileSync(join(dir, 'other-ca.pem'), 'utf8');
  return { key: readFileSync(join(dir, 'leaf.key')), chain: leafPem + caPem, caPem, leafPem, otherCaPem };
}

const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint.replaceAll(':', '').toLowerCase();

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-oidc-'));
  const certs = makeCertificates(dir);
  const caFile = join(dir, 'ca.pem');
  let current = await newKey('RS256');
  const extra: SigningKey[] = [];
  let mode: Serving = 'ok';
  let fetches = 0;
  let url = '';

  const server: Server = createServer({ key: certs.key, cert: certs.chain }, (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (mode === 'hang') return; // never answers: the caller's timeout must end it
    if (req.url === '/.well-known/openid-configuration') {
      if (mode === 'no-jwks-uri') return json(200, { issuer: url });
      const jwksUri = mode === 'http-jwks-uri' ? url.replace('https:', 'http:') + '/jwks' : `${url}/jwks`;
      return json(200, { issuer: url, jwks_uri: jwksUri, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (req.url === '/jwks') {
      fetches++;
      if (mode === 'jwks-500') return json(500, { error: 'down' });
      if (mode === 'jwks-not-json') return json(200, '<html>not json</html>');
      return json(200, { keys: [current.publicJwk, ...extra.map((k) => k.publicJwk)] });
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `https://127.0.0.1:${port}`;

  return {
    url,
    host: `127.0.0.1:${port}`,
    caThumbprint: thumbprint(certs.caPem),
    leafThumbprint: thumbprint(certs.leafPem),
    caPem: certs.caPem,
    caFile,
    leafPem: certs.leafPem,
    otherCaPem: certs.otherCaPem,
    jwksFetches: () => fetches,
    serve(next) {
      mode = next;
    },
    async mint(claims, options = {}) {
      const key = options.key ?? current;
      const alg = options.alg ?? key.alg;
      const kid = options.kid === undefined ? key.kid : options.kid;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...options.header })
        .sign(key.privateKey);
    },
    async rotate(alg = 'RS256') {
      current = await newKey(alg);
      return current;
    },
    strayKey: (alg = 'RS256') => newKey(alg),
    publish(key) {
      extra.push(key);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
