// A custom identity broker in a real browser (Debian's Chromium through playwright-core): the
// broker is a small web server of its own holding an IAM user's long-term keys. When a person
// opens it, it calls AssumeRole with the AWS SDK, exchanges the credentials at Portcullis's
// /federation endpoint (Action=getSigninToken) and redirects the browser to the login URL, as AWS
// recommends. The person lands in the console as the role session (ROLE/SESSION in the header),
// may read what the role's policy allows and is denied what it does not; signing out leads back
// to the broker (the Issuer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Credentials, type Server } from '../e2e/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';

const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

let server: Server;
let broker: HttpServer;
let brokerUrl = '';
let browser: Browser;
let page: Page;
let brokerKeys: Credentials;
let visits = 0;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'broker' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'broker',
      PolicyName: 'assume',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'broker' }));
  brokerKeys = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Auditor',
      AssumeRolePolicyDocument: policy([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/broker` },
          Action: 'sts:AssumeRole',
        },
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Auditor',
      PolicyName: 'read-users',
      PolicyDocument: policy([
        { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetAccountSummary'], Resource: '*' },
      ]),
    }),
  );

  // The broker: authenticates "its" person (here: anyone), then does what AWS's guide shows.
  const sts = server.sts(brokerKeys);
  broker = createServer((request, response) => {
    void (async () => {
      visits++;
      const assumed = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Auditor`, RoleSessionName: 'dana' }),
      );
      const session = JSON.stringify({
        sessionId: assumed.Credentials!.AccessKeyId,
        sessionKey: assumed.Credentials!.SecretAccessKey,
        sessionToken: assumed.Credentials!.SessionToken,
      });
      const tokenUrl = `${server.url}/federation?${new URLSearchParams({ Action: 'getSigninToken', SessionDuration: '3600', Session: session })}`;
      const answer = (await (await fetch(tokenUrl)).json()) as { SigninToken: string };
      const login = `${server.url}/federation?${new URLSearchParams({
        Action: 'login',
        Issuer: brokerUrl,
        Destination: `${server.url}/console`,
        SigninToken: answer.SigninToken,
      })}`;
      response.writeHead(302, { location: login }).end();
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  brokerUrl = `http://127.0.0.1:${(broker.address() as AddressInfo).port}/`;
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (broker ? broker.close(resolve) : resolve(undefined)));
  await server?.stop();
});

test('the broker signs a person in to the console as the role session', async () => {
  await page.goto(brokerUrl);
  await page.waitForURL(`${server.url}/console`);
  const header = await page.locator('header').innerText();
  assert.match(header, new RegExp(`Auditor/dana @ ${account}`));
  const main = await page.locator('main').innerText();
  assert.match(main, new RegExp(`arn:aws:sts::${account}:assumed-role/Auditor/dana`));
  assert.equal(visits, 1);
});

test('pages follow the role’s policy: users are listed, roles are denied', async () => {
  await page.getByRole('link', { name: 'Access management' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(/\/console\/admin\/users$/);
  assert.match(await page.locator('main').innerText(), /broker/);
  await page.goto(`${server.url}/console/admin/roles`);
  const denied = await page.locator('main').innerText();
  assert.match(denied, /Access denied\./);
  assert.match(
    denied,
    new RegExp(
      `User: arn:aws:sts::${account}:assumed-role/Auditor/dana is not authorized to perform: iam:ListRoles`,
    ),
  );
  await page.getByRole('link', { name: 'My security credentials' }).click();
  assert.match(await page.locator('main').innerText(), /temporary security credentials/);
});

test('signing out offers the way back to the broker, which signs in again', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.match(await page.locator('main').innerText(), /You have signed out/);
  await page.getByRole('link', { name: 'Sign in again' }).click();
  await page.waitForURL(`${server.url}/console`);
  assert.match(await page.locator('header').innerText(), /Auditor\/dana/);
  assert.equal(visits, 2);
});
