// The signing keys of an OpenID Connect issuer: <issuer>/.well-known/openid-configuration names
// the `jwks_uri`, which serves the JWKS. Both are fetched over HTTPS with bounded time and size
// (AWS gives an issuer about five seconds: "There's latency of more than 5 seconds in API requests
// from the IdP", AWS Knowledge Center, iam-sts-invalididentitytoken), and redirects are not
// followed.
//
// TLS is trusted as AWS trusts an OIDC provider's: a chain that verifies against the system's
// certificate authorities, or one that contains a certificate whose SHA-1 thumbprint the provider
// lists ("Obtain the thumbprint for an OpenID Connect identity provider", IAM User Guide). The
// thumbprint path is what lets a self-hosted issuer with a private CA work: the presented chain is
// verified here link by link from a leaf that names the host and is within its validity period, so
// a thumbprint vouches only for certificates that really signed the leaf.
//
// The keys are public data: they are remembered per process, per issuer and thumbprint list, for a
// bounded time. A token whose `kid` is unknown asks for them again, at most once per short interval.
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';

/** How long an issuer's keys are used before they are fetched again. */
export const KEYS_TTL_MS = 10 * 60_000;
/** The least time between two fetches of one issuer's keys (an unknown `kid` asks for a refresh). */
export const REFRESH_INTERVAL_MS = 10_000;
/** Time to finish the TLS handshake, and to receive a whole response. */
export const CONNECT_TIMEOUT_MS = 3000;
export const RESPONSE_TIMEOUT_MS = 5000;
/** Response size caps: a discovery document is small; a JWKS holds a few keys. */
export const DISCOVERY_MAX_BYTES = 64 * 1024;
export const JWKS_MAX_BYTES = 256 * 1024;
export const JWKS_MAX_KEYS = 100;
/** Issuers remembered at once (each entry is one issuer + thumbprint list). */
const CACHE_LIMIT = 1000;

/**
 * Why the keys could not be had: the issuer could not be reached (no connection, or no answer in
 * time), its TLS certificate is untrusted, or it answered with no usable keys. STS tells the first
 * apart as IDPCommunicationError ("the identity provider (IDP) that was asked to verify the
 * incoming identity token could not be reached", STS API reference); the others are
 * InvalidIdentityToken.
 */
export type KeyFailure = 'unreachable' | 'thumbprint' | 'unavailable';

export class OidcKeyError extends Error {
  constructor(
    readonly reason: KeyFailure,
    detail: string,
  ) {
    super(detail);
    this.name = 'OidcKeyError';
  }
}

interface CacheEntry {
  jwks?: JSONWebKeySet;
  /** When the keys held were fetched (the server's clock, in ms). */
  fetchedAt: number;
  /** When a fetch last started, successful or not. */
  attemptedAt: number;
  /** Why the last fetch failed: given again, without asking, until the interval has passed. */
  failure?: OidcKeyError;
  pending?: Promise<JSONWebKeySet>;
}

const cache = new Map<string, CacheEntry>();

export interface KeyRequest {
  /** The issuer URL as registered (https://…), the token's `iss`. */
  readonly issuer: string;
  /** The provider's thumbprints (SHA-1, hex) its TLS chain may contain. */
  readonly thumbprints: readonly string[];
  /** The server's clock, in ms. */
  readonly now: number;
  /** The keys held lacked the token's key: fetch again, unless that was done moments ago. */
  readonly refresh?: boolean;
}

/**
 * The issuer's JWKS: the remembered one while it is fresh, else fetched. Concurrent requests for one
 * issuer share one fetch. Throws OidcKeyError.
 */
export function issuerKeys(req: KeyRequest): Promise<JSONWebKeySet> {
  const key = `${req.issuer}\n${[...req.thumbprints]
    .map((t) => t.toLowerCase())
    .sort()
    .join(',')}`;
  let entry = cache.get(key);
  if (entry?.pending) return entry.pending;
  const fresh = entry?.jwks !== undefined && req.now - entry.fetchedAt < KEYS_TTL_MS;
  const mayRefresh = entry === undefined || req.now - entry.attemptedAt >= REFRESH_INTERVAL_MS;
  if (fresh && (!req.refresh || !mayRefresh)) return Promise.resolve(entry!.jwks!);
  // An issuer that just failed is not asked again at once, however many tokens name it.
  if (entry?.failure && !mayRefresh) return Promise.reject(entry.failure);
  if (!entry) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    entry = { fetchedAt: 0, attemptedAt: 0 };
    cache.set(key, entry);
  }
  const target = entry;
  target.attemptedAt = req.now;
  target.pending = discoverKeys(req.issuer, req.thumbprints).then(
    (jwks) => {
      target.jwks = jwks;
      target.fetchedAt = req.now;
      target.pending = undefined;
      target.failure = undefined;
      return jwks;
    },
    (error: unknown) => {
      target.pending = undefined;
      // Whatever went wrong on the way (a URL or certificate that does not parse, say) is the
      // issuer's keys being unavailable, never a failure of the request itself.
      target.failure = error instanceof OidcKeyError ? error : unavailable(String(error));
      throw target.failure;
    },
  );
  return target.pending;
}

/** Forgets every remembered key set (tests of this module). */
export function forgetIssuerKeys(): void {
  cache.clear();
}

async function discoverKeys(issuer: string, thumbprints: readonly string[]): Promise<JSONWebKeySet> {
  const discoveryUrl = new URL(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  const discovery = await fetchJson(discoveryUrl, thumbprints, DISCOVERY_MAX_BYTES);
  const jwksUri = isObject(discovery) ? discovery.jwks_uri : undefined;
  if (typeof jwksUri !== 'string') throw unavailable('the discovery document names no jwks_uri');
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(jwksUri);
  } catch {
    throw unavailable('the jwks_uri is not a URL');
  }
  if (jwksUrl.protocol !== 'https:') throw unavailable('the jwks_uri is not https');
  const jwks = await fetchJson(jwksUrl, thumbprints, JWKS_MAX_BYTES);
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) throw unavailable('the JWKS has no keys');
  const keys = jwks.keys.filter(isObject);
  if (keys.length === 0 || keys.length > JWKS_MAX_KEYS) throw unavailable('the JWKS has no usable keys');
  return { keys } as JSONWebKeySet;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unavailable(detail: string): OidcKeyError {
  return new OidcKeyError('unavailable', detail);
}

function unreachable(detail: string): OidcKeyError {
  return new OidcKeyError('unreachable', detail);
}

/** GET a JSON document over HTTPS from a host trusted as above, within the time and size caps. */
export function fetchJson(url: URL, thumbprints: readonly string[], maxBytes: number): Promise<unknown> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: OidcKeyError | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(value);
    };
    const req = request({
      protocol: 'https:',
      hostname: host,
      port: url.port === '' ? 443 : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'application/json' },
      // One connection per fetch (fetches are rare): no pooled socket carries another's trust.
      agent: false,
      // Trust is decided below, where a thumbprint may vouch for a private CA.
      rejectUnauthorized: false,
      // An IP address is not a valid SNI name.
      ...(isIP(host) ? {} : { servername: host }),
    });
    const connectTimer = setTimeout(
      () => finish(unreachable(`no TLS connection to ${host} within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    const totalTimer = setTimeout(
      () => finish(unreachable(`no response from ${host} within ${RESPONSE_TIMEOUT_MS} ms`)),
      RESPONSE_TIMEOUT_MS,
    );
    req.on('socket', (socket) => {
      (socket as TLSSocket).once('secureConnect', () => {
        clearTimeout(connectTimer);
        let trusted = false;
        try {
          trusted = isTrusted(socket as TLSSocket, host, thumbprints, Date.now());
        } catch {
          // A certificate that cannot be parsed vouches for nothing (and must not throw here,
          // outside any promise).
        }
        if (!trusted) {
          finish(new OidcKeyError('thumbprint', `the TLS certificate of ${host} is not trusted`));
        }
      });
    });
    req.on('error', (error) => finish(unreachable(`${host}: ${error.message}`)));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(unavailable(`${url.href} answered HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish(unavailable(`${url.href} is larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (error) => finish(unreachable(`${host}: ${error.message}`)));
      res.on('end', () => {
        try {
          finish(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          finish(unavailable(`${url.href} is not JSON`));
        }
      });
    });
    req.end();
  });
}

/**
 * Whether the connection's certificate may be trusted: Node verified the chain against the system
 * CAs and the host name, or the chain — checked here from the leaf — holds a listed thumbprint.
 */
export function isTrusted(
  socket: TLSSocket,
  host: string,
  thumbprints: readonly string[],
  nowMs: number,
): boolean {
  if (socket.authorized) return true;
  if (thumbprints.length === 0) return false;
  return chainHasThumbprint(presentedChain(socket), host, thumbprints, nowMs);
}

/**
 * Walks the chain from the leaf: the leaf must name the host; each certificate must be in its
 * validity period and (past the leaf) be a CA that issued and signed the one before. The first
 * certificate whose SHA-1 fingerprint is listed makes the chain trusted; a broken link before it
 * does not.
 */
export function chainHasThumbprint(
  chain: readonly X509Certificate[],
  host: string,
  thumbprints: readonly string[],
  nowMs: number,
): boolean {
  const leaf = chain[0];
  if (!leaf) return false;
  const named = isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined;
  if (!named) return false;
  const wanted = new Set(thumbprints.map((t) => t.toLowerCase()));
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    if (nowMs < Date.parse(cert.validFrom) || nowMs > Date.parse(cert.validTo)) return false;
    if (i > 0) {
      const child = chain[i - 1]!;
      if (!cert.ca || !child.checkIssued(cert) || !child.verify(cert.publicKey)) return false;
    }
    if (wanted.has(sha1Thumbprint(cert))) return true;
  }
  return false;
}

export function sha1Thumbprint(cert: X509Certificate): string {
  return cert.fingerprint.replaceAll(':', '').toLowerCase();
}

/** The certificates the peer presented, leaf first, as OpenSSL linked them by issuer name. */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}
