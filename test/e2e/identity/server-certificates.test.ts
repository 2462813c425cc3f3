// IAM server certificates through the AWS SDK v3, with the codes and messages AWS answers (IAM API
// reference; LocalStack's snapshots recorded from AWS, test_iam_server_certificates; AWS's own
// messages for malformed certificates as users report them). Certificates are made by openssl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteServerCertificateCommand,
  GetAccountSummaryCommand,
  GetServerCertificateCommand,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  PutUserPolicyCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  UpdateServerCertificateCommand,
  UploadServerCertificateCommand,
  type IAMClient,
  type ServerCertificateMetadata,
} from '@aws-sdk/client-iam';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  makeChain,
  selfSigned,
  type CertificateChain,
  type KeyPair,
} from '../../support/server-certificates.ts';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const ACCOUNT = ROOT.accountId;
const arnOf = (path: string, name: string) => `arn:aws:iam::${ACCOUNT}:server-certificate${path}${name}`;
const notFound = (name: string) => ({
  code: 'NoSuchEntity',
  message: `The Server Certificate with name ${name} cannot be found.`,
  status: 404,
});
const unparseable = {
  code: 'MalformedCertificate',
  message: 'Unable to parse certificate. Please ensure the certificate is in PEM format.',
  status: 400,
};

let server: Server;
let ca: CertificateChain;
let spare: KeyPair;

before(async () => {
  ca = makeChain('www.example.com');
  spare = selfSigned('spare.example.com');
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

function upload(iam: IAMClient, name: string, pair: KeyPair = spare, extra: { Path?: string } = {}) {
  return iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: name,
      CertificateBody: pair.cert,
      PrivateKey: pair.key,
      ...extra,
    }),
  );
}

function notAfterOf(pem: string): string {
  return new Date(new X509Certificate(pem).validTo).toISOString();
}

test('a certificate is uploaded with its chain, read back without its key, renamed, moved and deleted', async () => {
  const iam = server.iam();
  const { leaf, intermediate, root } = ca;
  const chain = intermediate.cert + root.cert;
  const before = Math.floor(server.now() / 1000) * 1000;
  const uploaded = await iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: 'www',
      Path: '/cloudfront/prod/',
      CertificateBody: leaf.cert,
      PrivateKey: leaf.key,
      CertificateChain: chain,
    }),
  );
  const meta = uploaded.ServerCertificateMetadata!;
  assert.equal(uploaded.Tags, undefined);
  assert.equal(meta.ServerCertificateName, 'www');
  assert.equal(meta.Path, '/cloudfront/prod/');
  assert.equal(meta.Arn, arnOf('/cloudfront/prod/', 'www'));
  assert.match(meta.ServerCertificateId ?? '', /^ASCA[A-Z0-9]{17}$/);
  assert.equal(meta.Expiration?.toISOString(), notAfterOf(leaf.cert));
  assert.ok(meta.UploadDate!.getTime() >= before && meta.UploadDate!.getTime() <= server.now());

  const got = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' })))
    .ServerCertificate!;
  assert.deepEqual(got.ServerCertificateMetadata, meta);
  assert.equal(got.CertificateBody, leaf.cert);
  assert.equal(got.CertificateChain, chain);
  assert.deepEqual(got.Tags, []);
  assert.equal(JSON.stringify(got).includes('PrivateKey'), false);

  // Renamed and moved: the same certificate (its id), found by its new name only.
  await iam.send(
    new UpdateServerCertificateCommand({
      ServerCertificateName: 'www',
      NewServerCertificateName: 'www-2027',
      NewPath: '/elb/',
    }),
  );
  assert.deepEqual(
    await awsError(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' }))),
    notFound('www'),
  );
  const renamed = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'WWW-2027' })))
    .ServerCertificate!.ServerCertificateMetadata!;
  assert.deepEqual(renamed, {
    ...meta,
    ServerCertificateName: 'www-2027',
    Path: '/elb/',
    Arn: arnOf('/elb/', 'www-2027'),
  });

  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'www-2027' }));
  assert.deepEqual(
    await awsError(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www-2027' }))),
    notFound('www-2027'),
  );
});

test('certificates list by path prefix, a page at a time, in name order, without tags', async () => {
  const iam = server.iam();
  const names = ['list-c', 'list-a', 'list-e', 'list-b', 'list-d'];
  for (const [i, name] of names.entries()) {
    await upload(iam, name, spare, { Path: i % 2 === 0 ? '/listing/even/' : '/listing/odd/' });
  }
  await iam.send(
    new TagServerCertificateCommand({
      ServerCertificateName: 'list-a',
      Tags: [{ Key: 'team', Value: 'web' }],
    }),
  );
  const seen: ServerCertificateMetadata[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(
      new ListServerCertificatesCommand({ PathPrefix: '/listing/', MaxItems: 2, Marker: marker }),
    );
    pages++;
    assert.equal(page.IsTruncated, page.Marker !== undefined);
    seen.push(...page.ServerCertificateMetadataList!);
    marker = page.Marker;
  } while (marker);
  assert.equal(pages, 3);
  assert.deepEqual(
    seen.map((m) => m.ServerCertificateName),
    ['list-a', 'list-b', 'list-c', 'list-d', 'list-e'],
  );
  assert.ok(
    seen.every(
      (m) =>
        !('Tags' in m) && m.Expiration instanceof Date && m.Arn === arnOf(m.Path!, m.ServerCertificateName!),
    ),
  );
  const odd = await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/listing/odd/' }));
  assert.deepEqual(
    odd.ServerCertificateMetadataList!.map((m) => m.ServerCertificateName),
    ['list-a', 'list-b'],
  );
  assert.equal(odd.IsTruncated, false);
  const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(summary.ServerCertificates, 5);
  assert.equal(summary.ServerCertificatesQuota, 20);
  for (const name of names)
    await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
  assert.deepEqual((await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList, []);
});

test('tags are set at upload, added, listed and removed', async () => {
  const iam = server.iam();
  const uploaded = await iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: 'tagged',
      CertificateBody: spare.cert,
      PrivateKey: spare.key,
      Tags: [{ Key: 'env', Value: 'prod' }],
    }),
  );
  assert.deepEqual(uploaded.Tags, [{ Key: 'env', Value: 'prod' }]);
  await iam.send(
    new TagServerCertificateCommand({
      ServerCertificateName: 'tagged',
      Tags: [
        { Key: 'team', Value: 'web' },
        { Key: 'ENV', Value: 'staging' },
      ],
    }),
  );
  const listed = await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'tagged' }));
  assert.deepEqual(listed.Tags, [
    { Key: 'team', Value: 'web' },
    { Key: 'ENV', Value: 'staging' },
  ]);
  assert.equal(listed.IsTruncated, false);
  await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'tagged', TagKeys: ['team'] }));
  const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'tagged' }));
  assert.deepEqual(got.ServerCertificate!.Tags, [{ Key: 'ENV', Value: 'staging' }]);
  for (const call of [
    () =>
      iam.send(
        new TagServerCertificateCommand({ ServerCertificateName: 'ghost', Tags: [{ Key: 'a', Value: 'b' }] }),
      ),
    () => iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'ghost', TagKeys: ['a'] })),
    () => iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'ghost' })),
  ]) {
    assert.deepEqual(await awsError(call()), notFound('ghost'));
  }
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'tagged' }));
});

test("each refusal comes with AWS's code and message", async () => {
  const iam = server.iam();
  const { leaf, intermediate, root } = ca;
  const attempt = (
    fields: Partial<{ CertificateBody: string; PrivateKey: string; CertificateChain: string }>,
  ) =>
    awsError(
      iam.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: 'refused',
          CertificateBody: leaf.cert,
          PrivateKey: leaf.key,
          ...fields,
        }),
      ),
    );
  assert.deepEqual(await attempt({ CertificateBody: 'certificate-body' }), unparseable);
  assert.deepEqual(await attempt({ PrivateKey: 'private-key' }), unparseable);
  assert.deepEqual(await attempt({ PrivateKey: spare.key }), {
    code: 'KeyPairMismatch',
    message: "Public key certificate and private key doesn't match.",
    status: 400,
  });
  assert.deepEqual(await attempt({ CertificateChain: root.cert + intermediate.cert }), {
    code: 'MalformedCertificate',
    message:
      'Unable to validate certificate chain. The certificate chain must start with the immediate signing ' +
      'certificate, followed by any intermediaries in order. The index within the chain of the invalid ' +
      'certificate is: -1',
    status: 400,
  });
  const ed25519 = selfSigned('ed.example.com', 'ed25519');
  assert.deepEqual(await attempt({ CertificateBody: ed25519.cert, PrivateKey: ed25519.key }), {
    code: 'MalformedCertificate',
    message: 'Invalid Private Key.',
    status: 400,
  });
  assert.deepEqual(
    await awsError(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'refused' }))),
    notFound('refused'),
  );

  await upload(iam, 'taken');
  assert.deepEqual(await awsError(upload(iam, 'TAKEN')), {
    code: 'EntityAlreadyExists',
    message: 'The Server Certificate with name TAKEN already exists.',
    status: 409,
  });
  await upload(iam, 'other');
  assert.deepEqual(
    await awsError(
      iam.send(
        new UpdateServerCertificateCommand({
          ServerCertificateName: 'other',
          NewServerCertificateName: 'taken',
        }),
      ),
    ),
    {
      code: 'EntityAlreadyExists',
      message: 'The Server Certificate with name taken already exists.',
      status: 409,
    },
  );
  for (const call of [
    () => iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'nonexistent-certificate' })),
    () =>
      iam.send(
        new UpdateServerCertificateCommand({
          ServerCertificateName: 'nonexistent-certificate',
          NewPath: '/x/',
        }),
      ),
  ]) {
    assert.deepEqual(await awsError(call()), notFound('nonexistent-certificate'));
  }
  // Names follow the API model's pattern: a space is a ValidationError before anything else.
  assert.equal((await awsError(upload(iam, 'has space'))).code, 'ValidationError');

  // The account's quota: 20 server certificates.
  for (let i = 0; i < 18; i++) await upload(iam, `quota-${i}`);
  // AWS: "LimitExceeded: Cannot exceed quota for ServerCertificatesPerAccount: 20 status code: 409",
  // https://github.com/remind101/empire/issues/471
  assert.deepEqual(await awsError(upload(iam, 'one-too-many')), {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for ServerCertificatesPerAccount: 20',
    status: 409,
  });
  for (const name of ['taken', 'other', ...Array.from({ length: 18 }, (_, i) => `quota-${i}`)]) {
    await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
  }
});

test('each action is authorized on the certificate ARN, a rename on the new name too', async () => {
  const root = server.iam();
  const web = await userWithPolicy('cert-manager', [
    {
      Effect: 'Allow',
      Action: ['iam:UploadServerCertificate', 'iam:GetServerCertificate', 'iam:UpdateServerCertificate'],
      Resource: `arn:aws:iam::${ACCOUNT}:server-certificate/web/*`,
    },
  ]);
  await upload(web, 'site', spare, { Path: '/web/' });
  assert.equal(
    (await web.send(new GetServerCertificateCommand({ ServerCertificateName: 'site' }))).ServerCertificate!
      .ServerCertificateMetadata!.Arn,
    arnOf('/web/', 'site'),
  );
  assert.deepEqual(await awsError(upload(web, 'elsewhere', spare, { Path: '/api/' })), {
    code: 'AccessDenied',
    message:
      `User: arn:aws:iam::${ACCOUNT}:user/cert-manager is not authorized to perform: iam:UploadServerCertificate ` +
      `on resource: ${arnOf('/api/', 'elsewhere')} because no identity-based policy allows the iam:UploadServerCertificate action`,
    status: 403,
  });
  // Moving it out of /web/ needs permission on where it would go.
  assert.equal(
    (
      await awsError(
        web.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'site', NewPath: '/api/' })),
      )
    ).code,
    'AccessDenied',
  );
  await web.send(
    new UpdateServerCertificateCommand({ ServerCertificateName: 'site', NewServerCertificateName: 'site2' }),
  );
  for (const call of [
    () => web.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'site2' })),
    () => web.send(new ListServerCertificatesCommand({})),
  ]) {
    assert.equal((await awsError(call())).code, 'AccessDenied');
  }
  await root.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'site2' }));
});

test('the private key is in no response, in no audit event, not at rest in clear, not in the output', async () => {
  const iam = server.iam();
  const { leaf } = ca;
  const uploaded = await upload(iam, 'secret-keeper', leaf);
  const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'secret-keeper' }));
  const keyLine = leaf.key.split('\n')[1]!;
  for (const response of [uploaded, got]) assert.equal(JSON.stringify(response).includes(keyLine), false);

  // The upload's audit event hides the key as CloudTrail does (the event is written in a batch).
  const trail = server.cloudTrail();
  let event: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !event; i++) {
    const page = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'secret-keeper' }],
      }),
    );
    const found = page.Events?.find((e) => e.EventName === 'UploadServerCertificate');
    if (found) event = JSON.parse(found.CloudTrailEvent!) as Record<string, unknown>;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(event, 'the upload was recorded');
  const parameters = event.requestParameters as Record<string, unknown>;
  assert.equal(parameters.privateKey, 'HIDDEN_DUE_TO_SECURITY_REASONS');
  assert.equal(parameters.serverCertificateName, 'secret-keeper');

  const stored = (await server.storedBytes()).toString('latin1');
  assert.ok(stored.includes(leaf.cert.split('\n')[1]!), 'the body is kept (it is public)');
  assert.equal(stored.includes(keyLine), false);
  assert.equal(server.output().includes(keyLine), false);
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'secret-keeper' }));
});

test('an expired certificate is refused', async () => {
  const iam = server.iam();
  const shortLived = makeChain('short.example.com', 1);
  // A day and a minute on, the one-day certificate has expired.
  await server.advanceClock(86_400 + 60);
  assert.deepEqual(
    await awsError(
      iam.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: 'expired',
          CertificateBody: shortLived.leaf.cert,
          PrivateKey: shortLived.leaf.key,
        }),
      ),
    ),
    { code: 'MalformedCertificate', message: 'The certificate has expired.', status: 400 },
  );
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
