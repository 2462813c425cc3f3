// AssumeRoleWithSAML over the wire, driven by the AWS SDK v3 without credentials (the call is
// unsigned, as on AWS): a throw-away IdP (openssl key, xml-crypto signatures) whose metadata is
// registered with CreateSAMLProvider, roles that trust it, and every way a response is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  PutRolePolicyCommand,
  UpdateSAMLProviderCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleWithSAMLCommand,
  GetCallerIdentityCommand,
  type AssumeRoleWithSAMLCommandInput,
  type AssumeRoleWithSAMLCommandOutput,
} from '@aws-sdk/client-sts';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import {
  TestIdp,
  makeKeyPair,
  setAttribute,
  tamper,
  toBase64,
  type AssertionSpec,
} from '../../support/saml-idp.ts';

const account = ROOT.accountId;
const ROLE = `arn:aws:iam::${account}:role/Federated`;
const UNTRUSTING = `arn:aws:iam::${account}:role/Untrusting`;
const PERSISTENT_ONLY = `arn:aws:iam::${account}:role/PersistentOnly`;
const SESSION_NAME = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let server: Server;
let providerArn: string;
const idp = new TestIdp();
const stranger = new TestIdp('https://stranger.example.com/saml');

before(async () => {
  server = await startServer();
  const iam = server.iam();
  const created = await iam.send(
    new CreateSAMLProviderCommand({ Name: 'Corp', SAMLMetadataDocument: idp.metadata() }),
  );
  providerArn = created.SAMLProviderArn!;
  assert.equal(providerArn, `arn:aws:iam::${account}:saml-provider/Corp`);
  const trusting = (extra: object = {}) =>
    policy([
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'],
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml', ...extra } },
      },
    ]);
  await iam.send(new CreateRoleCommand({ RoleName: 'Federated', AssumeRolePolicyDocument: trusting() }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Federated',
      PolicyName: 'read',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'PersistentOnly',
      AssumeRolePolicyDocument: trusting({ 'SAML:sub_type': 'persistent' }),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Untrusting',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
});
after(async () => {
  await server?.stop();
});

/** A response from the IdP at the server's time, naming the Federated role unless told otherwise. */
function response(spec: AssertionSpec = {}, from: TestIdp = idp): string {
  return from.response({
    roles: [`${ROLE},${providerArn}`, `${providerArn},${UNTRUSTING}`, `${PERSISTENT_ONLY},${providerArn}`],
    roleSessionName: 'alice',
    now: server.now(),
    ...spec,
  });
}

function assume(
  samlAssertion: string,
  extra: Partial<AssumeRoleWithSAMLCommandInput> = {},
): Promise<AssumeRoleWithSAMLCommandOutput> {
  // No credentials: the SDK sends AssumeRoleWithSAML unsigned (its model says noAuth).
  return server.sts().send(
    new AssumeRoleWithSAMLCommand({
      RoleArn: ROLE,
      PrincipalArn: providerArn,
      SAMLAssertion: samlAssertion,
      ...extra,
    }),
  );
}

const temporary = (out: AssumeRoleWithSAMLCommandOutput): Credentials => ({
  accessKeyId: out.Credentials!.AccessKeyId!,
  secretAccessKey: out.Credentials!.SecretAccessKey!,
  sessionToken: out.Credentials!.SessionToken!,
});

async function refused(call: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  const error = await awsError(call);
  assert.equal(error.code, code, error.message);
  if (typeof message === 'string') assert.equal(error.message, message);
  else assert.match(error.message, message);
}

const SIGNATURE = ['InvalidIdentityToken', 'Response signature invalid'] as const;

test('a valid assertion gives credentials that work as the role session', async () => {
  const out = await assume(response({ sourceIdentity: 'alice@example.com' }));
  assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${account}:assumed-role/Federated/alice`);
  assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z0-9]+:alice$/);
  assert.equal(out.Subject, 'alice-persistent-id');
  assert.equal(out.SubjectType, 'persistent');
  assert.equal(out.Issuer, idp.entityId);
  assert.equal(out.Audience, 'https://signin.aws.amazon.com/saml');
  assert.equal(out.SourceIdentity, 'alice@example.com');
  const expected = createHash('sha1').update(`${idp.entityId}${account}/Corp`).digest('base64');
  assert.equal(out.NameQualifier, expected);
  assert.equal(out.PackedPolicySize, undefined);
  assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
  // The default hour.
  const lasts = out.Credentials!.Expiration!.getTime() - server.now();
  assert.ok(lasts > 3500_000 && lasts <= 3600_000, String(lasts));

  const who = await server.sts(temporary(out)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${account}:assumed-role/Federated/alice`);
  assert.equal(who.Account, account);
  const users = await server.iam(temporary(out)).send(new ListUsersCommand({}));
  assert.ok(Array.isArray(users.Users));
});

test('DurationSeconds, capped by SessionNotOnOrAfter and by the role', async () => {
  const out = await assume(response({ sessionNotOnOrAfter: 1200 }), { DurationSeconds: 3600 });
  const lasts = out.Credentials!.Expiration!.getTime() - server.now();
  assert.ok(lasts > 1100_000 && lasts <= 1200_000, String(lasts));
  await refused(
    assume(response(), { DurationSeconds: 7200 }),
    'ValidationError',
    'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  );
});

test('session policies narrow the session; a malformed one is MalformedPolicyDocument', async () => {
  const out = await assume(response(), {
    Policy: policy([{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }]),
  });
  assert.ok(out.PackedPolicySize! > 0);
  const denied = await awsError(server.iam(temporary(out)).send(new ListUsersCommand({})));
  assert.equal(denied.code, 'AccessDenied');
  const malformed = await awsError(assume(response(), { Policy: '{"Version":"2012-10-17"}' }));
  assert.equal(malformed.code, 'MalformedPolicyDocument');
});

test('a signed response, and both signed, are accepted too', async () => {
  assert.ok((await assume(response({ sign: 'response' }))).Credentials);
  assert.ok((await assume(response({ sign: 'both' }))).Credentials);
});

test('altered after signing, unsigned, or signed by another key: refused', async () => {
  const xml = idp.responseXml({
    roles: [`${ROLE},${providerArn}`],
    roleSessionName: 'alice',
    now: server.now(),
  });
  await refused(assume(toBase64(tamper.alter(xml, '>alice<', '>admin<'))), ...SIGNATURE);
  await refused(assume(toBase64(tamper.unsign(xml))), ...SIGNATURE);
  await refused(assume(response({ sign: 'none' })), ...SIGNATURE);
  await refused(assume(response({ signingKey: makeKeyPair('mallory') })), ...SIGNATURE);
});

test('signature wrapping: an unsigned evil assertion beside or around the signed one is refused', async () => {
  const evil = setAttribute(SESSION_NAME, 'mallory');
  const spec = { roles: [`${ROLE},${providerArn}`], roleSessionName: 'alice', now: server.now() };
  const signed = idp.responseXml(spec);
  const responseSigned = idp.responseXml({ ...spec, sign: 'response' });
  for (const xml of [
    tamper.evilBeside(signed, evil),
    tamper.evilBeside(signed, evil, true),
    tamper.evilAround(signed, evil),
    tamper.evilWithHiddenOriginal(signed, evil, 'signature-object'),
    tamper.evilWithHiddenOriginal(signed, evil, 'extensions'),
    tamper.evilResponse(responseSigned, evil, 'in-signature'),
    tamper.evilResponse(responseSigned, evil, 'beside'),
  ]) {
    await refused(assume(toBase64(xml)), ...SIGNATURE);
  }
});

test('expired, not yet valid, too old to redeem: refused', async () => {
  await refused(
    assume(response({ notOnOrAfter: -600, notBefore: -900, issuedAt: -240 })),
    'ExpiredTokenException',
    'The SAML assertion has expired.',
  );
  await refused(
    assume(response({ now: server.now() + 3600_000 })),
    'InvalidIdentityToken',
    'The SAML assertion is not yet valid.',
  );
  await refused(
    assume(response({ issuedAt: -1200, notBefore: -1200, notOnOrAfter: 3600 })),
    'ExpiredTokenException',
    'Token must be redeemed within 5 minutes of issuance',
  );
});

test('wrong audience, wrong recipient, an issuer that is not the provider: refused', async () => {
  const audience = ['InvalidIdentityToken', 'Response does not contain the required audience.'] as const;
  await refused(assume(response({ audience: 'https://app.example.com' })), ...audience);
  await refused(assume(response({ recipient: 'https://app.example.com/acs' })), ...audience);
  await refused(
    assume(response({}, stranger)),
    'InvalidIdentityToken',
    'Issuer not present in specified provider',
  );
});

test('a role the assertion does not name, an unknown provider, an untrusting role: refused', async () => {
  await refused(
    assume(response({ roles: [`${UNTRUSTING},${providerArn}`] })),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  await refused(
    assume(response(), { PrincipalArn: `arn:aws:iam::${account}:saml-provider/Nobody` }),
    'InvalidIdentityToken',
    "Specified provider doesn't exist.",
  );
  await refused(
    assume(response(), { PrincipalArn: `arn:aws:iam::111122223333:saml-provider/Corp` }),
    'ValidationError',
    'Principal exists outside the account of the Role being assumed.',
  );
  await refused(
    assume(response(), { RoleArn: UNTRUSTING }),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  await refused(
    assume(response(), { RoleArn: `arn:aws:iam::${account}:role/Missing` }),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  await refused(assume(response(), { RoleArn: providerArn }), 'ValidationError', 'Request ARN is invalid');
});

test('trust policy conditions see the saml: keys; session tags need sts:TagSession', async () => {
  assert.ok((await assume(response(), { RoleArn: PERSISTENT_ONLY })).Credentials);
  await refused(
    assume(response({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }), {
      RoleArn: PERSISTENT_ONLY,
    }),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  await refused(
    assume(response({ tags: { Project: 'blue' } })),
    'AccessDenied',
    'Not authorized to perform sts:TagSession',
  );
});

test('PrincipalTag attributes become session tags that policies see as aws:PrincipalTag', async () => {
  const iam = server.iam();
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Tagged',
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
          Condition: { StringEquals: { 'aws:RequestTag/Project': 'blue' } },
        },
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Tagged',
      PolicyName: 'blue-only',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/Project': 'blue' } },
        },
      ]),
    }),
  );
  const tagged = `arn:aws:iam::${account}:role/Tagged`;
  const out = await assume(response({ roles: [`${tagged},${providerArn}`], tags: { Project: 'blue' } }), {
    RoleArn: tagged,
  });
  assert.ok(Array.isArray((await server.iam(temporary(out)).send(new ListUsersCommand({}))).Users));
  await refused(
    assume(response({ roles: [`${tagged},${providerArn}`], tags: { Project: 'red' } }), { RoleArn: tagged }),
    'AccessDenied',
    // The request's tags are in the context of both actions the statement allows.
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
});

test('RoleSessionName is required', async () => {
  await refused(
    assume(response({ roleSessionName: null })),
    'InvalidIdentityToken',
    'RoleSessionName is required in AuthnResponse',
  );
});

test('an assertion is accepted once: a replay is refused', async () => {
  const once = response();
  assert.ok((await assume(once)).Credentials);
  await refused(assume(once), 'InvalidIdentityToken', 'The SAML assertion has already been used.');
  // Even for another role the assertion names.
  await refused(
    assume(once, { RoleArn: PERSISTENT_ONLY }),
    'InvalidIdentityToken',
    'The SAML assertion has already been used.',
  );
});

test('the same assertion sent many times at once gives credentials exactly once', async () => {
  const once = response();
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => assume(once)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) {
    if (r.status === 'rejected') {
      const error = r.reason as { name: string; message: string };
      assert.equal(error.message, 'The SAML assertion has already been used.');
    }
  }
});

test('a large assertion (verified off the request thread) works like a small one', async () => {
  const many = Array.from({ length: 250 }, (_, i) => `arn:aws:iam::${account}:role/Team${i},${providerArn}`);
  const large = response({ roles: [...many, `${ROLE},${providerArn}`] });
  assert.ok(large.length > 20_000 && large.length < 100_000, String(large.length));
  assert.equal(
    (await assume(large)).AssumedRoleUser!.Arn,
    `arn:aws:sts::${account}:assumed-role/Federated/alice`,
  );
  await refused(assume(large), 'InvalidIdentityToken', 'The SAML assertion has already been used.');
  const altered = Buffer.from(large, 'base64').toString('utf8').replace('>alice<', '>admin<');
  await refused(assume(toBase64(altered)), ...SIGNATURE);
});

test('encrypted assertions: decrypted with the provider’s private key; required, plain ones are refused', async () => {
  const sp = makeKeyPair('portcullis-sp');
  const iam = server.iam();
  await iam.send(
    new UpdateSAMLProviderCommand({
      SAMLProviderArn: providerArn,
      AddPrivateKey: sp.privateKeyPem,
      AssertionEncryptionMode: 'Required',
    }),
  );
  try {
    const encrypted = response({ encryptFor: { certificatePem: sp.certificatePem } });
    assert.equal(
      (await assume(encrypted)).AssumedRoleUser!.Arn,
      `arn:aws:sts::${account}:assumed-role/Federated/alice`,
    );
    await refused(
      assume(response()),
      'InvalidIdentityToken',
      'The SAML provider requires encrypted assertions.',
    );
    await refused(
      assume(response({ encryptFor: { certificatePem: makeKeyPair('elsewhere').certificatePem } })),
      'InvalidIdentityToken',
      'Failed to decrypt the SAML assertion.',
    );
  } finally {
    await iam.send(
      new UpdateSAMLProviderCommand({ SAMLProviderArn: providerArn, AssertionEncryptionMode: 'Allowed' }),
    );
  }
  assert.ok((await assume(response())).Credentials);
});

test('a malformed or oversized SAMLAssertion is an AWS-shaped error, not a crash', async () => {
  await refused(assume('AAAA'), 'InvalidIdentityToken', 'Invalid SAML response');
  await refused(
    assume(toBase64(tamper.doctype(idp.responseXml()))),
    'InvalidIdentityToken',
    'Invalid SAML response',
  );
  const tooLong = await awsError(assume('A'.repeat(100_004)));
  assert.equal(tooLong.code, 'ValidationError');
});

test('nothing of an assertion or its signature is logged or kept in clear', async () => {
  const xml = idp.responseXml({
    roles: [`${ROLE},${providerArn}`],
    roleSessionName: 'alice',
    now: server.now(),
  });
  const signatureValue = /<ds:SignatureValue>([^<]{40})/.exec(xml)![1]!;
  const assertionId = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(xml)![1]!;
  const samlAssertion = toBase64(xml);
  assert.ok((await assume(samlAssertion)).Credentials);
  await refused(assume(samlAssertion), 'InvalidIdentityToken', 'The SAML assertion has already been used.');
  const stored = (await server.storedBytes()).toString('latin1');
  for (const secret of [signatureValue, assertionId, samlAssertion.slice(0, 60)]) {
    assert.ok(!server.output().includes(secret), 'logged');
    assert.ok(!stored.includes(secret), 'stored');
  }
});

test('trust policies see saml:iss, saml:sub, saml:namequalifier and saml:edupersonprincipalname', async () => {
  const iam = server.iam();
  const EPPN = 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6';
  const namequalifier = createHash('sha1').update(`${idp.entityId}${account}/Corp`).digest('base64');
  // Each key: the value the assertion carries, and another a trust policy may ask for instead.
  const keys: [key: string, name: string, value: string, other: string][] = [
    ['saml:iss', 'Iss', idp.entityId, 'https://other-idp.example.com/saml'],
    ['saml:sub', 'Sub', 'alice-persistent-id', 'bob-persistent-id'],
    ['saml:namequalifier', 'NameQualifier', namequalifier, createHash('sha1').update('x').digest('base64')],
    ['saml:edupersonprincipalname', 'Eppn', 'alice@example.edu', 'bob@example.edu'],
  ];
  const trusting = (key: string, value: string) =>
    policy([
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithSAML',
        Condition: { StringEquals: { [key]: value } },
      },
    ]);
  for (const [key, name, value, other] of keys) {
    await iam.send(
      new CreateRoleCommand({ RoleName: `Key${name}`, AssumeRolePolicyDocument: trusting(key, value) }),
    );
    await iam.send(
      new CreateRoleCommand({ RoleName: `Key${name}Other`, AssumeRolePolicyDocument: trusting(key, other) }),
    );
  }
  const roleOf = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const assertionFor = (role: string, spec: AssertionSpec = {}) =>
    response({
      roles: [`${roleOf(role)},${providerArn}`],
      attributes: { [EPPN]: ['alice@example.edu'] },
      ...spec,
    });
  for (const [key, name] of keys) {
    const ok = await assume(assertionFor(`Key${name}`), { RoleArn: roleOf(`Key${name}`) });
    assert.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${account}:assumed-role/Key${name}/alice`, key);
    await refused(
      assume(assertionFor(`Key${name}Other`), { RoleArn: roleOf(`Key${name}Other`) }),
      'AccessDenied',
      'Not authorized to perform sts:AssumeRoleWithSAML',
    );
  }
  // The assertion's own values decide: another subject, another principal name, are refused.
  await refused(
    assume(assertionFor('KeySub', { nameId: 'bob-persistent-id' }), { RoleArn: roleOf('KeySub') }),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  await refused(
    assume(assertionFor('KeyEppn', { attributes: { [EPPN]: ['bob@example.edu'] } }), {
      RoleArn: roleOf('KeyEppn'),
    }),
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithSAML',
  );
  assert.ok(
    (
      await assume(assertionFor('KeyEppnOther', { attributes: { [EPPN]: ['bob@example.edu'] } }), {
        RoleArn: roleOf('KeyEppnOther'),
      })
    ).Credentials,
  );
});

// Last in this file: it moves the server's clock past the metadata's ValidUntil.
test("an assertion arriving after the provider metadata's ValidUntil is refused", async () => {
  const iam = server.iam();
  const shortLived = new TestIdp('https://short-lived.example.com/saml');
  const validUntil = new Date(server.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const created = await iam.send(
    new CreateSAMLProviderCommand({
      Name: 'ShortLived',
      SAMLMetadataDocument: shortLived.metadata({ validUntil }),
    }),
  );
  const arn = created.SAMLProviderArn!;
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ShortLivedRole',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithSAML' },
      ]),
    }),
  );
  const role = `arn:aws:iam::${account}:role/ShortLivedRole`;
  const fresh = () =>
    shortLived.response({ roles: [`${role},${arn}`], roleSessionName: 'alice', now: server.now() });
  assert.ok((await assume(fresh(), { RoleArn: role, PrincipalArn: arn })).Credentials);
  await server.advanceClock(3601);
  await refused(
    assume(fresh(), { RoleArn: role, PrincipalArn: arn }),
    'InvalidIdentityToken',
    'The SAML provider metadata has expired.',
  );
});
