// The callers of the API benchmarks, set up through the API itself (so the same steps serve the
// HTTP benchmark and the in-process one): alice, with the standard policy workload, working from
// an MFA-backed session; and admin, with one inline policy to list, create and delete users.
import type { Signer } from '../load.ts';
import { standardPolicies } from './policies.ts';
import { totpCode } from '../../src/crypto/totp.ts';

/** Sends one signed Query call and returns the XML of a 200 answer (throws on anything else). */
export type Call = (signer: Signer, params: Record<string, string>) => Promise<string>;

export const ACCOUNT_ID = '123456789012';
export const ROOT: Signer = {
  accessKeyId: 'AKIABENCHROOTKEY0001',
  secretAccessKey: 'bench/root/secret/0123456789abcdefghijklm',
  region: 'us-east-1',
  service: 'iam',
};

const MANAGE_USERS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:CreateUser', 'iam:DeleteUser'], Resource: '*' },
  ],
});

const field = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)<`).exec(xml)![1]!;

async function newKey(call: Call, userName: string): Promise<Signer> {
  const created = await call(ROOT, { Action: 'CreateAccessKey', UserName: userName });
  return {
    ...ROOT,
    accessKeyId: field(created, 'AccessKeyId'),
    secretAccessKey: field(created, 'SecretAccessKey'),
  };
}

/**
 * alice: the 4 standard managed policies and an inline one. They deny nearly everything without
 * MFA (as the seeds intend), so she works from a session: a virtual device enabled with two
 * consecutive codes, then GetSessionToken.
 */
export async function setUpAlice(call: Call): Promise<Signer> {
  await call(ROOT, { Action: 'CreateUser', UserName: 'alice' });
  for (const [name, document] of Object.entries(standardPolicies)) {
    await call(ROOT, { Action: 'CreatePolicy', PolicyName: name, PolicyDocument: JSON.stringify(document) });
    await call(ROOT, {
      Action: 'AttachUserPolicy',
      UserName: 'alice',
      PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}`,
    });
  }
  await call(ROOT, {
    Action: 'PutUserPolicy',
    UserName: 'alice',
    PolicyName: 'ManageUsers',
    PolicyDocument: MANAGE_USERS,
  });
  const alice = await newKey(call, 'alice');
  const device = await call(ROOT, { Action: 'CreateVirtualMFADevice', VirtualMFADeviceName: 'alice' });
  const serial = field(device, 'SerialNumber');
  const seed = Buffer.from(field(device, 'Base32StringSeed'), 'base64').toString('utf8');
  const now = Date.now();
  await call(ROOT, {
    Action: 'EnableMFADevice',
    UserName: 'alice',
    SerialNumber: serial,
    AuthenticationCode1: totpCode(seed, now - 30_000),
    AuthenticationCode2: totpCode(seed, now),
  });
  const session = await call(
    { ...alice, service: 'sts' },
    {
      Action: 'GetSessionToken',
      Version: '2011-06-15',
      SerialNumber: serial,
      TokenCode: totpCode(seed, now + 30_000),
    },
  );
  return {
    ...ROOT,
    accessKeyId: field(session, 'AccessKeyId'),
    secretAccessKey: field(session, 'SecretAccessKey'),
    sessionToken: field(session, 'SessionToken'),
  };
}

/** admin: a user with only the ManageUsers inline policy and a long-term key. */
export async function setUpAdmin(call: Call): Promise<Signer> {
  await call(ROOT, { Action: 'CreateUser', UserName: 'admin' });
  await call(ROOT, {
    Action: 'PutUserPolicy',
    UserName: 'admin',
    PolicyName: 'ManageUsers',
    PolicyDocument: MANAGE_USERS,
  });
  return newKey(call, 'admin');
}
