// IAM SAML providers through the AWS SDK v3, with the codes and messages AWS answers (recorded
// from real AWS in LocalStack's snapshots, test_iam_saml_providers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  CreateUserCommand,
  DeleteSAMLProviderCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetSAMLProviderCommand,
  ListSAMLProvidersCommand,
  ListSAMLProviderTagsCommand,
  PutUserPolicyCommand,
  TagSAMLProviderCommand,
  UntagSAMLProviderCommand,
  UpdateSAMLProviderCommand,
  type IAMClient,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import { makeCertificate, metadataXml, type TestCertificate } from '../../support/idp-metadata.ts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const arnOf = (name: string) => `arn:aws:iam::${ACCOUNT}:saml-provider/${name}`;
const invalid = { code: 'InvalidInput', message: 'Could not parse metadata', status: 400 };

let server: Server;
let idp: TestCertificate;
let next: TestCertificate;

before(async () => {
  idp = makeCertificate('idp');
  next = makeCertificate('idp-next');
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('a provider is created from metadata, read back, listed, updated and deleted', async () => {
  const iam = server.iam();
  const document = metadataXml(idp, { validUntil: '2030-01-02T03:04:05Z' });
  const created = await iam.send(
    new CreateSAMLProviderCommand({ Name: 'Okta', SAMLMetadataDocument: document }),
  );
  const arn = arnOf('Okta');
  assert.equal(created.SAMLProviderArn, arn);
  assert.equal(created.Tags, undefined);

  const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.equal(got.SAMLMetadataDocument, document);
  assert.match(got.SAMLProviderUUID ?? '', /^[A-Z0-9]{22,64}$/);
  assert.equal(got.ValidUntil?.toISOString(), '2030-01-02T03:04:05.000Z');
  assert.ok(got.CreateDate instanceof Date);
  assert.deepEqual(got.Tags, []);
  assert.equal(got.AssertionEncryptionMode, 'Allowed');
  assert.deepEqual(got.PrivateKeyList, []);

  const listed = await iam.send(new ListSAMLProvidersCommand({}));
  assert.deepEqual(
    listed.SAMLProviderList?.map((p) => [p.Arn, p.ValidUntil?.toISOString(), p.CreateDate?.getTime()]),
    [[arn, '2030-01-02T03:04:05.000Z', got.CreateDate?.getTime()]],
  );

  // Without validUntil the metadata is valid for a hundred years.
  const updated = await iam.send(
    new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: metadataXml(next) }),
  );
  assert.equal(updated.SAMLProviderArn, arn);
  const after = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.equal(after.SAMLMetadataDocument, metadataXml(next));
  assert.equal(after.SAMLProviderUUID, got.SAMLProviderUUID);
  const years = (after.ValidUntil!.getTime() - after.CreateDate!.getTime()) / (365.25 * 86400_000);
  assert.ok(years > 99.9 && years < 100.1, `${years}`);

  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
  const gone = { code: 'NoSuchEntity', message: `Manifest not found for arn ${arn}`, status: 404 };
  assert.deepEqual(await awsError(iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }))), gone);
  assert.deepEqual(await awsError(iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }))), gone);
  assert.deepEqual(
    await awsError(
      iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: document })),
    ),
    gone,
  );
});

test('metadata IAM cannot use is InvalidInput; names and sizes follow the model', async () => {
  const iam = server.iam();
  const create = (Name: string, SAMLMetadataDocument: string) =>
    awsError(iam.send(new CreateSAMLProviderCommand({ Name, SAMLMetadataDocument })));
  const padded = (text: string) => `${text}<!--${'x'.repeat(1000)}-->`;
  assert.deepEqual(await create('bad', padded('<not-metadata/>')), invalid);
  assert.deepEqual(await create('bad', metadataXml(idp, { use: 'encryption' })), invalid);
  assert.deepEqual(
    await create('bad', padded(metadataXml(idp, { certificateText: 'bm90IGEgY2VydA==' }))),
    invalid,
  );
  assert.deepEqual(
    await create(
      'bad',
      metadataXml(idp).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE x SYSTEM "http://127.0.0.1:1/x">',
      ),
    ),
    invalid,
  );
  assert.deepEqual(
    await create('bad', metadataXml(idp).replaceAll('IDPSSODescriptor', 'SPSSODescriptor')),
    invalid,
  );

  const short = await create('short', '<md:EntityDescriptor/>');
  assert.equal(short.code, 'ValidationError');
  assert.match(
    short.message,
    /'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000/,
  );
  const badName = await create('has space', metadataXml(idp));
  assert.equal(badName.code, 'ValidationError');
  assert.match(
    badName.message,
    /Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\._-\]\+/,
  );
  assert.deepEqual((await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList, []);
});

test('a second provider of one name is refused; tags; at most 100 per account', async () => {
  const iam = server.iam();
  const document = metadataXml(idp);
  const created = await iam.send(
    new CreateSAMLProviderCommand({
      Name: 'ADFS',
      SAMLMetadataDocument: document,
      Tags: [{ Key: 'team', Value: 'blue' }],
    }),
  );
  assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'blue' }]);
  const arn = arnOf('ADFS');
  for (const name of ['ADFS', 'adfs']) {
    assert.deepEqual(
      await awsError(iam.send(new CreateSAMLProviderCommand({ Name: name, SAMLMetadataDocument: document }))),
      { code: 'EntityAlreadyExists', message: `SAMLProvider with name ${name} already exists.`, status: 409 },
    );
  }

  await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
  await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: arn, TagKeys: ['team'] }));
  assert.deepEqual((await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arn }))).Tags, [
    { Key: 'env', Value: 'prod' },
  ]);
  assert.deepEqual((await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }))).Tags, [
    { Key: 'env', Value: 'prod' },
  ]);
  assert.deepEqual(
    await awsError(iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arnOf('ghost') }))),
    { code: 'NoSuchEntity', message: `Manifest not found for arn ${arnOf('ghost')}`, status: 404 },
  );

  for (let i = 1; i < 100; i++) {
    await iam.send(new CreateSAMLProviderCommand({ Name: `idp-${i}`, SAMLMetadataDocument: document }));
  }
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.Providers, 100);
  // Not confirmed against AWS: the text is ours (no recorded response found), worded like
  // OpenIdConnectProvidersPerAccount's (oidc-providers.test.ts).
  assert.deepEqual(
    await awsError(
      iam.send(new CreateSAMLProviderCommand({ Name: 'one-too-many', SAMLMetadataDocument: document })),
    ),
    { code: 'LimitExceeded', message: 'Cannot exceed quota for SAMLProvidersPerAccount: 100', status: 409 },
  );
  for (const p of (await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!) {
    await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: p.Arn }));
  }
});

test('private keys for encrypted assertions are kept sealed, at most two', async () => {
  const iam = server.iam();
  const arn = (
    await iam.send(
      new CreateSAMLProviderCommand({
        Name: 'encrypting',
        SAMLMetadataDocument: metadataXml(idp),
        AssertionEncryptionMode: 'Required',
        AddPrivateKey: idp.key,
      }),
    )
  ).SAMLProviderArn!;
  const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.equal(got.AssertionEncryptionMode, 'Required');
  assert.equal(got.PrivateKeyList?.length, 1);
  assert.match(got.PrivateKeyList![0]!.KeyId!, /^[A-Z0-9]{22,64}$/);
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: next.key }));
  // Not confirmed against AWS: the text is ours (no recorded response found).
  assert.deepEqual(
    await awsError(
      iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: next.key })),
    ),
    { code: 'LimitExceeded', message: 'Cannot exceed quota for PrivateKeysPerSamlProvider: 2', status: 409 },
  );
  await iam.send(
    new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, RemovePrivateKey: got.PrivateKeyList![0]!.KeyId }),
  );
  const keys = (await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }))).PrivateKeyList!;
  assert.equal(keys.length, 1);
  assert.notEqual(keys[0]!.KeyId, got.PrivateKeyList![0]!.KeyId);
  assert.equal(
    (
      await awsError(
        iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: 'not a key' })),
      )
    ).code,
    'InvalidInput',
  );

  // The keys are nowhere at rest in clear, nor in the server's output.
  const body = (pem: string) => pem.split('\n')[1]!;
  const stored = (await server.storedBytes()).toString('latin1');
  assert.ok(!stored.includes(body(idp.key)) && !stored.includes(body(next.key)));
  assert.ok(!server.output().includes(body(idp.key)) && !server.output().includes(body(next.key)));
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
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
  const nobody = await userWithPolicy('saml-nobody', [
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
  ]);
  const allowed = arnOf('Allowed');
  const creator = await userWithPolicy('saml-creator', [
    { Effect: 'Allow', Action: ['iam:CreateSAMLProvider', 'iam:GetSAMLProvider'], Resource: allowed },
  ]);
  const document = metadataXml(idp);
  assert.deepEqual(
    await awsError(
      nobody.send(new CreateSAMLProviderCommand({ Name: 'Allowed', SAMLMetadataDocument: document })),
    ),
    {
      code: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT}:user/saml-nobody is not authorized to perform: iam:CreateSAMLProvider on resource: ${allowed} because no identity-based policy allows the iam:CreateSAMLProvider action`,
      status: 403,
    },
  );
  assert.equal((await awsError(nobody.send(new ListSAMLProvidersCommand({})))).code, 'AccessDenied');
  await creator.send(new CreateSAMLProviderCommand({ Name: 'Allowed', SAMLMetadataDocument: document }));
  assert.equal(
    (await creator.send(new GetSAMLProviderCommand({ SAMLProviderArn: allowed }))).SAMLMetadataDocument,
    document,
  );
  assert.equal(
    (
      await awsError(
        creator.send(new CreateSAMLProviderCommand({ Name: 'Other', SAMLMetadataDocument: document })),
      )
    ).code,
    'AccessDenied',
  );
  assert.equal(
    (await awsError(creator.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: allowed })))).code,
    'AccessDenied',
  );
  await server.iam().send(new DeleteSAMLProviderCommand({ SAMLProviderArn: allowed }));
});

test('changing a provider needs the action on its ARN; aws:ResourceTag sees its tags', async () => {
  const root = server.iam();
  const blue = arnOf('Blue');
  const red = arnOf('Red');
  for (const [name, team] of [
    ['Blue', 'blue'],
    ['Red', 'red'],
  ] as const) {
    await root.send(
      new CreateSAMLProviderCommand({
        Name: name,
        SAMLMetadataDocument: metadataXml(idp),
        Tags: [{ Key: 'team', Value: team }],
      }),
    );
  }
  const calls: [action: string, call: (c: IAMClient, arn: string) => Promise<unknown>][] = [
    [
      'UpdateSAMLProvider',
      (c, arn) =>
        c.send(
          new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: metadataXml(next) }),
        ),
    ],
    [
      'TagSAMLProvider',
      (c, arn) =>
        c.send(new TagSAMLProviderCommand({ SAMLProviderArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] })),
    ],
    [
      'UntagSAMLProvider',
      (c, arn) => c.send(new UntagSAMLProviderCommand({ SAMLProviderArn: arn, TagKeys: ['env'] })),
    ],
  ];
  const actions = calls.map(([action]) => `iam:${action}`);
  const nobody = await userWithPolicy('saml-changer-nobody', [
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
  ]);
  const onBlue = await userWithPolicy('saml-changer-blue', [
    { Effect: 'Allow', Action: actions, Resource: blue },
  ]);
  const byTag = await userWithPolicy('saml-changer-tag', [
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
      message: `User: arn:aws:iam::${ACCOUNT}:user/saml-changer-nobody is not authorized to perform: iam:${action} on resource: ${blue} because no identity-based policy allows the iam:${action} action`,
      status: 403,
    });
    assert.equal((await awsError(call(onBlue, red))).code, 'AccessDenied', action);
    assert.equal((await awsError(call(byTag, red))).code, 'AccessDenied', action);
  }
  const tags = async (arn: string) =>
    (await root.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arn }))).Tags?.map(
      (t) => `${t.Key}=${t.Value}`,
    );
  for (const client of [onBlue, byTag]) {
    await calls[0]![1](client, blue);
    await calls[1]![1](client, blue);
    assert.deepEqual(await tags(blue), ['team=blue', 'env=prod']);
    await calls[2]![1](client, blue);
    assert.deepEqual(await tags(blue), ['team=blue']);
  }
  const got = await root.send(new GetSAMLProviderCommand({ SAMLProviderArn: blue }));
  assert.equal(got.SAMLMetadataDocument, metadataXml(next));
  const untouched = await root.send(new GetSAMLProviderCommand({ SAMLProviderArn: red }));
  assert.equal(untouched.SAMLMetadataDocument, metadataXml(idp));
  assert.deepEqual(await tags(red), ['team=red']);
});

test('GetAccountAuthorizationDetails shows roles trusting an OIDC and a SAML provider as Federated principals', async () => {
  const root = server.iam();
  const saml = (
    await root.send(new CreateSAMLProviderCommand({ Name: 'Gaad', SAMLMetadataDocument: metadataXml(idp) }))
  ).SAMLProviderArn!;
  const oidc = (
    await root.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://token.gaad.example.com',
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['a'.repeat(40)],
      }),
    )
  ).OpenIDConnectProviderArn!;
  assert.equal(oidc, `arn:aws:iam::${ACCOUNT}:oidc-provider/token.gaad.example.com`);
  const trusts = {
    'gaad-oidc': {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: oidc },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'token.gaad.example.com:aud': 'sts.amazonaws.com' } },
        },
      ],
    },
    'gaad-saml': {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: saml },
          Action: 'sts:AssumeRoleWithSAML',
          Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
        },
      ],
    },
  };
  for (const [name, trust] of Object.entries(trusts)) {
    await root.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
  }
  const roles: RoleDetail[] = [];
  let marker: string | undefined;
  do {
    const page = await root.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], Marker: marker }),
    );
    roles.push(...(page.RoleDetailList ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  for (const [name, trust] of Object.entries(trusts)) {
    const role = roles.find((r) => r.RoleName === name);
    assert.ok(role, name);
    assert.equal(role.Arn, `arn:aws:iam::${ACCOUNT}:role/${name}`);
    // URL-encoded, as AWS returns policy documents; the principal stays the provider ARN, one string.
    const document = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)) as typeof trust;
    assert.deepEqual(document, trust);
  }
});
