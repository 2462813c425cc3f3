// Switch role over HTTP, with the real server and the SDK: what decides a switch (the signed-in
// principal's identity policy and the role's trust policy, both), an account named by its alias,
// a role session switching (role chaining), the switch held in the store and ended with the role
// session, and Switch back's CSRF check. The browser story is in test/browser/organization-console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
} from '@aws-sdk/client-organizations';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';
import { ConsoleClient, signIn, visibleText, type Page } from './client.ts';

const A = ROOT.accountId;
const PASSWORD = 'Switch-Role-Pass-1!';
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const REFUSED =
  'Invalid information in one or more fields. Check your information or contact your administrator.';

let server: Server;
let accountB = '';
let adminOfB: Credentials;

async function consoleUser(name: string, statements: object[]): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(statements) }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
}

async function signedIn(name: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(server.url);
  const page = await signIn(client, A, name, PASSWORD);
  assert.equal(page.status, 200, visibleText(page.text).slice(0, 300));
  return client;
}

async function switchRole(client: ConsoleClient, fields: Record<string, string>): Promise<Page> {
  await client.get('/console/switch-role');
  const posted = await client.post('/console/switch-role', fields);
  return posted.location ? client.follow(posted) : posted;
}

function banner(page: Page): string {
  const match = /<div class="switched-role[^"]*"[^>]*>([\s\S]*?)<\/div>/.exec(page.text);
  return match ? visibleText(match[1]!) : '';
}

before(async () => {
  server = await startServer();
  const orgs = server.organizations();
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const started = await orgs.send(new CreateAccountCommand({ Email: 'b@example.com', AccountName: 'B' }));
  const status = await orgs.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }),
  );
  accountB = status.CreateAccountStatus!.AccountId!;
  const B_ADMIN = `arn:aws:iam::${accountB}:role/OrganizationAccountAccessRole`;

  const ada = await consoleUser('ada', [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${accountB}:role/*` },
    { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetAccountSummary'], Resource: '*' },
  ]);
  await consoleUser('nora', [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]);
  const assumed = await server
    .sts(ada)
    .send(new AssumeRoleCommand({ RoleArn: B_ADMIN, RoleSessionName: 'setup' }));
  adminOfB = {
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  };
  const iamOfB = server.iam(adminOfB);
  await iamOfB.send(new CreateAccountAliasCommand({ AccountAlias: 'workloads-b' }));
  // A role in B that trusts another account only: its trust policy refuses A.
  await iamOfB.send(
    new CreateRoleCommand({
      RoleName: 'Locked',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
  await iamOfB.send(new CreateUserCommand({ UserName: 'only-in-b' }));
  // A role in A whose sessions may switch into B (role chaining).
  const iam = server.iam();
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Hopper',
      AssumeRolePolicyDocument: policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' },
      ]),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Hopper',
      PolicyName: 'hop',
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: B_ADMIN }]),
    }),
  );
});

after(async () => {
  await server?.stop();
});

test("without an identity policy allowing sts:AssumeRole, the switch is refused in AWS's words", async () => {
  const nora = await signedIn('nora');
  const page = await switchRole(nora, { account: accountB, 'role-name': 'OrganizationAccountAccessRole' });
  assert.equal(page.status, 403);
  const text = visibleText(page.text);
  assert.ok(text.includes(REFUSED), text);
  assert.match(
    text,
    new RegExp(`User: arn:aws:iam::${A}:user/nora is not authorized to perform: sts:AssumeRole`),
  );
  assert.equal(banner(page), '');
});

test('a trust policy that does not trust the account refuses, as does a role that does not exist', async () => {
  const ada = await signedIn('ada');
  for (const role of ['Locked', 'Missing']) {
    const page = await switchRole(ada, { account: accountB, 'role-name': role });
    assert.equal(page.status, 403);
    assert.ok(visibleText(page.text).includes(REFUSED));
    assert.equal(banner(page), '');
  }
  const malformed = await switchRole(ada, { account: 'not an account', 'role-name': 'x y' });
  assert.equal(malformed.status, 400);
  assert.ok(visibleText(malformed.text).includes(REFUSED));
});

test('an account alias names the account; pages then act in B as the role; the banner names it', async () => {
  const ada = await signedIn('ada');
  const page = await switchRole(ada, {
    account: 'workloads-b',
    'role-name': 'OrganizationAccountAccessRole',
    color: 'purple', // not one of AWS's colours: none is used
  });
  assert.equal(page.status, 200);
  assert.equal(
    banner(page),
    `Currently active as OrganizationAccountAccessRole @ workloads-b : role OrganizationAccountAccessRole in account ${accountB} Switch back`,
  );
  assert.match(page.text, /class="switched-role color-none"/);
  const users = visibleText((await ada.get('/console/admin/users')).text);
  assert.match(users, /only-in-b/);
  assert.doesNotMatch(users, /nora/);
  // B's trail records the switch as CloudTrail does: SwitchRole, by the role session, from ada.
  const trail = server.cloudTrail(adminOfB);
  let record: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !record; i++) {
    const { Events: events } = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'SwitchRole' }],
      }),
    );
    const event = events?.[0];
    if (event) record = JSON.parse(event.CloudTrailEvent!) as Record<string, unknown>;
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(record, 'no SwitchRole event in B');
  assert.equal(record.eventSource, 'signin.amazonaws.com');
  assert.equal(record.eventType, 'AwsConsoleSignIn');
  assert.equal(record.recipientAccountId, accountB);
  assert.deepEqual(record.responseElements, { SwitchRole: 'Success' });
  assert.equal(
    (record.additionalEventData as Record<string, string>).SwitchFrom,
    `arn:aws:iam::${A}:user/ada`,
  );
  assert.equal((record.userIdentity as Record<string, string>).type, 'AssumedRole');

  // The role session is named after the user, as AWS's console names it; it has no credentials of
  // its own to manage (ada's own security keys are not offered to the role).
  const credentials = await ada.get('/console/security-credentials');
  assert.equal(credentials.status, 200);
  assert.match(
    visibleText(credentials.text),
    new RegExp(`Role session arn:aws:sts::${accountB}:assumed-role/OrganizationAccountAccessRole/ada`),
  );
  // B is a member account: its administrator sees the organization's refusal in words.
  const organization = await ada.get('/console/organization');
  assert.equal(organization.status, 403);
  assert.match(
    visibleText(organization.text),
    /Access denied\. You don't have permissions to access this resource\. Only the organization's management account/,
  );

  // Switch back needs the session's CSRF token like every other action.
  const forged = await ada.post('/console/switch-back', { csrf: 'forged' });
  assert.equal(forged.status, 403);
  assert.match(visibleText((await ada.get('/console/admin/users')).text), /only-in-b/);
  const back = await ada.post('/console/switch-back', {});
  assert.equal(back.status, 303);
  const own = visibleText((await ada.follow(back)).text);
  assert.doesNotMatch(own, /Currently active as/);
  assert.match(visibleText((await ada.get('/console/admin/users')).text), /nora/);
});

test('the switch is held in the store: after a restart the same cookie still runs as the role', async () => {
  const ada = await signedIn('ada');
  await switchRole(ada, {
    account: accountB,
    'role-name': 'OrganizationAccountAccessRole',
    'display-name': 'B',
  });
  const restarted = await server.restart();
  server = restarted;
  const again = new ConsoleClient(server.url);
  for (const [name, value] of ada.cookies) again.cookies.set(name, value);
  const page = await again.get('/console');
  assert.match(
    banner(page),
    new RegExp(`Currently active as B : role OrganizationAccountAccessRole in account ${accountB}`),
  );
  await again.post('/console/switch-back', {});
});

test('a role session signed in to the console switches too (role chaining), for an hour', async () => {
  const session = await server
    .sts(await consoleKey())
    .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/Hopper`, RoleSessionName: 'hopper-1' }));
  const credentials = session.Credentials!;
  const query = new URLSearchParams({
    Action: 'getSigninToken',
    Session: JSON.stringify({
      sessionId: credentials.AccessKeyId,
      sessionKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
    }),
  });
  const token = (await (await fetch(`${server.url}/federation?${query}`)).json()) as { SigninToken: string };
  const client = new ConsoleClient(server.url);
  const login = await client.get(
    `/federation?${new URLSearchParams({ Action: 'login', Issuer: 'https://broker.example/', Destination: '/console', SigninToken: token.SigninToken })}`,
  );
  assert.equal(login.status, 302);
  const page = await switchRole(client, { account: accountB, 'role-name': 'OrganizationAccountAccessRole' });
  assert.match(banner(page), new RegExp(`in account ${accountB}`));
  await client.post('/console/switch-back', {});
});

/** A key of a user in A allowed to assume Hopper (the broker of the role-session sign-in). */
let broker: Credentials | undefined;
async function consoleKey(): Promise<Credentials> {
  broker ??= await consoleUser('broker', [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/Hopper` },
  ]);
  return broker;
}

// This one moves the server's clock: it runs last.

test('the switch ends with the role session: after an hour the console is the user again', async () => {
  const ada = await signedIn('ada');
  await switchRole(ada, { account: accountB, 'role-name': 'OrganizationAccountAccessRole' });
  await server.advanceClock(50 * 60);
  // Still switched (and the console session, idle less than an hour, still alive).
  assert.match(banner(await ada.get('/console')), /Currently active as/);
  await server.advanceClock(11 * 60);
  const after = await ada.get('/console/admin/users');
  assert.equal(after.status, 200);
  assert.doesNotMatch(after.text, /class="switched-role/);
  assert.match(visibleText(after.text), /nora/);
});
