// What a SAML provider's record says to trust: the metadata's entityID and signing certificates.
// Until the IAM side's metadata reader (iam/saml-metadata.ts) is merged, a minimal reader of the
// same shape stands in for it.
import { X509Certificate } from 'node:crypto';
import { IamError } from '../errors.ts';
import type { SamlProviderRecord } from '../records.ts';
import type { SamlTrust } from './saml-response.ts';
import { SamlXmlError, attr, children, parseStrict } from './saml-xml.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

export function samlProviderMetadata(record: SamlProviderRecord): SamlTrust {
  try {
    const root = parseStrict(record.metadataDocument).documentElement!;
    const entityId = attr(root, 'entityID') ?? '';
    const certificates: X509Certificate[] = [];
    for (const idp of children(root, MD, 'IDPSSODescriptor'))
      for (const descriptor of children(idp, MD, 'KeyDescriptor')) {
        const use = attr(descriptor, 'use');
        if (use && use !== 'signing') continue;
        for (const info of children(descriptor, DS, 'KeyInfo'))
          for (const data of children(info, DS, 'X509Data'))
            for (const cert of children(data, DS, 'X509Certificate'))
              certificates.push(
                new X509Certificate(Buffer.from((cert.textContent ?? '').replace(/\s+/g, ''), 'base64')),
              );
      }
    return { entityId, signingCertificates: certificates };
  } catch (error) {
    if (error instanceof SamlXmlError || error instanceof Error)
      throw new IamError('InvalidIdentityToken', 'Could not parse metadata');
    throw error;
  }
}
