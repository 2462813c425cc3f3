import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samlTrustPolicy, trustFromTemplate, webIdentityTrustPolicy } from './trust-templates.ts';

const OIDC = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const SAML = 'arn:aws:iam::123456789012:saml-provider/Okta';

test('a web identity role trusts the provider for its audience, and a subject when given', () => {
  assert.deepEqual(JSON.parse(webIdentityTrustPolicy(OIDC, 'sts.amazonaws.com')).Statement, [
    {
      Effect: 'Allow',
      Principal: { Federated: OIDC },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
    },
  ]);
  const pattern = JSON.parse(webIdentityTrustPolicy(OIDC, 'sts.amazonaws.com', 'repo:org/repo:*'));
  assert.deepEqual(pattern.Statement[0].Condition.StringLike, {
    'token.actions.githubusercontent.com:sub': 'repo:org/repo:*',
  });
  const exact = JSON.parse(webIdentityTrustPolicy(OIDC, 'aud', 'system:serviceaccount:ns:sa'));
  assert.equal(
    exact.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'],
    'system:serviceaccount:ns:sa',
  );
});

test('a SAML role trusts the provider for assertions addressed to the sign-in endpoint', () => {
  assert.deepEqual(JSON.parse(samlTrustPolicy(SAML)).Statement[0], {
    Effect: 'Allow',
    Principal: { Federated: SAML },
    Action: 'sts:AssumeRoleWithSAML',
    Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
  });
});

test('a template needs a provider of its kind (and an audience for web identity)', () => {
  assert.ok('problem' in trustFromTemplate('web-identity', SAML, 'x', ''));
  assert.ok('problem' in trustFromTemplate('web-identity', OIDC, '', ''));
  assert.ok('problem' in trustFromTemplate('saml', OIDC, '', ''));
  assert.ok('problem' in trustFromTemplate('other', OIDC, '', ''));
  assert.ok('policy' in trustFromTemplate('saml', SAML, '', ''));
});
