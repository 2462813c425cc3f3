// Administrator-assisted MFA reset and MFA enrolment grace periods per group (issue 14), driven
// through the console as a person would: both off by default (absent from the pages, their
// operations refused); once on, an administrator resets a user's MFA (the devices gone, as the
// AWS SDK sees), the user is signed out, is led to enrolment at the next sign-in, cannot reach any
// other page until enrolled, and the console works again after; a reader without
// portcullis:ResetUserMFA is refused; a user the policies do not allow to enrol is told to ask an
// administrator; a group's grace period counts sign-ins (two with a notice, the third forces
// enrolment) and days (the server's test clock moved).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { consecutiveCodes, seedOf } from '../mfa/codes.ts';
import { signIn } from '../console/client.ts';
import {
  ConsoleClient,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  userClient,
  visibleText,
} from './admin-client.ts';

const ACCOUNT = ROOT.accountId;
const PASSWORD = 'Mfa-Reset-Grace-Pass-1!';
const SETTINGS = '/console/admin/account-settings';
const USERS = '/console/admin/users';
const GROUPS = '/console/admin/groups';
const ENROL = '/console/mfa-enrolment';
const credentialsTab = (name: string) => `${USERS}/${name}?tab=security-credentials`;

/** What a user needs to enrol a virtual device of their own name, and to see the users list. */
const selfService = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:ListUsers', 'iam:ListAccessKeys', 'iam:CreateAccessKey'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListMFADevices', 'iam:EnableMFADevice'],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/${aws:username}',
    },
  ],
});

let server: Server;
let root: ConsoleClient;

async function createUser(name: string, policy?: string): Promise<void> {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
  if (policy)
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: policy }));
}

before(async () => {
  server = await startServer();
  await createUser('mia', selfService);
  await createUser(
    'ned',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
    }),
  );
  await createUser('gus', selfService);
  await createUser('dee', selfService);
  await createUser(
    'reader',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

/** Signs in and answers the final page and where the sign-in's redirects led. */
async function signInFresh(name: string): Promise<{ client: ConsoleClient; text: string; path: string }> {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ACCOUNT,
    username: name,
    password: PASSWORD,
  });
  let current = posted;
  let path = '/console/signin';
  while (current.location) {
    path = current.location;
    current = await client.get(current.location);
  }
  assert.equal(current.status, 200, visibleText(current.text).slice(0, 300));
  return { client, text: visibleText(current.text), path };
}

/** Enrols a virtual MFA device through the enrolment page and the assign page. */
async function enrolThroughConsole(client: ConsoleClient, name: string): Promise<string> {
  await client.get(ENROL);
  const created = await client.post(ENROL, { 'device-name': name });
  assert.equal(created.location, '/console/security-credentials/mfa/assign');
  const assign = await client.get(created.location);
  assert.equal(assign.status, 200);
  const seed = /id="secret-key">([A-Z2-7]+)</.exec(assign.text)![1]!;
  const now = server.now();
  const enabled = await client.post('/console/security-credentials/mfa/enable', {
    code1: totpCode(seed, now - 30_000),
    code2: totpCode(seed, now),
  });
  assert.equal(enabled.location, '/console/security-credentials?notice=mfa-assigned');
  const page = await client.get(enabled.location);
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), /You have successfully assigned virtual MFA/);
  return seed;
}

test('both options start off: nothing on the pages, and the operations are refused', async () => {
  const tab = await root.get(credentialsTab('mia'));
  assert.equal(tab.status, 200);
  assert.equal(sectionOf(tab, 'mfa-reset-heading'), '');
  assert.doesNotMatch(tab.text, /Reset MFA/);
  const reset = await submit(root, credentialsTab('mia'), `${USERS}/mia/mfa/reset`, {});
  assert.equal(reset.posted.status, 400);
  assert.match(errorText(reset.page), /Administrator MFA reset is not turned on for this account\./);

  await server.iam().send(new CreateGroupCommand({ GroupName: 'staged' }));
  const group = await root.get(`${GROUPS}/staged`);
  assert.equal(group.status, 200);
  assert.equal(sectionOf(group, 'mfa-grace-heading'), '');
  const grace = await submit(root, `${GROUPS}/staged`, `${GROUPS}/staged/mfa-grace`, {
    'grace-sign-ins': '2',
  });
  assert.equal(grace.posted.status, 400);
  assert.match(errorText(grace.page), /MFA enrolment grace periods are not turned on for this account\./);

  // Turned on for the rest of the file.
  const saved = await submit(root, SETTINGS, `${SETTINGS}/mfa-options`, {
    AdminReset: 'true',
    EnrolmentGracePeriods: 'true',
  });
  assert.equal(noticeText(saved.page), 'The MFA options were saved.');
});

test('an administrator resets MFA: devices gone, user signed out, led to enrolment, blocked until enrolled', async () => {
  // Mia is signed in (before she had MFA), then gets a device through the API.
  const mia = await userClient(server, 'mia', PASSWORD);
  const iam = server.iam();
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mia' }));
  const serial = device.VirtualMFADevice!.SerialNumber!;
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'mia',
      SerialNumber: serial,
      ...(({ code1, code2 }) => ({ AuthenticationCode1: code1, AuthenticationCode2: code2 }))(
        consecutiveCodes(seedOf(device.VirtualMFADevice!.Base32StringSeed), server.now()),
      ),
    }),
  );

  const before = await root.get(credentialsTab('mia'));
  assert.match(
    visibleText(sectionOf(before, 'mfa-reset-heading')),
    /MFA has not been reset by an administrator\./,
  );
  assert.ok(before.text.includes(serial));

  const { posted, page } = await submit(root, credentialsTab('mia'), `${USERS}/mia/mfa/reset`, {});
  assert.equal(posted.status, 303);
  assert.match(noticeText(page), /The user's MFA was reset/);
  assert.match(
    visibleText(sectionOf(page, 'mfa-reset-heading')),
    new RegExp(
      `MFA was reset by arn:aws:iam::${ACCOUNT}:root on \\S+; the user must enrol at next sign-in\\.`,
    ),
  );

  // What the AWS SDK sees: no MFA device for Mia, and the virtual device deleted (its name is free).
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'mia' }))).MFADevices, []);
  const virtual = await iam.send(new ListVirtualMFADevicesCommand({}));
  assert.ok(!(virtual.VirtualMFADevices ?? []).some((d) => d.SerialNumber === serial));

  // Her console session has ended.
  const ended = await mia.get(USERS);
  assert.equal(ended.location, '/console');

  // Signing in leads to enrolment, and every other page and form leads back there.
  const signedIn = await signInFresh('mia');
  assert.equal(signedIn.path, ENROL);
  assert.match(signedIn.text, /An administrator has reset your multi-factor authentication \(MFA\)\./);
  const client = signedIn.client;
  for (const path of ['/console', USERS, '/console/security-credentials', '/console/event-history']) {
    const page = await client.get(path);
    assert.equal(page.status, 303, path);
    assert.equal(page.location, ENROL, path);
  }
  await client.get(ENROL);
  const blocked = await client.post('/console/security-credentials/access-keys/create', {});
  assert.equal(blocked.location, ENROL);
  assert.deepEqual((await iam.send(new ListAccessKeysCommand({ UserName: 'mia' }))).AccessKeyMetadata, []);

  // Enrolling (through her own policies) clears the requirement: the console works again.
  await enrolThroughConsole(client, 'mia');
  const users = await client.get(USERS);
  assert.equal(users.status, 200);
  assert.equal((await client.get('/console')).status, 200);
  const after = await root.get(credentialsTab('mia'));
  assert.match(
    visibleText(sectionOf(after, 'mfa-reset-heading')),
    /the user has enrolled an MFA device since\./,
  );

  // The reset is in the audit trail, from Portcullis's own event source.
  const trail = server.cloudTrail();
  let found;
  for (let i = 0; i < 100 && !found; i++) {
    const events = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ResetUserMFA' }],
      }),
    );
    found = events.Events?.[0];
    if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(found, 'ResetUserMFA is recorded');
  assert.equal(found.EventSource, 'portcullis.local');
  assert.match(found.CloudTrailEvent ?? '', /"userName":"mia"/);
});

test('a reader without portcullis:ResetUserMFA is refused and nothing changes', async () => {
  const reader = await userClient(server, 'reader', PASSWORD);
  const { posted } = await submit(reader, credentialsTab('mia'), `${USERS}/mia/mfa/reset`, {});
  assert.equal(posted.status, 403);
  assert.match(visibleText(posted.text), /not authorized to perform: portcullis:ResetUserMFA/);
  const devices = await server.iam().send(new ListMFADevicesCommand({ UserName: 'mia' }));
  assert.equal(devices.MFADevices?.length, 1);
});

test('a user whose policies do not allow enrolment is told to ask an administrator', async () => {
  await submit(root, credentialsTab('ned'), `${USERS}/ned/mfa/reset`, {});
  const { client, path } = await signInFresh('ned');
  assert.equal(path, ENROL);
  await client.get(ENROL);
  const refused = await client.post(ENROL, { 'device-name': 'ned' });
  assert.equal(refused.status, 403);
  const text = visibleText(refused.text);
  assert.match(text, /not authorized to perform: iam:CreateVirtualMFADevice/);
  assert.match(text, /Ask an administrator/);
  // The API is not concerned: Ned's access key works while his console waits for enrolment.
  const key = (await server.iam().send(new CreateAccessKeyCommand({ UserName: 'ned' }))).AccessKey!;
  const api = server.iam({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
  const listed = await api.send(new ListUsersCommand({}));
  assert.ok(listed.Users?.some((u) => u.UserName === 'ned'));
  // Signing out is still possible.
  const out = await client.post('/console/signout', {});
  assert.equal(out.location, '/console?notice=signed-out');
});

test('a grace period of two sign-ins: two with a notice, the third forces enrolment', async () => {
  const { page } = await submit(root, `${GROUPS}/staged`, `${GROUPS}/staged/mfa-grace`, {
    'grace-sign-ins': '2',
  });
  assert.equal(noticeText(page), 'The MFA enrolment grace period was saved.');
  assert.match(visibleText(sectionOf(page, 'mfa-grace-heading')), /Members must enrol MFA within 2 sign-ins/);
  await server.iam().send(new AddUserToGroupCommand({ GroupName: 'staged', UserName: 'gus' }));

  const first = await signInFresh('gus');
  assert.equal(first.path, '/console');
  assert.match(first.text, /You must enrol an MFA device within 1 more sign-in\./);
  assert.equal((await first.client.get(USERS)).status, 200);
  const second = await signInFresh('gus');
  assert.equal(second.path, '/console');
  assert.match(second.text, /You must enrol an MFA device before you next sign in\./);
  const third = await signInFresh('gus');
  assert.equal(third.path, ENROL);
  assert.match(third.text, /your grace period is over/);
  assert.equal((await third.client.get(USERS)).location, ENROL);
  await enrolThroughConsole(third.client, 'gus');
  assert.equal((await third.client.get(USERS)).status, 200);
  // With a device, later sign-ins ask for its code instead.
  const client = new ConsoleClient(server.url);
  const next = await signIn(client, ACCOUNT, 'gus', PASSWORD);
  assert.match(visibleText(next.text), /enter the code from your MFA device/);

  const removed = await submit(root, `${GROUPS}/staged`, `${GROUPS}/staged/mfa-grace/delete`, {});
  assert.equal(noticeText(removed.page), 'The MFA enrolment grace period was removed.');
});

test('a grace period of three days, counted on the server clock', async () => {
  await server.iam().send(new CreateGroupCommand({ GroupName: 'newcomers' }));
  await submit(root, `${GROUPS}/newcomers`, `${GROUPS}/newcomers/mfa-grace`, { 'grace-days': '3' });
  await server.iam().send(new AddUserToGroupCommand({ GroupName: 'newcomers', UserName: 'dee' }));

  const first = await signInFresh('dee');
  assert.match(first.text, /You must enrol an MFA device within 3 days\./);
  await server.advanceClock(2 * 86_400 + 23.5 * 3600);
  const later = await signInFresh('dee');
  assert.equal(later.path, '/console');
  assert.match(later.text, /You must enrol an MFA device within 1 day\./);
  // The period ends while she is signed in (within the session's idle hour): the next page leads
  // to enrolment.
  await server.advanceClock(40 * 60);
  assert.equal((await later.client.get(USERS)).location, ENROL);
  const last = await signInFresh('dee');
  assert.equal(last.path, ENROL);
  assert.match(last.text, /your grace period is over/);
});
