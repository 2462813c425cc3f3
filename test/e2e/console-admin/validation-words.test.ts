// Validation errors in words: a name, path or tag the API's model refuses is explained under the
// field that holds it (the input marked invalid and described by the explanation), AWS's own text
// one click away; create user states the account's password rules beside the password field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetRoleCommand, UpdateAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { awsError, startServer, type Server } from '../harness.ts';
import { type ConsoleClient, errorText, rootClient, submit, visibleText, type Page } from './admin-client.ts';

let server: Server;
let root: ConsoleClient;

before(async () => {
  server = await startServer();
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

/** The explanation under the field `id`, as text, or undefined when the field shows none. */
function underField(page: Page, id: string): string | undefined {
  const match = new RegExp(`<div class="field-error" id="${id}-error">([\\s\\S]*?)</div>`).exec(page.text);
  return match ? visibleText(match[1]!) : undefined;
}

test('a role name and a path IAM refuses are each explained under their own field', async () => {
  const badName = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    'role-name': 'has space',
    path: '/',
    'trust-policy': '{}',
    intent: 'create',
  });
  assert.equal(badName.posted.status, 400);
  assert.match(
    underField(badName.posted, 'role-name') ?? '',
    /^The role name is not valid\. Use letters, digits and \+ = , \. @ _ - \(up to 64 characters\)\. AWS's message ValidationError: 1 validation error detected: Value at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\+$/,
  );
  assert.equal(underField(badName.posted, 'path'), undefined, 'the path was fine');
  // The input says it is invalid and is described by the explanation (screen readers read both).
  assert.match(
    badName.posted.text,
    /<input\s+id="role-name"[^>]*aria-describedby="role-name-hint role-name-error"[^>]*aria-invalid="true"/,
  );
  assert.equal(
    (await awsError(server.iam().send(new GetRoleCommand({ RoleName: 'has space' })))).code,
    'ValidationError',
  );

  const badPath = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    'role-name': 'fine-name',
    path: 'no-slashes',
    'trust-policy': '{}',
    intent: 'create',
  });
  assert.equal(badPath.posted.status, 400);
  assert.match(underField(badPath.posted, 'path') ?? '', /^The path is not valid\. Start and end with \/ /);
  assert.match(errorText(badPath.posted), /^The path is not valid\./);
  assert.match(errorText(badPath.posted), /AWS's message ValidationError: .*Value at 'path'/);
  assert.equal(underField(badPath.posted, 'role-name'), undefined);
});

test('a name too long is explained with the same words (the length is part of the rule)', async () => {
  const { posted } = await submit(root, '/console/admin/groups', '/console/admin/groups/create', {
    'group-name': 'g'.repeat(129),
    path: '/',
  });
  assert.equal(posted.status, 400);
  assert.match(
    underField(posted, 'group-name') ?? '',
    /^The group name is not valid\. Use letters, digits and \+ = , \. @ _ - \(up to 128 characters\)\. AWS's message .*Member must have length less than or equal to 128$/,
  );
});

test("errors the console has no words for keep AWS's text as it is", async () => {
  const { posted } = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'twice',
    path: '/',
  });
  assert.equal(posted.status, 303);
  const again = await submit(root, '/console/admin/users', '/console/admin/users/create', {
    'user-name': 'twice',
    path: '/',
  });
  assert.equal(errorText(again.posted), 'EntityAlreadyExists: User with name twice already exists.');
  assert.equal(underField(again.posted, 'user-name'), undefined);
});

test("create user states the account's password rules beside the password field, as the policy says them", async () => {
  const rulesOf = (page: Page) => {
    const match = /<div class="hint" id="password-rules">([\s\S]*?)<\/div>/.exec(page.text);
    return match ? visibleText(match[1]!) : '';
  };
  const defaults = await root.get('/console/admin/users');
  assert.match(rulesOf(defaults), /^Minimum password length is 8 characters /);
  assert.match(defaults.text, /<input\s+id="password"[^>]*aria-describedby="password-hint password-rules"/);

  await server.iam().send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
    }),
  );
  const strict = await root.get('/console/admin/users');
  const rules = rulesOf(strict);
  assert.match(rules, /Minimum password length is 14 characters/);
  assert.match(rules, /Require at least one number/);
  assert.match(rules, /Require at least one non-alphanumeric character/);
  assert.doesNotMatch(rules, /uppercase letter/);
});
