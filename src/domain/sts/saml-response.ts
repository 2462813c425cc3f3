// Verifying a SAML response (the base64 SAMLResponse an IdP posts, the SAMLAssertion of
// AssumeRoleWithSAML) against a SAML provider's metadata, immune to signature wrapping: every claim
// is read from the canonical XML that the verified signature covers, re-parsed, never from the
// document as received. The document must have the one shape a SAML response has: a Response
// holding exactly one Assertion, signed by the Response's own Signature, the Assertion's, or both,
// each Signature with one Reference to its own parent's ID; anything else is refused before any
// claim is read. The signing key must be one of the metadata's certificates; a KeyInfo is ignored.
//
// AWS's requirements (IAM User Guide, "Configure SAML assertions for the authentication
// response"): exactly one SubjectConfirmation whose SubjectConfirmationData has NotOnOrAfter and
// a Recipient that is the sign-in endpoint; the Role attribute's values are role-ARN,provider-ARN
// pairs; RoleSessionName is required; optional SessionDuration, SourceIdentity, PrincipalTag:*,
// TransitiveTagKeys.
import { createHash, verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { SignedXml, type SignatureAlgorithm } from 'xml-crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { IamError } from '../errors.ts';
import type { Tag } from '../records.ts';
import {
  NS,
  SamlXmlError,
  allElements,
  attr,
  children,
  descendants,
  isElement,
  onlyChild,
  parseStrict,
  textOf,
} from './saml-xml.ts';

/** What a SAML provider's metadata says the IdP is: its entityID and its signing certificates. */
export interface SamlTrust {
  readonly entityId: string;
  readonly signingCertificates: readonly X509Certificate[];
}

export interface SamlCheck {
  readonly now: Date;
  /** Where else than AWS's sign-in endpoints the assertion may be addressed (the console's own). */
  readonly recipients: readonly string[];
}

export interface RolePair {
  readonly roleArn: string;
  readonly principalArn: string;
}

/** A verified assertion: only what the IdP signed. */
export interface VerifiedAssertion {
  readonly id: string;
  readonly issuer: string;
  readonly issueInstant: Date;
  /** The NameID's value, its Format as written (absent: SAML's "unspecified"). */
  readonly subject: string;
  readonly subjectFormat: string;
  /** The Recipient the assertion was addressed to (AWS's "Audience" output and saml:aud). */
  readonly recipient: string;
  readonly audiences: readonly string[];
  /** When the assertion can no longer be redeemed: the earliest NotOnOrAfter it carries. */
  readonly notOnOrAfter: Date;
  /** AuthnStatement SessionNotOnOrAfter: no session may outlast it. */
  readonly sessionNotOnOrAfter: Date | undefined;
  readonly roles: readonly RolePair[];
  /** Absent when the IdP sent none: the operation reports it (AWS reports it after the role checks). */
  readonly roleSessionName: string | undefined;
  readonly sessionDuration: number | undefined;
  readonly sourceIdentity: string | undefined;
  readonly tags: readonly Tag[];
  readonly transitiveTagKeys: readonly string[];
  /** Every attribute by Name, its values in order (for trust-policy context keys). */
  readonly attributes: ReadonlyMap<string, readonly string[]>;
}

export const AWS_SIGNIN_SAML = 'https://signin.aws.amazon.com/saml';
/**
 * AWS's sign-in endpoints an assertion may be addressed to: the global one, a regional one
 * (https://<region-code>.signin.aws.amazon.com/saml) and the static one (IAM User Guide,
 * "Configure SAML assertions for the authentication response").
 */
const AWS_ENDPOINT = /^https:\/\/(?:[a-z]{2}(?:-[a-z]+)+-\d\.)?signin\.aws\.amazon\.com\/(?:static\/)?saml$/;
/** AudienceRestriction may also name AWS by its URN. */
const AWS_URN = 'urn:amazon:webservices';

function isAwsEndpoint(url: string): boolean {
  return AWS_ENDPOINT.test(url);
}

const ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
/** Clock skew tolerated between the IdP and this server. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** AWS: "Token must be redeemed within 5 minutes of issuance" (ExpiredTokenException). */
const REDEEM_WITHIN_MS = 5 * 60 * 1000;

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SIGNATURE_METHODS = new Set([RSA_SHA256, RSA_SHA1]);
const DIGEST_METHODS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2000/09/xmldsig#sha1',
]);
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const UNSPECIFIED_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

const MAX_CERTIFICATES = 10;
const ID_NAMES = new Set(['ID', 'Id', 'id']);
const MAX_ROLE_VALUES = 500;

export const invalidSignature = () => new IamError('InvalidIdentityToken', 'Response signature invalid');
const invalidResponse = () => new IamError('InvalidIdentityToken', 'Invalid SAML response');

/** A received response, parsed and of the right shape, nothing in it yet trusted. */
export interface ParsedResponse {
  readonly xml: string;
  readonly doc: Document;
  readonly response: Element;
  readonly assertion: Element;
}

/** Decodes and parses a SAMLResponse, refusing any document that is not shaped as one. */
export function parseSamlResponse(samlResponse: string): ParsedResponse {
  const compact = samlResponse.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) throw invalidResponse();
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  let doc: Document;
  try {
    doc = parseStrict(xml);
  } catch (error) {
    if (error instanceof SamlXmlError) throw invalidResponse();
    throw error;
  }
  const response = doc.documentElement!;
  if (!isElement(response, NS.protocol, 'Response')) throw invalidResponse();
  // One assertion, a child of the Response: an assertion anywhere else (inside an Extensions,
  // an Object, another assertion) is the material of a wrapping attack.
  if (descendants(response, NS.assertion, 'EncryptedAssertion').length > 0)
    throw new IamError(
      'InvalidIdentityToken',
      'Encrypted SAML assertions are not supported by Portcullis yet.',
    );
  const assertions = descendants(response, NS.assertion, 'Assertion');
  if (assertions.length !== 1 || assertions[0]!.parentNode !== response) throw invalidSignature();
  return { xml, doc, response, assertion: assertions[0]! };
}

/** The Issuer the (not yet verified) assertion claims: which provider it says it comes from. */
export function claimedIssuer(parsed: ParsedResponse): string | undefined {
  const issuer = safe(() => onlyChild(parsed.assertion, NS.assertion, 'Issuer'));
  return issuer ? safe(() => textOf(issuer).trim()) : undefined;
}

/** The role pairs the (not yet verified) assertion lists: to find which provider to verify it with. */
export function claimedRolePairs(parsed: ParsedResponse): RolePair[] {
  return safe(() => rolePairs(attributesOf(parsed.assertion))) ?? [];
}

/**
 * Verifies a parsed response against a provider's metadata and the clock; returns only what the
 * IdP signed. Throws IamError with AWS's code (InvalidIdentityToken, ExpiredTokenException,
 * IDPRejectedClaim).
 */
export function verifySamlResponse(
  parsed: ParsedResponse,
  trust: SamlTrust,
  check: SamlCheck,
): VerifiedAssertion {
  // AWS names the issuer first: an assertion from another IdP is not this provider's at all.
  if (claimedIssuer(parsed) !== trust.entityId)
    throw new IamError('InvalidIdentityToken', 'Issuer not present in specified provider');
  const assertion = signedAssertion(parsed, trust);
  try {
    return readAssertion(assertion, trust, check);
  } catch (error) {
    if (error instanceof SamlXmlError) throw invalidResponse();
    throw error;
  }
}

// ---- signatures

/**
 * The Assertion as signed: re-parsed from the canonical XML of a verified signature's reference
 * (the Assertion's own, or the Response's, of which the Assertion is the only one).
 */
function signedAssertion(parsed: ParsedResponse, trust: SamlTrust): Element {
  const { response, assertion } = parsed;
  const signatures = descendants(response, NS.dsig, 'Signature');
  const responseSignature = signatures.filter((s) => s.parentNode === response);
  const assertionSignature = signatures.filter((s) => s.parentNode === assertion);
  // A Signature anywhere else (or a second one in either place) signs something AWS does not read.
  if (
    responseSignature.length > 1 ||
    assertionSignature.length > 1 ||
    responseSignature.length + assertionSignature.length !== signatures.length ||
    signatures.length === 0
  ) {
    throw invalidSignature();
  }
  const certificates = trust.signingCertificates.slice(0, MAX_CERTIFICATES);
  if (certificates.length === 0) throw invalidSignature();

  let fromAssertion: Element | undefined;
  let fromResponse: Element | undefined;
  if (assertionSignature[0]) {
    const signed = verifiedReference(parsed, assertionSignature[0], assertion, certificates);
    fromAssertion = reparse(signed, (root) =>
      isElement(root, NS.assertion, 'Assertion') ? root : undefined,
    );
  }
  if (responseSignature[0]) {
    const signed = verifiedReference(parsed, responseSignature[0], response, certificates);
    fromResponse = reparse(signed, (root) => {
      if (!isElement(root, NS.protocol, 'Response')) return undefined;
      const inner = children(root, NS.assertion, 'Assertion');
      return inner.length === 1 ? inner[0] : undefined;
    });
    checkStatus(reparse(signed, (root) => root));
  } else {
    // An unsigned Status can only make the answer a refusal, never an acceptance.
    checkStatus(response);
  }
  const signed = fromAssertion ?? fromResponse!;
  if (attr(signed, 'ID') !== attr(assertion, 'ID')) throw invalidSignature();
  return signed;
}

/**
 * Checks one Signature's shape and value; returns the canonical XML its one Reference covers.
 * The shape is checked first so that xml-crypto is only ever handed a Signature whose every part
 * is the one it will use: one SignedInfo, one CanonicalizationMethod, one SignatureMethod, one
 * Reference to `parent`'s own ID with the enveloped-signature and exclusive c14n transforms.
 */
function verifiedReference(
  parsed: ParsedResponse,
  signature: Element,
  parent: Element,
  certificates: readonly X509Certificate[],
): string {
  const id = attr(parent, 'ID');
  if (!id || !/^[A-Za-z_][\w.-]*$/.test(id)) throw invalidSignature();
  // The ID must name one element only, under any spelling of an ID attribute, prefixed or not
  // (xml-crypto looks elements up by the attribute's local name).
  let named = 0;
  for (const element of allElements(parsed.response)) {
    const attributes = element.attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attribute = attributes.item(i)!;
      if (ID_NAMES.has(attribute.localName ?? attribute.name) && attribute.value === id) named++;
    }
  }
  if (named !== 1) throw invalidSignature();

  const signedInfo = only(children(signature, NS.dsig, 'SignedInfo'));
  const c14n = only(children(signedInfo, NS.dsig, 'CanonicalizationMethod'));
  const method = only(children(signedInfo, NS.dsig, 'SignatureMethod'));
  const reference = only(children(signedInfo, NS.dsig, 'Reference'));
  only(children(signature, NS.dsig, 'SignatureValue'));
  // xml-crypto finds these by searching the Signature's subtree: there must be no others.
  for (const [name, expected] of [
    ['CanonicalizationMethod', c14n],
    ['SignatureMethod', method],
    ['Reference', reference],
    ['SignedInfo', signedInfo],
  ] as const) {
    const all = descendants(signature, NS.dsig, name);
    if (all.length !== 1 || all[0] !== expected) throw invalidSignature();
  }
  if (children(signature, NS.dsig, 'Object').length > 0) throw invalidSignature();
  if (attr(c14n, 'Algorithm') !== EXC_C14N) throw invalidSignature();
  if (!SIGNATURE_METHODS.has(attr(method, 'Algorithm') ?? '')) throw invalidSignature();
  if (attr(reference, 'URI') !== `#${id}`) throw invalidSignature();
  const digest = only(children(reference, NS.dsig, 'DigestMethod'));
  if (!DIGEST_METHODS.has(attr(digest, 'Algorithm') ?? '')) throw invalidSignature();
  const transformsElement = onlyChild(reference, NS.dsig, 'Transforms');
  const transforms = transformsElement ? children(transformsElement, NS.dsig, 'Transform') : [];
  const algorithms = transforms.map((t) => attr(t, 'Algorithm'));
  if (!algorithms.includes(ENVELOPED) || algorithms.some((a) => a !== ENVELOPED && a !== EXC_C14N))
    throw invalidSignature();

  // One check, whatever the number of certificates: the signature algorithms xml-crypto may use
  // are replaced by ones that accept a signature by any of the metadata's keys, and by no other.
  const keys = certificates.map((c) => c.publicKey);
  const signed = new SignedXml({
    publicCert: keys[0]!,
    // Never the certificate the document brings: only the metadata's keys verify.
    getCertFromKeyInfo: () => null,
  });
  // The ID's uniqueness under every spelling is checked above; one spelling spares XPath passes.
  signed.idAttributes = ['ID'];
  signed.SignatureAlgorithms = {
    [RSA_SHA256]: anyKeyOf(keys, 'RSA-SHA256', RSA_SHA256),
    [RSA_SHA1]: anyKeyOf(keys, 'RSA-SHA1', RSA_SHA1),
  };
  try {
    signed.loadSignature(signature as never);
    if (signed.checkSignature(parsed.xml)) {
      const references = signed.getSignedReferences();
      if (references.length === 1) return references[0]!;
    }
  } catch {
    // Any failure to verify is the same answer.
  }
  throw invalidSignature();
}

/** A verification-only signature algorithm that accepts a signature by any of `keys`. */
function anyKeyOf(keys: readonly KeyObject[], digest: string, uri: string): new () => SignatureAlgorithm {
  return class {
    getSignature(): never {
      throw new Error('verification only');
    }
    verifySignature(material: string, _key: unknown, signatureValue: string): boolean {
      const value = Buffer.from(signatureValue, 'base64');
      return keys.some((key) => verify(digest, Buffer.from(material, 'utf8'), key, value));
    }
    getAlgorithmName(): string {
      return uri;
    }
  } as unknown as new () => SignatureAlgorithm;
}

function only(elements: Element[]): Element {
  if (elements.length !== 1) throw invalidSignature();
  return elements[0]!;
}

function reparse(xml: string, pick: (root: Element) => Element | undefined): Element {
  let doc: Document;
  try {
    doc = parseStrict(xml);
  } catch {
    throw invalidSignature();
  }
  const picked = pick(doc.documentElement!);
  if (!picked) throw invalidSignature();
  return picked;
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

function checkStatus(response: Element): void {
  const status = safe(() => onlyChild(response, NS.protocol, 'Status'));
  if (!status) return;
  const code = safe(() => onlyChild(status, NS.protocol, 'StatusCode'));
  if (code && attr(code, 'Value') !== SUCCESS)
    throw new IamError('IDPRejectedClaim', 'The identity provider reported that authentication failed.');
}

// ---- claims, read from the signed assertion

function readAssertion(assertion: Element, trust: SamlTrust, check: SamlCheck): VerifiedAssertion {
  const now = check.now.getTime();
  if (attr(assertion, 'Version') !== '2.0') throw invalidResponse();
  const id = attr(assertion, 'ID')!;
  const issuerElement = onlyChild(assertion, NS.assertion, 'Issuer');
  const issuer = issuerElement ? textOf(issuerElement).trim() : '';
  if (issuer !== trust.entityId)
    throw new IamError('InvalidIdentityToken', 'Issuer not present in specified provider');
  const issueInstant = instant(attr(assertion, 'IssueInstant'));
  if (!issueInstant) throw invalidResponse();

  // Subject: the NameID, and exactly one bearer SubjectConfirmation with Recipient and NotOnOrAfter.
  const subject = onlyChild(assertion, NS.assertion, 'Subject');
  const nameId = subject && onlyChild(subject, NS.assertion, 'NameID');
  if (!subject || !nameId) throw invalidResponse();
  const confirmations = children(subject, NS.assertion, 'SubjectConfirmation');
  if (confirmations.length !== 1) throw invalidResponse();
  const data = onlyChild(confirmations[0]!, NS.assertion, 'SubjectConfirmationData');
  const recipient = data && attr(data, 'Recipient');
  const confirmationExpiry = data && instant(attr(data, 'NotOnOrAfter'));
  if (!recipient || !confirmationExpiry) throw invalidResponse();

  // Conditions: the validity window and the audience.
  const conditions = onlyChild(assertion, NS.assertion, 'Conditions');
  const audiences = conditions
    ? children(conditions, NS.assertion, 'AudienceRestriction').flatMap((r) =>
        children(r, NS.assertion, 'Audience').map((a) => textOf(a).trim()),
      )
    : [];
  const ours = (url: string) => isAwsEndpoint(url) || check.recipients.includes(url);
  const audienceMissing = new IamError(
    'InvalidIdentityToken',
    'Response does not contain the required audience.',
  );
  if (!audiences.some((a) => a === AWS_URN || ours(a))) throw audienceMissing;
  if (!ours(recipient)) throw audienceMissing;

  const notBefore = conditions ? instant(attr(conditions, 'NotBefore'), true) : undefined;
  const conditionsExpiry = conditions ? instant(attr(conditions, 'NotOnOrAfter'), true) : undefined;
  if (notBefore === null || conditionsExpiry === null) throw invalidResponse();
  if (
    (notBefore && notBefore.getTime() - CLOCK_SKEW_MS > now) ||
    issueInstant.getTime() - CLOCK_SKEW_MS > now
  )
    throw new IamError('InvalidIdentityToken', 'The SAML assertion is not yet valid.');
  const notOnOrAfter = new Date(
    Math.min(confirmationExpiry.getTime(), conditionsExpiry?.getTime() ?? Infinity),
  );
  if (notOnOrAfter.getTime() + CLOCK_SKEW_MS <= now)
    throw new IamError('ExpiredTokenException', 'The SAML assertion has expired.');
  if (now - issueInstant.getTime() > REDEEM_WITHIN_MS + CLOCK_SKEW_MS)
    throw new IamError('ExpiredTokenException', 'Token must be redeemed within 5 minutes of issuance');

  const authn = children(assertion, NS.assertion, 'AuthnStatement');
  const sessionLimits = authn.map((s) => instant(attr(s, 'SessionNotOnOrAfter'), true));
  if (sessionLimits.some((s) => s === null)) throw invalidResponse();
  const sessionTimes = sessionLimits.filter((s): s is Date => s instanceof Date).map((s) => s.getTime());
  const sessionNotOnOrAfter = sessionTimes.length > 0 ? new Date(Math.min(...sessionTimes)) : undefined;

  const attributes = attributesOf(assertion);
  return {
    id,
    issuer,
    issueInstant,
    subject: textOf(nameId).trim(),
    subjectFormat: attr(nameId, 'Format') ?? UNSPECIFIED_FORMAT,
    recipient,
    audiences,
    notOnOrAfter,
    sessionNotOnOrAfter,
    roles: rolePairs(attributes),
    roleSessionName: roleSessionName(attributes),
    sessionDuration: sessionDuration(attributes),
    sourceIdentity: sourceIdentity(attributes),
    ...sessionTagsOf(attributes),
    attributes,
  };
}

function attributesOf(assertion: Element): Map<string, string[]> {
  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = children(attribute, NS.assertion, 'AttributeValue').map((v) => textOf(v).trim());
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  return attributes;
}

const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]+$/;
const PROVIDER_ARN = /^arn:aws:iam::\d{12}:saml-provider\/[\w.-]+$/;

/** The Role attribute's pairs, in either order; values that are not a pair are ignored. */
function rolePairs(attributes: ReadonlyMap<string, readonly string[]>): RolePair[] {
  const pairs: RolePair[] = [];
  for (const value of (attributes.get(`${ATTRIBUTE}Role`) ?? []).slice(0, MAX_ROLE_VALUES)) {
    const parts = value.split(',');
    if (parts.length !== 2) continue;
    const [a, b] = parts as [string, string];
    if (ROLE_ARN.test(a) && PROVIDER_ARN.test(b)) pairs.push({ roleArn: a, principalArn: b });
    else if (PROVIDER_ARN.test(a) && ROLE_ARN.test(b)) pairs.push({ roleArn: b, principalArn: a });
  }
  return pairs;
}

function single(attributes: ReadonlyMap<string, readonly string[]>, name: string): string | undefined {
  return attributes.get(`${ATTRIBUTE}${name}`)?.[0];
}

function roleSessionName(attributes: ReadonlyMap<string, readonly string[]>): string | undefined {
  const name = single(attributes, 'RoleSessionName');
  if (name === undefined) return undefined;
  if (!SESSION_NAME.test(name))
    throw new IamError(
      'InvalidIdentityToken',
      'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}',
    );
  return name;
}

function sessionDuration(attributes: ReadonlyMap<string, readonly string[]>): number | undefined {
  const text = single(attributes, 'SessionDuration');
  if (text === undefined) return undefined;
  const seconds = /^\d{3,5}$/.test(text) ? Number(text) : NaN;
  // IAM User Guide: SessionDuration "can range from 900 seconds (15 minutes) to 43200 seconds (12 hours)".
  if (!(seconds >= 900 && seconds <= 43200))
    throw new IamError(
      'InvalidIdentityToken',
      'SessionDuration in AuthnResponse must be between 900 and 43200',
    );
  return seconds;
}

function sourceIdentity(attributes: ReadonlyMap<string, readonly string[]>): string | undefined {
  const value = single(attributes, 'SourceIdentity');
  if (value === undefined) return undefined;
  if (!SESSION_NAME.test(value) || value.toLowerCase().startsWith('aws:'))
    throw new IamError(
      'InvalidIdentityToken',
      'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
    );
  return value;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** PrincipalTag:<key> attributes (one value each) and TransitiveTagKeys (any number). */
function sessionTagsOf(attributes: ReadonlyMap<string, readonly string[]>): {
  tags: Tag[];
  transitiveTagKeys: string[];
} {
  const tags: Tag[] = [];
  const prefix = `${ATTRIBUTE}PrincipalTag:`;
  for (const [name, values] of attributes) {
    if (!name.startsWith(prefix)) continue;
    const key = name.slice(prefix.length);
    const value = values[0] ?? '';
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value))
      throw new IamError(
        'InvalidIdentityToken',
        `Invalid session tag in AuthnResponse: ${key.slice(0, 128)}`,
      );
    if (tags.some((t) => t.Key.toLowerCase() === key.toLowerCase()))
      throw new IamError(
        'InvalidParameterValue',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    tags.push({ Key: key, Value: value });
  }
  if (tags.length > 50)
    throw new IamError('InvalidIdentityToken', 'The number of session tags in AuthnResponse exceeds 50.');
  const transitiveTagKeys = attributes.get(`${ATTRIBUTE}TransitiveTagKeys`) ?? [];
  for (const key of transitiveTagKeys) {
    if (!tags.some((t) => t.Key.toLowerCase() === key.toLowerCase()))
      throw new IamError(
        'InvalidParameterValue',
        'The specified transitive tag key must be included in the requested tags.',
      );
  }
  return { tags, transitiveTagKeys: [...transitiveTagKeys] };
}

/**
 * An xs:dateTime in UTC, as SAML requires. Undefined when absent; null when `optional` and
 * malformed (a malformed required time is undefined too, and refused by the caller).
 */
function instant(text: string | undefined, optional = false): Date | undefined | null {
  if (text === undefined) return undefined;
  const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/.test(text);
  const time = match ? Date.parse(text.replace(/(\.\d{3})\d+Z$/, '$1Z')) : NaN;
  if (Number.isNaN(time)) return optional ? null : undefined;
  return new Date(time);
}

function safe<T>(work: () => T): T | undefined {
  try {
    return work();
  } catch {
    return undefined;
  }
}

// ---- what AWS derives from a verified assertion

/**
 * SubjectType: the NameID Format with urn:oasis:names:tc:SAML:2.0:nameid-format: removed, any
 * other Format as it is (STS API Reference, AssumeRoleWithSAML, SubjectType).
 */
export function subjectType(format: string): string {
  const prefix = 'urn:oasis:names:tc:SAML:2.0:nameid-format:';
  return format.startsWith(prefix) ? format.slice(prefix.length) : format;
}

/** NameQualifier: BASE64(SHA1(issuer + account id + "/" + provider name)) (STS API Reference). */
export function nameQualifier(issuer: string, account: string, providerName: string): string {
  return createHash('sha1').update(`${issuer}${account}/${providerName}`, 'utf8').digest('base64');
}

/** The replay guard's key: the issuer and the assertion's ID, hashed (nothing of it kept in clear). */
export function assertionKey(assertion: Pick<VerifiedAssertion, 'issuer' | 'id'>): string {
  return createHash('sha256').update(`${assertion.issuer}\u0000${assertion.id}`, 'utf8').digest('hex');
}
