// The context keys a role's trust policy sees for AssumeRoleWithSAML (IAM User Guide, "Configure
// SAML assertions for the authentication response", Mapping SAML attributes to AWS trust policy
// context keys; and "Available keys for SAML-based AWS STS federation"): saml:aud, saml:iss,
// saml:sub, saml:sub_type, saml:namequalifier, saml:doc, and the eduPerson, eduOrg and X.500
// attributes, each keyed by the attribute's OID name (urn:oid:…) in the assertion.
import type { ContextValue } from '../../policy/index.ts';
import { nameQualifier, subjectType, type VerifiedAssertion } from './saml-response.ts';

/** Attribute Name (OID URN) → context key, and whether the key holds a list. */
const ATTRIBUTE_KEYS: Readonly<Record<string, readonly [key: string, list: boolean]>> = {
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': ['saml:edupersonaffiliation', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.2': ['saml:edupersonnickname', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.3': ['saml:edupersonorgdn', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.4': ['saml:edupersonorgunitdn', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.5': ['saml:edupersonprimaryaffiliation', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': ['saml:edupersonprincipalname', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': ['saml:edupersonentitlement', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.8': ['saml:edupersonprimaryorgunitdn', false],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': ['saml:edupersonscopedaffiliation', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': ['saml:edupersontargetedid', true],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.11': ['saml:edupersonassurance', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.2': ['saml:eduorghomepageuri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.3': ['saml:eduorgidentityauthnpolicyuri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.4': ['saml:eduorglegalname', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.5': ['saml:eduorgsuperioruri', true],
  'urn:oid:1.3.6.1.4.1.5923.1.2.1.6': ['saml:eduorgwhitepagesuri', true],
  'urn:oid:2.5.4.3': ['saml:cn', true],
  'urn:oid:2.5.4.4': ['saml:surname', false],
  'urn:oid:2.5.4.42': ['saml:givenName', false],
  'urn:oid:2.5.4.45': ['saml:x500UniqueIdentifier', false],
  'urn:oid:0.9.2342.19200300.100.1.1': ['saml:uid', false],
  'urn:oid:0.9.2342.19200300.100.1.3': ['saml:mail', false],
};

/** The saml:* context keys of a verified assertion presented for a provider of `account`. */
export function samlContextKeys(
  assertion: VerifiedAssertion,
  account: string,
  providerName: string,
): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {
    // saml:aud comes from the Recipient, not the Audience (IAM User Guide).
    'saml:aud': assertion.recipient,
    'saml:iss': assertion.issuer,
    'saml:sub': assertion.subject,
    'saml:sub_type': subjectType(assertion.subjectFormat),
    'saml:namequalifier': nameQualifier(assertion.issuer, account, providerName),
    'saml:doc': `${account}/${providerName}`,
  };
  for (const [name, values] of assertion.attributes) {
    const mapped = ATTRIBUTE_KEYS[name];
    if (!mapped || values.length === 0) continue;
    const [key, list] = mapped;
    context[key] = list ? [...values] : values[0]!;
  }
  if (assertion.attributes.has('urn:oid:2.5.4.3'))
    context['saml:commonName'] = assertion.attributes.get('urn:oid:2.5.4.3')![0]!;
  return context;
}
