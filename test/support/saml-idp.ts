// A throw-away SAML identity provider for tests: an RSA key and a self-signed certificate made by
// the openssl CLI, the IdP's metadata, and SAML responses signed with xml-crypto as real IdPs sign
// them (the assertion, the response, or both), plus the tampering an attacker would try.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

export const AWS_RECIPIENT = 'https://signin.aws.amazon.com/saml';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

export interface KeyPair {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  /** The certificate's DER, base64, as metadata carries it. */
  readonly certificateBase64: string;
}

/** A fresh RSA key and self-signed certificate, made by `openssl req`. */
export function makeKeyPair(commonName = 'test-idp'): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'saml-idp-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '30',
        '-subj',
        `/CN=${commonName}`,
      ],
      { stdio: 'ignore' },
    );
    const certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return {
      privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
      certificatePem,
      certificateBase64: certificatePem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface AssertionSpec {
  readonly roles?: readonly string[];
  readonly roleSessionName?: string | null;
  readonly sessionDuration?: string;
  readonly sourceIdentity?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  /** More attributes: Name → values. */
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  readonly nameId?: string;
  readonly nameIdFormat?: string | null;
  readonly issuer?: string;
  readonly audience?: string;
  readonly recipient?: string;
  /** The clock the times are computed from (ms); defaults to now. */
  readonly now?: number;
  /** Seconds relative to `now`. */
  readonly issuedAt?: number;
  readonly notBefore?: number;
  readonly notOnOrAfter?: number;
  readonly sessionNotOnOrAfter?: number;
  readonly assertionId?: string;
  /** Which parts are signed. */
  readonly sign?: 'assertion' | 'response' | 'both' | 'none';
  readonly signatureAlgorithm?: string;
  /** The key that signs (defaults to the IdP's own). */
  readonly signingKey?: KeyPair;
  readonly status?: string;
}

export class TestIdp {
  readonly key: KeyPair;
  constructor(
    readonly entityId = `https://idp-${randomBytes(4).toString('hex')}.example.com/saml`,
    key?: KeyPair,
  ) {
    this.key = key ?? makeKeyPair();
  }

  /** The IdP's SAML metadata, naming its signing certificate(s). */
  metadata(options: { validUntil?: string; extraCertificates?: readonly KeyPair[] } = {}): string {
    const keys = [this.key, ...(options.extraCertificates ?? [])];
    const descriptors = keys
      .map(
        (k) =>
          `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="${DSIG}"><ds:X509Data><ds:X509Certificate>${k.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
      )
      .join('');
    const validUntil = options.validUntil ? ` validUntil="${options.validUntil}"` : '';
    return `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${this.entityId}"${validUntil}><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${descriptors}<md:NameIDFormat>${PERSISTENT}</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
  }

  /** A SAML response as XML text (signed as `spec.sign` says, the assertion by default). */
  responseXml(spec: AssertionSpec = {}): string {
    const now = spec.now ?? Date.now();
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    const issuer = spec.issuer ?? this.entityId;
    const assertionId = spec.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
    const attributes: [string, readonly string[]][] = [];
    if (spec.roles) attributes.push(['https://aws.amazon.com/SAML/Attributes/Role', spec.roles]);
    if (spec.roleSessionName !== null)
      attributes.push([
        'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
        [spec.roleSessionName ?? 'alice'],
      ]);
    if (spec.sessionDuration !== undefined)
      attributes.push(['https://aws.amazon.com/SAML/Attributes/SessionDuration', [spec.sessionDuration]]);
    if (spec.sourceIdentity !== undefined)
      attributes.push(['https://aws.amazon.com/SAML/Attributes/SourceIdentity', [spec.sourceIdentity]]);
    for (const [key, value] of Object.entries(spec.tags ?? {}))
      attributes.push([`https://aws.amazon.com/SAML/Attributes/PrincipalTag:${key}`, [value]]);
    if (spec.transitiveTagKeys)
      attributes.push(['https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys', spec.transitiveTagKeys]);
    for (const [name, values] of Object.entries(spec.attributes ?? {})) attributes.push([name, values]);
    const attributeXml = attributes
      .map(
        ([name, values]) =>
          `<saml:Attribute Name="${escape(name)}">${values
            .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escape(v)}</saml:AttributeValue>`)
            .join('')}</saml:Attribute>`,
      )
      .join('');
    const format = spec.nameIdFormat === null ? '' : ` Format="${spec.nameIdFormat ?? PERSISTENT}"`;
    const sessionLimit =
      spec.sessionNotOnOrAfter !== undefined ? ` SessionNotOnOrAfter="${at(spec.sessionNotOnOrAfter)}"` : '';
    const xml =
      `<samlp:Response xmlns:samlp="${PROTOCOL}" xmlns:saml="${ASSERTION}" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${at(spec.issuedAt ?? 0)}" Destination="${escape(spec.recipient ?? AWS_RECIPIENT)}">` +
      `<saml:Issuer>${escape(issuer)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="${spec.status ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
      `<saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${at(spec.issuedAt ?? 0)}">` +
      `<saml:Issuer>${escape(issuer)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID${format}>${escape(spec.nameId ?? 'alice-persistent-id')}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${at(spec.notOnOrAfter ?? 300)}" Recipient="${escape(spec.recipient ?? AWS_RECIPIENT)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${at(spec.notBefore ?? -5)}" NotOnOrAfter="${at(spec.notOnOrAfter ?? 300)}"><saml:AudienceRestriction><saml:Audience>${escape(spec.audience ?? AWS_RECIPIENT)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${at(spec.issuedAt ?? 0)}" SessionIndex="${assertionId}"${sessionLimit}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      (attributeXml ? `<saml:AttributeStatement>${attributeXml}</saml:AttributeStatement>` : '') +
      `</saml:Assertion></samlp:Response>`;
    const sign = spec.sign ?? 'assertion';
    const key = spec.signingKey ?? this.key;
    const algorithm = spec.signatureAlgorithm ?? RSA_SHA256;
    let signed = xml;
    if (sign === 'assertion' || sign === 'both') signed = signElement(signed, 'Assertion', key, algorithm);
    if (sign === 'response' || sign === 'both') signed = signElement(signed, 'Response', key, algorithm);
    return signed;
  }

  /** The base64 SAMLResponse, as the IdP posts it and AssumeRoleWithSAML takes it. */
  response(spec: AssertionSpec = {}): string {
    return toBase64(this.responseXml(spec));
  }
}

/** Signs the Response or its Assertion, the Signature placed after the element's Issuer. */
function signElement(
  xml: string,
  element: 'Assertion' | 'Response',
  key: KeyPair,
  algorithm: string,
): string {
  const target = element === 'Assertion' ? "//*[local-name(.)='Assertion']" : '/*';
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: algorithm,
    canonicalizationAlgorithm: EXC_C14N,
  });
  signer.addReference({
    xpath: target,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: algorithm === RSA_SHA1 ? SHA1 : SHA256,
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---- tampering: what an attacker does to a signed response

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

function first(doc: Document | Element, ns: string, name: string): Element {
  const found = doc.getElementsByTagNameNS(ns, name)[0];
  if (!found) throw new Error(`no ${name}`);
  return found;
}

/**
 * An unsigned copy of the signed assertion with its claims changed by `edit` (and its Signature
 * removed), to be planted next to or around the signed one.
 */
function evilCopy(doc: Document, edit: (assertion: Element) => void, keepId = false): Element {
  const original = first(doc, ASSERTION, 'Assertion');
  const evil = original.cloneNode(true) as Element;
  for (const signature of Array.from(evil.getElementsByTagNameNS(DSIG, 'Signature'))) {
    if (signature.parentNode === evil) evil.removeChild(signature);
  }
  if (!keepId) evil.setAttribute('ID', `_evil${randomBytes(8).toString('hex')}`);
  edit(evil);
  return evil;
}

/** Sets the RoleSessionName (or another attribute's first value) in an assertion. */
export function setAttribute(name: string, value: string): (assertion: Element) => void {
  return (assertion) => {
    for (const attribute of Array.from(assertion.getElementsByTagNameNS(ASSERTION, 'Attribute'))) {
      if (attribute.getAttribute('Name') === name) {
        const valueElement = attribute.getElementsByTagNameNS(ASSERTION, 'AttributeValue')[0]!;
        valueElement.textContent = value;
      }
    }
  };
}

export const tamper = {
  /** Changes signed text after signing: the digest no longer matches. */
  alter(xml: string, from: string, to: string): string {
    if (!xml.includes(from)) throw new Error(`"${from}" is not in the response`);
    return xml.replace(from, to);
  },
  /** Removes every Signature. */
  unsign(xml: string): string {
    const doc = parse(xml);
    for (const signature of Array.from(doc.getElementsByTagNameNS(DSIG, 'Signature')))
      signature.parentNode!.removeChild(signature);
    return serialize(doc);
  },
  /** XSW3: an unsigned evil assertion placed before the signed one. */
  evilBeside(xml: string, edit: (assertion: Element) => void, keepId = false): string {
    const doc = parse(xml);
    const original = first(doc, ASSERTION, 'Assertion');
    original.parentNode!.insertBefore(evilCopy(doc, edit, keepId), original);
    return serialize(doc);
  },
  /** XSW4: an evil assertion in the signed one's place, holding the signed one as its child. */
  evilAround(xml: string, edit: (assertion: Element) => void): string {
    const doc = parse(xml);
    const original = first(doc, ASSERTION, 'Assertion');
    const evil = evilCopy(doc, edit);
    original.parentNode!.replaceChild(evil, original);
    evil.appendChild(original);
    return serialize(doc);
  },
  /**
   * XSW5–8: the evil assertion takes the signed one's place (with its ID and its Signature), and
   * the signed original hides elsewhere: inside that Signature's Object, or in the Response's
   * Extensions.
   */
  evilWithHiddenOriginal(
    xml: string,
    edit: (assertion: Element) => void,
    hideIn: 'signature-object' | 'extensions',
  ): string {
    const doc = parse(xml);
    const original = first(doc, ASSERTION, 'Assertion');
    const signature = Array.from(original.childNodes).find(
      (n): n is Element => n.nodeType === 1 && (n as Element).localName === 'Signature',
    )!;
    const evil = evilCopy(doc, edit, true);
    evil.insertBefore(signature.cloneNode(true), first(evil, ASSERTION, 'Subject'));
    const response = doc.documentElement!;
    response.replaceChild(evil, original);
    if (hideIn === 'signature-object') {
      const object = doc.createElementNS(DSIG, 'ds:Object');
      object.appendChild(original);
      first(evil, DSIG, 'Signature').appendChild(object);
    } else {
      const extensions = doc.createElementNS(PROTOCOL, 'samlp:Extensions');
      extensions.appendChild(original);
      response.insertBefore(extensions, first(response as unknown as Document, PROTOCOL, 'Status'));
    }
    return serialize(doc);
  },
  /**
   * XSW1/2 (a signed Response): a new evil Response wraps the signed one, which sits inside the
   * Signature (1) or beside it (2); the evil Response's own assertion is unsigned.
   */
  evilResponse(xml: string, edit: (assertion: Element) => void, place: 'in-signature' | 'beside'): string {
    const doc = parse(xml);
    const original = doc.documentElement!;
    const evil = original.cloneNode(true) as Element;
    evil.setAttribute('ID', `_evil${randomBytes(8).toString('hex')}`);
    const signature = Array.from(evil.childNodes).find(
      (n): n is Element => n.nodeType === 1 && (n as Element).localName === 'Signature',
    )!;
    edit(first(evil, ASSERTION, 'Assertion'));
    if (place === 'in-signature') signature.appendChild(original.cloneNode(true));
    else evil.insertBefore(original.cloneNode(true), signature);
    const fresh = parse('<x/>');
    fresh.replaceChild(fresh.importNode(evil, true), fresh.documentElement!);
    return serialize(fresh);
  },
  /** Inserts an XML comment into text, after `before`: canonical XML (and so the digest) ignores it. */
  comment(xml: string, before: string): string {
    if (!xml.includes(before)) throw new Error(`"${before}" is not in the response`);
    return xml.replace(before, `${before}<!---->`);
  },
  /** Prepends a DOCTYPE with an entity (billion laughs' first step). */
  doctype(xml: string): string {
    return `<!DOCTYPE r [<!ENTITY e "evil">]>${xml}`;
  },
};
