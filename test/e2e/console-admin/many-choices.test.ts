// The "Add to group" and "Add user" choices of the user and group pages: the account's groups or
// users less those already joined. An account has at most 300 groups, but up to 5,000 users: past
// one page of 1,000 users the name is typed instead (a list cut there would leave some out).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateUserCommand,
  GetGroupCommand,
} from '@aws-sdk/client-iam';
import { startServer, type Server } from '../harness.ts';
import { type ConsoleClient, noticeText, rootClient, sectionOf, submit } from './admin-client.ts';

let server: Server;
let root: ConsoleClient;

before(async () => {
  server = await startServer();
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

const options = (section: string) => [...section.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);

test('a user page offers the groups the user is not in', async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'ann' }));
  for (const name of ['blue', 'green', 'red']) await iam.send(new CreateGroupCommand({ GroupName: name }));
  await iam.send(new AddUserToGroupCommand({ UserName: 'ann', GroupName: 'green' }));
  const page = await root.get('/console/admin/users/ann?tab=groups');
  assert.deepEqual(options(sectionOf(page, 'groups-heading')), ['blue', 'red']);
  const added = await submit(root, '/console/admin/users/ann', '/console/admin/users/ann/groups/add', {
    'group-name': 'red',
  });
  assert.equal(noticeText(added.page), 'The user was added to the group.');
  assert.deepEqual(options(sectionOf(added.page, 'groups-heading')), ['blue']);
  const members = await iam.send(new GetGroupCommand({ GroupName: 'red' }));
  assert.deepEqual(
    members.Users?.map((u) => u.UserName),
    ['ann'],
  );
});

test('a group page offers the users not in it; past 1,000 users the name is typed', async () => {
  const iam = server.iam();
  // ann (from the test above) is in green; bob is not.
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));
  let page = await root.get('/console/admin/groups/green');
  assert.deepEqual(options(page.text.slice(page.text.indexOf('Add a user to this group'))), ['bob']);

  for (let i = 0; i < 999; i++) await iam.send(new CreateUserCommand({ UserName: `user-${i}` }));
  page = await root.get('/console/admin/groups/green');
  const form = page.text.slice(page.text.indexOf('Add a user to this group'));
  assert.deepEqual(options(form), []);
  assert.match(form, /more than 1,000 users: type the user’s name/);
});
