// The orphaned-enrolment janitor (MFA options beyond AWS): a user who abandons an enrolment is
// caught by AWS's trap — the device named after them exists, CreateVirtualMFADevice says so, and
// the self-managed MFA policy denies DeleteVirtualMFADevice without MFA. With the janitor on, the
// Account settings page lists the orphan with its age and when it goes; once the hours have passed
// (the test clock moved), the user's next enrolment under the same name succeeds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  ListVirtualMFADevicesCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';
import {
  noticeText,
  rootClient,
  sectionOf,
  submit,
  userClient,
  visibleText,
} from '../console-admin/admin-client.ts';

const SETTINGS = '/console/admin/account-settings';
const PASSWORD = 'Orphans-Pass-1!';
const serial = (name: string) => `arn:aws:iam::${ROOT.accountId}:mfa/${name}`;
let server: Server;
let olga: IAMClient;

before(async () => {
  server = await startServer();
  const root = server.iam();
  const policy = await root.send(
    new CreatePolicyCommand({ PolicyName: 'SelfManagedMFA', PolicyDocument: SELF_MANAGED_MFA_POLICY }),
  );
  await root.send(new CreateGroupCommand({ GroupName: 'everyone' }));
  await root.send(new AttachGroupPolicyCommand({ GroupName: 'everyone', PolicyArn: policy.Policy!.Arn! }));
  await root.send(new CreateUserCommand({ UserName: 'olga' }));
  await root.send(new AddUserToGroupCommand({ GroupName: 'everyone', UserName: 'olga' }));
  const key = await root.send(new CreateAccessKeyCommand({ UserName: 'olga' }));
  olga = server.iam({
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  });
  await root.send(new CreateUserCommand({ UserName: 'reader' }));
  await root.send(new CreateLoginProfileCommand({ UserName: 'reader', Password: PASSWORD }));
  await root.send(
    new PutUserPolicyCommand({
      UserName: 'reader',
      PolicyName: 'read-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
      }),
    }),
  );
});
after(async () => {
  await server?.stop();
});

test("an abandoned enrolment is AWS's trap: the name is taken and the user may not delete it", async () => {
  await olga.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'olga' }));
  // The user gives up before EnableMFADevice, and tries again later.
  const again = await awsError(
    olga.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'olga' })),
  );
  assert.equal(again.code, 'EntityAlreadyExists');
  const deleting = await awsError(
    olga.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial('olga') })),
  );
  assert.equal(deleting.code, 'AccessDenied');
  assert.match(deleting.message, /iam:DeleteVirtualMFADevice/);
});

test('with the janitor off, the Account settings page lists the orphan and keeps it', async () => {
  const root = await rootClient(server);
  const page = await root.get(SETTINGS);
  const section = visibleText(sectionOf(page, 'orphaned-mfa-heading'));
  assert.match(section, /They are kept: set the hours above/);
  assert.match(section, new RegExp(`${serial('olga')} \\S+ 0 h Never`));
  await server.advanceClock(2 * 3600);
  const stillTaken = await awsError(
    olga.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'olga' })),
  );
  assert.equal(stillTaken.code, 'EntityAlreadyExists');
});

test('with the janitor on, the orphan is listed with its age and expiry, then gives way to the next enrolment', async () => {
  const root = await rootClient(server);
  const { page } = await submit(root, SETTINGS, `${SETTINGS}/mfa-options`, { OrphanedDeviceHours: '3' });
  assert.equal(noticeText(page), 'The MFA options were saved.');
  const section = visibleText(sectionOf(page, 'orphaned-mfa-heading'));
  assert.match(section, /Each is deleted 3 hours after it was created/);
  assert.match(section, new RegExp(`${serial('olga')} \\S+ 2 h At the first sweep after \\S+`));

  // Not yet three hours: still the trap.
  await server.advanceClock(50 * 60);
  const early = await awsError(
    olga.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'olga' })),
  );
  assert.equal(early.code, 'EntityAlreadyExists');

  await server.advanceClock(11 * 60);
  const created = await olga.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'olga' }));
  assert.equal(created.VirtualMFADevice?.SerialNumber, serial('olga'));
  const unassigned = await server
    .iam()
    .send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
  assert.deepEqual(
    unassigned.VirtualMFADevices?.map((d) => d.SerialNumber),
    [serial('olga')],
  );
  // The device listed is the new one: no age yet.
  const after = visibleText(
    sectionOf(await (await rootClient(server)).get(SETTINGS), 'orphaned-mfa-heading'),
  );
  assert.match(after, new RegExp(`${serial('olga')} \\S+ 0 h`));
});

test('the periodic sweep deletes an expired orphan nobody asked for again, and the trail says so', async () => {
  const root = server.iam();
  await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'forgotten' }));
  await server.advanceClock(3 * 3600);
  // What each node runs every ten minutes, run now (a test endpoint, as the test clock is).
  const swept = await server.testEndpoint('/_portcullis/sweep', {});
  assert.equal(swept.status, 200);
  const left = await root.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
  assert.deepEqual(
    left.VirtualMFADevices?.map((d) => d.SerialNumber),
    [],
  );

  // Each deletion is an event of Portcullis's own, made by the service, not by a principal.
  const trail = server.cloudTrail();
  let events: { EventSource?: string; CloudTrailEvent?: string }[] = [];
  for (let i = 0; i < 100 && events.length < 2; i++) {
    const found = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteOrphanedMFADevice' }],
      }),
    );
    events = found.Events ?? [];
    if (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The forgotten device and the olga device the test before left unassigned.
  const deleted = events.map((e) => JSON.parse(e.CloudTrailEvent!));
  assert.deepEqual(deleted.map((e) => e.requestParameters.serialNumber).sort(), [
    serial('forgotten'),
    serial('olga'),
  ]);
  for (const event of deleted) {
    assert.equal(event.eventSource, 'portcullis.local');
    assert.deepEqual(event.userIdentity, { type: 'AWSService', invokedBy: 'portcullis.local' });
    assert.equal(event.recipientAccountId, ROOT.accountId);
  }
});

test('a reader without portcullis:ListOrphanedMFADevices sees the refusal in place', async () => {
  const reader = await userClient(server, 'reader', PASSWORD);
  const section = visibleText(sectionOf(await reader.get(SETTINGS), 'orphaned-mfa-heading'));
  assert.match(section, /not authorized to perform: portcullis:ListOrphanedMFADevices/);
});
