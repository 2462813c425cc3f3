// A member account's root user signs in to the console (Debian's Chromium through playwright-core,
// scripts off) after the management account set its password the way AWS's centralized root access
// does: trusted access for IAM, root sessions enabled, AssumeRoot into member B with
// IAMCreateRootUserPassword, CreateLoginProfile without a user name. B's root is then limited by
// the SCP on B's OU (no iam:CreateUser, AWS's SCP text on the page) where the management account's
// root is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DescribeCreateAccountStatusCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  EnableOrganizationsRootSessionsCommand,
  GetUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';

const B_EMAIL = 'owner-b@example.com';
const B_PASSWORD = 'Member-Root-Password-1';

let server: Server;
let browser: Browser;
let page: Page;
let accountB = '';

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'admin' }));
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: 'admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
  const admin = {
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  };

  // The organization, member B in an OU whose SCP denies iam:CreateUser.
  const o = server.organizations(admin);
  await o.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await o.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const started = await o.send(new CreateAccountCommand({ Email: B_EMAIL, AccountName: 'B' }));
  for (let i = 0; i < 100 && !accountB; i++) {
    const { CreateAccountStatus: status } = await o.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id }),
    );
    if (status!.State === 'SUCCEEDED') accountB = status!.AccountId!;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(accountB, 'account B was created');
  const ouId = (await o.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' })))
    .OrganizationalUnit!.Id!;
  await o.send(
    new MoveAccountCommand({ AccountId: accountB, SourceParentId: rootId, DestinationParentId: ouId }),
  );
  await o.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  const { Policy } = await o.send(
    new CreatePolicyCommand({
      Name: 'NoNewUsers',
      Description: 'no IAM users',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }],
      }),
    }),
  );
  await o.send(new AttachPolicyCommand({ PolicyId: Policy!.PolicySummary!.Id!, TargetId: ouId }));

  // Centralized root access, and B's root password set in a root session.
  await o.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  await server.iam(admin).send(new EnableOrganizationsRootSessionsCommand({}));
  const { Credentials: c } = await server.sts(admin).send(
    new AssumeRootCommand({
      TargetPrincipal: accountB,
      TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword' },
    }),
  );
  const session = {
    accessKeyId: c!.AccessKeyId!,
    secretAccessKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
  await server.iam(session).send(new CreateLoginProfileCommand({ Password: B_PASSWORD }));

  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

async function signInAsRoot(email: string, password: string): Promise<void> {
  await page.goto(url('/console/root-signin'));
  await page.getByLabel('Root user email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function createUser(name: string): Promise<string> {
  await page.goto(url('/console/admin/users'));
  await page.getByLabel('User name').fill(name);
  await page.getByRole('button', { name: 'Create user' }).click();
  return page.locator('main').innerText();
}

test("B's root signs in with B's e-mail and the password set in a root session", async () => {
  await signInAsRoot(B_EMAIL, 'Not-The-Password-1');
  assert.match(await page.locator('main').innerText(), /Your authentication information is incorrect/);

  await signInAsRoot(B_EMAIL.toUpperCase(), B_PASSWORD);
  await page.waitForURL(/\/console$/);
  const home = await page.locator('main').innerText();
  assert.match(home, new RegExp(`Account ID\\s+${accountB}`));
  assert.match(home, new RegExp(`Signed in as\\s+arn:aws:iam::${accountB}:root`));
});

test("the SCP on B's OU refuses B's root a new user, with AWS's SCP text", async () => {
  const refused = await createUser('newcomer');
  assert.match(
    refused,
    new RegExp(
      `User: arn:aws:iam::${accountB}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${accountB}:user/newcomer with an explicit deny in a service control policy`,
    ),
  );
  await page.getByRole('button', { name: 'Sign out' }).click();
});

test('the management account is not limited by SCPs: its root creates the user', async () => {
  await signInAsRoot(ROOT.email, ROOT.password);
  await page.waitForURL(/\/console$/);
  await createUser('newcomer');
  await page.waitForURL(/\/console\/admin\/users\/newcomer\?notice=created$/);
  const { User } = await server.iam().send(new GetUserCommand({ UserName: 'newcomer' }));
  assert.equal(User!.Arn, `arn:aws:iam::${ROOT.accountId}:user/newcomer`);
});
