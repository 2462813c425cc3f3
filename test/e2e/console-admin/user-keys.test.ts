// A user's SSH public keys and signing certificates on the console's user page: uploaded, made
// inactive and active, deleted, refused in words when IAM refuses them; and removed with the user
// when the console deletes it, as the AWS console does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  GetUserCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  UploadSSHPublicKeyCommand,
  UploadSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import { CERTS, SSH_KEY } from '../credentials/fixtures.ts';
import {
  type ConsoleClient,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  visibleText,
} from './admin-client.ts';

let server: Server;
let root: ConsoleClient;
const PAGE = '/console/admin/users/dev';

before(async () => {
  server = await startServer();
  await server.iam().send(new CreateUserCommand({ UserName: 'dev' }));
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test("an SSH public key is uploaded, made inactive and active, and deleted from the user's page", async () => {
  const uploaded = await submit(root, PAGE, `${PAGE}/ssh-keys/upload`, { body: SSH_KEY });
  assert.equal(noticeText(uploaded.page), 'The SSH public key was uploaded.');
  const [key] = (await server.iam().send(new ListSSHPublicKeysCommand({ UserName: 'dev' }))).SSHPublicKeys!;
  const id = key!.SSHPublicKeyId!;
  assert.match(visibleText(sectionOf(uploaded.page, 'ssh-heading')), new RegExp(`${id} Active`));

  const inactive = await submit(root, PAGE, `${PAGE}/ssh-keys/status`, { id, status: 'Inactive' });
  assert.equal(noticeText(inactive.page), 'The SSH public key was updated.');
  assert.match(visibleText(sectionOf(inactive.page, 'ssh-heading')), new RegExp(`${id} Inactive`));
  const listed = await server.iam().send(new ListSSHPublicKeysCommand({ UserName: 'dev' }));
  assert.equal(listed.SSHPublicKeys?.[0]?.Status, 'Inactive');

  const deleted = await submit(root, PAGE, `${PAGE}/ssh-keys/delete`, { id });
  assert.equal(noticeText(deleted.page), 'The SSH public key was deleted.');
  assert.deepEqual(
    (await server.iam().send(new ListSSHPublicKeysCommand({ UserName: 'dev' }))).SSHPublicKeys,
    [],
  );
});

test("a key or certificate IAM refuses is refused on the page with IAM's message, and nothing is stored", async () => {
  const key = await submit(root, PAGE, `${PAGE}/ssh-keys/upload`, { body: 'ssh-rsa not-a-key' });
  assert.match(errorText(key.page), /UnrecognizedPublicKeyEncoding: The request was rejected/);
  const certificate = await submit(root, PAGE, `${PAGE}/certificates/upload`, { body: 'not a certificate' });
  assert.match(errorText(certificate.page), /MalformedCertificate/);
  const bogus = await submit(root, PAGE, `${PAGE}/ssh-keys/delete`, { id: 'x' });
  assert.match(errorText(bogus.page), /not an SSH public key of this user/);
  assert.deepEqual(
    (await server.iam().send(new ListSSHPublicKeysCommand({ UserName: 'dev' }))).SSHPublicKeys,
    [],
  );
  assert.deepEqual(
    (await server.iam().send(new ListSigningCertificatesCommand({ UserName: 'dev' }))).Certificates,
    [],
  );
});

test("a signing certificate is uploaded, made inactive, and deleted from the user's page", async () => {
  const uploaded = await submit(root, PAGE, `${PAGE}/certificates/upload`, { body: CERTS[0]! });
  assert.equal(noticeText(uploaded.page), 'The signing certificate was uploaded.');
  const [certificate] = (await server.iam().send(new ListSigningCertificatesCommand({ UserName: 'dev' })))
    .Certificates!;
  const id = certificate!.CertificateId!;
  assert.match(visibleText(sectionOf(uploaded.page, 'certificates-heading')), new RegExp(`${id} Active`));

  const inactive = await submit(root, PAGE, `${PAGE}/certificates/status`, { id, status: 'Inactive' });
  assert.equal(noticeText(inactive.page), 'The signing certificate was updated.');
  const listed = await server.iam().send(new ListSigningCertificatesCommand({ UserName: 'dev' }));
  assert.equal(listed.Certificates?.[0]?.Status, 'Inactive');

  const deleted = await submit(root, PAGE, `${PAGE}/certificates/delete`, { id });
  assert.equal(noticeText(deleted.page), 'The signing certificate was deleted.');
  assert.deepEqual(
    (await server.iam().send(new ListSigningCertificatesCommand({ UserName: 'dev' }))).Certificates,
    [],
  );
});

test('deleting a user from the console first removes its SSH keys, certificates and service-specific credentials', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'leaver' }));
  await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'leaver', SSHPublicKeyBody: SSH_KEY }));
  await iam.send(new UploadSigningCertificateCommand({ UserName: 'leaver', CertificateBody: CERTS[1]! }));
  await iam.send(
    new CreateServiceSpecificCredentialCommand({
      UserName: 'leaver',
      ServiceName: 'codecommit.amazonaws.com',
    }),
  );
  const leaverPage = '/console/admin/users/leaver';
  const deleted = await submit(root, leaverPage, `${leaverPage}/delete`, { confirm: 'leaver' });
  assert.equal(deleted.posted.status, 303);
  assert.equal(noticeText(deleted.page), 'The user was deleted.');
  assert.equal((await awsError(iam.send(new GetUserCommand({ UserName: 'leaver' })))).code, 'NoSuchEntity');
});
