// ID token verification with real keys: what STS accepts, and each way a token is refused with
// STS's code. Keys come from jose; the JWKS is handed in as the issuer would serve it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet } from 'jose';
import { IamError } from '../errors.ts';
import { OidcKeyError } from './oidc-keys.ts';
import { unverifiedIssuer, verifyIdToken, type VerifyOptions } from './oidc-token.ts';

const ISSUER = 'https://issuer.example.com';
const NOW = new Date('2026-12-04T12:00:00Z');
const now = Math.floor(NOW.getTime() / 1000);
let rsa: { privateKey: CryptoKey; jwks: JSONWebKeySet };
let ec: { privateKey: CryptoKey; jwks: JSONWebKeySet };

before(async () => {
  const r = await generateKeyPair('RS256', { extractable: true });
  rsa = {
    privateKey: r.privateKey,
    jwks: { keys: [{ ...(await exportJWK(r.publicKey)), kid: 'r1', alg: 'RS256' }] },
  };
  const e = await generateKeyPair('ES384', { extractable: true });
  ec = { privateKey: e.privateKey, jwks: { keys: [{ ...(await exportJWK(e.publicKey)), kid: 'e1' }] } };
});

function sign(claims: Record<string, unknown>, key = rsa.privateKey, alg = 'RS256', kid = 'r1') {
  return new SignJWT({
    iss: ISSUER,
    aud: 'sts.amazonaws.com',
    sub: 'user-1',
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg, kid })
    .sign(key);
}

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    issuer: ISSUER,
    clientIds: ['sts.amazonaws.com'],
    now: NOW,
    keys: async () => rsa.jwks,
    ...overrides,
  };
}

async function refusal(token: string, opts = options()): Promise<{ code: string; message: string }> {
  try {
    await verifyIdToken(token, opts);
  } catch (error) {
    assert.ok(error instanceof IamError, String(error));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected the token to be refused');
}

test('a token signed by a key of the JWKS, for a client id, in its lifetime, is accepted', async () => {
  const verified = await verifyIdToken(await sign({}), options());
  assert.equal(verified.claims.sub, 'user-1');
  assert.equal(verified.audience, 'sts.amazonaws.com');
  const es = await sign({ aud: ['other', 'sts.amazonaws.com'] }, ec.privateKey, 'ES384', 'e1');
  assert.equal(
    (await verifyIdToken(es, options({ keys: async () => ec.jwks }))).audience,
    'sts.amazonaws.com',
  );
  assert.equal(unverifiedIssuer(await sign({})), ISSUER);
});

test('a forged or altered token, alg none and HMAC with the public key are refused', async () => {
  const good = await sign({});
  const [h, p, s] = good.split('.');
  const altered = `${h}.${base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(p!))), sub: 'admin' }))}.${s}`;
  assert.equal((await refusal(altered)).code, 'InvalidIdentityToken');
  const forged = `${h}.${p}.${base64url.encode(new Uint8Array(256))}`;
  assert.equal((await refusal(forged)).code, 'InvalidIdentityToken');
  const none = `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'r1' }))}.${p}.`;
  assert.equal((await refusal(none)).code, 'InvalidIdentityToken');
  // HS256 keyed with the RSA public key (the classic algorithm-confusion attack).
  const hsHeader = base64url.encode(JSON.stringify({ alg: 'HS256', kid: 'r1' }));
  const mac = createHmac('sha256', JSON.stringify(rsa.jwks.keys[0])).update(`${hsHeader}.${p}`).digest();
  assert.equal((await refusal(`${hsHeader}.${p}.${base64url.encode(mac)}`)).code, 'InvalidIdentityToken');
  assert.deepEqual(await refusal('not.a.jwt'), {
    code: 'InvalidIdentityToken',
    message: 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
  });
});

test('a key from the token itself (jwk, jku) is never used', async () => {
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const token = await new SignJWT({ iss: ISSUER, aud: 'sts.amazonaws.com', exp: now + 300 })
    .setProtectedHeader({
      alg: 'RS256',
      jwk: await exportJWK(attacker.publicKey),
      jku: 'https://evil.example/jwks',
    })
    .sign(attacker.privateKey);
  assert.equal((await refusal(token)).code, 'InvalidIdentityToken');
});

test('expiry allows five minutes of clock skew, then ExpiredTokenException', async () => {
  await verifyIdToken(await sign({ exp: now - 299 }), options());
  assert.deepEqual(await refusal(await sign({ exp: now - 300 })), {
    code: 'ExpiredTokenException',
    message: `Token expired: current date/time ${now} must be before the expiration date/time ${now - 300}`,
  });
  assert.equal((await refusal(await sign({ nbf: now + 600 }))).code, 'InvalidIdentityToken');
  await verifyIdToken(await sign({ nbf: now + 200 }), options());
  assert.equal((await refusal(await sign({ exp: undefined }))).message, 'Missing a required claim: exp');
  assert.equal((await refusal(await sign({ exp: '9999999999' }))).code, 'InvalidIdentityToken');
});

test('the audience must be a client id: azp when the token names one, else aud', async () => {
  assert.deepEqual(await refusal(await sign({ aud: 'someone-else' })), {
    code: 'InvalidIdentityToken',
    message: 'Incorrect token audience',
  });
  assert.equal((await refusal(await sign({ aud: undefined }))).message, 'Missing a required claim: aud');
  const azp = await sign({ aud: 'backend', azp: 'sts.amazonaws.com' });
  assert.equal((await verifyIdToken(azp, options())).audience, 'sts.amazonaws.com');
  assert.equal((await refusal(await sign({ azp: 'other-app' }))).message, 'Incorrect token audience');
});

test("an unknown kid asks for the keys again once; the issuer's failures keep AWS's messages", async () => {
  const asked: boolean[] = [];
  const keys = async (refresh: boolean) => {
    asked.push(refresh);
    return refresh ? { keys: [...rsa.jwks.keys, ...ec.jwks.keys] } : rsa.jwks;
  };
  await verifyIdToken(await sign({}, ec.privateKey, 'ES384', 'e1'), options({ keys }));
  assert.deepEqual(asked, [false, true]);
  assert.equal(
    (await refusal(await sign({}, rsa.privateKey, 'RS256', 'gone'))).message,
    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  );
  const thumbprint = options({ keys: async () => Promise.reject(new OidcKeyError('thumbprint', 'x')) });
  assert.equal(
    (await refusal(await sign({}), thumbprint)).message,
    "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
  );
  const wrongIssuer = options({ issuer: 'https://another.example.com' });
  assert.equal((await refusal(await sign({}), wrongIssuer)).code, 'InvalidIdentityToken');
});
