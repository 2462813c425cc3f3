// Throw-away SAML IdP material for tests: a certificate made with the openssl CLI in a temp dir,
// and metadata documents built around it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM. */
  readonly cert: string;
  readonly key: string;
  /** The certificate's DER as base64, as metadata carries it. */
  readonly base64: string;
}

export function makeCertificate(cn = 'idp'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-idp-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', '2',
        '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')],
      { stdio: 'ignore' },
    ); // prettier-ignore
    const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    const key = readFileSync(join(dir, 'k.pem'), 'utf8');
    const base64 = cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return { cert, key, base64 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MetadataOptions {
  readonly entityId?: string;
  readonly validUntil?: string;
  /** The KeyDescriptor's use attribute ('signing', 'encryption'), or none. */
  readonly use?: string | null;
  /** Replaces the certificate's content. */
  readonly certificateText?: string;
}

/** An IdP's metadata document, padded past the 1,000 characters the API model requires. */
export function metadataXml(certificate: TestCertificate, options: MetadataOptions = {}): string {
  const entityId = options.entityId ?? 'https://idp.example.com/saml';
  const use = options.use === undefined ? 'signing' : options.use;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}"${
    options.validUntil ? ` validUntil="${options.validUntil}"` : ''
  }>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor${use === null ? '' : ` use="${use}"`}>
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>${options.certificateText ?? certificate.base64}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
