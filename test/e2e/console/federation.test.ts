// The federation endpoint of custom identity brokers, over HTTP against the real server: a broker
// (an IAM user with long-term keys) gets temporary credentials with the AWS SDK — AssumeRole or
// GetFederationToken — exchanges them at /federation for a sign-in token, and the login URL signs
// its holder in to the console as that role session or federated user, once, within 15 minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';
import { ConsoleClient, visibleText } from './client.ts';

const account = ROOT.accountId;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const trustAccount = policy([
  { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
]);
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

let server: Server;
let broker: Credentials;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'broker' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'broker',
      PolicyName: 'broker',
      PolicyDocument: policy([
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:GetFederationToken', 'iam:ListUsers', 'iam:GetAccountSummary'],
          Resource: '*',
        },
      ]),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'broker' }));
  broker = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  for (const name of ['ConsoleReader', 'Chained', 'Ephemeral']) {
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: trustAccount,
        MaxSessionDuration: 43200,
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'read',
        PolicyDocument: policy([
          { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetAccountSummary'], Resource: '*' },
          { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${account}:role/Chained` },
        ]),
      }),
    );
  }
});
after(async () => {
  await server?.stop();
});

async function assumeRole(role = 'ConsoleReader', sessionName = 'alice', durationSeconds?: number) {
  const out = await server.sts(broker).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/${role}`,
      RoleSessionName: sessionName,
      ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
    }),
  );
  return temporary(out.Credentials);
}

async function federationToken(name = 'bob') {
  const out = await server.sts(broker).send(
    new GetFederationTokenCommand({
      Name: name,
      Policy: policy([{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]),
    }),
  );
  return temporary(out.Credentials);
}

const sessionJson = (c: Credentials) =>
  JSON.stringify({ sessionId: c.accessKeyId, sessionKey: c.secretAccessKey, sessionToken: c.sessionToken });

/** Action=getSigninToken over GET, as a broker's script sends it. */
async function getSigninToken(session: string, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({ Action: 'getSigninToken', ...extra, Session: session });
  const response = await fetch(`${server.url}/federation?${query}`);
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
}

async function signinTokenFor(credentials: Credentials, extra: Record<string, string> = {}): Promise<string> {
  const answer = await getSigninToken(sessionJson(credentials), extra);
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.type, /^application\/json/);
  const token = (JSON.parse(answer.text) as { SigninToken: string }).SigninToken;
  assert.equal(typeof token, 'string');
  return token;
}

function loginUrl(token: string, destination = '/console', issuer = 'https://broker.example/sign-in') {
  return `/federation?${new URLSearchParams({ Action: 'login', Issuer: issuer, Destination: destination, SigninToken: token })}`;
}

test('AssumeRole credentials sign in to the console as the role session, authorized by the role’s policy', async () => {
  const token = await signinTokenFor(await assumeRole('ConsoleReader', 'alice'));
  const client = new ConsoleClient(server.url);
  const login = await client.get(loginUrl(token));
  assert.equal(login.status, 302);
  assert.equal(login.location, '/console');
  const dashboard = await client.get('/console');
  assert.equal(dashboard.status, 200);
  const text = visibleText(dashboard.text);
  assert.match(text, new RegExp(`ConsoleReader/alice @ ${account}`));
  assert.match(text, new RegExp(`Signed in as arn:aws:sts::${account}:assumed-role/ConsoleReader/alice`));
  const users = await client.get('/console/admin/users');
  assert.equal(users.status, 200);
  assert.match(visibleText(users.text), /broker/);
  // The role's policy does not allow iam:ListRoles: the page says so with AWS's message.
  const roles = await client.get('/console/admin/roles');
  assert.equal(roles.status, 200);
  assert.match(
    visibleText(roles.text),
    new RegExp(
      `Access denied\\. User: arn:aws:sts::${account}:assumed-role/ConsoleReader/alice is not authorized to perform: iam:ListRoles`,
    ),
  );
  // Pages of an IAM user's own credentials do not break for a role session.
  const credentials = await client.get('/console/security-credentials');
  assert.equal(credentials.status, 200);
  assert.match(
    visibleText(credentials.text),
    /Role session arn:aws:sts::\d+:assumed-role\/ConsoleReader\/alice/,
  );
});

test('an IAM user’s own-credential pages answer a role session plainly (never a failure)', async () => {
  const token = await signinTokenFor(await assumeRole('ConsoleReader', 'curious'));
  const client = new ConsoleClient(server.url);
  await client.get(loginUrl(token));
  await client.get('/console/security-credentials');
  const base = '/console/security-credentials';
  for (const [path, fields] of [
    [
      `${base}/password`,
      { 'old-password': 'x', 'new-password': 'Some-Pass-123!', 'confirm-password': 'Some-Pass-123!' },
    ],
    [`${base}/access-keys/create`, {}],
    [`${base}/access-keys/status`, { id: 'AKIAAAAAAAAAAAAAAAAA', status: 'Inactive' }],
    [`${base}/access-keys/delete`, { id: 'AKIAAAAAAAAAAAAAAAAA' }],
    [`${base}/mfa/create`, { name: 'role-device' }],
    [`${base}/mfa/enable`, { code1: '123456', code2: '234567' }],
    [`${base}/mfa/cancel`, {}],
    [`${base}/mfa/remove`, { serial: `arn:aws:iam::${account}:mfa/x` }],
    ['/console/security-keys/remove', { id: 'x' }],
    ['/console/security-keys/no-script', {}],
  ] as const) {
    const page = await client.post(path, fields);
    assert.ok(page.status < 500, `${path}: ${page.status}`);
    if (page.status === 200 || page.status >= 400) assert.doesNotMatch(page.text, /internal error/);
  }
  // The API's own answer for a role's CreateAccessKey without a user name.
  const create = await client.post(`${base}/access-keys/create`, {});
  assert.match(visibleText(create.text), /Must specify userName when calling with non-User credentials/);
  for (const path of [`${base}/access-keys/download`, `${base}/mfa/assign`]) {
    const page = await client.get(path);
    assert.ok(page.status < 500, `${path}: ${page.status}`);
  }
  const options = await client.post(
    '/console/security-keys/options',
    {},
    { 'content-type': 'application/json' },
  );
  assert.ok(options.status < 500, `security key options: ${options.status}`);
  // Still signed in as the role session afterwards.
  assert.match(visibleText((await client.get('/console')).text), /ConsoleReader\/curious @/);
});

test('GetFederationToken credentials sign in as the federated user, limited by the session policy', async () => {
  const token = await signinTokenFor(await federationToken('bob'));
  const client = new ConsoleClient(server.url);
  const login = await client.get(loginUrl(token, '/console/admin/users'));
  assert.equal(login.status, 302);
  assert.equal(login.location, '/console/admin/users');
  const users = await client.get('/console/admin/users');
  assert.equal(users.status, 200);
  assert.match(visibleText(users.text), new RegExp(`bob @ ${account}`));
  assert.match(visibleText(users.text), /broker/);
  // The broker may read the account summary, the session policy does not allow it.
  const dashboard = await client.get('/console');
  assert.match(
    visibleText(dashboard.text),
    new RegExp(
      `User: arn:aws:sts::${account}:federated-user/bob is not authorized to perform: iam:GetAccountSummary`,
    ),
  );
});

test('the sign-in token signs in once', async () => {
  const token = await signinTokenFor(await assumeRole());
  // A link checker's HEAD request does not spend it.
  const head = await fetch(`${server.url}${loginUrl(token)}`, { method: 'HEAD', redirect: 'manual' });
  assert.notEqual(head.status, 302);
  assert.equal(head.headers.getSetCookie().length, 0);
  const first = new ConsoleClient(server.url);
  assert.equal((await first.get(loginUrl(token))).status, 302);
  const second = new ConsoleClient(server.url);
  const again = await second.get(loginUrl(token));
  assert.equal(again.status, 400);
  assert.equal(second.cookies.size, 0, 'no session cookie for a used token');
  assert.match(visibleText(again.text), /not valid/);
});

test('getSigninToken refuses long-term keys, session-token sessions, a wrong secret and malformed sessions', async () => {
  const refused = async (session: string, extra: Record<string, string> = {}) => {
    const answer = await getSigninToken(session, extra);
    assert.equal(answer.status, 400, `${session}: ${answer.text}`);
    assert.match(answer.text, /Invalid credentials parameter/);
    assert.doesNotMatch(answer.text, /SigninToken/);
  };
  // The broker's own long-term key, with or without a token.
  await refused(
    JSON.stringify({ sessionId: broker.accessKeyId, sessionKey: broker.secretAccessKey, sessionToken: 'x' }),
  );
  // GetSessionToken credentials: no console federation.
  const sessionToken = await server.sts(broker).send(new GetSessionTokenCommand({}));
  await refused(sessionJson(temporary(sessionToken.Credentials)));
  // A role session's key with another secret, or another session's token.
  const role = await assumeRole();
  await refused(sessionJson({ ...role, secretAccessKey: `${role.secretAccessKey.slice(0, -1)}A` }));
  const other = await assumeRole('ConsoleReader', 'other');
  await refused(sessionJson({ ...role, sessionToken: other.sessionToken }));
  await refused(sessionJson({ ...role, accessKeyId: 'ASIAUNKNOWNUNKNOWN12' }));
  // Not the JSON AWS documents.
  await refused('not json');
  await refused(JSON.stringify({ sessionId: role.accessKeyId }));
  await refused(JSON.stringify([role.accessKeyId, role.secretAccessKey, role.sessionToken]));
  // And the credentials themselves still work.
  await signinTokenFor(role);
});

test('SessionDuration: 900 to 43,200 seconds, not with federation tokens, at most an hour for role chaining', async () => {
  const role = await assumeRole();
  for (const bad of ['899', '43201', 'abc', '-900', '']) {
    const answer = await getSigninToken(sessionJson(role), { SessionDuration: bad });
    assert.equal(answer.status, 400, `SessionDuration=${bad}`);
  }
  await signinTokenFor(role, { SessionDuration: '900' });
  await signinTokenFor(role, { SessionDuration: '43200' });

  const federated = await federationToken('carol');
  assert.equal((await getSigninToken(sessionJson(federated), { SessionDuration: '3600' })).status, 400);
  await signinTokenFor(federated);

  const chainedOut = await server
    .sts(role)
    .send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/Chained`, RoleSessionName: 'chain' }),
    );
  const chained = temporary(chainedOut.Credentials);
  assert.equal((await getSigninToken(sessionJson(chained), { SessionDuration: '7200' })).status, 400);
  await signinTokenFor(chained, { SessionDuration: '3600' });
  const token = await signinTokenFor(chained);
  const client = new ConsoleClient(server.url);
  assert.equal((await client.get(loginUrl(token))).status, 302);
  assert.match(visibleText((await client.get('/console')).text), new RegExp(`Chained/chain @ ${account}`));
});

test('Destination must be a page of this console; a refused destination does not use the token', async () => {
  const token = await signinTokenFor(await assumeRole());
  const client = new ConsoleClient(server.url);
  for (const destination of [
    'https://evil.example/console',
    '//evil.example/console',
    '/\\evil.example/console',
    '/_portcullis/reset',
    '/consoleevil',
    'javascript:alert(1)',
    '',
  ]) {
    const page = await client.get(loginUrl(token, destination));
    assert.equal(page.status, 400, destination);
    assert.equal(page.location, undefined);
    assert.equal(client.cookies.size, 0);
  }
  const bad = await client.get(loginUrl(token, '/console', 'javascript:alert(1)'));
  assert.equal(bad.status, 400);
  const own = await client.get(loginUrl(token, `${server.url}/console/admin/users?marker=x`));
  assert.equal(own.status, 302);
  assert.equal(own.location, '/console/admin/users?marker=x');
});

test('POST works like GET for both actions', async () => {
  const role = await assumeRole();
  const issued = await fetch(`${server.url}/federation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'getSigninToken', Session: sessionJson(role) }).toString(),
  });
  assert.equal(issued.status, 200);
  const { SigninToken } = (await issued.json()) as { SigninToken: string };
  const login = await fetch(`${server.url}/federation`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'login', Destination: '/console', SigninToken }).toString(),
  });
  assert.equal(login.status, 302);
  assert.equal(login.headers.get('location'), '/console');
  const unknown = await fetch(`${server.url}/federation?Action=somethingElse`);
  assert.equal(unknown.status, 400);
});

test('signing out leads back to the Issuer', async () => {
  const token = await signinTokenFor(await assumeRole());
  const client = new ConsoleClient(server.url);
  await client.get(loginUrl(token, '/console', 'https://broker.example/portal?from=aws'));
  await client.get('/console');
  const out = await client.post('/console/signout', {});
  assert.equal(out.status, 200);
  assert.match(out.text, /href="https:\/\/broker\.example\/portal\?from=aws"/);
  assert.equal((await client.get('/console/admin/users')).location, '/console');
});

test('the console session ends when its role is deleted (by id)', async () => {
  const token = await signinTokenFor(await assumeRole('Ephemeral', 'short'));
  const client = new ConsoleClient(server.url);
  await client.get(loginUrl(token));
  assert.equal((await client.get('/console/admin/users')).status, 200);
  const iam = server.iam();
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Ephemeral', PolicyName: 'read' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'Ephemeral' }));
  // A role of the same name is another role.
  await iam.send(new CreateRoleCommand({ RoleName: 'Ephemeral', AssumeRolePolicyDocument: trustAccount }));
  // The person is sent back to the broker's sign-in page (the Issuer), then to the sign-in form.
  const later = await client.get('/console/admin/users');
  assert.equal(later.status, 401);
  assert.match(later.text, /href="https:\/\/broker\.example\/sign-in"/);
  assert.equal((await client.get('/console/admin/users')).location, '/console');
});

test('revoking the role’s older sessions (aws:TokenIssueTime) ends what its console sessions may do', async () => {
  const token = await signinTokenFor(await assumeRole('ConsoleReader', 'revoked'));
  const client = new ConsoleClient(server.url);
  await client.get(loginUrl(token));
  assert.match(visibleText((await client.get('/console/admin/users')).text), /broker/);
  // What the IAM console's "Revoke active sessions" writes (AWSRevokeOlderSessions).
  const iam = server.iam();
  const cutoff = new Date(server.now() + 1000).toISOString();
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'ConsoleReader',
      PolicyName: 'AWSRevokeOlderSessions',
      PolicyDocument: policy([
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
        },
      ]),
    }),
  );
  try {
    const users = visibleText((await client.get('/console/admin/users')).text);
    assert.match(users, /Access denied\..*with an explicit deny/);
  } finally {
    await iam.send(
      new DeleteRolePolicyCommand({ RoleName: 'ConsoleReader', PolicyName: 'AWSRevokeOlderSessions' }),
    );
  }
});

test('the sign-in token is kept only hashed, and neither it nor the credentials are logged', async () => {
  const role = await assumeRole();
  const token = await signinTokenFor(role);
  await getSigninToken(sessionJson({ ...role, secretAccessKey: 'wrong' }));
  await new ConsoleClient(server.url).get(loginUrl(token, 'https://evil.example/'));
  await new ConsoleClient(server.url).get(loginUrl(token));
  const stored = await server.storedBytes();
  assert.equal(stored.includes(Buffer.from(token)), false);
  for (const secret of [token, role.secretAccessKey, role.sessionToken!])
    assert.equal(server.output().includes(secret), false);
});

// These move the server's clock: they run last.

test('a sign-in token expires after 15 minutes', async () => {
  const role = await assumeRole('ConsoleReader', 'late', 3600);
  const early = await signinTokenFor(role);
  const late = await signinTokenFor(role);
  await server.advanceClock(14 * 60);
  const client = new ConsoleClient(server.url);
  assert.equal((await client.get(loginUrl(early))).status, 302);
  await server.advanceClock(61);
  const expired = await new ConsoleClient(server.url).get(loginUrl(late));
  assert.equal(expired.status, 400);
});

test('expired credentials are refused; the console session lasts the credentials, or SessionDuration', async () => {
  const role = await assumeRole('ConsoleReader', 'brief', 900);
  const plain = await signinTokenFor(role);
  const longer = await signinTokenFor(role, { SessionDuration: '3600' });
  const bounded = new ConsoleClient(server.url);
  const extended = new ConsoleClient(server.url);
  await bounded.get(loginUrl(plain));
  await extended.get(loginUrl(longer));
  await server.advanceClock(600);
  assert.equal((await bounded.get('/console/admin/users')).status, 200);
  await server.advanceClock(301);
  const refused = await getSigninToken(sessionJson(role));
  assert.equal(refused.status, 400);
  // Without SessionDuration the console session ended with the credentials…
  const ended = await bounded.get('/console');
  assert.equal(ended.status, 401);
  assert.match(visibleText(ended.text), /Your session has ended/);
  assert.match(ended.text, /href="https:\/\/broker\.example\/sign-in"/);
  // …with it, it lasts as asked (AWS: "separate from the duration of the temporary credentials").
  assert.equal((await extended.get('/console/admin/users')).status, 200);
  await server.advanceClock(2700);
  assert.equal((await extended.get('/console/admin/users')).status, 401);
});
