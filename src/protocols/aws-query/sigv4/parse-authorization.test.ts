// Malformed authentication is refused before any key lookup, with AWS's code, status and text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuthError } from './errors.ts';
import { verifySigV4, type IncomingRequest, type KeyLookup } from './verify.ts';

const NOW = new Date('2015-08-30T12:36:00Z');
let lookups = 0;
const lookup: KeyLookup = async () => {
  lookups++;
  return { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
};
const GOOD_CRED = 'AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request';
const SIG = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';

function withAuth(
  authorization: string | undefined,
  extra: Record<string, string> = { 'x-amz-date': '20150830T123600Z' },
  query = '',
): IncomingRequest {
  return {
    method: 'GET',
    path: '/',
    query,
    headers: {
      host: 'iam.amazonaws.com',
      ...extra,
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: '',
  };
}

async function rejects(
  req: IncomingRequest,
  expected: AuthError | { code: string; status: number; message: RegExp },
): Promise<void> {
  const before = lookups;
  const r = await verifySigV4(req, lookup, NOW);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, expected.code, r.error.message);
  assert.equal(r.error.status, expected.status);
  if (typeof expected.message === 'string') assert.equal(r.error.message, expected.message);
  else assert.match(r.error.message, expected.message);
  assert.equal(lookups, before, 'a malformed request must not reach the key lookup');
}

test('an Authorization header without its parameters is IncompleteSignature, naming each one missing', async () => {
  await rejects(withAuth('AWS4-HMAC-SHA256 Foo=bar'), {
    code: 'IncompleteSignature',
    status: 400,
    message:
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
  });
  await rejects(withAuth('AWS4-HMAC-SHA256', {}), {
    code: 'IncompleteSignature',
    status: 400,
    message:
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
  });
});

test('a signed request with no date is IncompleteSignature', async () => {
  await rejects(
    withAuth(`AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders=host, Signature=${SIG}`, {}),
    {
      code: 'IncompleteSignature',
      status: 400,
      message:
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    },
  );
});

test('an unsupported algorithm (another hash, SigV2, a bearer token) is IncompleteSignature', async () => {
  for (const [header, alg] of [
    [`AWS4-HMAC-SHA512 Credential=${GOOD_CRED}, SignedHeaders=host, Signature=${SIG}`, 'AWS4-HMAC-SHA512'],
    ['AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=', 'AWS'],
    ['Bearer abc.def.ghi', 'Bearer'],
  ] as const) {
    await rejects(withAuth(header), {
      code: 'IncompleteSignature',
      status: 400,
      message: `Unsupported AWS 'algorithm': '${alg}'.`,
    });
  }
});

test('a parameter without "=" is IncompleteSignature', async () => {
  await rejects(withAuth(`AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders, Signature=${SIG}`), {
    code: 'IncompleteSignature',
    status: 400,
    message:
      /^'SignedHeaders' not a valid key=value pair \(missing equal-sign\) in Authorization header: 'AWS4-HMAC-SHA256 Credential=/,
  });
});

test('an Authorization header over 8 KiB is refused before it is parsed', async () => {
  await rejects(
    withAuth(
      `AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders=${'x;'.repeat(5000)}host, Signature=${SIG}`,
    ),
    {
      code: 'IncompleteSignature',
      status: 400,
      message: /Authorization header length exceeds the limit of 8192/,
    },
  );
});

test('more than 64 signed headers are refused', async () => {
  const many = Array.from({ length: 70 }, (_, i) => `x-h${i}`).join(';');
  await rejects(
    withAuth(`AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders=host;${many}, Signature=${SIG}`),
    {
      code: 'IncompleteSignature',
      status: 400,
      message: /number of signed headers exceeds the limit of 64/,
    },
  );
});

test('a date that is not ISO 8601 basic format, or is impossible, is IncompleteSignature', async () => {
  for (const date of ['2015-08-30T12:36:00Z', '20150830T123600', '20150231T123600Z', '20150830T246000Z']) {
    await rejects(
      withAuth(`AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders=host;x-amz-date, Signature=${SIG}`, {
        'x-amz-date': date,
      }),
      {
        code: 'IncompleteSignature',
        status: 400,
        message: `Date must be in ISO-8601 'basic format'. Got '${date}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      },
    );
  }
});

test('an HTTP Date header is accepted as the signing time when there is no X-Amz-Date', async () => {
  const r = await verifySigV4(
    withAuth(`AWS4-HMAC-SHA256 Credential=${GOOD_CRED}, SignedHeaders=date;host, Signature=${SIG}`, {
      date: 'Sun, 30 Aug 2015 12:36:00 GMT',
    }),
    lookup,
    NOW,
  );
  // It parses (so the failure is the signature, not the date).
  assert.equal(!r.ok && r.error.code, 'SignatureDoesNotMatch');
});

test('a credential without five parts is IncompleteSignature', async () => {
  await rejects(
    withAuth(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
    ),
    {
      code: 'IncompleteSignature',
      status: 400,
      message:
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/iam'",
    },
  );
});

test('a credential scoped to another day or with another terminator is rejected (a signature cannot move scope)', async () => {
  await rejects(
    withAuth(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150829/us-east-1/iam/aws5_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
    ),
    {
      code: 'SignatureDoesNotMatch',
      status: 403,
      message:
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.",
    },
  );
  await rejects(
    withAuth(
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830//iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
    ),
    {
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "Credential should be scoped to a valid region, not ''.",
    },
  );
});

test('presigned query parameters that are missing are named, and an unknown query algorithm counts as no authentication', async () => {
  await rejects(
    withAuth(undefined, {}, 'Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x'),
    {
      code: 'IncompleteSignature',
      status: 400,
      message:
        "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    },
  );
  await rejects(withAuth(undefined, {}, 'X-Amz-Algorithm=AWS4-HMAC-SHA1'), {
    code: 'MissingAuthenticationToken',
    status: 403,
    message: 'Request is missing Authentication Token',
  });
});

test('malformed percent-encoding in the query is MalformedQueryString', async () => {
  await rejects(withAuth(undefined, {}, 'Action=List%2'), {
    code: 'MalformedQueryString',
    status: 400,
    message: 'Incomplete trailing escape % sequence',
  });
  await rejects(withAuth(undefined, {}, 'Action=List%zzUsers'), {
    code: 'MalformedQueryString',
    status: 400,
    message: 'Illegal hex character in escape % pattern: %zz',
  });
});
