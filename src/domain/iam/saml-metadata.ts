// A SAML identity provider's metadata document (SAML 2.0 Metadata, OASIS saml-metadata-2.0-os):
// what IAM reads from it is the IdP's entity id, the certificates that sign its assertions, and
// how long the document is valid. AWS refuses a document it cannot use with InvalidInput "Could
// not parse metadata".
//
// Parsing is safe and bounded: a document type declaration (and so any entity, internal or
// external) is refused before parsing; @xmldom/xmldom resolves no external resources; the
// document's size is bounded by the API model (10,000,000 characters); a large document is parsed
// off the request thread (saml-metadata-parse.ts).
import { X509Certificate } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { IamError } from '../errors.ts';
import type { SamlProviderRecord } from '../records.ts';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** What IAM keeps from a metadata document. */
export interface ParsedMetadata {
  readonly entityId: string;
  /** The signing certificates, DER as base64 (the X509Certificate elements' content). */
  readonly signingCertificates: readonly string[];
  /** The document's validUntil (the earliest of the EntityDescriptor's and the IdP role's), ISO 8601. */
  readonly validUntil: string | undefined;
}

export function invalidMetadata(): IamError {
  return new IamError('InvalidInput', 'Could not parse metadata');
}

/**
 * Reads a metadata document: an md:EntityDescriptor with an entityID and an md:IDPSSODescriptor
 * holding at least one md:KeyDescriptor for signing (use="signing" or no use) whose
 * ds:X509Certificate is a certificate. Anything else is InvalidInput.
 */
export function parseSamlMetadata(text: string): ParsedMetadata {
  // No DTD at all: SAML metadata never needs one, and it is where entity expansion lives.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw invalidMetadata();
  let root: Element | null;
  try {
    const doc = new DOMParser({
      locator: false,
      onError: (level) => {
        if (level !== 'warning') throw invalidMetadata();
      },
    }).parseFromString(text, 'text/xml');
    root = doc.documentElement;
  } catch {
    throw invalidMetadata();
  }
  if (!root || root.namespaceURI !== MD_NS || root.localName !== 'EntityDescriptor') throw invalidMetadata();
  const entityId = root.getAttribute('entityID') ?? '';
  if (entityId.trim() === '') throw invalidMetadata();

  const idp = children(root, MD_NS, 'IDPSSODescriptor')[0];
  if (!idp) throw invalidMetadata();
  const signingCertificates: string[] = [];
  for (const keyDescriptor of children(idp, MD_NS, 'KeyDescriptor')) {
    const use = keyDescriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const keyInfo of children(keyDescriptor, DS_NS, 'KeyInfo'))
      for (const data of children(keyInfo, DS_NS, 'X509Data'))
        for (const cert of children(data, DS_NS, 'X509Certificate')) {
          const der = (cert.textContent ?? '').replace(/\s+/g, '');
          if (!isCertificate(der)) throw invalidMetadata();
          signingCertificates.push(der);
        }
  }
  if (signingCertificates.length === 0) throw invalidMetadata();

  const validUntil = [root.getAttribute('validUntil'), idp.getAttribute('validUntil')]
    .filter((v): v is string => v !== null && v !== '')
    .map((v) => {
      const time = Date.parse(v);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(time)) throw invalidMetadata();
      return time;
    })
    .sort((a, b) => a - b)[0];
  return {
    entityId,
    signingCertificates,
    validUntil: validUntil === undefined ? undefined : isoSeconds(new Date(validUntil)),
  };
}

/** The IdP's entity id and signing certificates, from the provider's metadata. */
export function samlProviderMetadata(
  record: Pick<SamlProviderRecord, 'metadataDocument'> &
    Partial<Pick<SamlProviderRecord, 'entityId' | 'signingCertificates'>>,
): { entityId: string; signingCertificates: X509Certificate[] } {
  const parsed =
    record.entityId !== undefined && record.signingCertificates !== undefined
      ? { entityId: record.entityId, signingCertificates: record.signingCertificates }
      : parseSamlMetadata(record.metadataDocument);
  return {
    entityId: parsed.entityId,
    signingCertificates: parsed.signingCertificates.map(
      (der) => new X509Certificate(Buffer.from(der, 'base64')),
    ),
  };
}

function isCertificate(base64: string): boolean {
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  try {
    new X509Certificate(Buffer.from(base64, 'base64'));
    return true;
  } catch {
    return false;
  }
}

function children(parent: Element, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (element.namespaceURI === ns && element.localName === localName) found.push(element);
  }
  return found;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
