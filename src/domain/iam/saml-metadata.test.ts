import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { makeCertificate, metadataXml } from '../../../test/support/idp-metadata.ts';
import { IamError } from '../errors.ts';
import { parseSamlMetadata, samlProviderMetadata } from './saml-metadata.ts';
import { INLINE_PARSE_LIMIT, parseMetadataBounded } from './saml-metadata-parse.ts';

const certificate = makeCertificate('unit-idp');
const other = makeCertificate('other-idp');

function refused(text: string): void {
  assert.throws(
    () => parseSamlMetadata(text),
    (e: unknown) =>
      e instanceof IamError && e.code === 'InvalidInput' && e.message === 'Could not parse metadata',
  );
}

test('an IdP metadata document gives its entity id, signing certificates and validUntil', () => {
  const parsed = parseSamlMetadata(
    metadataXml(certificate, { entityId: 'urn:idp:unit', validUntil: '2031-05-06T07:08:09.123Z' }),
  );
  assert.equal(parsed.entityId, 'urn:idp:unit');
  assert.deepEqual(parsed.signingCertificates, [certificate.base64]);
  assert.equal(parsed.validUntil, '2031-05-06T07:08:09Z');
  assert.equal(parseSamlMetadata(metadataXml(certificate)).validUntil, undefined);
  // A KeyDescriptor without `use` serves for signing too.
  assert.deepEqual(parseSamlMetadata(metadataXml(certificate, { use: null })).signingCertificates, [
    certificate.base64,
  ]);
});

test('samlProviderMetadata gives X509Certificates, from the record or its document', () => {
  const document = metadataXml(certificate, { entityId: 'urn:idp:a' });
  const fromDocument = samlProviderMetadata({ metadataDocument: document });
  assert.equal(fromDocument.entityId, 'urn:idp:a');
  assert.ok(fromDocument.signingCertificates[0] instanceof X509Certificate);
  assert.equal(
    fromDocument.signingCertificates[0]!.fingerprint256,
    new X509Certificate(certificate.cert).fingerprint256,
  );
  const fromRecord = samlProviderMetadata({
    metadataDocument: document,
    entityId: 'urn:idp:kept',
    signingCertificates: [other.base64],
  });
  assert.equal(fromRecord.entityId, 'urn:idp:kept');
  assert.equal(fromRecord.signingCertificates[0]!.subject, 'CN=other-idp');
});

test('what is not usable IdP metadata is InvalidInput "Could not parse metadata"', () => {
  const good = metadataXml(certificate);
  refused('not xml at all');
  refused(good.replace('</md:EntityDescriptor>', '')); // not well-formed
  refused(good.replace('urn:oasis:names:tc:SAML:2.0:metadata', 'urn:example:other')); // wrong namespace
  refused(good.replace(/entityID="[^"]*"/, '')); // no entity id
  refused(good.replaceAll('IDPSSODescriptor', 'SPSSODescriptor')); // a service provider's metadata
  refused(metadataXml(certificate, { use: 'encryption' })); // no signing key
  refused(metadataXml(certificate, { certificateText: 'bm90IGEgY2VydGlmaWNhdGU=' })); // not a certificate
  refused(metadataXml(certificate, { certificateText: '***' }));
  refused(metadataXml(certificate, { validUntil: 'next tuesday' }));
});

test('a document type declaration is refused before parsing: no entities, internal or external', () => {
  const good = metadataXml(certificate);
  refused(
    good.replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE md:EntityDescriptor SYSTEM "file:///etc/passwd">',
    ),
  );
  refused(
    good.replace(
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ),
  );
});

test('a large document is parsed off the request thread, with the same answer', async () => {
  const padding = `<!-- ${'x'.repeat(INLINE_PARSE_LIMIT)} -->`;
  const large = metadataXml(certificate, { entityId: 'urn:idp:large' }).replace(
    '<md:NameIDFormat>',
    `${padding}<md:NameIDFormat>`,
  );
  assert.ok(large.length > INLINE_PARSE_LIMIT);
  const parsed = await parseMetadataBounded(large);
  assert.equal(parsed.entityId, 'urn:idp:large');
  assert.deepEqual(parsed.signingCertificates, [certificate.base64]);
  await assert.rejects(
    parseMetadataBounded(large.replace('IDPSSODescriptor', 'SPSSODescriptor')),
    (e: unknown) => e instanceof IamError && e.code === 'InvalidInput',
  );
  // The event loop stays free while the worker parses.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await parseMetadataBounded(large + ' '.repeat(400_000));
  clearInterval(timer);
  assert.ok(ticks > 0);
});
