// Verification of SAML responses against a provider's metadata: real keys (openssl), real
// signatures (xml-crypto), and the wrapping attacks an attacker would try.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { IamError } from '../errors.ts';
import {
  AWS_SIGNIN_SAML,
  nameQualifier,
  parseSamlResponse,
  subjectType,
  verifySamlResponse,
  type SamlCheck,
  type SamlTrust,
  type VerifiedAssertion,
} from './saml-response.ts';
import {
  RSA_SHA1,
  TestIdp,
  makeKeyPair,
  setAttribute,
  tamper,
  toBase64,
  type AssertionSpec,
} from '../../../test/support/saml-idp.ts';

const ROLE = 'arn:aws:iam::123456789012:role/Federated';
const PROVIDER = 'arn:aws:iam::123456789012:saml-provider/Corp';
const idp = new TestIdp();
const other = makeKeyPair('another-idp');
const trust: SamlTrust = {
  entityId: idp.entityId,
  signingCertificates: [new X509Certificate(idp.key.certificatePem)],
};
const check: SamlCheck = { now: new Date(), recipients: [] };
const SESSION_NAME = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';

function verify(samlResponse: string, at = check): VerifiedAssertion {
  return verifySamlResponse(parseSamlResponse(samlResponse), trust, at);
}

function refused(samlResponse: string, code: string, message: string | RegExp, at = check): void {
  assert.throws(
    () => verify(samlResponse, at),
    (error: unknown) => {
      assert.ok(error instanceof IamError, String(error));
      assert.equal(error.code, code);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

const spec: AssertionSpec = { roles: [`${ROLE},${PROVIDER}`], roleSessionName: 'alice' };
const SIGNATURE = ['InvalidIdentityToken', 'Response signature invalid'] as const;

test('an assertion signed by the IdP is read: subject, recipient, roles, attributes', () => {
  const verified = verify(
    idp.response({
      ...spec,
      roles: [`${ROLE},${PROVIDER}`, `${PROVIDER},arn:aws:iam::123456789012:role/Other`, 'not,a pair'],
      sourceIdentity: 'alice@example.com',
      tags: { Project: 'blue', CostCenter: '42' },
      transitiveTagKeys: ['Project'],
      sessionDuration: '1800',
      sessionNotOnOrAfter: 7200,
    }),
  );
  assert.equal(verified.issuer, idp.entityId);
  assert.equal(verified.subject, 'alice-persistent-id');
  assert.equal(subjectType(verified.subjectFormat), 'persistent');
  assert.equal(verified.recipient, AWS_SIGNIN_SAML);
  assert.deepEqual(verified.roles, [
    { roleArn: ROLE, principalArn: PROVIDER },
    { roleArn: 'arn:aws:iam::123456789012:role/Other', principalArn: PROVIDER },
  ]);
  assert.equal(verified.roleSessionName, 'alice');
  assert.equal(verified.sourceIdentity, 'alice@example.com');
  assert.equal(verified.sessionDuration, 1800);
  assert.deepEqual(verified.tags, [
    { Key: 'Project', Value: 'blue' },
    { Key: 'CostCenter', Value: '42' },
  ]);
  assert.deepEqual(verified.transitiveTagKeys, ['Project']);
  assert.ok(verified.sessionNotOnOrAfter && verified.sessionNotOnOrAfter.getTime() > Date.now() + 7000_000);
});

test('a signed response, or both signed, verify; so does RSA-SHA1', () => {
  assert.equal(verify(idp.response({ ...spec, sign: 'response' })).roleSessionName, 'alice');
  assert.equal(verify(idp.response({ ...spec, sign: 'both' })).roleSessionName, 'alice');
  assert.equal(verify(idp.response({ ...spec, signatureAlgorithm: RSA_SHA1 })).roleSessionName, 'alice');
});

test('any of the metadata certificates verifies; a KeyInfo certificate outside it does not', () => {
  const rotated: SamlTrust = {
    entityId: idp.entityId,
    signingCertificates: [
      new X509Certificate(other.certificatePem),
      new X509Certificate(idp.key.certificatePem),
    ],
  };
  assert.ok(verifySamlResponse(parseSamlResponse(idp.response(spec)), rotated, check));
  // Signed by a key the metadata does not name, its own certificate in KeyInfo: refused.
  refused(idp.response({ ...spec, signingKey: other }), ...SIGNATURE);
  refused(idp.response({ ...spec, sign: 'response', signingKey: other }), ...SIGNATURE);
});

test('altered after signing, or unsigned: refused', () => {
  for (const sign of ['assertion', 'response', 'both'] as const) {
    const xml = idp.responseXml({ ...spec, sign });
    refused(toBase64(tamper.alter(xml, '>alice<', '>admin<')), ...SIGNATURE);
    refused(toBase64(tamper.unsign(xml)), ...SIGNATURE);
  }
  refused(idp.response({ ...spec, sign: 'none' }), ...SIGNATURE);
});

test('signature wrapping: the classic variants are refused', () => {
  const evil = setAttribute(SESSION_NAME, 'mallory');
  const assertionSigned = idp.responseXml(spec);
  const responseSigned = idp.responseXml({ ...spec, sign: 'response' });
  const attacks = {
    'XSW3 evil assertion beside': tamper.evilBeside(assertionSigned, evil),
    'XSW3 evil beside, same ID': tamper.evilBeside(assertionSigned, evil, true),
    'XSW4 evil assertion around': tamper.evilAround(assertionSigned, evil),
    'XSW5-6 original in the Signature Object': tamper.evilWithHiddenOriginal(
      assertionSigned,
      evil,
      'signature-object',
    ),
    'XSW7 original in Extensions': tamper.evilWithHiddenOriginal(assertionSigned, evil, 'extensions'),
    'XSW1 signed response inside the evil one': tamper.evilResponse(responseSigned, evil, 'in-signature'),
    'XSW2 signed response beside the evil one': tamper.evilResponse(responseSigned, evil, 'beside'),
    'XSW3 on a signed response': tamper.evilBeside(responseSigned, evil),
  };
  for (const [name, xml] of Object.entries(attacks)) {
    assert.throws(
      () => verify(toBase64(xml)),
      (error: unknown) => error instanceof IamError && error.code === 'InvalidIdentityToken',
      name,
    );
  }
});

test('an ID repeated under another spelling or a prefix is refused', () => {
  const xml = idp.responseXml(spec);
  const id = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(xml)![1]!;
  for (const attribute of ['ID', 'Id', 'id', 'x:ID']) {
    const decoy = `<samlp:Extensions xmlns:x="urn:x"><x:Decoy ${attribute}="${id}"/></samlp:Extensions>`;
    const planted = xml.replace('<samlp:Status>', `${decoy}<samlp:Status>`);
    refused(toBase64(planted), ...SIGNATURE);
  }
});

test('a comment in signed text changes nothing: what is read is what was signed', () => {
  const xml = idp.responseXml({ ...spec, roleSessionName: 'alice.example.com' });
  const commented = tamper.comment(xml, '>alice');
  assert.notEqual(commented, xml);
  assert.equal(verify(toBase64(commented)).roleSessionName, 'alice.example.com');
});

test('DOCTYPEs, entities, non-XML and non-base64 are refused', () => {
  refused(toBase64(tamper.doctype(idp.responseXml(spec))), 'InvalidIdentityToken', 'Invalid SAML response');
  refused(toBase64('<not-saml/>'), 'InvalidIdentityToken', 'Invalid SAML response');
  refused(toBase64('<unclosed'), 'InvalidIdentityToken', 'Invalid SAML response');
  refused('!!!!', 'InvalidIdentityToken', 'Invalid SAML response');
  const deep = `${'<a>'.repeat(2000)}${'</a>'.repeat(2000)}`;
  refused(toBase64(deep), 'InvalidIdentityToken', 'Invalid SAML response');
});

test('issuer, audience and recipient must be the provider and AWS', () => {
  refused(
    idp.response({ ...spec, issuer: 'https://evil.example.com' }),
    'InvalidIdentityToken',
    'Issuer not present in specified provider',
  );
  const audience = ['InvalidIdentityToken', 'Response does not contain the required audience.'] as const;
  refused(idp.response({ ...spec, audience: 'https://evil.example.com' }), ...audience);
  refused(idp.response({ ...spec, recipient: 'https://evil.example.com/acs' }), ...audience);
  assert.ok(verify(idp.response({ ...spec, audience: 'urn:amazon:webservices' })));
  const regional = 'https://eu-west-1.signin.aws.amazon.com/saml';
  assert.equal(
    verify(idp.response({ ...spec, recipient: regional, audience: regional })).recipient,
    regional,
  );
  refused(idp.response({ ...spec, recipient: 'https://signin.aws.amazon.com.evil.com/saml' }), ...audience);
  // The console's own SAML endpoint, when passed in, is a recipient too.
  const consoleUrl = 'https://portcullis.example.com/saml';
  assert.ok(
    verify(idp.response({ ...spec, recipient: consoleUrl, audience: consoleUrl }), {
      now: new Date(),
      recipients: [consoleUrl],
    }),
  );
});

test('times: not yet valid, expired, too old to redeem', () => {
  const now = Date.now();
  refused(
    idp.response({ ...spec, now: now + 20 * 60_000 }),
    'InvalidIdentityToken',
    'The SAML assertion is not yet valid.',
  );
  refused(
    idp.response({ ...spec, notOnOrAfter: -600 }),
    'ExpiredTokenException',
    'The SAML assertion has expired.',
  );
  refused(
    idp.response({ ...spec, issuedAt: -20 * 60, notBefore: -20 * 60, notOnOrAfter: 3600 }),
    'ExpiredTokenException',
    'Token must be redeemed within 5 minutes of issuance',
  );
  // Within the clock skew on either side: accepted.
  assert.ok(verify(idp.response({ ...spec, now: now + 60_000 })));
  assert.ok(verify(idp.response({ ...spec, notOnOrAfter: -60, notBefore: -120, issuedAt: -120 })));
});

test('RoleSessionName and SourceIdentity must match what AWS allows', () => {
  refused(
    idp.response({ ...spec, roleSessionName: 'has space' }),
    'InvalidIdentityToken',
    'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}',
  );
  assert.equal(verify(idp.response({ ...spec, roleSessionName: null })).roleSessionName, undefined);
  refused(
    idp.response({ ...spec, sourceIdentity: 'aws:me' }),
    'InvalidIdentityToken',
    'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
  );
});

test('a failed status from the IdP is IDPRejectedClaim', () => {
  refused(
    idp.response({ ...spec, status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' }),
    'IDPRejectedClaim',
    /authentication failed/,
  );
});

test('SubjectType drops only the SAML 2.0 name-id-format prefix; NameQualifier is AWS’s hash', () => {
  assert.equal(subjectType('urn:oasis:names:tc:SAML:2.0:nameid-format:transient'), 'transient');
  assert.equal(
    subjectType('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'),
    'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  );
  // BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP")), computed with Python's hashlib.
  assert.equal(
    nameQualifier('https://example.com/saml', '123456789012', 'MySAMLIdP'),
    '1uAJanUnBc2XeUkHURMht+xam2c=',
  );
});

test('verification of a large response stays well within the time budget', () => {
  const many = Array.from({ length: 400 }, (_, i) => `arn:aws:iam::123456789012:role/R${i},${PROVIDER}`);
  const big = idp.response({ ...spec, roles: many });
  assert.ok(big.length < 100_000);
  const started = performance.now();
  const verified = verify(big);
  const elapsed = performance.now() - started;
  assert.equal(verified.roles.length, 400);
  // Not a speed assertion (the machine is shared): a guard against super-linear work.
  assert.ok(elapsed < 2000, `${elapsed} ms`);
});

test('random damage to a signed response is always an AWS-shaped refusal, never a crash', () => {
  const xml = idp.responseXml({ ...spec, sign: 'both' });
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const damages = [
    (s: string) => s.slice(0, random(s.length)),
    (s: string) => {
      const at = random(s.length);
      return s.slice(0, at) + String.fromCharCode(32 + random(95)) + s.slice(at + 1);
    },
    (s: string) => {
      // Remove one element (its opening tag up to the matching close is approximated by a tag).
      const tags = [...s.matchAll(/<[^>]+>/g)];
      const tag = tags[random(tags.length)]!;
      return s.slice(0, tag.index) + s.slice(tag.index! + tag[0].length);
    },
    (s: string) => {
      const tags = [...s.matchAll(/<[^/!?][^>]*>/g)];
      const tag = tags[random(tags.length)]!;
      return (
        s.slice(0, tag.index) +
        tag[0] +
        tag[0].replace(/^<([^\s>]+).*$/s, '<$1/>') +
        s.slice(tag.index! + tag[0].length)
      );
    },
  ];
  for (let i = 0; i < 300; i++) {
    const damaged = damages[i % damages.length]!(xml);
    if (damaged === xml) continue;
    try {
      verify(toBase64(damaged));
    } catch (error) {
      assert.ok(error instanceof IamError, `${String(error)} for damage ${i}`);
    }
  }
});
