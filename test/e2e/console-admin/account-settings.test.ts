// Account settings in the console: the administrator edits the account password policy (what the
// API then enforces), goes back to the default after confirming, and sets the account alias; a
// user without permission sees AWS's AccessDenied in place and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetAccountPasswordPolicyCommand,
  ListAccountAliasesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import { type ConsoleClient, errorText, noticeText, rootClient, submit, userClient } from './admin-client.ts';

const PASSWORD = 'Account-Settings-Pass-1!';
let server: Server;
let root: ConsoleClient;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'reader', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'reader',
      PolicyName: 'read-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
      }),
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

const PAGE = '/console/admin/account-settings';

test('the administrator edits the password policy, and the API enforces it', async () => {
  const { posted, page } = await submit(root, PAGE, `${PAGE}/password-policy`, {
    MinimumPasswordLength: '14',
    RequireUppercaseCharacters: 'true',
    RequireNumbers: 'true',
    AllowUsersToChangePassword: 'true',
    MaxPasswordAge: '90',
    PasswordReusePrevention: '24',
  });
  assert.equal(posted.status, 303);
  assert.equal(noticeText(page), 'The password policy was saved.');
  assert.match(page.text, /id="MinimumPasswordLength"[^>]*value="14"/);
  const policy = (await server.iam().send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!;
  assert.equal(policy.MinimumPasswordLength, 14);
  assert.equal(policy.RequireUppercaseCharacters, true);
  assert.equal(policy.RequireLowercaseCharacters, false);
  assert.equal(policy.MaxPasswordAge, 90);
  assert.equal(policy.PasswordReusePrevention, 24);
  await server.iam().send(new CreateUserCommand({ UserName: 'newcomer' }));
  const weak = await awsError(
    server.iam().send(new CreateLoginProfileCommand({ UserName: 'newcomer', Password: 'Short-Pass-1' })),
  );
  assert.equal(weak.code, 'PasswordPolicyViolation');

  // Out of AWS's range: the API's own message, in place, and nothing changes.
  const { page: bad } = await submit(root, PAGE, `${PAGE}/password-policy`, { MinimumPasswordLength: '4' });
  assert.match(errorText(bad), /minimumPasswordLength/);
  const kept = (await server.iam().send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy!;
  assert.equal(kept.MinimumPasswordLength, 14);
});

test('going back to the default policy needs a confirmation', async () => {
  const { page: unconfirmed } = await submit(root, PAGE, `${PAGE}/password-policy/delete`, {});
  assert.match(errorText(unconfirmed), /Tick the box to confirm/);
  await server.iam().send(new GetAccountPasswordPolicyCommand({}));
  const { page } = await submit(root, PAGE, `${PAGE}/password-policy/delete`, { confirm: 'true' });
  assert.match(noticeText(page), /the account uses the default policy/);
  assert.match(page.text, /This account uses the default password policy/);
  const gone = await awsError(server.iam().send(new GetAccountPasswordPolicyCommand({})));
  assert.equal(gone.code, 'NoSuchEntity');
});

test('the account alias is created and deleted from the page', async () => {
  const { page } = await submit(root, PAGE, `${PAGE}/alias`, { alias: 'example-corp' });
  assert.equal(noticeText(page), 'The account alias was created.');
  assert.match(page.text, /<strong>example-corp<\/strong>/);
  let aliases = await server.iam().send(new ListAccountAliasesCommand({}));
  assert.deepEqual(aliases.AccountAliases, ['example-corp']);
  const { page: deleted } = await submit(root, PAGE, `${PAGE}/alias/delete`, { alias: 'example-corp' });
  assert.equal(noticeText(deleted), 'The account alias was deleted.');
  aliases = await server.iam().send(new ListAccountAliasesCommand({}));
  assert.deepEqual(aliases.AccountAliases, []);
});

test("a user without permission sees AWS's AccessDenied in place and changes nothing", async () => {
  const reader = await userClient(server, 'reader', PASSWORD);
  const { posted } = await submit(reader, PAGE, `${PAGE}/password-policy`, { MinimumPasswordLength: '6' });
  assert.equal(posted.status, 403);
  assert.match(
    posted.text,
    /User: arn:aws:iam::123456789012:user\/reader is not authorized to perform: iam:UpdateAccountPasswordPolicy/,
  );
  const gone = await awsError(server.iam().send(new GetAccountPasswordPolicyCommand({})));
  assert.equal(gone.code, 'NoSuchEntity');
});

test('the MFA options beyond AWS start off, are saved together, and need portcullis: permissions', async () => {
  const refused = await submit(root, PAGE, `${PAGE}/mfa-options`, { LockoutFailures: '2' });
  assert.equal(refused.posted.status, 400);
  assert.match(errorText(refused.page), /LockoutFailures must be a whole number from 3 to 100/);

  const start = await root.get(PAGE);
  assert.doesNotMatch(start.text, /id="RecoveryCodes"[^>]*checked/);
  assert.match(start.text, /id="LockoutFailures"[^>]*value=""/);

  const { page } = await submit(root, PAGE, `${PAGE}/mfa-options`, {
    RecoveryCodes: 'true',
    EnrolmentGracePeriods: 'true',
    LockoutFailures: '7',
    OrphanedDeviceHours: '24',
  });
  assert.equal(noticeText(page), 'The MFA options were saved.');
  assert.match(page.text, /id="RecoveryCodes"[^>]*checked/);
  assert.doesNotMatch(page.text, /id="AdminReset"[^>]*checked/);
  assert.match(page.text, /id="EnrolmentGracePeriods"[^>]*checked/);
  assert.match(page.text, /id="LockoutFailures"[^>]*value="7"/);
  assert.match(page.text, /id="OrphanedDeviceHours"[^>]*value="24"/);

  // A reader allowed every IAM read is not allowed Portcullis's own actions.
  const reader = await userClient(server, 'reader', PASSWORD);
  const { posted } = await submit(reader, PAGE, `${PAGE}/mfa-options`, {});
  assert.equal(posted.status, 403);
  assert.match(posted.text, /not authorized to perform: portcullis:UpdateAccountMfaOptions/);
  const kept = await root.get(PAGE);
  assert.match(kept.text, /id="RecoveryCodes"[^>]*checked/);
});
