// A user's service-specific credentials (CodeCommit's HTTPS Git credentials, Amazon Keyspaces') on
// the console's Security credentials tab: generated with the password shown once — after a
// redirect, never in an address, gone on reload —, reset with a new password shown once, made
// inactive and deleted; IAM's refusals in words, nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, ListServiceSpecificCredentialsCommand } from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
import {
  type ConsoleClient,
  type Page,
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
const TAB = `${PAGE}?tab=security-credentials`;
const CODECOMMIT = 'service-credentials-0-heading';
const KEYSPACES = 'service-credentials-1-heading';

before(async () => {
  server = await startServer();
  await server.iam().send(new CreateUserCommand({ UserName: 'dev' }));
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

function shownPassword(page: Page): string | undefined {
  return /<code id="service-password">([^<]*)<\/code>/.exec(page.text)?.[1];
}

async function credentials(service?: string) {
  const listed = await server
    .iam()
    .send(new ListServiceSpecificCredentialsCommand({ UserName: 'dev', ServiceName: service }));
  return listed.ServiceSpecificCredentials ?? [];
}

test('generated CodeCommit credentials show their password once, on the Security credentials tab', async () => {
  const { posted, page } = await submit(root, TAB, `${PAGE}/service-credentials/create`, {
    service: 'codecommit.amazonaws.com',
  });
  assert.equal(posted.status, 303);
  const [created] = await credentials('codecommit.amazonaws.com');
  assert.ok(created, 'the credential exists');
  const id = created.ServiceSpecificCredentialId!;
  const password = shownPassword(page);
  assert.ok(password && password.length >= 20, `a password is shown: ${page.text.slice(0, 200)}`);
  assert.ok(!posted.location!.includes(password), 'the password is never in an address');
  assert.match(page.text, /aria-selected="true"[^>]*>Security credentials</);
  const section = visibleText(sectionOf(page, CODECOMMIT));
  assert.match(section, new RegExp(`${created.ServiceUserName} ${id} \\S+ Active`));
  assert.doesNotMatch(visibleText(sectionOf(page, KEYSPACES)), new RegExp(id));

  // A reload (the same address again) shows it no more, and creates nothing.
  const again = await root.follow(posted);
  assert.equal(shownPassword(again), undefined);
  assert.match(noticeText(again), /shown only once/);
  assert.equal((await credentials('codecommit.amazonaws.com')).length, 1);

  // Reset: a new password, shown once, different from the first.
  const reset = await submit(root, TAB, `${PAGE}/service-credentials/reset`, { id });
  const newPassword = shownPassword(reset.page);
  assert.ok(newPassword && newPassword !== password);
  assert.equal((await credentials('codecommit.amazonaws.com')).length, 1);
});

test('Keyspaces credentials are listed under their own service; a credential is made inactive and deleted', async () => {
  const { page } = await submit(root, TAB, `${PAGE}/service-credentials/create`, {
    service: 'cassandra.amazonaws.com',
  });
  const [created] = await credentials('cassandra.amazonaws.com');
  const id = created!.ServiceSpecificCredentialId!;
  assert.ok(shownPassword(page));
  assert.match(visibleText(sectionOf(page, KEYSPACES)), new RegExp(id));
  assert.doesNotMatch(visibleText(sectionOf(page, CODECOMMIT)), new RegExp(id));

  const inactive = await submit(root, TAB, `${PAGE}/service-credentials/status`, { id, status: 'Inactive' });
  assert.equal(noticeText(inactive.page), 'The service-specific credential was updated.');
  assert.equal((await credentials('cassandra.amazonaws.com'))[0]?.Status, 'Inactive');
  assert.match(visibleText(sectionOf(inactive.page, KEYSPACES)), new RegExp(`${id} \\S+ Inactive`));

  const deleted = await submit(root, TAB, `${PAGE}/service-credentials/delete`, { id });
  assert.equal(noticeText(deleted.page), 'The service-specific credential was deleted.');
  assert.deepEqual(await credentials('cassandra.amazonaws.com'), []);
});

test("IAM's refusals are shown in words and store nothing: a third credential for one service, a bad id or service", async () => {
  await submit(root, TAB, `${PAGE}/service-credentials/create`, { service: 'codecommit.amazonaws.com' });
  assert.equal((await credentials('codecommit.amazonaws.com')).length, 2);
  const third = await submit(root, TAB, `${PAGE}/service-credentials/create`, {
    service: 'codecommit.amazonaws.com',
  });
  assert.match(
    errorText(third.page),
    /LimitExceeded: Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2/,
  );
  assert.equal(shownPassword(third.page), undefined);
  assert.equal((await credentials('codecommit.amazonaws.com')).length, 2);

  const bogus = await submit(root, TAB, `${PAGE}/service-credentials/delete`, { id: 'x' });
  assert.match(errorText(bogus.page), /not a service-specific credential of this user/);
  const unknown = await submit(root, TAB, `${PAGE}/service-credentials/create`, {
    service: 'ec2.amazonaws.com',
  });
  assert.match(errorText(unknown.page), /Choose a service/);
  assert.equal((await credentials()).length, 2);
});
