// The console's IdP-initiated SAML sign-in (verifySamlForConsole) against a real in-memory SQLite
// store: the roles a verified response offers, one of them assumed once, and never twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iam } from '../iam.ts';
import { IamError } from '../errors.ts';
import type { RoleRecord, SamlProviderRecord } from '../records.ts';
import { roles, samlProviders, usedAssertions } from '../tables.ts';
import { verifySamlForConsole } from './saml.ts';
import { TestIdp } from '../../../test/support/saml-idp.ts';
import { testIam } from '../../../test/support/domain.ts';

const ACCOUNT = '123456789012';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/Corp`;
const ADMINS = `arn:aws:iam::${ACCOUNT}:role/Admins`;
const READERS = `arn:aws:iam::${ACCOUNT}:role/Readers`;
const CONSOLE_SAML = 'https://portcullis.example.com/saml';
const idp = new TestIdp();

const clock = { offsetMs: 0 };

async function setup(): Promise<Iam> {
  clock.offsetMs = 0;
  const iam = testIam({ now: () => new Date(Date.now() + clock.offsetMs) });
  const provider: SamlProviderRecord = {
    id: 'provider-corp',
    account: ACCOUNT,
    arn: PROVIDER,
    name: 'Corp',
    metadataDocument: idp.metadata(),
    validUntil: '2126-01-01T00:00:00Z',
    createdAt: '2026-01-01T00:00:00Z',
    tags: [],
  };
  const role = (id: string, name: string): RoleRecord => ({
    account: ACCOUNT,
    id,
    name,
    path: '/',
    createdAt: '2026-01-01T00:00:00Z',
    trustPolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithSAML' }],
    }),
    maxSessionDuration: 3600,
    tags: [],
    inlinePolicies: {},
  });
  await iam.store.write(async (tx) => {
    await tx.insert(samlProviders, provider);
    await tx.insert(roles, role('AROAADMINSADMINSADMI', 'Admins'));
    await tx.insert(roles, role('AROAREADERSREADERSRE', 'Readers'));
  });
  return iam;
}

const context = { 'aws:SourceIp': '203.0.113.9' };

function replayRefused(error: unknown): boolean {
  return (
    error instanceof IamError &&
    error.code === 'InvalidIdentityToken' &&
    error.message === 'The SAML assertion has already been used.'
  );
}

test('the console lists the verified roles, assumes the chosen one once, and refuses a replay', async () => {
  const iam = await setup();
  const posted = idp.response({
    roles: [`${ADMINS},${PROVIDER}`, `${PROVIDER},${READERS}`],
    roleSessionName: 'alice',
    sessionDuration: '7200',
    recipient: CONSOLE_SAML,
    audience: CONSOLE_SAML,
  });
  const signIn = await verifySamlForConsole(iam, posted, context, { recipient: CONSOLE_SAML });
  assert.deepEqual(signIn.roles, [
    { roleArn: ADMINS, principalArn: PROVIDER },
    { roleArn: READERS, principalArn: PROVIDER },
  ]);
  assert.equal(signIn.sessionDuration, 7200);

  const out = await signIn.assume({ roleArn: READERS, principalArn: PROVIDER });
  assert.equal(
    (out.AssumedRoleUser as { Arn: string }).Arn,
    `arn:aws:sts::${ACCOUNT}:assumed-role/Readers/alice`,
  );
  // The console session is the SessionDuration asked for, beyond the role's MaxSessionDuration
  // (AWS: the limit does not apply to console sessions).
  const expiration = Date.parse((out.Credentials as { Expiration: string }).Expiration);
  assert.ok(expiration - Date.now() > 7000_000);

  await assert.rejects(signIn.assume({ roleArn: ADMINS, principalArn: PROVIDER }), replayRefused);
  await assert.rejects(
    verifySamlForConsole(iam, posted, context, { recipient: CONSOLE_SAML }),
    replayRefused,
  );
});

test('the console refuses a response addressed elsewhere, and a role the response does not offer', async () => {
  const iam = await setup();
  const elsewhere = idp.response({
    roles: [`${ADMINS},${PROVIDER}`],
    recipient: 'https://app.example.com/acs',
  });
  await assert.rejects(
    verifySamlForConsole(iam, elsewhere, context, { recipient: CONSOLE_SAML }),
    (error: unknown) => error instanceof IamError && error.code === 'InvalidIdentityToken',
  );
  const signIn = await verifySamlForConsole(iam, idp.response({ roles: [`${ADMINS},${PROVIDER}`] }), context);
  await assert.rejects(
    signIn.assume({ roleArn: READERS, principalArn: PROVIDER }),
    (error: unknown) => error instanceof IamError && error.code === 'AccessDenied',
  );
});

test('a response naming no provider this store knows is refused', async () => {
  const iam = await setup();
  const stranger = new TestIdp();
  await assert.rejects(
    verifySamlForConsole(
      iam,
      stranger.response({ roles: [`${ADMINS},arn:aws:iam::${ACCOUNT}:saml-provider/Other`] }),
      context,
    ),
    (error: unknown) => error instanceof IamError && error.message === "Specified provider doesn't exist.",
  );
  await assert.rejects(
    verifySamlForConsole(iam, stranger.response({ roles: [`${ADMINS},${PROVIDER}`] }), context),
    (error: unknown) =>
      error instanceof IamError && error.message === 'Issuer not present in specified provider',
  );
});

test('used-assertion marks are swept once the assertion could no longer be accepted anyway', async () => {
  const iam = await setup();
  const first = await verifySamlForConsole(iam, idp.response({ roles: [`${ADMINS},${PROVIDER}`] }), context);
  await first.assume({ roleArn: ADMINS, principalArn: PROVIDER });
  assert.equal(await iam.store.read((tx) => tx.count(usedAssertions)), 1);
  // Eleven minutes on, the first assertion is past redeeming; the next sign-in sweeps its mark.
  clock.offsetMs = 11 * 60_000;
  const second = await verifySamlForConsole(
    iam,
    idp.response({ roles: [`${ADMINS},${PROVIDER}`], now: Date.now() + clock.offsetMs }),
    context,
  );
  await second.assume({ roleArn: ADMINS, principalArn: PROVIDER });
  assert.equal(await iam.store.read((tx) => tx.count(usedAssertions)), 1);
});
