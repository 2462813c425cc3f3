// AWS's published SigV4 examples, checked through the canonical-request functions and through
// verifySigV4 end to end. Sources: the IAM ListUsers example of the AWS General Reference
// ("Examples of the complete Signature Version 4 signing process": canonical request hash
// f536975d…, kSigning c4afb1cc…, signature 5d672d79…) and AWS's SigV4 test suite
// (get-vanilla, get-vanilla-query-order-key-case, get-utf8, post-x-www-form-urlencoded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Hex } from '../../../crypto/hmac.ts';
import {
  canonicalHeaders,
  canonicalRequest,
  canonicalUri,
  signature,
  signingKey,
  stringToSign,
} from './canonical.ts';
import { canonicalQueryString, parseQuery, type QueryPair } from './query.ts';
import { verifySigV4, type IncomingRequest } from './verify.ts';

const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2015-08-30T12:36:00Z');
const lookup = async (id: string) => (id === AKID ? { secretAccessKey: SECRET } : null);

const LIST_USERS: IncomingRequest = {
  method: 'GET',
  path: '/',
  query: 'Action=ListUsers&Version=2010-05-08',
  headers: {
    host: 'iam.amazonaws.com',
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-date': '20150830T123600Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  },
  body: '',
};

test('AWS IAM ListUsers example: canonical request, its hash, kSigning and signature match the published values', () => {
  const signed = ['content-type', 'host', 'x-amz-date'];
  const headers = canonicalHeaders(LIST_USERS.headers, signed);
  assert.equal(typeof headers, 'string');
  const creq = canonicalRequest({
    method: 'GET',
    canonicalUri: canonicalUri('/'),
    canonicalQuery: canonicalQueryString(parseQuery(LIST_USERS.query) as QueryPair[]),
    canonicalHeaders: headers as string,
    signedHeaders: signed,
    payloadHash: sha256Hex(''),
  });
  assert.equal(
    creq,
    'GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.equal(sha256Hex(creq), 'f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  const key = signingKey(SECRET, '20150830', 'us-east-1', 'iam');
  assert.equal(key.toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  const sts = stringToSign('20150830T123600Z', '20150830/us-east-1/iam/aws4_request', creq);
  assert.equal(signature(key, sts), '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
});

test('AWS IAM ListUsers example verifies end to end and routes to iam', async () => {
  const r = await verifySigV4(LIST_USERS, lookup, NOW);
  assert.deepEqual(r, {
    ok: true,
    accessKeyId: AKID,
    region: 'us-east-1',
    service: 'iam',
    signedAt: NOW,
    sessionToken: undefined,
    presigned: false,
  });
});

function suiteRequest(
  method: string,
  path: string,
  query: string,
  sig: string,
  extra: Record<string, string> = {},
  body = '',
): IncomingRequest {
  const signed = ['host', 'x-amz-date', ...Object.keys(extra)].sort().join(';');
  return {
    method,
    path,
    query,
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      ...extra,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${sig}`,
    },
    body,
  };
}

test('AWS SigV4 test suite vectors verify', async () => {
  const cases: [string, IncomingRequest][] = [
    [
      'get-vanilla',
      suiteRequest('GET', '/', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'),
    ],
    [
      'get-vanilla-query-order-key-case',
      suiteRequest(
        'GET',
        '/',
        'Param2=value2&Param1=value1',
        'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
      ),
    ],
    [
      'get-utf8',
      suiteRequest('GET', '/ሴ', '', '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85'),
    ],
    [
      'post-x-www-form-urlencoded',
      suiteRequest(
        'POST',
        '/',
        '',
        'd3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b',
        {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': '13',
          'x-amz-content-sha256': '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
        },
        'Param1=value1',
      ),
    ],
  ];
  for (const [name, req] of cases) {
    const r = await verifySigV4(req, lookup, NOW);
    assert.equal(r.ok, true, `${name}: ${JSON.stringify(r)}`);
    assert.equal(r.ok && r.service, 'service');
  }
});

test('canonical URIs are normalized and each segment encoded once more (AWS normalize-path cases)', () => {
  assert.equal(canonicalUri('/'), '/');
  assert.equal(canonicalUri(''), '/');
  assert.equal(canonicalUri('//'), '/');
  assert.equal(canonicalUri('//example//'), '/example/');
  assert.equal(canonicalUri('/example/..'), '/');
  assert.equal(canonicalUri('/example1/example2/../..'), '/');
  assert.equal(canonicalUri('/./'), '/');
  assert.equal(canonicalUri('/./example'), '/example');
  assert.equal(canonicalUri('/example space/'), '/example%20space/');
  assert.equal(canonicalUri('/documents%20and%20settings/'), '/documents%2520and%2520settings/');
  assert.equal(canonicalUri('/ሴ'), '/%E1%88%B4');
});

test('canonical header values are trimmed and runs of spaces collapsed; repeated headers joined with commas', () => {
  const block = canonicalHeaders(
    { 'my-header1': '  value1  ', 'my-header2': ['"a   b   c"', ' x '], host: 'h' },
    ['host', 'my-header1', 'my-header2'],
  );
  assert.equal(block, 'host:h\nmy-header1:value1\nmy-header2:"a b c",x\n');
});

test('signed headers that are absent, or name prototype properties, contribute nothing', () => {
  assert.equal(canonicalHeaders({ host: 'h' }, ['constructor', 'host', 'missing', '__proto__']), 'host:h\n');
});
