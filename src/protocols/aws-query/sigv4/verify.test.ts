// verifySigV4 against requests signed by the AWS SDK's own signer (@smithy/signature-v4), header
// signed and presigned, for iam and sts. Each test is named for the attack or mistake it rules out.
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { test } from 'node:test';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { verifySigV4, type IncomingRequest, type KeyLookup, type VerifyResult } from './verify.ts';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TEMP_AKID = 'ASIAIOSFODNN7EXAMPLE';
const TEMP_SECRET = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
const TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
const T = new Date('2026-03-01T12:00:00Z');

class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}
function toBytes(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

const lookup: KeyLookup = async (id, token) => {
  if (id === AKID) return { secretAccessKey: SECRET };
  if (id === TEMP_AKID)
    return token === TOKEN
      ? { secretAccessKey: TEMP_SECRET }
      : {
          error: {
            code: 'InvalidClientTokenId',
            status: 403,
            message: 'The security token included in the request is invalid.',
          },
        };
  return null;
};

interface Spec {
  service?: string;
  region?: string;
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  at?: Date;
  secret?: string;
  accessKeyId?: string;
  sessionToken?: string;
  presign?: number; // expiresIn seconds
}

/** Signs with the AWS SDK signer and turns the result into what node:http would hand us. */
async function signed(spec: Spec = {}): Promise<IncomingRequest> {
  const service = spec.service ?? 'iam';
  const request = new HttpRequest({
    method: spec.method ?? 'POST',
    protocol: 'https:',
    hostname: `${service}.amazonaws.com`,
    path: spec.path ?? '/',
    query: spec.query ?? {},
    headers: { host: `${service}.amazonaws.com`, ...(spec.headers ?? {}) },
    ...(spec.body !== undefined ? { body: spec.body } : {}),
  });
  const signer = new SignatureV4({
    service,
    region: spec.region ?? 'us-east-1',
    sha256: Sha256,
    credentials: {
      accessKeyId: spec.accessKeyId ?? AKID,
      secretAccessKey: spec.secret ?? SECRET,
      ...(spec.sessionToken ? { sessionToken: spec.sessionToken } : {}),
    },
  });
  const at = spec.at ?? T;
  const out = (
    spec.presign !== undefined
      ? await signer.presign(request, { signingDate: at, expiresIn: spec.presign })
      : await signer.sign(request, { signingDate: at })
  ) as HttpRequest;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = v;
  return { method: out.method, path: out.path, query: wireQuery(out.query), headers, body: spec.body ?? '' };
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
function wireQuery(q: Record<string, string | string[] | null>): string {
  return Object.entries(q)
    .flatMap(([k, v]) =>
      v === null ? [enc(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${enc(k)}=${enc(x)}`),
    )
    .join('&');
}

const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const createUser = (extra: Partial<Spec> = {}) =>
  signed({
    body: 'Action=CreateUser&UserName=alice&Version=2010-05-08',
    headers: { 'content-type': FORM },
    ...extra,
  });
const getCallerIdentity = (extra: Partial<Spec> = {}) =>
  signed({
    service: 'sts',
    method: 'GET',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    ...extra,
  });

const SIG_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function assertError(r: VerifyResult, code: string, status: number, message?: string | RegExp): void {
  assert.equal(r.ok, false, 'expected a failure');
  if (r.ok) return;
  assert.equal(r.error.code, code, r.error.message);
  assert.equal(r.error.status, status);
  if (typeof message === 'string') assert.equal(r.error.message, message);
  else if (message) assert.match(r.error.message, message);
  assert.ok(
    !r.error.message.includes(SECRET) && !r.error.message.includes(TEMP_SECRET),
    'a secret leaked into an error',
  );
}

test('an IAM POST with a form body, signed in the Authorization header, verifies and routes to iam', async () => {
  const r = await verifySigV4(await createUser(), lookup, T);
  assert.deepEqual(r, {
    ok: true,
    accessKeyId: AKID,
    region: 'us-east-1',
    service: 'iam',
    signedAt: T,
    sessionToken: undefined,
    presigned: false,
  });
});

test('an STS GET with a query string verifies and routes to sts', async () => {
  const r = await verifySigV4(await getCallerIdentity(), lookup, T);
  assert.equal(r.ok && r.service, 'sts');
});

test('a presigned STS GetCallerIdentity URL verifies and is reported as presigned', async () => {
  const r = await verifySigV4(
    await getCallerIdentity({ presign: 900 }),
    lookup,
    new Date(T.getTime() + 60_000),
  );
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.ok && r.presigned, true);
});

test('temporary credentials pass their session token to the lookup, header-signed and presigned', async () => {
  for (const presign of [undefined, 300]) {
    const req = await getCallerIdentity({
      accessKeyId: TEMP_AKID,
      secret: TEMP_SECRET,
      sessionToken: TOKEN,
      ...(presign ? { presign } : {}),
    });
    const r = await verifySigV4(req, lookup, T);
    assert.equal(r.ok && r.sessionToken, TOKEN, JSON.stringify(r));
  }
});

test('any region in the credential scope is accepted and returned', async () => {
  for (const region of ['eu-west-3', 'us-gov-west-1', 'homelab-1']) {
    const r = await verifySigV4(await createUser({ region }), lookup, T);
    assert.equal(r.ok && r.region, region);
  }
});

test('a tampered body is rejected (the body is covered by the signature)', async () => {
  const req = await createUser();
  const r = await verifySigV4(
    { ...req, body: 'Action=CreateUser&UserName=mallory&Version=2010-05-08' },
    lookup,
    T,
  );
  assertError(r, 'SignatureDoesNotMatch', 403, SIG_MISMATCH);
});

test('a body claimed as UNSIGNED-PAYLOAD, or with a false X-Amz-Content-Sha256, is rejected', async () => {
  const req = await createUser({
    headers: { 'content-type': FORM, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  assertError(await verifySigV4(req, lookup, T), 'SignatureDoesNotMatch', 403, SIG_MISMATCH);
  const honest = await createUser({
    headers: {
      'content-type': FORM,
      'x-amz-content-sha256': createHash('sha256')
        .update('Action=CreateUser&UserName=alice&Version=2010-05-08')
        .digest('hex'),
    },
  });
  assert.equal((await verifySigV4(honest, lookup, T)).ok, true);
});

test('a tampered signed header is rejected', async () => {
  const req = await createUser();
  const r = await verifySigV4(
    { ...req, headers: { ...req.headers, 'content-type': 'text/plain' } },
    lookup,
    T,
  );
  assertError(r, 'SignatureDoesNotMatch', 403, SIG_MISMATCH);
});

test('a tampered or added query parameter is rejected', async () => {
  const req = await getCallerIdentity();
  assertError(
    await verifySigV4(
      { ...req, query: req.query.replace('GetCallerIdentity', 'GetSessionToken') },
      lookup,
      T,
    ),
    'SignatureDoesNotMatch',
    403,
  );
  assertError(
    await verifySigV4({ ...req, query: `${req.query}&DurationSeconds=129600` }, lookup, T),
    'SignatureDoesNotMatch',
    403,
  );
  const presigned = await getCallerIdentity({ presign: 900 });
  assertError(
    await verifySigV4({ ...presigned, query: `${presigned.query}&Extra=1` }, lookup, T),
    'SignatureDoesNotMatch',
    403,
  );
});

test('a tampered method or path is rejected', async () => {
  const req = await getCallerIdentity();
  assertError(await verifySigV4({ ...req, method: 'POST' }, lookup, T), 'SignatureDoesNotMatch', 403);
  assertError(await verifySigV4({ ...req, path: '/other' }, lookup, T), 'SignatureDoesNotMatch', 403);
});

test('a request signed with the wrong secret is rejected', async () => {
  const r = await verifySigV4(await createUser({ secret: SECRET.replace('K7', 'K8') }), lookup, T);
  assertError(r, 'SignatureDoesNotMatch', 403, SIG_MISMATCH);
});

test('a signature that differs in one character is rejected', async () => {
  const req = await createUser();
  const auth = req.headers.authorization as string;
  const last = auth.at(-1) === '0' ? '1' : '0';
  const r = await verifySigV4(
    { ...req, headers: { ...req.headers, authorization: auth.slice(0, -1) + last } },
    lookup,
    T,
  );
  assertError(r, 'SignatureDoesNotMatch', 403, SIG_MISMATCH);
});

test('an unknown access key is rejected with InvalidClientTokenId', async () => {
  const r = await verifySigV4(await createUser({ accessKeyId: 'AKIAUNKNOWNKEY000000' }), lookup, T);
  assertError(r, 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
});

test('an error from the key lookup (e.g. a bad session token) is returned as is', async () => {
  const r = await verifySigV4(
    await getCallerIdentity({ accessKeyId: TEMP_AKID, secret: TEMP_SECRET, sessionToken: 'forged' }),
    lookup,
    T,
  );
  assertError(r, 'InvalidClientTokenId', 403);
});

test('a signed request outside the 15-minute window is rejected with AWS\'s "Signature expired" text', async () => {
  const req = await createUser({ at: new Date('2026-03-01T11:44:59Z') });
  const r = await verifySigV4(req, lookup, T);
  assertError(
    r,
    'SignatureDoesNotMatch',
    403,
    'Signature expired: 20260301T114459Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)',
  );
  assert.equal(
    (await verifySigV4(await createUser({ at: new Date('2026-03-01T11:45:01Z') }), lookup, T)).ok,
    true,
  );
});

test('a request signed more than 15 minutes in the future is rejected', async () => {
  const req = await createUser({ at: new Date('2026-03-01T12:15:01Z') });
  const r = await verifySigV4(req, lookup, T);
  assertError(
    r,
    'SignatureDoesNotMatch',
    403,
    'Signature not yet current: 20260301T121501Z is still later than 20260301T121500Z (20260301T120000Z + 15 min.)',
  );
});

test('a presigned URL past its X-Amz-Expires is rejected', async () => {
  const req = await getCallerIdentity({ presign: 60 });
  assert.equal((await verifySigV4(req, lookup, new Date(T.getTime() + 59_000))).ok, true);
  const r = await verifySigV4(req, lookup, new Date(T.getTime() + 61_000));
  assertError(
    r,
    'SignatureDoesNotMatch',
    403,
    'Signature expired: 20260301T120000Z is now earlier than 20260301T120001Z (20260301T120101Z - 1 min.)',
  );
});

test('a presigned URL with a long X-Amz-Expires still dies after 15 minutes, as at AWS IAM/STS', async () => {
  const req = await getCallerIdentity({ presign: 3600 });
  const r = await verifySigV4(req, lookup, new Date(T.getTime() + 16 * 60_000));
  assertError(
    r,
    'SignatureDoesNotMatch',
    403,
    /^Signature expired: 20260301T120000Z is now earlier than .* - 15 min\.\)$/,
  );
});

test('a presigned X-Amz-Expires over seven days, negative or not a number is refused', async () => {
  const req = await getCallerIdentity({ presign: 900 });
  const withExpires = (v: string) => ({
    ...req,
    query: req.query.replace('X-Amz-Expires=900', `X-Amz-Expires=${v}`),
  });
  assertError(
    await verifySigV4(withExpires('604801'), lookup, T),
    'IncompleteSignature',
    400,
    /less than a week/,
  );
  assertError(
    await verifySigV4(withExpires('-5'), lookup, T),
    'IncompleteSignature',
    400,
    'X-Amz-Expires must be non-negative',
  );
  assertError(
    await verifySigV4(withExpires('soon'), lookup, T),
    'IncompleteSignature',
    400,
    'X-Amz-Expires should be a number',
  );
});

test('a request whose host header is not signed is rejected', async () => {
  // Signed without a host header; the host header is then added, as a proxy or attacker could.
  const r = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: 'sts.amazonaws.com',
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: {},
  });
  const signer = new SignatureV4({
    service: 'sts',
    region: 'us-east-1',
    sha256: Sha256,
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
  });
  const out = (await signer.sign(r, { signingDate: T })) as HttpRequest;
  const headers: Record<string, string> = { host: 'sts.amazonaws.com' };
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = v;
  assert.doesNotMatch(headers.authorization ?? '', /host/);
  const req: IncomingRequest = { method: 'GET', path: '/', query: wireQuery(out.query), headers, body: '' };
  assertError(
    await verifySigV4(req, lookup, T),
    'SignatureDoesNotMatch',
    403,
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  );
});

test('duplicate query parameters are all signed, in any order, and dropping one is rejected', async () => {
  const req = await signed({
    service: 'iam',
    method: 'GET',
    query: { Action: 'ListUsers', Version: '2010-05-08', Tag: ['b', 'a', 'a'] },
  });
  assert.equal((await verifySigV4(req, lookup, T)).ok, true);
  const reordered = req.query.split('&').reverse().join('&');
  assert.equal((await verifySigV4({ ...req, query: reordered }, lookup, T)).ok, true);
  assertError(
    await verifySigV4({ ...req, query: req.query.replace('&Tag=a', '') }, lookup, T),
    'SignatureDoesNotMatch',
    403,
  );
});

test('unicode in query parameters, body and path verifies, and swapping it for a look-alike is rejected', async () => {
  const query = {
    Action: 'ListUsers',
    Version: '2010-05-08',
    PathPrefix: '/héllo ✓ 日本/',
    Note: 'a+b c&d=e',
  };
  const req = await signed({ method: 'GET', query });
  assert.equal(
    (await verifySigV4(req, lookup, T)).ok,
    true,
    JSON.stringify(await verifySigV4(req, lookup, T)),
  );
  const post = await signed({
    body: 'Action=CreateUser&UserName=j%C3%BCrgen&Version=2010-05-08',
    headers: { 'content-type': FORM },
  });
  assert.equal((await verifySigV4(post, lookup, T)).ok, true);
  const lookalike = { ...req, query: req.query.replace(enc('é'), enc('e\u0301')) };
  assertError(await verifySigV4(lookalike, lookup, T), 'SignatureDoesNotMatch', 403);
  // The SDK sends (and signs, encoding it once more) an already-encoded path.
  const wirePath = `/${enc('ünï')}/${enc('a b')}/`;
  const pathed = await signed({
    method: 'GET',
    path: wirePath,
    query: { Action: 'ListUsers', Version: '2010-05-08' },
  });
  assert.equal(pathed.path, wirePath);
  assert.equal((await verifySigV4(pathed, lookup, T)).ok, true);
  assertError(
    await verifySigV4({ ...pathed, path: `/${enc('üni')}/${enc('a b')}/` }, lookup, T),
    'SignatureDoesNotMatch',
    403,
  );
});

test('a request with no credentials at all is rejected with MissingAuthenticationToken', async () => {
  const r = await verifySigV4(
    {
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: { host: 'iam.amazonaws.com' },
      body: '',
    },
    lookup,
    T,
  );
  assertError(r, 'MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
});

test('both an Authorization header and presigned query parameters are rejected', async () => {
  const req = await getCallerIdentity({ presign: 900 });
  const header = (await getCallerIdentity()).headers;
  assertError(
    await verifySigV4({ ...req, headers: header }, lookup, T),
    'SignatureDoesNotMatch',
    403,
    SIG_MISMATCH,
  );
});
