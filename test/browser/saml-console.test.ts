// IdP-initiated SAML sign-in to the console in a real browser (Debian's Chromium through
// playwright-core, JavaScript off as a plain IdP form needs none): a throw-away IdP
// (test/support/saml-idp.ts) is registered with CreateSAMLProvider; its own small web page posts a
// signed SAMLResponse to /console/saml. An assertion naming two roles leads to the role chooser;
// the chosen role's session is signed in (ROLE/SESSION in the header) and its policy decides the
// pages. The same response posted again is refused, as are a tampered one and an unknown issuer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateRoleCommand, CreateSAMLProviderCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { ROOT, startServer, type Server } from '../e2e/harness.ts';
import { ConsoleClient, visibleText } from '../e2e/console/client.ts';
import { TestIdp, tamper, toBase64 } from '../support/saml-idp.ts';
import { launchBrowser, type Browser } from './browser.ts';

const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const READER = `arn:aws:iam::${account}:role/SamlReader`;
const ADMIN = `arn:aws:iam::${account}:role/SamlAdmin`;

let server: Server;
let providerArn = '';
let idpSite: HttpServer;
let idpUrl = '';
let browser: Browser;
let page: Page;
const idp = new TestIdp();
/** What the IdP's page posts next: the roles its assertion names. */
let offered: string[] = [];

before(async () => {
  server = await startServer();
  const iam = server.iam();
  const created = await iam.send(
    new CreateSAMLProviderCommand({ Name: 'Corp', SAMLMetadataDocument: idp.metadata() }),
  );
  providerArn = created.SAMLProviderArn!;
  const trust = policy([
    {
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithSAML',
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    },
  ]);
  for (const [name, actions] of [
    ['SamlReader', ['iam:ListUsers', 'iam:GetAccountSummary']],
    ['SamlAdmin', ['iam:*']],
  ] as const) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'work',
        PolicyDocument: policy([{ Effect: 'Allow', Action: actions, Resource: '*' }]),
      }),
    );
  }
  // The IdP's "you are signed in, continue to Portcullis" page: a form that posts the response.
  idpSite = createServer((_request, response) => {
    const samlResponse = idp.response({
      roles: offered.map((role) => `${role},${providerArn}`),
      roleSessionName: 'alice@example.com',
    });
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><title>Corp IdP</title><form method="post" action="${server.url}/console/saml">` +
          `<input type="hidden" name="SAMLResponse" value="${samlResponse}">` +
          `<input type="hidden" name="RelayState" value="/console/admin/users">` +
          `<button type="submit">Continue to Portcullis</button></form>`,
      );
  });
  await new Promise<void>((resolve) => idpSite.listen(0, '127.0.0.1', resolve));
  idpUrl = `http://127.0.0.1:${(idpSite.address() as AddressInfo).port}/`;
  browser = await launchBrowser({ javaScript: false });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (idpSite ? idpSite.close(resolve) : resolve(undefined)));
  await server?.stop();
});

test('an assertion with two roles asks which one; the chosen role session is signed in', async () => {
  offered = [READER, ADMIN];
  await page.goto(idpUrl);
  await page.getByRole('button', { name: 'Continue to Portcullis' }).click();
  assert.match(await page.locator('h1').innerText(), /Select a role/);
  const main = await page.locator('main').innerText();
  assert.match(main, new RegExp(`Account: ${account}`));
  assert.match(main, /SamlAdmin/);
  await page.getByLabel('SamlReader').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/console/admin/users`);
  assert.match(
    await page.locator('header').innerText(),
    new RegExp(`SamlReader/alice@example.com @ ${account}`),
  );
  assert.match(await page.locator('main').innerText(), /IAM users in this account/);
  // The reader may not list roles: denied with AWS's message for the role session.
  await page.goto(`${server.url}/console/admin/roles`);
  assert.match(
    await page.locator('main').innerText(),
    new RegExp(
      `User: arn:aws:sts::${account}:assumed-role/SamlReader/alice@example.com is not authorized to perform: iam:ListRoles`,
    ),
  );
});

test('an assertion with one role signs in directly', async () => {
  offered = [ADMIN];
  await page.goto(idpUrl);
  await page.getByRole('button', { name: 'Continue to Portcullis' }).click();
  await page.waitForURL(`${server.url}/console/admin/users`);
  assert.match(await page.locator('header').innerText(), /SamlAdmin\/alice@example\.com/);
  await page.goto(`${server.url}/console/admin/roles`);
  assert.match(await page.locator('main').innerText(), /SamlReader/);
});

test('a response signs in once; tampered, foreign or misdirected responses are refused', async () => {
  const post = async (samlResponse: string, extra: Record<string, string> = {}) => {
    const client = new ConsoleClient(server.url);
    const answer = await client.post('/console/saml', { SAMLResponse: samlResponse, ...extra });
    return { answer, client };
  };
  const once = idp.response({ roles: [`${READER},${providerArn}`] });
  const first = await post(once);
  assert.equal(first.answer.status, 303);
  assert.equal(first.answer.location, '/console');
  const replay = await post(once);
  assert.equal(replay.answer.status, 400);
  assert.match(visibleText(replay.answer.text), /invalid SAML response.*already been used/);
  assert.equal(replay.client.cookies.has('portcullis-console'), false);

  const tampered = toBase64(
    tamper.alter(
      idp.responseXml({ roles: [`${READER},${providerArn}`] }),
      'role/SamlReader',
      'role/SamlAdmin',
    ),
  );
  const altered = (await post(tampered)).answer;
  assert.equal(altered.status, 400);
  assert.match(visibleText(altered.text), /invalid SAML response.*signature/i);
  const stranger = new TestIdp('https://stranger.example.com/saml');
  assert.equal((await post(stranger.response({ roles: [`${ADMIN},${providerArn}`] }))).answer.status, 400);
  // A role the assertion does not name cannot be chosen.
  const two = idp.response({ roles: [`${READER},${providerArn}`] });
  const unnamed = (await post(two, { roleIndex: ADMIN })).answer;
  assert.equal(unnamed.status, 400);
  assert.match(visibleText(unnamed.text), /Not authorized to perform sts:AssumeRoleWithSAML/);
  // …and the refusal did not spend the response: the role it names still signs in.
  assert.equal((await post(two, { roleIndex: READER })).answer.status, 303);
  // RelayState must be a page of this console.
  const elsewhere = idp.response({ roles: [`${READER},${providerArn}`] });
  const redirected = await post(elsewhere, { RelayState: 'https://evil.example/' });
  assert.equal(redirected.answer.status, 400);
  assert.equal(redirected.answer.location, undefined);
  assert.equal((await post('not base64 at all')).answer.status, 400);
});
