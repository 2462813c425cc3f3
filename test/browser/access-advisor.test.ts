// The Access Advisor tab in a real browser (Chromium through playwright-core, scripts off) against
// the real server: a user's tab lists the services her policies allow, IAM with the time she last
// called it and S3 "Not accessed in the tracking period"; her group's tab names her as the entity
// that used IAM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { type Browser, launchBrowser, signInRoot } from './browser.ts';

let server: Server;
let browser: Browser;
let page: Page;

const allow = (actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'ana' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'ana',
      PolicyName: 'work',
      PolicyDocument: allow(['iam:ListUsers', 's3:GetObject']),
    }),
  );
  await iam.send(new CreateGroupCommand({ GroupName: 'team' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'team', UserName: 'ana' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'team',
      PolicyName: 'read',
      PolicyDocument: allow(['iam:List*']),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'ana' }));
  await server
    .iam({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! })
    .send(new ListUsersCommand({}));
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
  await signInRoot(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The Access Advisor table's rows, cell by cell. */
async function rows(): Promise<string[][]> {
  const table = page.getByRole('table', { name: 'Allowed services' });
  const result: string[][] = [];
  for (const row of await table.locator('tbody tr').all())
    result.push((await row.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()));
  return result;
}

test("a user's Access Advisor tab: IAM last accessed, S3 not accessed", async () => {
  await page.goto(`${server.url}/console/admin/users/ana`);
  await page.getByRole('tab', { name: 'Access Advisor' }).click();
  assert.match(page.url(), /\?tab=access-advisor$/);
  assert.equal(await page.locator('[role=tab][aria-selected=true]').textContent(), 'Access Advisor');
  const [iam, s3, ...rest] = await rows();
  assert.deepEqual(rest, []);
  assert.equal(iam![0]!, 'AWS Identity and Access Management iam');
  assert.match(iam![1]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'the time of her call');
  assert.equal(iam![2], 'us-east-1');
  assert.deepEqual(s3, ['Amazon Simple Storage Service s3', 'Not accessed in the tracking period', '—']);
  assert.match((await page.locator('main dl').last().textContent()) ?? '', /Last activity\s*\d{4}-/);
});

test("a group's Access Advisor tab names the member who used the service", async () => {
  await page.goto(`${server.url}/console/admin/groups/team?tab=access-advisor`);
  const [iam] = await rows();
  assert.equal(iam![3], `arn:aws:iam::${ROOT.accountId}:user/ana`);
});
