import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  GetSSHPublicKeyCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ResetServiceSpecificCredentialCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
import { CERTS, SSH_KEY, SSH_KEY_MD5 } from './fixtures.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
  for (const name of ['certs', 'keys', 'creds', 'other'])
    await iam.send(new CreateUserCommand({ UserName: name }));
});
after(async () => {
  await server?.stop();
});

/** A fresh RSA public key in PEM (SubjectPublicKeyInfo) form. */
function rsaPem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

// ---- signing certificates

test('a signing certificate is uploaded Active, listed, deactivated and deleted', async () => {
  const uploaded = await iam.send(
    new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: CERTS[0] }),
  );
  const cert = uploaded.Certificate!;
  assert.equal(cert.UserName, 'certs');
  assert.equal(cert.Status, 'Active');
  assert.equal(cert.CertificateBody, CERTS[0]);
  assert.ok(cert.CertificateId!.length >= 24);
  assert.ok(cert.UploadDate instanceof Date);
  const listed = await iam.send(new ListSigningCertificatesCommand({ UserName: 'certs' }));
  assert.deepEqual(
    listed.Certificates!.map((c) => [c.CertificateId, c.Status]),
    [[cert.CertificateId, 'Active']],
  );
  await iam.send(
    new UpdateSigningCertificateCommand({
      UserName: 'certs',
      CertificateId: cert.CertificateId,
      Status: 'Inactive',
    }),
  );
  const after = await iam.send(new ListSigningCertificatesCommand({ UserName: 'certs' }));
  assert.equal(after.Certificates![0]!.Status, 'Inactive');
  await iam.send(
    new DeleteSigningCertificateCommand({ UserName: 'certs', CertificateId: cert.CertificateId }),
  );
  assert.deepEqual(
    (await iam.send(new ListSigningCertificatesCommand({ UserName: 'certs' }))).Certificates,
    [],
  );
});

test('signing certificate errors and the two-per-user quota, with AWS messages', async () => {
  const malformed = await awsError(
    iam.send(
      new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: 'invalid-certificate-body' }),
    ),
  );
  assert.deepEqual(malformed, {
    code: 'MalformedCertificate',
    message: 'Certificate invalid-certificate-body is malformed.',
    status: 400,
  });
  const noUser = await awsError(
    iam.send(
      new UploadSigningCertificateCommand({ UserName: 'nonexistent-user', CertificateBody: CERTS[0] }),
    ),
  );
  assert.deepEqual(noUser, {
    code: 'NoSuchEntity',
    message: 'The user with name nonexistent-user cannot be found.',
    status: 404,
  });
  const noCert = await awsError(
    iam.send(
      new UpdateSigningCertificateCommand({
        UserName: 'certs',
        CertificateId: 'NONEXISTENTCERTID12345678901',
        Status: 'Inactive',
      }),
    ),
  );
  assert.deepEqual(noCert, {
    code: 'NoSuchEntity',
    message: 'The Certificate with id NONEXISTENTCERTID12345678901 cannot be found.',
    status: 404,
  });
  await iam.send(new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: CERTS[0] }));
  const duplicate = await awsError(
    iam.send(new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: CERTS[0] })),
  );
  assert.equal(duplicate.code, 'DuplicateCertificate');
  assert.equal(duplicate.status, 409);
  await iam.send(new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: CERTS[1] }));
  const third = await awsError(
    iam.send(new UploadSigningCertificateCommand({ UserName: 'certs', CertificateBody: CERTS[2] })),
  );
  // AWS's response to a third UploadSigningCertificate, recorded in LocalStack's snapshot:
  // https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_signing_certificates.snapshot.json
  assert.deepEqual(third, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for CertificatesPerUser: 2',
    status: 409,
  });
  const conflict = await awsError(iam.send(new DeleteUserCommand({ UserName: 'certs' })));
  assert.deepEqual(conflict, {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete signing certificates first.',
    status: 409,
  });
});

// ---- SSH public keys

test('an SSH public key is uploaded with its MD5 fingerprint and an APKA id, and read back in both encodings', async () => {
  const uploaded = await iam.send(
    new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: SSH_KEY }),
  );
  const key = uploaded.SSHPublicKey!;
  assert.equal(key.UserName, 'keys');
  assert.equal(key.Fingerprint, SSH_KEY_MD5);
  assert.match(key.SSHPublicKeyId ?? '', /^APKA[A-Z0-9]{17}$/);
  assert.equal(key.Status, 'Active');
  assert.equal(key.SSHPublicKeyBody, SSH_KEY);
  const ssh = await iam.send(
    new GetSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyId: key.SSHPublicKeyId, Encoding: 'SSH' }),
  );
  assert.equal(ssh.SSHPublicKey?.SSHPublicKeyBody, SSH_KEY);
  assert.equal(ssh.SSHPublicKey?.Fingerprint, SSH_KEY_MD5);
  const pem = await iam.send(
    new GetSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyId: key.SSHPublicKeyId, Encoding: 'PEM' }),
  );
  assert.match(pem.SSHPublicKey?.SSHPublicKeyBody ?? '', /^-----BEGIN PUBLIC KEY-----\n/);
  const listed = await iam.send(new ListSSHPublicKeysCommand({ UserName: 'keys' }));
  assert.deepEqual(Object.keys(listed.SSHPublicKeys![0]!).sort(), [
    'SSHPublicKeyId',
    'Status',
    'UploadDate',
    'UserName',
  ]);
  await iam.send(
    new UpdateSSHPublicKeyCommand({
      UserName: 'keys',
      SSHPublicKeyId: key.SSHPublicKeyId,
      Status: 'Inactive',
    }),
  );
  const after = await iam.send(
    new GetSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyId: key.SSHPublicKeyId, Encoding: 'SSH' }),
  );
  assert.equal(after.SSHPublicKey?.Status, 'Inactive');
  const duplicate = await awsError(
    iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: SSH_KEY })),
  );
  assert.equal(duplicate.code, 'DuplicateSSHPublicKey');
  assert.equal(duplicate.status, 400);
  await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyId: key.SSHPublicKeyId }));
  assert.deepEqual((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'keys' }))).SSHPublicKeys, []);
});

test('an unknown SSH key id is NoSuchEntity with AWS message', async () => {
  for (const call of [
    new GetSSHPublicKeyCommand({
      UserName: 'keys',
      SSHPublicKeyId: 'APKAXXXXXXXXXXXXXXXXX',
      Encoding: 'SSH',
    }),
    new UpdateSSHPublicKeyCommand({
      UserName: 'keys',
      SSHPublicKeyId: 'APKAXXXXXXXXXXXXXXXXX',
      Status: 'Inactive',
    }),
    new DeleteSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyId: 'APKAXXXXXXXXXXXXXXXXX' }),
  ]) {
    const error = await awsError(iam.send(call as GetSSHPublicKeyCommand));
    assert.deepEqual(error, {
      code: 'NoSuchEntity',
      message: 'The Public Key with id APKAXXXXXXXXXXXXXXXXX cannot be found.',
      status: 404,
    });
  }
});

test('malformed, non-RSA and short SSH keys are refused; a user holds at most five', async () => {
  const garbage = await awsError(
    iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: 'not a key' })),
  );
  assert.equal(garbage.status, 400);
  assert.ok(['UnrecognizedPublicKeyEncoding', 'InvalidPublicKey'].includes(garbage.code), garbage.code);
  const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.equal(
    (await awsError(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: ed25519 }))))
      .code,
    'InvalidPublicKey',
  );
  assert.equal(
    (
      await awsError(
        iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: rsaPem(1024) })),
      )
    ).code,
    'InvalidPublicKey',
  );
  for (let i = 0; i < 5; i++) {
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: rsaPem() }));
  }
  const sixth = await awsError(
    iam.send(new UploadSSHPublicKeyCommand({ UserName: 'keys', SSHPublicKeyBody: rsaPem() })),
  );
  // Not confirmed against AWS: the text is ours (no recorded response found), worded like
  // CertificatesPerUser's above.
  assert.deepEqual(sixth, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for PublicKeysPerUser: 5',
    status: 409,
  });
  const page = await iam.send(new ListSSHPublicKeysCommand({ UserName: 'keys', MaxItems: 3 }));
  assert.equal(page.SSHPublicKeys?.length, 3);
  assert.equal(page.IsTruncated, true);
  const rest = await iam.send(
    new ListSSHPublicKeysCommand({ UserName: 'keys', MaxItems: 3, Marker: page.Marker }),
  );
  assert.equal(rest.SSHPublicKeys?.length, 2);
  assert.equal(rest.IsTruncated, false);
});

// ---- service-specific credentials

test('a CodeCommit credential is created with a user name and a password shown once', async () => {
  const created = await iam.send(
    new CreateServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceName: 'codecommit.amazonaws.com',
    }),
  );
  const cred = created.ServiceSpecificCredential!;
  assert.equal(cred.UserName, 'creds');
  assert.equal(cred.ServiceName, 'codecommit.amazonaws.com');
  assert.equal(cred.ServiceUserName, `creds-at-${ROOT.accountId}`);
  assert.ok((cred.ServicePassword ?? '').length >= 40);
  assert.match(cred.ServiceSpecificCredentialId ?? '', /^ACCA[A-Z0-9]{17}$/);
  assert.equal(cred.Status, 'Active');
  const listed = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'creds' }));
  assert.equal(listed.ServiceSpecificCredentials?.length, 1);
  assert.equal(
    (listed.ServiceSpecificCredentials![0] as unknown as Record<string, unknown>).ServicePassword,
    undefined,
  );
  assert.equal(listed.ServiceSpecificCredentials![0]!.ServiceUserName, `creds-at-${ROOT.accountId}`);
  const reset = await iam.send(
    new ResetServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceSpecificCredentialId: cred.ServiceSpecificCredentialId,
    }),
  );
  assert.ok(reset.ServiceSpecificCredential?.ServicePassword);
  assert.notEqual(reset.ServiceSpecificCredential?.ServicePassword, cred.ServicePassword);
  await iam.send(
    new UpdateServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceSpecificCredentialId: cred.ServiceSpecificCredentialId,
      Status: 'Inactive',
    }),
  );
  const after = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'creds' }));
  assert.equal(after.ServiceSpecificCredentials![0]!.Status, 'Inactive');
  assert.equal(server.output().includes(cred.ServicePassword!), false);
});

test('two credentials per service, with distinct service user names; the limit is LimitExceeded', async () => {
  const second = await iam.send(
    new CreateServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceName: 'codecommit.amazonaws.com',
    }),
  );
  assert.equal(second.ServiceSpecificCredential?.ServiceUserName, `creds+1-at-${ROOT.accountId}`);
  const third = await awsError(
    iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'creds',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    ),
  );
  // Not confirmed against AWS: the text is ours (no recorded response found), worded like
  // CertificatesPerUser's.
  assert.deepEqual(third, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2',
    status: 409,
  });
  // Another service has its own quota.
  await iam.send(
    new CreateServiceSpecificCredentialCommand({ UserName: 'creds', ServiceName: 'cassandra.amazonaws.com' }),
  );
  const keyspaces = await iam.send(
    new ListServiceSpecificCredentialsCommand({ UserName: 'creds', ServiceName: 'cassandra.amazonaws.com' }),
  );
  assert.equal(keyspaces.ServiceSpecificCredentials?.length, 1);
  const all = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'creds' }));
  assert.equal(all.ServiceSpecificCredentials?.length, 3);
});

test('service-specific credential errors carry AWS messages', async () => {
  const unsupported = await awsError(
    iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'creds',
        ServiceName: 'nonexistentservice.amazonaws.com',
      }),
    ),
  );
  assert.deepEqual(unsupported, {
    code: 'NoSuchEntity',
    message: 'No such service nonexistentservice.amazonaws.com is supported for Service Specific Credentials',
    status: 404,
  });
  const listUnsupported = await awsError(
    iam.send(
      new ListServiceSpecificCredentialsCommand({
        UserName: 'creds',
        ServiceName: 'nonexistentservice.amazonaws.com',
      }),
    ),
  );
  assert.equal(listUnsupported.code, 'NoSuchEntity');
  for (const call of [
    new UpdateServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceSpecificCredentialId: 'satisfiesregexbutstillinvalid',
      Status: 'Active',
    }),
    new ResetServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceSpecificCredentialId: 'satisfiesregexbutstillinvalid',
    }),
    new DeleteServiceSpecificCredentialCommand({
      UserName: 'creds',
      ServiceSpecificCredentialId: 'satisfiesregexbutstillinvalid',
    }),
  ]) {
    const error = await awsError(iam.send(call as DeleteServiceSpecificCredentialCommand));
    assert.deepEqual(error, {
      code: 'NoSuchEntity',
      message: 'No such credential satisfiesregexbutstillinvalid exists',
      status: 404,
    });
  }
  const noUser = await awsError(
    iam.send(
      new CreateServiceSpecificCredentialCommand({
        UserName: 'non-existent-user',
        ServiceName: 'codecommit.amazonaws.com',
      }),
    ),
  );
  assert.deepEqual(noUser, {
    code: 'NoSuchEntity',
    message: 'The user with name non-existent-user cannot be found.',
    status: 404,
  });
  const conflict = await awsError(iam.send(new DeleteUserCommand({ UserName: 'creds' })));
  assert.deepEqual(conflict, {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must remove referenced objects first.', // recorded from AWS
    status: 409,
  });
});

test('a deleted credential is gone', async () => {
  const listed = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'creds' }));
  for (const cred of listed.ServiceSpecificCredentials!) {
    await iam.send(
      new DeleteServiceSpecificCredentialCommand({
        UserName: 'creds',
        ServiceSpecificCredentialId: cred.ServiceSpecificCredentialId,
      }),
    );
  }
  assert.deepEqual(
    (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'creds' })))
      .ServiceSpecificCredentials,
    [],
  );
});

test('a user without permission is denied on its own credentials with AWS message', async () => {
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'other' }));
  const asOther = server.iam({
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  });
  const error = await awsError(asOther.send(new ListSigningCertificatesCommand({})));
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:user/other is not authorized to perform: iam:ListSigningCertificates on resource: arn:aws:iam::${ROOT.accountId}:user/other because no identity-based policy allows the iam:ListSigningCertificates action`,
    status: 403,
  });
});
