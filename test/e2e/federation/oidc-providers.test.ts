// IAM OpenID Connect providers through the AWS SDK v3, with the codes and messages AWS answers
// (recorded from real AWS in LocalStack's snapshots, test_iam_oidc).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateUserCommand,
  DeleteOpenIDConnectProviderCommand,
  GetAccountSummaryCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  PutUserPolicyCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const arnOf = (hostAndPath: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostAndPath}`;

let server: Server;
let dir: string;
let issuer: HttpsServer;
let issuerCert: X509Certificate;

before(async () => {
  server = await startServer();
  // A throw-away HTTPS issuer, for the thumbprint IAM records when given none.
  dir = mkdtempSync(join(tmpdir(), 'portcullis-oidc-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '2',
    '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  const cert = readFileSync(join(dir, 'c.pem'));
  issuerCert = new X509Certificate(cert);
  issuer = createServer({ key: readFileSync(join(dir, 'k.pem')), cert }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await server?.stop();
  issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a provider is created, read without its scheme, listed, and deleted', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://oidc.example.com/id/ABC123',
      ClientIDList: ['sts.amazonaws.com', 'app-1', 'app-1'],
      ThumbprintList: [A],
    }),
  );
  const arn = arnOf('oidc.example.com/id/ABC123');
  assert.equal(created.OpenIDConnectProviderArn, arn);
  assert.equal(created.Tags, undefined);

  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(got.Url, 'oidc.example.com/id/ABC123');
  assert.deepEqual(got.ClientIDList, ['sts.amazonaws.com', 'app-1']);
  assert.deepEqual(got.ThumbprintList, [A]);
  assert.ok(got.CreateDate instanceof Date);
  assert.deepEqual(got.Tags, []);

  await iam.send(
    new CreateOpenIDConnectProviderCommand({ Url: 'https://accounts.example.org', ThumbprintList: [B] }),
  );
  const listed = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  assert.deepEqual(
    listed.OpenIDConnectProviderList?.map((p) => p.Arn),
    [arnOf('accounts.example.org'), arn],
  );

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.deepEqual(
    await awsError(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))),
    { code: 'NoSuchEntity', message: `OpenIDConnect Provider not found for arn ${arn}`, status: 404 },
  );
  assert.deepEqual(
    await awsError(iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))),
    { code: 'NoSuchEntity', message: `OpenId connect Provider ${arn} cannot be found.`, status: 404 },
  );
  await iam.send(
    new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arnOf('accounts.example.org') }),
  );
});

test('what is not an https issuer URL is refused as AWS refuses it', async () => {
  const iam = server.iam();
  for (const url of [
    'example.org',
    'http://example.org',
    'https://',
    'https://example.com?foo=1',
    'https://example.com/#frag',
    'https://user:pass@example.com',
  ]) {
    assert.deepEqual(
      await awsError(iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: [A] }))),
      { code: 'ValidationError', message: 'Invalid Open ID Connect Provider URL', status: 400 },
      url,
    );
  }
});

test('a second provider of one URL, too many thumbprints or client ids are refused', async () => {
  const iam = server.iam();
  const url = 'https://oidc-dup.example.com';
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: [A] }));
  assert.deepEqual(
    await awsError(iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ThumbprintList: [A] }))),
    { code: 'EntityAlreadyExists', message: `Provider with url ${url} already exists.`, status: 409 },
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: 'https://oidc-thumbs.example.com',
          ThumbprintList: ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(40)),
        }),
      ),
    ),
    { code: 'InvalidInput', message: 'Thumbprint list must contain fewer than 5 entries.', status: 400 },
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: 'https://oidc-clients.example.com',
          ThumbprintList: [A],
          ClientIDList: Array.from({ length: 101 }, (_, i) => `${i}`),
        }),
      ),
    ),
    // AWS's response, recorded in LocalStack's snapshot:
    // https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_oidc.snapshot.json
    {
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
      status: 409,
    },
  );
  // The model's constraints, all reported at once, in the order recorded from AWS (codec/validate.ts).
  const invalid = await awsError(
    iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'b'.repeat(256),
        ThumbprintList: ['b'.repeat(41)],
        ClientIDList: ['b'.repeat(256)],
      }),
    ),
  );
  assert.equal(invalid.code, 'ValidationError');
  assert.equal(invalid.status, 400);
  assert.equal(
    invalid.message,
    '3 validation errors detected: ' +
      [
        "Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]",
        "Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
        "Value at 'url' failed to satisfy constraint: Member must have length less than or equal to 255",
      ].join('; '),
  );
  await iam.send(
    new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arnOf('oidc-dup.example.com') }),
  );
});

test('client ids are a set of at most 100; thumbprints are replaced whole', async () => {
  const iam = server.iam();
  const arn = (
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://oidc-clients.example.net',
        ThumbprintList: [A],
        ClientIDList: Array.from({ length: 99 }, (_, i) => `client-${i}`),
      }),
    )
  ).OpenIDConnectProviderArn!;
  const clientIds = async () =>
    (await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList!;

  await iam.send(
    new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'new' }),
  );
  await iam.send(
    new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'new' }),
  );
  assert.equal((await clientIds()).length, 100);
  assert.equal((await clientIds()).at(-1), 'new');
  assert.deepEqual(
    await awsError(
      iam.send(
        new AddClientIDToOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: arn,
          ClientID: 'one-more',
        }),
      ),
    ),
    // Not confirmed against AWS for AddClientIDToOpenIDConnectProvider: CreateOpenIDConnectProvider's text.
    {
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
      status: 409,
    },
  );
  await iam.send(
    new RemoveClientIDFromOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      ClientID: 'client-0',
    }),
  );
  await iam.send(
    new RemoveClientIDFromOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      ClientID: 'never-added',
    }),
  );
  assert.equal((await clientIds()).length, 99);
  assert.ok(!(await clientIds()).includes('client-0'));

  await iam.send(
    new UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: arn,
      ThumbprintList: [B, A],
    }),
  );
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.deepEqual(got.ThumbprintList, [B, A]);
  assert.deepEqual(
    await awsError(
      iam.send(
        new UpdateOpenIDConnectProviderThumbprintCommand({
          OpenIDConnectProviderArn: arn,
          ThumbprintList: [A, A, A, A, A, A],
        }),
      ),
    ),
    { code: 'InvalidInput', message: 'Thumbprint list must contain fewer than 5 entries.', status: 400 },
  );
  const ghost = arnOf('nobody.example.com');
  for (const call of [
    new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ghost, ClientID: 'x' }),
    new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ghost, ClientID: 'x' }),
    new UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: ghost,
      ThumbprintList: [A],
    }),
  ]) {
    assert.deepEqual(await awsError(iam.send(call as never)), {
      code: 'NoSuchEntity',
      message: `OpenIDConnect Provider not found for arn ${ghost}`,
      status: 404,
    });
  }
  assert.deepEqual(
    await awsError(
      iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: 'arn:aws:iam::123456789012:role/x' }),
      ),
    ),
    { code: 'InvalidInput', message: 'ARN arn:aws:iam::123456789012:role/x is not valid.', status: 400 },
  );
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
});

test('tags: set on creation, added, removed, listed by pages, at most 50', async () => {
  const iam = server.iam();
  const created = await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://oidc-tags.example.com',
      ThumbprintList: [A],
      Tags: [
        { Key: 'k1', Value: 'v1' },
        { Key: 'k2', Value: 'v2' },
      ],
    }),
  );
  const arn = created.OpenIDConnectProviderArn!;
  assert.deepEqual(created.Tags, [
    { Key: 'k1', Value: 'v1' },
    { Key: 'k2', Value: 'v2' },
  ]);
  await iam.send(
    new TagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      Tags: [{ Key: 'k3', Value: 'v3' }],
    }),
  );
  await iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['k2'] }));
  const first = await iam.send(
    new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn, MaxItems: 1 }),
  );
  assert.deepEqual(first.Tags, [{ Key: 'k1', Value: 'v1' }]);
  assert.equal(first.IsTruncated, true);
  const rest = await iam.send(
    new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn, Marker: first.Marker }),
  );
  assert.deepEqual(rest.Tags, [{ Key: 'k3', Value: 'v3' }]);
  assert.equal(rest.IsTruncated, false);

  assert.deepEqual(
    await awsError(
      iam.send(
        new TagOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: arn,
          Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `t${i}`, Value: 'v' })),
        }),
      ),
    ),
    // AWS's response, recorded in LocalStack's snapshot:
    // https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_oidc.snapshot.json
    { code: 'LimitExceeded', message: 'The number of tags has reached the maximum limit.', status: 409 },
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new TagOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: arn,
          Tags: [
            { Key: 'dup', Value: '1' },
            { Key: 'DUP', Value: '2' },
          ],
        }),
      ),
    ),
    {
      code: 'InvalidInput',
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      status: 400,
    },
  );
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
});

test('without thumbprints IAM records the last certificate the issuer presents', async () => {
  const iam = server.iam();
  const { port } = issuer.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  const arn = (
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))
  ).OpenIDConnectProviderArn!;
  assert.equal(arn, arnOf(`127.0.0.1:${port}`));
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.deepEqual(got.ThumbprintList, [issuerCert.fingerprint.replace(/:/g, '').toLowerCase()]);
  assert.equal(got.Url, `127.0.0.1:${port}`);
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));

  // Nothing listens there: the provider is not created.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const failure = await awsError(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://127.0.0.1:${deadPort}` })),
  );
  assert.deepEqual(failure, {
    code: 'OpenIdIdpCommunicationError',
    message: 'The request failed because IAM cannot connect to the OpenID Connect identity provider URL.',
    status: 400,
  });
});

test('an issuer that accepts the connection and never answers is given up on', async () => {
  const silent = createNetServer(() => {}); // holds every connection open, says nothing
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as AddressInfo;
  try {
    const failure = await awsError(
      server.iam().send(new CreateOpenIDConnectProviderCommand({ Url: `https://127.0.0.1:${port}/slow` })),
    );
    assert.equal(failure.code, 'OpenIdIdpCommunicationError');
  } finally {
    silent.close();
  }
});

test('at most 100 providers per account; GetAccountSummary counts them', async () => {
  const iam = server.iam();
  const before = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!
    .length;
  for (let i = before; i < 100; i++) {
    await iam.send(
      new CreateOpenIDConnectProviderCommand({ Url: `https://quota-${i}.example.com`, ThumbprintList: [A] }),
    );
  }
  const summary = await iam.send(new GetAccountSummaryCommand({}));
  assert.equal(summary.SummaryMap?.Providers, 100);
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: 'https://one-too-many.example.com',
          ThumbprintList: [A],
        }),
      ),
    ),
    // AWS: "LimitExceeded: Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100 status
    // code: 409", https://github.com/kubernetes-sigs/secrets-store-csi-driver/issues/634
    {
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100',
      status: 409,
    },
  );
  for (const p of (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!) {
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: p.Arn }));
  }
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.Providers, 0);
});

/** A user with one inline policy and an access key, and an IAM client signing as that user. */
async function userWithPolicy(name: string, statements: unknown[]): Promise<IAMClient> {
  const root = server.iam();
  await root.send(new CreateUserCommand({ UserName: name }));
  await root.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'policy',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const key = (await root.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return server.iam({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
}

test('each action is authorized on the provider ARN', async () => {
  const nobody = await userWithPolicy('oidc-nobody', [
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
  ]);
  const allowed = arnOf('allowed.example.com');
  const creator = await userWithPolicy('oidc-creator', [
    {
      Effect: 'Allow',
      Action: ['iam:CreateOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider'],
      Resource: allowed,
    },
  ]);
  const denied = await awsError(
    nobody.send(
      new CreateOpenIDConnectProviderCommand({ Url: 'https://allowed.example.com', ThumbprintList: [A] }),
    ),
  );
  assert.deepEqual(denied, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ACCOUNT}:user/oidc-nobody is not authorized to perform: iam:CreateOpenIDConnectProvider on resource: ${allowed} because no identity-based policy allows the iam:CreateOpenIDConnectProvider action`,
    status: 403,
  });
  assert.equal((await awsError(nobody.send(new ListOpenIDConnectProvidersCommand({})))).code, 'AccessDenied');

  await creator.send(
    new CreateOpenIDConnectProviderCommand({ Url: 'https://allowed.example.com', ThumbprintList: [A] }),
  );
  assert.equal(
    (await creator.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: allowed }))).Url,
    'allowed.example.com',
  );
  assert.equal(
    (
      await awsError(
        creator.send(
          new CreateOpenIDConnectProviderCommand({ Url: 'https://other.example.com', ThumbprintList: [A] }),
        ),
      )
    ).code,
    'AccessDenied',
  );
  assert.equal(
    (
      await awsError(
        creator.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: allowed })),
      )
    ).code,
    'AccessDenied',
  );
  await server.iam().send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: allowed }));
});

test('changing a provider needs the action on its ARN; aws:ResourceTag sees its tags', async () => {
  const root = server.iam();
  const blue = arnOf('blue.example.com');
  const red = arnOf('red.example.com');
  for (const [host, team] of [
    ['blue.example.com', 'blue'],
    ['red.example.com', 'red'],
  ] as const) {
    await root.send(
      new CreateOpenIDConnectProviderCommand({
        Url: `https://${host}`,
        ThumbprintList: [A],
        ClientIDList: ['first'],
        Tags: [{ Key: 'team', Value: team }],
      }),
    );
  }
  // Each action with a call that succeeds when allowed (and leaves the provider as it found it
  // where a later call needs it so).
  const calls: [action: string, call: (c: IAMClient, arn: string) => Promise<unknown>][] = [
    [
      'AddClientIDToOpenIDConnectProvider',
      (c, arn) =>
        c.send(
          new AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            ClientID: 'second',
          }),
        ),
    ],
    [
      'RemoveClientIDFromOpenIDConnectProvider',
      (c, arn) =>
        c.send(
          new RemoveClientIDFromOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            ClientID: 'second',
          }),
        ),
    ],
    [
      'UpdateOpenIDConnectProviderThumbprint',
      (c, arn) =>
        c.send(
          new UpdateOpenIDConnectProviderThumbprintCommand({
            OpenIDConnectProviderArn: arn,
            ThumbprintList: [B],
          }),
        ),
    ],
    [
      'TagOpenIDConnectProvider',
      (c, arn) =>
        c.send(
          new TagOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
            Tags: [{ Key: 'env', Value: 'prod' }],
          }),
        ),
    ],
    [
      'UntagOpenIDConnectProvider',
      (c, arn) =>
        c.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['env'] })),
    ],
  ];
  const actions = calls.map(([action]) => `iam:${action}`);
  const nobody = await userWithPolicy('oidc-changer-nobody', [
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
  ]);
  const onBlue = await userWithPolicy('oidc-changer-blue', [
    { Effect: 'Allow', Action: actions, Resource: blue },
  ]);
  const byTag = await userWithPolicy('oidc-changer-tag', [
    {
      Effect: 'Allow',
      Action: actions,
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } },
    },
  ]);
  for (const [action, call] of calls) {
    assert.deepEqual(await awsError(call(nobody, blue)), {
      code: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT}:user/oidc-changer-nobody is not authorized to perform: iam:${action} on resource: ${blue} because no identity-based policy allows the iam:${action} action`,
      status: 403,
    });
    assert.equal((await awsError(call(onBlue, red))).code, 'AccessDenied', action);
    assert.equal((await awsError(call(byTag, red))).code, 'AccessDenied', action);
  }
  for (const client of [onBlue, byTag]) {
    for (const [, call] of calls) await call(client, blue);
  }
  // What the allowed calls did is there; the refused ones changed nothing.
  const got = await root.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue }));
  assert.deepEqual(got.ClientIDList, ['first']);
  assert.deepEqual(got.ThumbprintList, [B]);
  const untouched = await root.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: red }));
  assert.deepEqual(untouched.ThumbprintList, [A]);
  assert.deepEqual(untouched.Tags, [{ Key: 'team', Value: 'red' }]);
});
