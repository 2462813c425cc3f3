// Large SAML responses are verified in a worker thread: the answer (or AWS's error) is the same as
// in place, Dates and attributes intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { IamError } from '../errors.ts';
import { INLINE_VERIFY_LIMIT, verifySamlBounded } from './saml-verify-bounded.ts';
import { TestIdp, tamper, toBase64 } from '../../../test/support/saml-idp.ts';

const idp = new TestIdp();
const trust = { entityId: idp.entityId, signingCertificates: [new X509Certificate(idp.key.certificatePem)] };
const PROVIDER = 'arn:aws:iam::123456789012:saml-provider/Corp';
const roles = Array.from({ length: 300 }, (_, i) => `arn:aws:iam::123456789012:role/Team${i},${PROVIDER}`);

test('a large response is verified off the request thread, with the same answer', async () => {
  const large = idp.response({ roles, roleSessionName: 'alice', sessionNotOnOrAfter: 3600 });
  assert.ok(large.length > INLINE_VERIFY_LIMIT && large.length < 100_000);
  const verified = await verifySamlBounded(large, trust, { now: new Date(), recipients: [] });
  assert.equal(verified.roles.length, 300);
  assert.equal(verified.roleSessionName, 'alice');
  assert.ok(verified.notOnOrAfter instanceof Date);
  assert.ok(verified.sessionNotOnOrAfter instanceof Date);
  assert.ok(verified.attributes instanceof Map);
});

test('a large tampered response is refused with AWS’s error from the worker', async () => {
  const xml = idp.responseXml({ roles, roleSessionName: 'alice' });
  const altered = toBase64(tamper.alter(xml, '>alice<', '>admin<'));
  await assert.rejects(
    verifySamlBounded(altered, trust, { now: new Date(), recipients: [] }),
    (error: unknown) =>
      error instanceof IamError &&
      error.code === 'InvalidIdentityToken' &&
      error.message === 'Response signature invalid',
  );
});
