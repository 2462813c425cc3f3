// Key discovery against a real loopback HTTPS issuer whose certificate comes from a private CA:
// trusted only through a listed thumbprint, bounded in time, and remembered for a while.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startOidcIssuer, type OidcIssuer } from '../../../test/support/oidc-issuer.ts';
import {
  chainHasThumbprint,
  forgetIssuerKeys,
  issuerKeys,
  OidcKeyError,
  REFRESH_INTERVAL_MS,
  KEYS_TTL_MS,
} from './oidc-keys.ts';

let issuer: OidcIssuer;

before(async () => {
  issuer = await startOidcIssuer();
});
after(async () => {
  await issuer?.close();
});
beforeEach(() => {
  forgetIssuerKeys();
  issuer.serve('ok');
});

async function failure(promise: Promise<unknown>): Promise<OidcKeyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OidcKeyError, String(error));
    return error;
  }
  assert.fail('expected the keys to be refused');
}

test("the CA's thumbprint, or the leaf's, makes a private CA's chain trusted", async () => {
  for (const thumbprint of [issuer.caThumbprint, issuer.leafThumbprint.toUpperCase()]) {
    forgetIssuerKeys();
    const jwks = await issuerKeys({ issuer: issuer.url, thumbprints: [thumbprint], now: Date.now() });
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kty, 'RSA');
  }
});

test('a chain that is neither system-trusted nor holds a listed thumbprint is refused', async () => {
  for (const thumbprints of [[], ['0'.repeat(40)]]) {
    forgetIssuerKeys();
    const error = await failure(issuerKeys({ issuer: issuer.url, thumbprints, now: Date.now() }));
    assert.equal(error.reason, 'thumbprint');
  }
});

test('an issuer serving wrong data gives no keys; one answering nothing in time is unreachable', async () => {
  for (const mode of ['no-jwks-uri', 'http-jwks-uri', 'jwks-500', 'jwks-not-json'] as const) {
    forgetIssuerKeys();
    issuer.serve(mode);
    const error = await failure(
      issuerKeys({ issuer: issuer.url, thumbprints: [issuer.caThumbprint], now: Date.now() }),
    );
    assert.equal(error.reason, 'unavailable', mode);
  }
  forgetIssuerKeys();
  issuer.serve('hang');
  const started = Date.now();
  const error = await failure(
    issuerKeys({ issuer: issuer.url, thumbprints: [issuer.caThumbprint], now: Date.now() }),
  );
  assert.equal(error.reason, 'unreachable');
  assert.ok(Date.now() - started < 15_000);
});

test('an issuer that cannot be connected to is unreachable, not an issuer without keys', async () => {
  forgetIssuerKeys();
  const gone = await startOidcIssuer();
  const url = gone.url;
  const thumbprints = [gone.caThumbprint];
  await gone.close();
  const error = await failure(issuerKeys({ issuer: url, thumbprints, now: Date.now() }));
  assert.equal(error.reason, 'unreachable');
});

test('keys are remembered; a refresh is honoured at most once per interval, and they expire', async () => {
  const req = { issuer: issuer.url, thumbprints: [issuer.caThumbprint] };
  const t0 = 1_000_000_000_000;
  const fetched = issuer.jwksFetches();
  const [a, b] = await Promise.all([issuerKeys({ ...req, now: t0 }), issuerKeys({ ...req, now: t0 })]);
  assert.equal(a, b);
  assert.equal(issuer.jwksFetches(), fetched + 1, 'concurrent requests share one fetch');
  await issuerKeys({ ...req, now: t0 + 1000, refresh: true });
  assert.equal(issuer.jwksFetches(), fetched + 1, 'a refresh right after a fetch is not honoured');
  await issuerKeys({ ...req, now: t0 + REFRESH_INTERVAL_MS, refresh: true });
  assert.equal(issuer.jwksFetches(), fetched + 2);
  await issuerKeys({ ...req, now: t0 + REFRESH_INTERVAL_MS + 1000 });
  assert.equal(issuer.jwksFetches(), fetched + 2);
  await issuerKeys({ ...req, now: t0 + REFRESH_INTERVAL_MS + KEYS_TTL_MS });
  assert.equal(issuer.jwksFetches(), fetched + 3, 'expired keys are fetched again');
});

test('a thumbprint vouches only for a chain whose leaf names the host and is within its validity', () => {
  const chain = [issuer.leafPem, issuer.caPem].map((pem) => new X509Certificate(pem));
  const now = Date.now();
  assert.equal(chainHasThumbprint(chain, '127.0.0.1', [issuer.caThumbprint], now), true);
  assert.equal(chainHasThumbprint(chain, 'localhost', [issuer.caThumbprint], now), true);
  assert.equal(chainHasThumbprint(chain, 'example.com', [issuer.caThumbprint], now), false);
  assert.equal(chainHasThumbprint(chain, '127.0.0.2', [issuer.caThumbprint], now), false);
  assert.equal(chainHasThumbprint(chain, '127.0.0.1', [issuer.caThumbprint], now + 10 * 86_400_000), false);
  // The CA's thumbprint does not vouch for a leaf the CA did not sign.
  const stranger = [chain[0]!, new X509Certificate(issuer.otherCaPem)];
  const strangerThumbprint = stranger[1]!.fingerprint.replaceAll(':', '').toLowerCase();
  assert.equal(chainHasThumbprint(stranger, '127.0.0.1', [strangerThumbprint], now), false);
});

test('an issuer that failed is not asked again until the interval has passed', async () => {
  const req = { issuer: issuer.url, thumbprints: [issuer.caThumbprint] };
  const t0 = 2_000_000_000_000;
  issuer.serve('jwks-500');
  const fetched = issuer.jwksFetches();
  assert.equal((await failure(issuerKeys({ ...req, now: t0 }))).reason, 'unavailable');
  issuer.serve('ok');
  assert.equal((await failure(issuerKeys({ ...req, now: t0 + 1000 }))).reason, 'unavailable');
  assert.equal(issuer.jwksFetches(), fetched + 1);
  assert.equal((await issuerKeys({ ...req, now: t0 + REFRESH_INTERVAL_MS })).keys.length, 1);
  assert.equal(issuer.jwksFetches(), fetched + 2);
});
