// The seeds' self-service story: a user whose only permissions come from the self-managed MFA
// policy of seed 002 ("Enforce MFA Access to the AWS Console") manages their own virtual MFA
// device with their long-term access key, and nobody else's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  ResyncMFADeviceCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';
import { codeAt, consecutiveCodes, seedOf } from './codes.ts';

const ACCOUNT = ROOT.accountId;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const mfaArn = (name: string) => `arn:aws:iam::${ACCOUNT}:mfa/${name}`;

/** Seed 002's policy, as published. */
const SELF_MANAGED_MFA = SELF_MANAGED_MFA_POLICY;

let server: Server;
let root: IAMClient;
let alice: IAMClient;
let nobody: IAMClient;
let aliceSeed: string;

async function keysFor(userName: string): Promise<Credentials> {
  const created = await root.send(new CreateAccessKeyCommand({ UserName: userName }));
  return {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
}

const implicitDeny = (user: string, action: string, resource: string) =>
  `User: ${userArn(user)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
const explicitDeny = (user: string, action: string, resource: string) =>
  `User: ${userArn(user)} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`;

before(async () => {
  server = await startServer();
  root = server.iam();
  const policy = await root.send(
    new CreatePolicyCommand({ PolicyName: 'SelfManagedMFA', PolicyDocument: SELF_MANAGED_MFA }),
  );
  await root.send(new CreateGroupCommand({ GroupName: 'everyone' }));
  await root.send(new AttachGroupPolicyCommand({ GroupName: 'everyone', PolicyArn: policy.Policy!.Arn! }));
  for (const name of ['alice', 'bob', 'nobody']) await root.send(new CreateUserCommand({ UserName: name }));
  await root.send(new AddUserToGroupCommand({ GroupName: 'everyone', UserName: 'alice' }));
  alice = server.iam(await keysFor('alice'));
  nobody = server.iam(await keysFor('nobody'));
});
after(async () => {
  await server?.stop();
});

test('a user creates their own virtual MFA device, named after themselves', async () => {
  const created = await alice.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice' }));
  assert.equal(created.VirtualMFADevice?.SerialNumber, mfaArn('alice'));
  aliceSeed = seedOf(created.VirtualMFADevice?.Base32StringSeed);
});

test("a device under another user's name is denied with AWS's AccessDenied message", async () => {
  const error = await awsError(
    alice.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'bob' })),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: implicitDeny('alice', 'iam:CreateVirtualMFADevice', mfaArn('bob')),
    status: 403,
  });
});

test('the user enables their device with two codes from its seed, and lists it', async () => {
  const { code1, code2 } = consecutiveCodes(aliceSeed);
  await alice.send(
    new EnableMFADeviceCommand({
      UserName: 'alice',
      SerialNumber: mfaArn('alice'),
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    }),
  );
  const own = await alice.send(new ListMFADevicesCommand({}));
  assert.deepEqual(
    own.MFADevices?.map((d) => [d.UserName, d.SerialNumber]),
    [['alice', mfaArn('alice')]],
  );
  const virtual = await alice.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }));
  assert.equal(
    virtual.VirtualMFADevices?.find((d) => d.SerialNumber === mfaArn('alice'))?.User?.UserName,
    'alice',
  );
});

test('the user resyncs their own device with later codes', async () => {
  await alice.send(
    new ResyncMFADeviceCommand({
      UserName: 'alice',
      SerialNumber: mfaArn('alice'),
      AuthenticationCode1: codeAt(aliceSeed, 1),
      AuthenticationCode2: codeAt(aliceSeed, 2),
    }),
  );
});

test("another user's MFA is out of reach: enable, list and resync are denied on that user", async () => {
  const created = await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'bob' }));
  const bobSeed = seedOf(created.VirtualMFADevice?.Base32StringSeed);
  const { code1, code2 } = consecutiveCodes(bobSeed);
  const enable = await awsError(
    alice.send(
      new EnableMFADeviceCommand({
        UserName: 'bob',
        SerialNumber: mfaArn('bob'),
        AuthenticationCode1: code1,
        AuthenticationCode2: code2,
      }),
    ),
  );
  assert.deepEqual(enable, {
    code: 'AccessDenied',
    message: implicitDeny('alice', 'iam:EnableMFADevice', userArn('bob')),
    status: 403,
  });
  const list = await awsError(alice.send(new ListMFADevicesCommand({ UserName: 'bob' })));
  assert.deepEqual(list, {
    code: 'AccessDenied',
    message: implicitDeny('alice', 'iam:ListMFADevices', userArn('bob')),
    status: 403,
  });
  const resync = await awsError(
    alice.send(
      new ResyncMFADeviceCommand({
        UserName: 'bob',
        SerialNumber: mfaArn('bob'),
        AuthenticationCode1: code1,
        AuthenticationCode2: code2,
      }),
    ),
  );
  assert.deepEqual(resync, {
    code: 'AccessDenied',
    message: implicitDeny('alice', 'iam:ResyncMFADevice', userArn('bob')),
    status: 403,
  });
  // Denied before anything is said about existence, as AWS does.
  const ghost = await awsError(alice.send(new ListMFADevicesCommand({ UserName: 'ghost' })));
  assert.equal(ghost.code, 'AccessDenied');
});

test('without MFA, the policy denies deactivating or deleting even their own device (explicit deny)', async () => {
  const deactivate = await awsError(
    alice.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: mfaArn('alice') })),
  );
  assert.deepEqual(deactivate, {
    code: 'AccessDenied',
    message: explicitDeny('alice', 'iam:DeactivateMFADevice', userArn('alice')),
    status: 403,
  });
  const remove = await awsError(
    alice.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: mfaArn('alice') })),
  );
  assert.deepEqual(remove, {
    code: 'AccessDenied',
    message: explicitDeny('alice', 'iam:DeleteVirtualMFADevice', mfaArn('alice')),
    status: 403,
  });
  // The device is still assigned.
  assert.equal((await alice.send(new ListMFADevicesCommand({}))).MFADevices?.length, 1);
});

test('a user without any policy may not create even their own device', async () => {
  const error = await awsError(
    nobody.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'nobody' })),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: implicitDeny('nobody', 'iam:CreateVirtualMFADevice', mfaArn('nobody')),
    status: 403,
  });
  const list = await awsError(nobody.send(new ListVirtualMFADevicesCommand({})));
  assert.deepEqual(list, {
    code: 'AccessDenied',
    message: `User: ${userArn('nobody')} is not authorized to perform: iam:ListVirtualMFADevices because no identity-based policy allows the iam:ListVirtualMFADevices action`,
    status: 403,
  });
});
