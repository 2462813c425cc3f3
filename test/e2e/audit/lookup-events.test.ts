// The audit trail as an operator reads it: an allowed call, a denied call, a console sign-in with
// MFA and a failed one each appear in CloudTrail's LookupEvents — through the AWS SDK and the AWS
// CLI v2 — with CloudTrail's fields, and no secret the test used appears in any event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LookupEventsCommand, type Event, type LookupAttribute } from '@aws-sdk/client-cloudtrail';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';
import { ConsoleClient } from '../console/client.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const PASSWORD = 'Audit-Trail-Pass-1!';
const WRONG_PASSWORD = 'Not-The-Audit-Pass-2!';

let server: Server;
let alice: Credentials;
let seed = '';
const codesUsed: string[] = [];

/** Every event of the account, newest first, page by page. */
async function allEvents(attribute?: LookupAttribute): Promise<Event[]> {
  const client = server.cloudTrail();
  const events: Event[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new LookupEventsCommand({
        ...(attribute ? { LookupAttributes: [attribute] } : {}),
        MaxResults: 7,
        NextToken: token,
      }),
    );
    events.push(...(page.Events ?? []));
    token = page.NextToken;
  } while (token);
  return events;
}

/** Events are written in batches: wait until one matching `found` is there. */
async function eventually(attribute: LookupAttribute, found: (e: Event) => boolean): Promise<Event> {
  for (let i = 0; i < 100; i++) {
    const event = (await allEvents(attribute)).find(found);
    if (event) return event;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`no event matching ${JSON.stringify(attribute)}`);
}

// A CloudTrail record is free-form JSON: the assertions below say what each field must be.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const record = (event: Event) => JSON.parse(event.CloudTrailEvent!) as Record<string, any>;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };

  await iam.send(new CreateUserCommand({ UserName: 'mia' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'mia', Password: PASSWORD }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mia',
      PolicyName: 'read-trail',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
      }),
    }),
  );
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mia' }));
  seed = Buffer.from(device.VirtualMFADevice!.Base32StringSeed!).toString('utf8');
  const now = server.now();
  codesUsed.push(totpCode(seed, now - 30_000), totpCode(seed, now));
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mia',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: codesUsed[0],
      AuthenticationCode2: codesUsed[1],
    }),
  );
});

after(async () => {
  await server?.stop();
});

test('an allowed call is an event with CloudTrail fields; the new key secret is not in it', async () => {
  const event = await eventually(
    { AttributeKey: 'EventName', AttributeValue: 'CreateAccessKey' },
    () => true,
  );
  assert.equal(event.EventSource, 'iam.amazonaws.com');
  assert.equal(event.ReadOnly, 'false');
  assert.equal(event.Username, 'root');
  assert.equal(event.AccessKeyId, ROOT.accessKeyId);
  assert.ok(event.EventTime instanceof Date);
  assert.deepEqual(event.Resources, [{ ResourceType: 'AWS::IAM::User', ResourceName: 'alice' }]);
  const r = record(event);
  assert.equal(r.eventVersion, '1.09');
  assert.equal(r.eventName, 'CreateAccessKey');
  assert.equal(r.eventSource, 'iam.amazonaws.com');
  assert.equal(r.awsRegion, 'us-east-1');
  assert.equal(r.eventID, event.EventId);
  assert.match(r.requestID, /^[0-9a-f-]{36}$/);
  assert.equal(r.readOnly, false);
  assert.equal(r.managementEvent, true);
  assert.equal(r.eventType, 'AwsApiCall');
  assert.equal(r.recipientAccountId, ROOT.accountId);
  assert.ok(r.sourceIPAddress);
  assert.match(r.userAgent, /aws-sdk-js/);
  assert.deepEqual(r.userIdentity, {
    type: 'Root',
    principalId: ROOT.accountId,
    arn: `arn:aws:iam::${ROOT.accountId}:root`,
    accountId: ROOT.accountId,
    accessKeyId: ROOT.accessKeyId,
  });
  assert.deepEqual(r.requestParameters, { userName: 'alice' });
  assert.equal(r.responseElements.accessKey.accessKeyId, alice.accessKeyId);
  assert.equal(r.responseElements.accessKey.secretAccessKey, undefined);
  assert.equal(r.errorCode, undefined);
});

test('a denied call is an event with its error code and message, under the caller', async () => {
  await assert.rejects(server.iam(alice).send(new ListUsersCommand({})), { name: 'AccessDenied' });
  const event = await eventually(
    { AttributeKey: 'Username', AttributeValue: 'alice' },
    (e) => e.EventName === 'ListUsers',
  );
  assert.equal(event.AccessKeyId, alice.accessKeyId);
  assert.equal(event.ReadOnly, 'true');
  const r = record(event);
  assert.equal(r.errorCode, 'AccessDenied');
  assert.match(r.errorMessage, /alice is not authorized to perform: iam:ListUsers/);
  assert.equal(r.userIdentity.type, 'IAMUser');
  assert.equal(r.userIdentity.userName, 'alice');
  assert.equal(r.userIdentity.arn, `arn:aws:iam::${ROOT.accountId}:user/alice`);
  assert.match(r.userIdentity.principalId, /^AIDA/);
  assert.equal(r.responseElements, null);

  // The same caller may not read the trail: cloudtrail:LookupEvents is decided by the engine.
  await assert.rejects(server.cloudTrail(alice).send(new LookupEventsCommand({})), {
    name: 'AccessDeniedException',
    message: /alice is not authorized to perform: cloudtrail:LookupEvents/,
  }); // CloudTrail records its own calls too, refused ones included.
  const lookup = record(
    await eventually(
      { AttributeKey: 'EventSource', AttributeValue: 'cloudtrail.amazonaws.com' },
      (e) => e.EventName === 'LookupEvents' && e.Username === 'alice',
    ),
  );
  assert.equal(lookup.errorCode, 'AccessDeniedException', 'the code the caller was answered with');
  assert.equal(lookup.readOnly, true);
  assert.equal(lookup.userIdentity.accessKeyId, alice.accessKeyId);
});

test('a console sign-in with MFA and a failed one are sign-in events', async () => {
  const failed = new ConsoleClient(server.url);
  await failed.get('/console');
  const refused = await failed.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'mia',
    password: WRONG_PASSWORD,
  });
  assert.equal(refused.status, 401);

  await server.advanceClock(30); // a step after the codes used to enable the device
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ROOT.accountId,
    username: 'mia',
    password: PASSWORD,
  });
  assert.equal(posted.location, '/console/mfa');
  await client.get('/console/mfa');
  const code = totpCode(seed, server.now());
  codesUsed.push(code);
  const right = await client.post('/console/mfa', { code });
  assert.equal(right.location, '/console');

  const source = { AttributeKey: 'EventSource', AttributeValue: 'signin.amazonaws.com' } as const;
  const success = record(
    await eventually(
      source,
      (e) => e.EventName === 'ConsoleLogin' && record(e).responseElements.ConsoleLogin === 'Success',
    ),
  );
  assert.equal(success.eventType, 'AwsConsoleSignIn');
  assert.equal(success.userIdentity.type, 'IAMUser');
  assert.equal(success.userIdentity.userName, 'mia');
  assert.equal(success.additionalEventData.MFAUsed, 'Yes');
  assert.equal(success.errorMessage, undefined);
  const failure = record(
    await eventually(
      source,
      (e) => e.EventName === 'ConsoleLogin' && record(e).responseElements.ConsoleLogin === 'Failure',
    ),
  );
  assert.equal(failure.userIdentity.userName, 'mia');
  assert.equal(failure.errorMessage, 'Failed authentication');
  assert.equal(failure.additionalEventData.MFAUsed, 'No');
  const mfa = record(await eventually(source, (e) => e.EventName === 'CheckMfa'));
  assert.deepEqual(mfa.responseElements, { CheckMfa: 'Success' });
  // What the console does for her is recorded like the API's calls: the dashboard's reads, as mia,
  // from the browser's address, with its user agent.
  await client.get('/console');
  const dashboard = record(
    await eventually(
      { AttributeKey: 'Username', AttributeValue: 'mia' },
      (e) => e.EventName === 'GetAccountSummary',
    ),
  );
  assert.equal(dashboard.eventSource, 'iam.amazonaws.com');
  assert.equal(dashboard.userIdentity.arn, `arn:aws:iam::${ROOT.accountId}:user/mia`);
  assert.equal(dashboard.errorCode, 'AccessDenied', 'mia may read the trail only');
  assert.match(dashboard.sourceIPAddress, /127\.0\.0\.1|::1/);
});

test('the AWS CLI v2 reads the same events, page by page, and no secret is in any of them', async () => {
  const { stdout } = await run(
    AWS,
    [
      '--endpoint-url',
      server.url,
      '--output',
      'json',
      '--region',
      'us-east-1',
      'cloudtrail',
      'lookup-events',
      '--page-size',
      '3',
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: server.dataDir,
        AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  const cli = JSON.parse(stdout) as {
    Events: { EventName: string; EventId: string; CloudTrailEvent: string }[];
  };
  const names = new Set(cli.Events.map((e) => e.EventName));
  for (const name of [
    'CreateUser',
    'CreateAccessKey',
    'CreateLoginProfile',
    'EnableMFADevice',
    'ListUsers',
    'ConsoleLogin',
    'CheckMfa',
  ])
    assert.ok(names.has(name), `the CLI lists ${name}`);
  const sdk = await allEvents();
  // Reading the trail is recorded too (CloudTrail logs LookupEvents), and those events keep coming
  // while the two read: the same events are every other one.
  const others = (events: { EventName?: string; EventId?: string }[]) =>
    events
      .filter((e) => e.EventName !== 'LookupEvents')
      .map((e) => e.EventId!)
      .sort();
  assert.deepEqual(others(cli.Events), others(sdk), 'the CLI and the SDK page through the same events');

  const everything = JSON.stringify(sdk) + stdout;
  const secrets = {
    'root secret key': ROOT.secretAccessKey,
    "alice's secret key": alice.secretAccessKey,
    'the password': PASSWORD,
    'the wrong password': WRONG_PASSWORD,
    'the MFA seed': seed,
  };
  for (const [what, secret] of Object.entries(secrets))
    assert.ok(!everything.includes(secret), `${what} leaked`);
  for (const code of codesUsed) {
    for (const e of sdk)
      assert.ok(!JSON.stringify(record(e)).includes(`"${code}"`), `MFA code ${code} leaked`);
  }
  const login = sdk.map(record).find((r) => r.eventName === 'CreateLoginProfile')!;
  assert.equal(login.requestParameters.password, 'HIDDEN_DUE_TO_SECURITY_REASONS');
  const enable = sdk.map(record).find((r) => r.eventName === 'EnableMFADevice')!;
  assert.equal(enable.requestParameters.authenticationCode1, 'HIDDEN_DUE_TO_SECURITY_REASONS');
});

test("a federated user's session issuer: the IAM user by name, the root user as type Root", async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'broker' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'broker',
      PolicyName: 'federate',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'broker' }))).AccessKey!;
  const broker = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const issuerOf = async (issuer: Credentials, name: string) => {
    const token = (await server.sts(issuer).send(new GetFederationTokenCommand({ Name: name }))).Credentials!;
    await server
      .sts({
        accessKeyId: token.AccessKeyId!,
        secretAccessKey: token.SecretAccessKey!,
        sessionToken: token.SessionToken!,
      })
      .send(new GetCallerIdentityCommand({}));
    const r = record(
      await eventually(
        { AttributeKey: 'Username', AttributeValue: name },
        (e) => e.EventName === 'GetCallerIdentity',
      ),
    );
    assert.equal(r.userIdentity.type, 'FederatedUser');
    assert.equal(r.userIdentity.arn, `arn:aws:sts::${ROOT.accountId}:federated-user/${name}`);
    return r.userIdentity.sessionContext.sessionIssuer as Record<string, string>;
  };

  const byUser = await issuerOf(broker, 'via-broker');
  assert.equal(byUser.type, 'IAMUser');
  assert.equal(byUser.arn, `arn:aws:iam::${ROOT.accountId}:user/broker`);
  assert.equal(byUser.userName, 'broker');
  assert.match(byUser.principalId!, /^AIDA/);
  // CloudTrail User Guide, "CloudTrail userIdentity element": the root user's issuer is of type
  // Root with the account's ARN, and no userName when the account has no alias.
  assert.deepEqual(await issuerOf(ROOT, 'via-root'), {
    type: 'Root',
    principalId: ROOT.accountId,
    arn: `arn:aws:iam::${ROOT.accountId}:root`,
    accountId: ROOT.accountId,
  });
});

test('LookupEvents answers bad input as CloudTrail does', async () => {
  const client = server.cloudTrail();
  await assert.rejects(
    client.send(
      new LookupEventsCommand({
        LookupAttributes: [
          { AttributeKey: 'EventName', AttributeValue: 'ListUsers' },
          { AttributeKey: 'Username', AttributeValue: 'alice' },
        ],
      }),
    ),
    { name: 'InvalidLookupAttributesException' },
  );
  await assert.rejects(
    client.send(
      new LookupEventsCommand({
        StartTime: new Date(2_000_000_000_000),
        EndTime: new Date(1_000_000_000_000),
      }),
    ),
    { name: 'InvalidTimeRangeException' },
  );
  await assert.rejects(client.send(new LookupEventsCommand({ NextToken: 'not-a-token' })), {
    name: 'InvalidNextTokenException',
  });
  await assert.rejects(client.send(new LookupEventsCommand({ MaxResults: 51 })), {
    name: 'ValidationException',
  });
  const future = await client.send(
    new LookupEventsCommand({ StartTime: new Date(server.now() + 3_600_000) }),
  );
  assert.deepEqual(future.Events, []);
  const byId = await allEvents({ AttributeKey: 'EventName', AttributeValue: 'CreateUser' });
  const one = await client.send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: byId[0]!.EventId! }],
    }),
  );
  assert.equal(one.Events?.[0]?.EventName, 'CreateUser');
});
