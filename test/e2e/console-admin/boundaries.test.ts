// Permissions boundaries: on a user's and a role's page an administrator sees the boundary, finds a
// managed policy by name and sets it as the boundary (or gives its ARN), and removes it after a
// confirmation, through the same operations the API offers; a refusal is shown in place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  GetUserCommand,
} from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
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
const LIMIT_ARN = 'arn:aws:iam::123456789012:policy/OnlyReadReports';

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'bounded' }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'bounded-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'OnlyReadReports',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }],
      }),
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test("a user's boundary is found by name in the picker, set, shown and removed after a confirmation", async () => {
  const page = '/console/admin/users/bounded';
  const before = await root.get(page);
  assert.match(
    visibleText(sectionOf(before, 'boundary-heading')),
    /^Permissions boundary No permissions boundary: the user's policies alone decide its permissions\./,
  );

  const picker = await root.get(`${page}/boundary/pick?q=OnlyRead`);
  assert.equal(picker.status, 200);
  assert.match(
    picker.text,
    /<form method="post" action="\/console\/admin\/users\/bounded\/boundary\/set" class="inline">[\s\S]*?value="arn:aws:iam::123456789012:policy\/OnlyReadReports"[\s\S]*?aria-label="Set as boundary OnlyReadReports"/,
  );

  const set = await submit(root, `${page}/boundary/pick?q=OnlyRead`, `${page}/boundary/set`, {
    'policy-arn': LIMIT_ARN,
  });
  assert.equal(set.posted.status, 303);
  // Back to the Permissions tab, where the boundary is shown.
  assert.equal(set.posted.location, `${page}?tab=permissions&notice=boundary-set`);
  assert.equal(noticeText(set.page), 'The permissions boundary was set.');
  const shown = sectionOf(set.page, 'boundary-heading');
  assert.match(
    visibleText(shown),
    /The user's permissions are limited to what the policy arn:aws:iam::123456789012:policy\/OnlyReadReports allows\./,
  );
  assert.match(
    shown,
    /<details class="confirm">\s*<summary>Remove permissions boundary<\/summary>[\s\S]*?<button type="submit" class="danger">Yes, remove permissions boundary<\/button>/,
  );
  const iam = server.iam();
  const got = await iam.send(new GetUserCommand({ UserName: 'bounded' }));
  assert.deepEqual(got.User?.PermissionsBoundary, {
    PermissionsBoundaryType: 'Policy',
    PermissionsBoundaryArn: LIMIT_ARN,
  });

  // The picker says which policy is the boundary now, instead of offering it again.
  const again = await root.get(`${page}/boundary/pick?q=OnlyRead`);
  assert.match(visibleText(again.text), /OnlyReadReports .*Current boundary/);
  assert.doesNotMatch(again.text, /aria-label="Set as boundary OnlyReadReports"/);

  const removed = await submit(root, page, `${page}/boundary/delete`, {});
  assert.equal(noticeText(removed.page), 'The permissions boundary was removed.');
  assert.match(visibleText(sectionOf(removed.page, 'boundary-heading')), /No permissions boundary/);
  const after = await iam.send(new GetUserCommand({ UserName: 'bounded' }));
  assert.equal(after.User?.PermissionsBoundary, undefined);
});

test("a role's boundary is set by ARN and removed, as PutRolePermissionsBoundary and DeleteRolePermissionsBoundary", async () => {
  const page = '/console/admin/roles/bounded-role';
  const set = await submit(root, page, `${page}/boundary/set`, {
    'policy-arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  });
  assert.equal(noticeText(set.page), 'The permissions boundary was set.');
  assert.match(
    visibleText(sectionOf(set.page, 'boundary-heading')),
    /The role's permissions are limited to what the policy arn:aws:iam::aws:policy\/ReadOnlyAccess allows\./,
  );
  const iam = server.iam();
  const got = await iam.send(new GetRoleCommand({ RoleName: 'bounded-role' }));
  assert.equal(
    got.Role?.PermissionsBoundary?.PermissionsBoundaryArn,
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
  );

  const removed = await submit(root, page, `${page}/boundary/delete`, {});
  assert.equal(noticeText(removed.page), 'The permissions boundary was removed.');
  const after = await iam.send(new GetRoleCommand({ RoleName: 'bounded-role' }));
  assert.equal(after.Role?.PermissionsBoundary, undefined);
});

test("a boundary that is no policy is refused in place with the domain's message, and the ARN kept", async () => {
  const page = '/console/admin/users/bounded';
  const missing = 'arn:aws:iam::123456789012:policy/NoSuchPolicy';
  const { posted } = await submit(root, page, `${page}/boundary/set`, { 'policy-arn': missing });
  assert.equal(posted.status, 404);
  assert.match(errorText(posted), /^NoSuchEntity: /);
  assert.match(
    posted.text,
    /id="boundary-arn"[\s\S]*?value="arn:aws:iam::123456789012:policy\/NoSuchPolicy"/,
  );
  const got = await server.iam().send(new GetUserCommand({ UserName: 'bounded' }));
  assert.equal(got.User?.PermissionsBoundary, undefined);
});
