// The role wizard's trust templates, as AWS's console writes them ("Create a role for OpenID
// Connect federation", "Create a role for SAML 2.0 federation", IAM User Guide): a web identity
// role trusts the OIDC provider for sts:AssumeRoleWithWebIdentity when the token's audience (and,
// if given, its subject) match; a SAML role trusts the SAML provider for sts:AssumeRoleWithSAML
// when the assertion's audience is the AWS sign-in endpoint.

/** The audience a SAML assertion for console or API access names (SAML:aud). */
export const SAML_AUDIENCE = 'https://signin.aws.amazon.com/saml';

export type TrustTemplate = 'web-identity' | 'saml';

/** The provider's part of its context keys: its ARN after `oidc-provider/` (host and path). */
function oidcKeyPrefix(providerArn: string): string {
  return providerArn.replace(/^arn:[^:]*:iam::\d{12}:oidc-provider\//, '');
}

export function webIdentityTrustPolicy(providerArn: string, audience: string, subject = ''): string {
  const prefix = oidcKeyPrefix(providerArn);
  const condition: Record<string, Record<string, string>> = {
    StringEquals: { [`${prefix}:aud`]: audience },
  };
  if (subject !== '') {
    // A pattern (GitHub's repo:org/repo:*) needs StringLike; an exact subject stays StringEquals.
    if (/[*?]/.test(subject)) condition.StringLike = { [`${prefix}:sub`]: subject };
    else condition.StringEquals![`${prefix}:sub`] = subject;
  }
  return document({
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: condition,
  });
}

export function samlTrustPolicy(providerArn: string): string {
  return document({
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithSAML',
    Condition: { StringEquals: { 'SAML:aud': SAML_AUDIENCE } },
  });
}

function document(statement: Record<string, unknown>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 2);
}

/** The template's trust policy, or what is missing to write it. */
export function trustFromTemplate(
  template: string,
  providerArn: string,
  audience: string,
  subject: string,
): { policy: string } | { problem: string } {
  const kind = /:oidc-provider\//.test(providerArn)
    ? 'web-identity'
    : /:saml-provider\//.test(providerArn)
      ? 'saml'
      : '';
  if (template === 'web-identity') {
    if (kind !== 'web-identity')
      return { problem: 'Choose an OpenID Connect provider for a web identity role.' };
    if (audience === '') return { problem: 'Type the audience (client ID) the tokens carry.' };
    return { policy: webIdentityTrustPolicy(providerArn, audience, subject) };
  }
  if (template === 'saml') {
    if (kind !== 'saml') return { problem: 'Choose a SAML provider for a SAML 2.0 federation role.' };
    return { policy: samlTrustPolicy(providerArn) };
  }
  return { problem: 'Choose a trusted entity type.' };
}
