// AssumeRoleWithWebIdentity through the AWS SDK v3 against a real loopback OIDC issuer (its TLS
// certificate from a private CA, trusted through the provider's thumbprint): a valid token gets
// working credentials, and every way a token can be wrong is refused with STS's code and message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  ListUsersCommand,
  GetRoleCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleWithWebIdentityCommandInput,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { base64url, type JWTPayload } from 'jose';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { startOidcIssuer, type OidcIssuer } from '../../support/oidc-issuer.ts';

const ACCOUNT = ROOT.accountId;
const AUDIENCE = 'sts.amazonaws.com';
const NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

let server: Server;
let issuer: OidcIssuer;
/** A second issuer whose provider lists a thumbprint that matches nothing it presents. */
let mistrusted: OidcIssuer;
let anonymous: STSClient;
const providerArn = (i: OidcIssuer) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${i.host}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** Tokens carry the server's time (the test clock may be ahead of the wall clock). */
const times = () => {
  const now = Math.floor(server.now() / 1000);
  return { iat: now, exp: now + 300 };
};
const token = (claims: JWTPayload = {}, i = issuer) =>
  i.mint({ sub: 'repo:org/repo:ref:refs/heads/main', aud: AUDIENCE, ...times(), ...claims });

function assume(input: Partial<AssumeRoleWithWebIdentityCommandInput> & { WebIdentityToken: string }) {
  return anonymous.send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn('web'), RoleSessionName: 'job-1', ...input }),
  );
}

before(async () => {
  [server, issuer, mistrusted] = await Promise.all([startServer(), startOidcIssuer(), startOidcIssuer()]);
  // No credentials at all: the call is unsigned, as the SDK sends it.
  anonymous = new STSClient({
    endpoint: server.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: () => Promise.reject(new Error('AssumeRoleWithWebIdentity must not need credentials')),
  });
  const iam = server.iam();
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: issuer.url,
      ClientIDList: [AUDIENCE],
      ThumbprintList: [issuer.caThumbprint],
    }),
  );
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: mistrusted.url,
      ClientIDList: [AUDIENCE],
      ThumbprintList: ['0'.repeat(40)],
    }),
  );
  const trust = (i: OidcIssuer, condition: object) =>
    policy([
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn(i) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ]);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'web',
      AssumeRolePolicyDocument: trust(issuer, { StringEquals: { [`${issuer.host}:aud`]: AUDIENCE } }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'web',
      PolicyName: 'read',
      PolicyDocument: policy([{ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetRole'], Resource: '*' }]),
    }),
  );
  // GitHub Actions: one repository's main branch may deploy.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'deploy',
      AssumeRolePolicyDocument: trust(issuer, {
        StringEquals: { [`${issuer.host}:aud`]: AUDIENCE },
        StringLike: { [`${issuer.host}:sub`]: 'repo:org/repo:ref:refs/heads/main' },
      }),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'mistrusted',
      AssumeRolePolicyDocument: trust(mistrusted, {}),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'untrusting',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
});
after(async () => {
  anonymous?.destroy();
  await server?.stop();
  await issuer?.close();
  await mistrusted?.close();
});

test('a valid token gets credentials that work as the role session', async () => {
  const jwt = await token();
  const got = await assume({ WebIdentityToken: jwt });
  assert.equal(got.SubjectFromWebIdentityToken, 'repo:org/repo:ref:refs/heads/main');
  assert.equal(got.Provider, providerArn(issuer));
  assert.equal(got.Audience, AUDIENCE);
  assert.equal(got.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/web/job-1`);
  const role = (await server.iam().send(new GetRoleCommand({ RoleName: 'web' }))).Role!;
  const roleId = role.RoleId!;
  assert.ok(role.RoleLastUsed?.LastUsedDate, "the role's last use is recorded");
  assert.equal(got.AssumedRoleUser?.AssumedRoleId, `${roleId}:job-1`);
  assert.match(got.Credentials!.AccessKeyId!, /^ASIA/);
  const lifetime = got.Credentials!.Expiration!.getTime() - server.now();
  assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, `lasts an hour by default (${lifetime} ms)`);

  const session = temporary(got.Credentials);
  const identity = await server.sts(session).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/web/job-1`);
  assert.equal(identity.UserId, `${roleId}:job-1`);
  await server.iam(session).send(new ListUsersCommand({}));

  // Neither the token nor its signature is logged or kept.
  const signature = jwt.split('.')[2]!;
  assert.ok(!server.output().includes(signature));
  assert.ok(!(await server.storedBytes()).includes(Buffer.from(signature)));
});

test('duration and session policies are those of AssumeRole', async () => {
  const short = await assume({ WebIdentityToken: await token(), DurationSeconds: 900 });
  const lifetime = short.Credentials!.Expiration!.getTime() - server.now();
  assert.ok(lifetime > 800_000 && lifetime <= 900_000);
  assert.deepEqual(await awsError(assume({ WebIdentityToken: await token(), DurationSeconds: 7200 })), {
    code: 'ValidationError',
    message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    status: 400,
  });
  const limited = await assume({
    WebIdentityToken: await token(),
    Policy: policy([{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }]),
  });
  assert.ok((limited.PackedPolicySize ?? 0) > 0);
  const session = server.iam(temporary(limited.Credentials));
  await session.send(new GetRoleCommand({ RoleName: 'web' }));
  assert.equal((await awsError(session.send(new ListUsersCommand({})))).code, 'AccessDenied');
});

test('forged, altered, unsigned and HMAC-confused tokens are InvalidIdentityToken', async () => {
  const stray = await issuer.strayKey();
  const current = await token();
  const [header, payload, signature] = current.split('.') as [string, string, string];
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as JWTPayload;
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  const tampered = [
    // Signed by a key the issuer does not publish, under the issuer's key id.
    await issuer.mint(
      { sub: 'x', aud: AUDIENCE, ...times() },
      { key: stray, kid: JSON.parse(new TextDecoder().decode(base64url.decode(header))).kid },
    ),
    `${header}.${encode({ ...claims, sub: 'repo:org/other:ref:refs/heads/main' })}.${signature}`,
    `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    `${encode({ alg: 'HS256', typ: 'JWT' })}.${payload}.${signature}`,
    'eyJub3QiOiJhIGp3dCJ9.e30.c2ln',
  ];
  for (const jwt of tampered) {
    const error = await awsError(assume({ WebIdentityToken: jwt }));
    assert.equal(error.code, 'InvalidIdentityToken', jwt);
    assert.equal(error.status, 400);
  }
});

test('expired, not yet valid and wrongly addressed tokens are refused as STS refuses them', async () => {
  const now = Math.floor(server.now() / 1000);
  const expired = await awsError(
    assume({ WebIdentityToken: await token({ iat: now - 1000, exp: now - 600 }) }),
  );
  assert.equal(expired.code, 'ExpiredTokenException');
  assert.equal(expired.status, 400);
  assert.match(
    expired.message,
    /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
  );
  const early = await awsError(
    assume({ WebIdentityToken: await token({ nbf: now + 3600, exp: now + 7200 }) }),
  );
  assert.equal(early.code, 'InvalidIdentityToken');
  assert.deepEqual(await awsError(assume({ WebIdentityToken: await token({ aud: 'someone-else' }) })), {
    code: 'InvalidIdentityToken',
    message: 'Incorrect token audience',
    status: 400,
  });
  assert.deepEqual(
    await awsError(assume({ WebIdentityToken: await token({ iss: 'https://unknown.example.com' }) })),
    {
      code: 'InvalidIdentityToken',
      message: 'No OpenIDConnect provider found in your account for https://unknown.example.com',
      status: 400,
    },
  );
});

test("an issuer whose TLS chain holds none of the provider's thumbprints is not asked for keys", async () => {
  const attempt = async () =>
    assume({ RoleArn: roleArn('mistrusted'), WebIdentityToken: await token({}, mistrusted) });
  assert.deepEqual(await awsError(attempt()), {
    code: 'InvalidIdentityToken',
    message: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    status: 400,
  });
  assert.equal(mistrusted.jwksFetches(), 0);
  await server.iam().send(
    new UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: providerArn(mistrusted),
      ThumbprintList: [mistrusted.caThumbprint],
    }),
  );
  const got = await attempt();
  assert.equal(got.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/mistrusted/job-1`);
});

test('an issuer that cannot be reached is IDPCommunicationError; one that answers without keys is InvalidIdentityToken', async () => {
  const iam = server.iam();
  const [down, broken] = await Promise.all([startOidcIssuer(), startOidcIssuer()]);
  try {
    for (const i of [down, broken]) {
      await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: i.url,
          ClientIDList: [AUDIENCE],
          ThumbprintList: [i.caThumbprint],
        }),
      );
      await iam.send(
        new CreateRoleCommand({
          RoleName: `web-${i === down ? 'down' : 'broken'}`,
          AssumeRolePolicyDocument: policy([
            {
              Effect: 'Allow',
              Principal: { Federated: providerArn(i) },
              Action: 'sts:AssumeRoleWithWebIdentity',
            },
          ]),
        }),
      );
    }
    // Minted while the issuer still runs; it is gone when STS asks it for keys.
    const downToken = await token({}, down);
    await down.close();
    assert.deepEqual(await awsError(assume({ RoleArn: roleArn('web-down'), WebIdentityToken: downToken })), {
      code: 'IDPCommunicationError',
      message: 'The identity provider could not be reached to retrieve its verification keys; try again.',
      status: 400,
    });
    broken.serve('jwks-500');
    assert.deepEqual(
      await awsError(assume({ RoleArn: roleArn('web-broken'), WebIdentityToken: await token({}, broken) })),
      {
        code: 'InvalidIdentityToken',
        message:
          "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
        status: 400,
      },
    );
  } finally {
    await broken.close();
  }
});

test('a ProviderId (an OAuth 2.0 provider asked to vouch for an access token) is IDPRejectedClaim', async () => {
  const error = await awsError(assume({ WebIdentityToken: await token(), ProviderId: 'www.amazon.com' }));
  assert.equal(error.code, 'IDPRejectedClaim');
  assert.equal(error.status, 403);
});

test('a role whose trust policy does not trust the provider, or no role, is AccessDenied', async () => {
  for (const name of ['untrusting', 'no-such-role']) {
    assert.deepEqual(await awsError(assume({ RoleArn: roleArn(name), WebIdentityToken: await token() })), {
      code: 'AccessDenied',
      message: NOT_AUTHORIZED,
      status: 403,
    });
  }
});

test('a GitHub Actions token assumes the role for its repository and branch only', async () => {
  const github = (sub: string) =>
    token({
      sub,
      aud: AUDIENCE,
      repository: 'org/repo',
      ref: 'refs/heads/main',
      job_workflow_ref: 'org/repo/.github/workflows/deploy.yml@refs/heads/main',
    });
  const main = await assume({
    RoleArn: roleArn('deploy'),
    RoleSessionName: 'GitHubActions',
    WebIdentityToken: await github('repo:org/repo:ref:refs/heads/main'),
  });
  assert.equal(main.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/GitHubActions`);
  for (const sub of ['repo:org/repo:ref:refs/heads/feature', 'repo:org/other:ref:refs/heads/main']) {
    assert.deepEqual(
      await awsError(assume({ RoleArn: roleArn('deploy'), WebIdentityToken: await github(sub) })),
      { code: 'AccessDenied', message: NOT_AUTHORIZED, status: 403 },
    );
  }
});

test('after the issuer rotates its key, a token with the new key id makes the keys be fetched again', async () => {
  await assume({ WebIdentityToken: await token() });
  const old = await token();
  const fetches = issuer.jwksFetches();
  await issuer.rotate('ES256');
  // The keys were fetched moments ago; a refresh is honoured once the short interval has passed.
  await server.advanceClock(11);
  const rotated = await assume({ WebIdentityToken: await token() });
  assert.equal(rotated.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/web/job-1`);
  assert.equal(issuer.jwksFetches(), fetches + 1);
  // The retired key is no longer published.
  assert.equal((await awsError(assume({ WebIdentityToken: old }))).code, 'InvalidIdentityToken');
});

test("the token's session tags and source identity need the trust policy's sts:TagSession and sts:SetSourceIdentity", async () => {
  const iam = server.iam();
  const statement = (actions: string[]) => ({
    Effect: 'Allow',
    Principal: { Federated: providerArn(issuer) },
    Action: actions,
    Condition: { StringEquals: { 'aws:FederatedProvider': providerArn(issuer) } },
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'tagged',
      AssumeRolePolicyDocument: policy([
        statement(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity']),
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'tagged',
      PolicyName: 'blue-team-reads',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } },
        },
      ]),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'untagged',
      AssumeRolePolicyDocument: policy([statement(['sts:AssumeRoleWithWebIdentity'])]),
    }),
  );
  const claims = (team: string) => ({
    'https://aws.amazon.com/tags': { principal_tags: { team: [team] }, transitive_tag_keys: ['team'] },
    'https://aws.amazon.com/source_identity': 'alice@example.com',
  });

  const blue = await assume({ RoleArn: roleArn('tagged'), WebIdentityToken: await token(claims('blue')) });
  assert.equal(blue.SourceIdentity, 'alice@example.com');
  await server.iam(temporary(blue.Credentials)).send(new ListUsersCommand({}));
  const red = await assume({ RoleArn: roleArn('tagged'), WebIdentityToken: await token(claims('red')) });
  assert.equal(
    (await awsError(server.iam(temporary(red.Credentials)).send(new ListUsersCommand({})))).code,
    'AccessDenied',
  );

  assert.deepEqual(
    await awsError(assume({ RoleArn: roleArn('untagged'), WebIdentityToken: await token(claims('blue')) })),
    { code: 'AccessDenied', message: 'Not authorized to perform sts:TagSession', status: 403 },
  );
  await assume({ RoleArn: roleArn('untagged'), WebIdentityToken: await token() });
  const malformed = await awsError(
    assume({
      RoleArn: roleArn('tagged'),
      WebIdentityToken: await token({ 'https://aws.amazon.com/tags': { principal_tags: { team: [1] } } }),
    }),
  );
  assert.equal(malformed.code, 'InvalidIdentityToken');
});

test('whatever a raw unsigned request carries, the answer is an STS error, never a 500', async () => {
  const post = async (params: Record<string, string>) => {
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      ...params,
    });
    const response = await fetch(server.url, { method: 'POST', body });
    const text = await response.text();
    return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
  };
  const valid = { RoleArn: roleArn('web'), RoleSessionName: 'raw', WebIdentityToken: await token() };
  assert.equal((await post(valid)).status, 200);
  const cases: [Record<string, string>, string][] = [
    [{ ...valid, WebIdentityToken: 'a.b.c' }, 'InvalidIdentityToken'],
    [{ ...valid, WebIdentityToken: `${'x'.repeat(19_000)}.e30.` }, 'InvalidIdentityToken'],
    [{ ...valid, WebIdentityToken: 'x'.repeat(20_001) }, 'ValidationError'],
    [{ ...valid, RoleArn: 'arn:aws:iam::123:role' }, 'ValidationError'],
    [{ ...valid, RoleSessionName: 'has space' }, 'ValidationError'],
    [{ ...valid, DurationSeconds: 'soon' }, 'MalformedInput'],
    [{ ...valid, Policy: '{not json' }, 'MalformedPolicyDocument'],
    [{ RoleArn: roleArn('web'), RoleSessionName: 'raw' }, 'ValidationError'],
  ];
  for (const [params, code] of cases) {
    const answer = await post(params);
    assert.equal(answer.code, code, JSON.stringify(params).slice(0, 120));
    assert.ok(answer.status >= 400 && answer.status < 500);
  }
});

test('trust policies see <provider>:amr, <provider>:oaud and sts:RoleSessionName', async () => {
  const iam = server.iam();
  const host = issuer.host;
  const trusting = (condition: object) =>
    policy([
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn(issuer) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ]);
  // Each role: a condition on one key that the token (or the request) either meets or not.
  const roles: [name: string, condition: object][] = [
    ['amr-mfa', { 'ForAnyValue:StringEquals': { [`${host}:amr`]: 'mfa' } }],
    // With azp, :aud is the authorized party and :oaud the token's own aud (IAM User Guide,
    // "Available keys for AWS OIDC federation").
    ['oaud-app', { StringEquals: { [`${host}:aud`]: AUDIENCE, [`${host}:oaud`]: 'app.example.com' } }],
    ['session-name', { StringLike: { 'sts:RoleSessionName': 'ci-*' } }],
  ];
  for (const [name, condition] of roles) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trusting(condition) }));
  }
  const denied = async (input: Parameters<typeof assume>[0]) =>
    assert.deepEqual(await awsError(assume(input)), {
      code: 'AccessDenied',
      message: NOT_AUTHORIZED,
      status: 403,
    });

  const amr = roleArn('amr-mfa');
  assert.ok(
    (await assume({ RoleArn: amr, WebIdentityToken: await token({ amr: ['pwd', 'mfa'] }) })).Credentials,
  );
  await denied({ RoleArn: amr, WebIdentityToken: await token({ amr: ['pwd'] }) });
  await denied({ RoleArn: amr, WebIdentityToken: await token() });

  const oaud = roleArn('oaud-app');
  const withAzp = (aud: string) => token({ azp: AUDIENCE, aud });
  const out = await assume({ RoleArn: oaud, WebIdentityToken: await withAzp('app.example.com') });
  assert.equal(out.Audience, AUDIENCE);
  await denied({ RoleArn: oaud, WebIdentityToken: await withAzp('other.example.com') });
  // Without azp there is no :oaud at all.
  await denied({ RoleArn: oaud, WebIdentityToken: await token() });

  const named = roleArn('session-name');
  assert.ok(
    (await assume({ RoleArn: named, RoleSessionName: 'ci-42', WebIdentityToken: await token() })).Credentials,
  );
  await denied({ RoleArn: named, RoleSessionName: 'laptop', WebIdentityToken: await token() });
});
