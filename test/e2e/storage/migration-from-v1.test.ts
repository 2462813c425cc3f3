// Upgrading from the first release: a data directory written by it (test/fixtures/store-v1/, one
// key-value `records` table; generate.ts there says how it was made) is opened by this release,
// which migrates it in place. Everything a user could see of it through the API — and every secret
// it held (access keys, passwords, MFA seeds, security keys), proven by use — is there afterwards,
// and the migration runs once. expected.json is what the old server answered; the test compares
// this server's answers with it, read back the same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign, type webcrypto } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_SCHEMA_VERSION } from '../../../src/storage/sqlite/migrations.ts';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetInstanceProfileCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  GetSSHPublicKeyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAccountAliasesCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListInstanceProfilesForRoleCommand,
  ListMFADevicesCommand,
  ListMFADeviceTagsCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  UpdateLoginProfileCommand,
  UpdateUserCommand,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';
import { codeAt, consecutiveCodes } from '../mfa/codes.ts';
import { ConsoleClient, signIn, signInRoot, visibleText, type Page } from '../console/client.ts';

const FIXTURE = resolve(import.meta.dirname, '..', '..', 'fixtures', 'store-v1');

// ---- what expected.json holds (the parts this test reads)

interface KeyFact {
  accessKeyId: string;
  secretAccessKey: string;
  status: string;
  createDate: string;
  lastUsed: { date: string | null; serviceName: string | null; region: string | null };
}
interface UserFact {
  userName: string;
  arn: string;
  userId: string;
  loginProfile: {
    password: string;
    passwordResetRequired: boolean;
    createDate: string;
    earlierPasswords?: string[];
  } | null;
  accessKeys: KeyFact[];
  mfaDevices: { serialNumber: string; enableDate: string }[];
  serviceSpecificCredentials: Record<string, unknown>[];
  [fact: string]: unknown;
}
interface VirtualDeviceFact {
  serialNumber: string;
  base32StringSeed: string;
  assignedTo: { kind: string; userName?: string } | null;
  [fact: string]: unknown;
}
interface StsSessionFact {
  type: string;
  requestedBy: string;
  mfa?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  callerIdentity: { Arn: string; UserId: string; Account: string };
}
interface Expected {
  about: { generatedAt: string };
  server: { env: Record<string, string | null> };
  account: {
    accountId: string;
    aliases: string[];
    passwordPolicy: Record<string, unknown>;
    summary: Record<string, number>;
  };
  root: {
    arn: string;
    userId: string;
    createDate: string;
    passwordLastUsed: string;
    email: string;
    password: string;
    accessKeys: KeyFact[];
    mfaDevices: { serialNumber: string; enableDate: string }[];
  };
  users: Record<string, UserFact>;
  groups: Record<string, Record<string, unknown>>;
  roles: Record<string, Record<string, unknown>>;
  instanceProfiles: Record<string, Record<string, unknown>>;
  customerManagedPolicies: Record<string, Record<string, unknown>>;
  awsManagedPoliciesInUse: Record<string, unknown>[];
  virtualMfaDevices: VirtualDeviceFact[];
  securityKeys: {
    owner: string;
    credentialId: string;
    rpId: string;
    privateKeyJwk: webcrypto.JsonWebKey;
    serialNumber: string;
  }[];
  serviceLinkedRoleDeletions: { deletionTaskId: string; status: string }[];
  credentialReport: { generatedTime: string; reportFormat: string; csv: string };
  stsSessions: StsSessionFact[];
  consoleSessions: { principal: string; cookieName: string; token: string }[];
}

const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
const ACCOUNT = expected.account.accountId;
const users = expected.users;
const deviceOf = (serial: string) => expected.virtualMfaDevices.find((d) => d.serialNumber === serial)!;
const robertDevice = deviceOf(users.robert!.mfaDevices[0]!.serialNumber);
const rootDevice = deviceOf(expected.root.mfaDevices[0]!.serialNumber);
const spareDevice = expected.virtualMfaDevices.find((d) => d.assignedTo === null)!;
const keyOf = (user: UserFact, index = 0): Credentials => ({
  accessKeyId: user.accessKeys[index]!.accessKeyId,
  secretAccessKey: user.accessKeys[index]!.secretAccessKey,
});

// ---- reading back, as generate.ts read the old server

const iso = (date: Date | undefined): string | null =>
  date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
const tagsOut = (tags: Tag[] | undefined) => (tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' }));
const decode = (text: string | undefined) => decodeURIComponent(text!);
const without = <T extends Record<string, unknown>>(
  object: T,
  ...fields: string[]
): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...object };
  for (const field of fields) delete copy[field];
  return copy;
};

async function keysOf(iam: IAMClient, userName: string | undefined) {
  const keys = (await iam.send(new ListAccessKeysCommand(userName ? { UserName: userName } : {})))
    .AccessKeyMetadata!;
  const out = [];
  for (const key of keys) {
    const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId })))
      .AccessKeyLastUsed;
    out.push({
      accessKeyId: key.AccessKeyId,
      status: key.Status,
      createDate: iso(key.CreateDate),
      lastUsed: {
        date: iso(used?.LastUsedDate),
        serviceName: used?.ServiceName ?? null,
        region: used?.Region ?? null,
      },
    });
  }
  return out;
}

async function readUser(iam: IAMClient, name: string) {
  const user = (await iam.send(new GetUserCommand({ UserName: name }))).User!;
  const inline = [];
  for (const policyName of (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ??
    []) {
    const got = await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }));
    inline.push({ policyName, document: decode(got.PolicyDocument) });
  }
  let loginProfile: Record<string, unknown> | null = null;
  try {
    const profile = (await iam.send(new GetLoginProfileCommand({ UserName: name }))).LoginProfile!;
    loginProfile = {
      passwordResetRequired: profile.PasswordResetRequired ?? false,
      createDate: iso(profile.CreateDate),
    };
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchEntityException') throw error;
  }
  const sshKeys = [];
  for (const key of (await iam.send(new ListSSHPublicKeysCommand({ UserName: name }))).SSHPublicKeys ?? []) {
    const full = (
      await iam.send(
        new GetSSHPublicKeyCommand({ UserName: name, SSHPublicKeyId: key.SSHPublicKeyId, Encoding: 'SSH' }),
      )
    ).SSHPublicKey!;
    sshKeys.push({
      sshPublicKeyId: full.SSHPublicKeyId,
      status: full.Status,
      uploadDate: iso(full.UploadDate),
      fingerprint: full.Fingerprint,
      body: full.SSHPublicKeyBody,
    });
  }
  const certificates =
    (await iam.send(new ListSigningCertificatesCommand({ UserName: name }))).Certificates ?? [];
  const serviceCredentials = (
    (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: name })))
      .ServiceSpecificCredentials ?? []
  ).map((c) => ({
    serviceSpecificCredentialId: c.ServiceSpecificCredentialId,
    serviceName: c.ServiceName,
    ...(c.ServiceUserName !== undefined ? { serviceUserName: c.ServiceUserName } : {}),
    ...(c.ServiceCredentialAlias !== undefined ? { serviceCredentialAlias: c.ServiceCredentialAlias } : {}),
    status: c.Status,
    createDate: iso(c.CreateDate),
    ...(c.ExpirationDate !== undefined ? { expirationDate: iso(c.ExpirationDate) } : {}),
  }));
  return {
    userName: user.UserName,
    path: user.Path,
    userId: user.UserId,
    arn: user.Arn,
    createDate: iso(user.CreateDate),
    passwordLastUsed: iso(user.PasswordLastUsed),
    permissionsBoundaryArn: user.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
    tags: tagsOut(user.Tags),
    groups: ((await iam.send(new ListGroupsForUserCommand({ UserName: name }))).Groups ?? []).map(
      (g) => g.GroupName,
    ),
    attachedPolicies: (
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? []
    ).map((p) => ({ policyName: p.PolicyName, policyArn: p.PolicyArn })),
    inlinePolicies: inline,
    loginProfile,
    accessKeys: await keysOf(iam, name),
    mfaDevices: ((await iam.send(new ListMFADevicesCommand({ UserName: name }))).MFADevices ?? []).map(
      (d) => ({
        serialNumber: d.SerialNumber,
        enableDate: iso(d.EnableDate),
      }),
    ),
    signingCertificates: certificates.map((c) => ({
      certificateId: c.CertificateId,
      status: c.Status,
      uploadDate: iso(c.UploadDate),
      body: c.CertificateBody,
    })),
    sshPublicKeys: sshKeys,
    serviceSpecificCredentials: serviceCredentials,
  };
}

/** A user's facts from expected.json without what only creation showed (secrets) or the fixture noted. */
function publicFacts(user: UserFact): Record<string, unknown> {
  return {
    ...without(user, 'renamedFrom'),
    loginProfile: user.loginProfile && {
      passwordResetRequired: user.loginProfile.passwordResetRequired,
      createDate: user.loginProfile.createDate,
    },
    accessKeys: user.accessKeys.map((k) =>
      without(k as unknown as Record<string, unknown>, 'secretAccessKey'),
    ),
    serviceSpecificCredentials: user.serviceSpecificCredentials.map((c) =>
      without(c, 'servicePassword', 'serviceCredentialSecret'),
    ),
  };
}

async function readGroup(iam: IAMClient, name: string) {
  const got = await iam.send(new GetGroupCommand({ GroupName: name }));
  const group = got.Group!;
  const inline = [];
  for (const policyName of (await iam.send(new ListGroupPoliciesCommand({ GroupName: name }))).PolicyNames ??
    []) {
    const policy = await iam.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }));
    inline.push({ policyName, document: decode(policy.PolicyDocument) });
  }
  return {
    groupName: group.GroupName,
    path: group.Path,
    groupId: group.GroupId,
    arn: group.Arn,
    createDate: iso(group.CreateDate),
    members: (got.Users ?? []).map((u) => u.UserName),
    attachedPolicies: (
      (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name }))).AttachedPolicies ?? []
    ).map((p) => ({ policyName: p.PolicyName, policyArn: p.PolicyArn })),
    inlinePolicies: inline,
  };
}

async function readRole(iam: IAMClient, name: string) {
  const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
  const inline = [];
  for (const policyName of (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ??
    []) {
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
    inline.push({ policyName, document: decode(policy.PolicyDocument) });
  }
  return {
    roleName: role.RoleName,
    path: role.Path,
    roleId: role.RoleId,
    arn: role.Arn,
    createDate: iso(role.CreateDate),
    description: role.Description ?? null,
    maxSessionDuration: role.MaxSessionDuration,
    serviceLinked: (role.Path ?? '').startsWith('/aws-service-role/'),
    trustPolicy: decode(role.AssumeRolePolicyDocument),
    permissionsBoundaryArn: role.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
    tags: tagsOut(role.Tags),
    roleLastUsed: {
      lastUsedDate: iso(role.RoleLastUsed?.LastUsedDate),
      region: role.RoleLastUsed?.Region ?? null,
    },
    attachedPolicies: (
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []
    ).map((p) => ({ policyName: p.PolicyName, policyArn: p.PolicyArn })),
    inlinePolicies: inline,
    instanceProfiles: (
      (await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: name }))).InstanceProfiles ?? []
    ).map((p) => p.InstanceProfileName),
  };
}

async function readPolicy(iam: IAMClient, policyArn: string) {
  const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy!;
  const versions = [];
  for (const v of (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? []) {
    const full = (
      await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: v.VersionId }))
    ).PolicyVersion!;
    versions.push({
      versionId: full.VersionId,
      isDefaultVersion: full.IsDefaultVersion,
      createDate: iso(full.CreateDate),
      document: decode(full.Document),
    });
  }
  const entities = async (usage: 'PermissionsPolicy' | 'PermissionsBoundary') => {
    const out = await iam.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: policyArn, PolicyUsageFilter: usage }),
    );
    return {
      users: (out.PolicyUsers ?? []).map((u) => u.UserName),
      groups: (out.PolicyGroups ?? []).map((g) => g.GroupName),
      roles: (out.PolicyRoles ?? []).map((r) => r.RoleName),
    };
  };
  return {
    policyName: policy.PolicyName,
    path: policy.Path,
    policyId: policy.PolicyId,
    arn: policy.Arn,
    description: policy.Description ?? null,
    defaultVersionId: policy.DefaultVersionId,
    attachmentCount: policy.AttachmentCount,
    permissionsBoundaryUsageCount: policy.PermissionsBoundaryUsageCount,
    isAttachable: policy.IsAttachable,
    createDate: iso(policy.CreateDate),
    updateDate: iso(policy.UpdateDate),
    tags: tagsOut((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags),
    versions,
    attachedTo: await entities('PermissionsPolicy'),
    boundaryOf: await entities('PermissionsBoundary'),
  };
}

// ---- the console, as a browser drives it

/** Posts the sign-in form and answers where the server sends the browser next (and the page). */
async function postSignIn(browser: ConsoleClient, fields: Record<string, string>): Promise<Page> {
  await browser.get(fields.kind === 'root' ? '/console/root-signin' : '/console');
  return browser.post('/console/signin', fields);
}

/** A JSON request from the console's scripts: same cookies, the session's CSRF token in a header. */
async function postJson(browser: ConsoleClient, path: string, body: unknown, csrf: string) {
  const response = await fetch(new URL(path, browser.baseUrl), {
    method: 'POST',
    body: JSON.stringify(body),
    redirect: 'manual',
    headers: {
      'content-type': 'application/json',
      'x-csrf-token': csrf,
      cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
  });
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    browser.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/**
 * Answers the MFA step with the fixture's security key, as the authenticator would (WebAuthn
 * Level 2, §6.3.3 and §7.2): authenticator data for the RP ID, then an ES256 signature over it
 * and the hash of the client data.
 */
async function touchSecurityKey(
  browser: ConsoleClient,
  key: Expected['securityKeys'][number],
): Promise<{ status: number; json: Record<string, unknown> }> {
  const mfaPage = await browser.get('/console/mfa');
  const csrf = /name="csrf" value="([^"]*)"/.exec(mfaPage.text)![1]!;
  const options = await postJson(browser, '/console/mfa/security-key/options', {}, csrf);
  assert.equal(options.status, 200, JSON.stringify(options.json));
  const allowed = (options.json.allowCredentials as { id: string }[]).map((c) => c.id);
  assert.deepEqual(allowed, [key.credentialId], 'the registered key is offered');
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(1);
  const authenticatorData = Buffer.concat([
    createHash('sha256').update(key.rpId).digest(),
    Buffer.from([0x01]), // user present
    counter,
  ]);
  const clientDataJSON = Buffer.from(
    JSON.stringify({
      type: 'webauthn.get',
      challenge: options.json.challenge,
      origin: new URL(browser.baseUrl).origin,
      crossOrigin: false,
    }),
  );
  const signature = sign(
    'sha256',
    Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]),
    createPrivateKey({ key: key.privateKeyJwk, format: 'jwk' }),
  );
  return postJson(
    browser,
    '/console/mfa/security-key/verify',
    {
      response: {
        id: key.credentialId,
        rawId: key.credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: clientDataJSON.toString('base64url'),
          authenticatorData: authenticatorData.toString('base64url'),
          signature: signature.toString('base64url'),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'cross-platform',
      },
    },
    csrf,
  );
}

// ---- the server on a copy of the fixture

let server: Server;
let dataDir: string;
const dbFile = () => join(dataDir, 'portcullis.sqlite');
const modeOf = (path: string) => statSync(path).mode & 0o777;

before(async () => {
  // The fixture was made with the harness's bootstrap values; the test relies on that.
  assert.deepEqual(expected.server.env, {
    PORTCULLIS_ACCOUNT_ID: ROOT.accountId,
    PORTCULLIS_ROOT_EMAIL: ROOT.email,
    PORTCULLIS_ROOT_PASSWORD: ROOT.password,
    PORTCULLIS_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId,
    PORTCULLIS_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    PORTCULLIS_MASTER_KEY: null,
  });
  dataDir = mkdtempSync(join(tmpdir(), 'portcullis-store-v1-'));
  cpSync(join(FIXTURE, 'data'), dataDir, { recursive: true });
  // As a file restored from a backup or checked out of git may be: readable by everyone.
  chmodSync(dbFile(), 0o644);
  // No PORTCULLIS_MASTER_KEY: the server reads the copied master.key, as the old one wrote it.
  server = await startServer({ storage: 'sqlite', dataDir });
});
after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the version-1 database is opened as it is: no new account, and it and its WAL files are the owner's alone", () => {
  // The server found the account there (a first start would have said so and written new root credentials).
  assert.doesNotMatch(server.output(), /A new account was created/);
  assert.match(server.output(), new RegExp(`Account: ${ACCOUNT}`));
  assert.equal(
    readFileSync(join(dataDir, 'root-credentials.json'), 'utf8'),
    readFileSync(join(FIXTURE, 'data', 'root-credentials.json'), 'utf8'),
  );
  // The fixture's file was 0644 before the start (see before()).
  const auditFile = dbFile().replace(/\.sqlite$/, '-audit.sqlite');
  assert.ok(existsSync(auditFile), 'the audit trail has its own file');
  for (const file of [
    dbFile(),
    `${dbFile()}-wal`,
    `${dbFile()}-shm`,
    auditFile,
    `${auditFile}-wal`,
    `${auditFile}-shm`,
  ]) {
    assert.ok(existsSync(file), file);
    assert.equal(modeOf(file).toString(8), '600', file);
  }
});

test('users: names, paths, ids, ARNs, tags, boundaries, groups, policies, login profiles, keys, MFA, certificates, SSH keys, service credentials', async () => {
  const iam = server.iam();
  const listed = ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName);
  assert.deepEqual(listed, Object.keys(users));
  for (const [name, user] of Object.entries(users)) {
    // Read before any of the user's keys is used, so the keys' last use is the fixture's.
    assert.deepEqual(await readUser(iam, name), publicFacts(user), name);
  }
  // robert was bob under /contractors/ when he joined groups and got keys and a device.
  assert.equal((await awsError(iam.send(new GetUserCommand({ UserName: 'bob' })))).code, 'NoSuchEntity');
});

test('the root user: its ARN, dates, access key and MFA device', async () => {
  const iam = server.iam();
  const root = (await iam.send(new GetUserCommand({}))).User!;
  assert.equal(root.Arn, expected.root.arn);
  assert.equal(root.UserId, expected.root.userId);
  assert.equal(iso(root.CreateDate), expected.root.createDate);
  assert.equal(iso(root.PasswordLastUsed), expected.root.passwordLastUsed);
  // The root key signs this very test, so its last use is now, not the fixture's.
  const keys = (await keysOf(iam, undefined)).map((k) => without(k, 'lastUsed'));
  assert.deepEqual(
    keys,
    expected.root.accessKeys.map((k) => ({
      accessKeyId: k.accessKeyId,
      status: k.status,
      createDate: k.createDate,
    })),
  );
  const devices = ((await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? []).map((d) => ({
    serialNumber: d.SerialNumber,
    enableDate: iso(d.EnableDate),
  }));
  assert.deepEqual(devices, expected.root.mfaDevices);
});

test('groups: members and policies, the renamed group and the renamed user included', async () => {
  const iam = server.iam();
  const listed = ((await iam.send(new ListGroupsCommand({}))).Groups ?? []).map((g) => g.GroupName);
  assert.deepEqual(listed, Object.keys(expected.groups));
  for (const [name, group] of Object.entries(expected.groups)) {
    assert.deepEqual(await readGroup(iam, name), without(group, 'renamedFrom'), name);
  }
  assert.equal((await awsError(iam.send(new GetGroupCommand({ GroupName: 'ops' })))).code, 'NoSuchEntity');
});

test('roles: trust policies as shown, descriptions, session durations, tags, policies, instance profiles', async () => {
  const iam = server.iam();
  const listed = ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName);
  assert.deepEqual(listed, Object.keys(expected.roles));
  for (const [name, role] of Object.entries(expected.roles)) {
    // app-deployer's trust policy names alice by ARN: she exists, so it is shown as it was given.
    assert.deepEqual(await readRole(iam, name), role, name);
  }
  for (const [name, profile] of Object.entries(expected.instanceProfiles)) {
    const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })))
      .InstanceProfile!;
    assert.deepEqual(
      {
        instanceProfileName: got.InstanceProfileName,
        path: got.Path,
        instanceProfileId: got.InstanceProfileId,
        arn: got.Arn,
        createDate: iso(got.CreateDate),
        roles: (got.Roles ?? []).map((r) => ({ roleName: r.RoleName, roleId: r.RoleId, arn: r.Arn })),
        tags: tagsOut(got.Tags),
      },
      profile,
      name,
    );
  }
});

test('customer managed policies with every version and the default; AWS managed policies in use', async () => {
  const iam = server.iam();
  const local = (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [];
  assert.deepEqual(
    local.map((p) => p.PolicyName),
    Object.keys(expected.customerManagedPolicies),
  );
  for (const [name, policy] of Object.entries(expected.customerManagedPolicies)) {
    assert.deepEqual(await readPolicy(iam, policy.arn as string), policy, name);
  }
  const awsInUse =
    (await iam.send(new ListPoliciesCommand({ Scope: 'AWS', OnlyAttached: true }))).Policies ?? [];
  // ListPolicies lists AWS managed policies by policy id; the fixture records them by name.
  assert.deepEqual(
    awsInUse
      .map((p) => ({ policyName: p.PolicyName, arn: p.Arn, attachmentCount: p.AttachmentCount }))
      .sort((a, b) => a.policyName!.localeCompare(b.policyName!, 'en')),
    expected.awsManagedPoliciesInUse,
  );
});

test('virtual MFA devices: assignment (to robert, to root, to nobody), dates and tags', async () => {
  const iam = server.iam();
  const devices = [];
  for (const d of (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices ?? []) {
    devices.push({
      serialNumber: d.SerialNumber,
      assignedTo: d.User
        ? d.User.UserName
          ? { kind: 'user', userName: d.User.UserName }
          : { kind: 'root' }
        : null,
      user: d.User ? { userName: d.User.UserName ?? null, userId: d.User.UserId, arn: d.User.Arn } : null,
      enableDate: iso(d.EnableDate),
      tags: tagsOut((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: d.SerialNumber }))).Tags),
    });
  }
  assert.deepEqual(
    devices,
    expected.virtualMfaDevices.map((d) => without(d, 'base32StringSeed')),
  );
});

test('the account: alias, password policy, summary counts; the service-linked role deletion task', async () => {
  const iam = server.iam();
  assert.deepEqual(
    (await iam.send(new ListAccountAliasesCommand({}))).AccountAliases,
    expected.account.aliases,
  );
  assert.deepEqual(
    (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy,
    expected.account.passwordPolicy,
  );
  assert.deepEqual((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap, expected.account.summary);
  for (const deletion of expected.serviceLinkedRoleDeletions) {
    const status = await iam.send(
      new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: deletion.deletionTaskId }),
    );
    assert.equal(status.Status, deletion.status);
  }
});

const REPORT_MAX_AGE_MS = 4 * 60 * 60 * 1000;
/** How far the test moved the server's clock (seconds), to move a restarted server's as far. */
let advancedBy = 0;

test('the credential report the old server made is served while it is younger than four hours', async () => {
  const iam = server.iam();
  const age = server.now() - Date.parse(expected.credentialReport.generatedTime);
  if (age < REPORT_MAX_AGE_MS - 60_000) {
    const report = await iam.send(new GetCredentialReportCommand({}));
    assert.equal(iso(report.GeneratedTime), expected.credentialReport.generatedTime);
    assert.equal(report.ReportFormat, expected.credentialReport.reportFormat);
    assert.equal(Buffer.from(report.Content!).toString('utf8'), expected.credentialReport.csv);
  } else if (age > REPORT_MAX_AGE_MS + 60_000) {
    assert.equal((await awsError(iam.send(new GetCredentialReportCommand({})))).code, 'ReportExpired');
  }
});

const EXPIRED = {
  code: 'ExpiredToken',
  message: 'The security token included in the request is expired',
  status: 403,
};
/** A first-release token whose session row was swept: nothing left says it ever was valid. */
const SWEPT = {
  code: 'InvalidClientTokenId',
  message: 'The security token included in the request is invalid.',
  status: 403,
};
/** How long past their expiry STS sessions are kept (src/domain/console-sessions.ts). */
const STS_SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;
const sessionCredentials = (s: StsSessionFact): Credentials => ({
  accessKeyId: s.accessKeyId,
  secretAccessKey: s.secretAccessKey,
  sessionToken: s.sessionToken,
});

test("the old server's STS sessions: valid until their expiration by the server's clock, ExpiredToken after", async () => {
  assert.equal(expected.stsSessions.length, 4);
  for (const session of expected.stsSessions) {
    const sts = server.sts(sessionCredentials(session));
    const left = Date.parse(session.expiration) - server.now();
    // A few seconds either side of the expiration are left alone: the clocks of two processes.
    if (left > 5_000) {
      const who = await sts.send(new GetCallerIdentityCommand({}));
      assert.deepEqual({ Arn: who.Arn, UserId: who.UserId, Account: who.Account }, session.callerIdentity);
      if (session.mfa) {
        // robert's session was made with his MFA device: it may call IAM.
        const me = await server.iam(sessionCredentials(session)).send(new GetUserCommand({}));
        assert.equal(me.User?.UserName, 'robert');
      }
    } else if (left < -5_000) {
      assert.deepEqual(await awsError(sts.send(new GetCallerIdentityCommand({}))), EXPIRED, session.type);
    }
  }
});

test("the old server's console sessions: served until an hour without a request, then sent to sign in", async () => {
  // generate.ts signed root and dave in just before the fixture's end, and did nothing more with
  // those sessions; they end an hour after their last request (between sign-in and generatedAt).
  const signedInAt = Date.parse(users.dave!.passwordLastUsed as string);
  const lastPossibleRequest = Date.parse(expected.about.generatedAt);
  for (const session of expected.consoleSessions) {
    const browser = new ConsoleClient(server.url);
    browser.cookies.set(session.cookieName, session.token);
    const page = await browser.get('/console/security-credentials');
    const label = session.principal === 'root' ? 'root' : session.principal.replace('user/', '');
    if (server.now() < signedInAt + 60 * 60_000 - 5_000) {
      assert.equal(page.status, 200, session.principal);
      assert.match(visibleText(page.text), new RegExp(`${label} @ ${ACCOUNT}`));
    } else if (server.now() > lastPossibleRequest + 60 * 60_000 + 5_000) {
      assert.equal(page.status, 303, session.principal);
      assert.equal(page.location, '/console');
    }
  }
});

test('every recorded access key secret still signs requests; the inactive key does not', async () => {
  for (const user of [
    ...Object.values(users),
    { arn: expected.root.arn, accessKeys: expected.root.accessKeys },
  ]) {
    for (const key of user.accessKeys) {
      const sts = server.sts({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
      if (key.status === 'Active') {
        assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, user.arn, key.accessKeyId);
      } else {
        assert.deepEqual(await awsError(sts.send(new GetCallerIdentityCommand({}))), {
          code: 'InvalidClientTokenId',
          message: 'The security token included in the request is invalid.',
          status: 403,
        });
      }
    }
  }
  // A wrong secret for a migrated key is a bad signature, not an unknown key.
  const wrong = await awsError(
    server
      .sts({ ...keyOf(users.robert!), secretAccessKey: 'x'.repeat(40) })
      .send(new GetCallerIdentityCommand({})),
  );
  assert.equal(wrong.code, 'SignatureDoesNotMatch');
});

test('MFA seeds were carried over sealed: codes from the recorded seeds open MFA sessions and enable the spare device', async () => {
  // robert's phone: a session token with MFA, which IAM then accepts.
  const robertCode = codeAt(robertDevice.base32StringSeed, 0, server.now());
  const session = await server
    .sts(keyOf(users.robert!))
    .send(new GetSessionTokenCommand({ SerialNumber: robertDevice.serialNumber, TokenCode: robertCode }));
  const me = await server
    .iam({
      accessKeyId: session.Credentials!.AccessKeyId!,
      secretAccessKey: session.Credentials!.SecretAccessKey!,
      sessionToken: session.Credentials!.SessionToken!,
    })
    .send(new GetUserCommand({}));
  assert.equal(me.User?.UserId, users.robert!.userId);
  // A code is accepted once.
  const replay = await awsError(
    server
      .sts(keyOf(users.robert!))
      .send(new GetSessionTokenCommand({ SerialNumber: robertDevice.serialNumber, TokenCode: robertCode })),
  );
  assert.equal(replay.code, 'AccessDenied');

  // The root user's device, enabled by the old server for "root".
  await server.sts(ROOT).send(
    new GetSessionTokenCommand({
      SerialNumber: rootDevice.serialNumber,
      TokenCode: codeAt(rootDevice.base32StringSeed, 0, server.now()),
    }),
  );

  // The spare device, never enabled: frank enables it with two consecutive codes from its seed.
  const iam = server.iam();
  const { code1, code2 } = consecutiveCodes(spareDevice.base32StringSeed, server.now());
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'frank',
      SerialNumber: spareDevice.serialNumber,
      AuthenticationCode1: code1,
      AuthenticationCode2: code2,
    }),
  );
  const frankDevices = (await iam.send(new ListMFADevicesCommand({ UserName: 'frank' }))).MFADevices ?? [];
  assert.deepEqual(
    frankDevices.map((d) => d.SerialNumber),
    [spareDevice.serialNumber],
  );
});

/** The report's rows, as column → value maps (no field of this report holds a comma). */
function reportRows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i]!, value])));
}

test('once the clock passes their expirations: sessions are ExpiredToken, console cookies sign in again, a new report is made from the migrated facts', async () => {
  const latest = Math.max(
    ...expected.stsSessions.map((s) => Date.parse(s.expiration)),
    Date.parse(expected.credentialReport.generatedTime) + REPORT_MAX_AGE_MS,
  );
  const ahead = Math.ceil((latest - server.now()) / 1000) + 120;
  if (ahead > 0) await server.advanceClock((advancedBy = ahead));

  for (const session of expected.stsSessions) {
    const error = await awsError(
      server.sts(sessionCredentials(session)).send(new GetCallerIdentityCommand({})),
    );
    assert.deepEqual(error, EXPIRED, `${session.type} of ${session.requestedBy}`);
  }
  for (const session of expected.consoleSessions) {
    const browser = new ConsoleClient(server.url);
    browser.cookies.set(session.cookieName, session.token);
    const page = await browser.get('/console/security-credentials');
    assert.equal(page.status, 303, session.principal);
    assert.equal(page.location, '/console');
  }

  // The old report is now four hours old; a new one is made from what was migrated.
  const iam = server.iam();
  assert.equal((await awsError(iam.send(new GetCredentialReportCommand({})))).code, 'ReportExpired');
  assert.equal((await iam.send(new GenerateCredentialReportCommand({}))).State, 'STARTED');
  const fresh = reportRows(
    Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString(),
  );
  // What this test did since changes the last-use columns (and frank now has the spare device).
  const stable = [
    'user',
    'arn',
    'user_creation_time',
    'password_enabled',
    'password_last_changed',
    'password_next_rotation',
    'mfa_active',
    'access_key_1_active',
    'access_key_1_last_rotated',
    'access_key_2_active',
    'access_key_2_last_rotated',
    'cert_1_active',
    'cert_1_last_rotated',
    'cert_2_active',
    'cert_2_last_rotated',
  ];
  const pick = (row: Record<string, string>) => Object.fromEntries(stable.map((c) => [c, row[c]]));
  const old = reportRows(expected.credentialReport.csv).map((row) =>
    row.user === 'frank' ? { ...row, mfa_active: 'true' } : row,
  );
  assert.deepEqual(fresh.map(pick), old.map(pick));
});

test('an expired session stays ExpiredToken after a console sign-in (which sweeps expired records), and after a restart', async () => {
  // Runs after the clock passed every fixture session's expiration (the test above).
  const browser = new ConsoleClient(server.url);
  const home = await signIn(browser, ACCOUNT, 'alice', users.alice!.loginProfile!.password);
  assert.equal(home.status, 200);
  // AWS answers an expired token with ExpiredToken however long ago it expired; the SDKs and tools
  // key credential refresh on that code. Today's tokens say when they expire, but the first
  // release's, migrated with their sessions, do not: they answer ExpiredToken while their rows are
  // kept, a day past their expiry (console-sessions.ts), and InvalidClientTokenId once swept. The
  // fixture's sessions expired at fixed times, so which of the two each meets depends on the day
  // the test runs; a minute either side of the boundary is left alone.
  const answers = async () => {
    for (const session of expected.stsSessions) {
      const error = await awsError(
        server.sts(sessionCredentials(session)).send(new GetCallerIdentityCommand({})),
      );
      const pastRetention = server.now() - Date.parse(session.expiration) - STS_SESSION_RETENTION_MS;
      const label = `${session.type} of ${session.requestedBy}`;
      if (pastRetention < -60_000) assert.deepEqual(error, EXPIRED, label);
      else if (pastRetention > 60_000) assert.deepEqual(error, SWEPT, label);
    }
  };
  await answers();
  // What one process remembers is gone after a restart: the answer must come from the store.
  server = await server.restart();
  if (advancedBy > 0) await server.advanceClock(advancedBy);
  await answers();
});

test('passwords sign in to the console: by alias, with a required reset, with MFA codes and with the security key', async () => {
  const alias = expected.account.aliases[0]!;
  const alice = users.alice!;
  const aliceHome = await signIn(new ConsoleClient(server.url), alias, 'alice', alice.loginProfile!.password);
  assert.equal(aliceHome.status, 200);
  assert.match(visibleText(aliceHome.text), new RegExp(`alice @ ${ACCOUNT}`));

  const wrong = await postSignIn(new ConsoleClient(server.url), {
    kind: 'iam',
    account: ACCOUNT,
    username: 'alice',
    password: users.dave!.loginProfile!.password,
  });
  assert.equal(wrong.status, 401);

  // carol's administrator set a password and required a reset: the new one works, the first does not.
  const carol = users.carol!;
  const carolSignIn = await postSignIn(new ConsoleClient(server.url), {
    kind: 'iam',
    account: ACCOUNT,
    username: 'carol',
    password: carol.loginProfile!.password,
  });
  assert.equal(carolSignIn.status, 303);
  assert.equal(carolSignIn.location, '/console/change-password');
  const carolFirst = await postSignIn(new ConsoleClient(server.url), {
    kind: 'iam',
    account: ACCOUNT,
    username: 'carol',
    password: carol.loginProfile!.earlierPasswords![0]!,
  });
  assert.equal(carolFirst.status, 401);
  // The account remembers five passwords (PasswordReusePrevention): carol's earlier one among them.
  const reuse = await awsError(
    server.iam().send(
      new UpdateLoginProfileCommand({
        UserName: 'carol',
        Password: carol.loginProfile!.earlierPasswords![0]!,
      }),
    ),
  );
  assert.equal(reuse.code, 'PasswordPolicyViolation');

  // robert (once bob) has a virtual MFA device.
  const robertBrowser = new ConsoleClient(server.url);
  const robertSignIn = await postSignIn(robertBrowser, {
    kind: 'iam',
    account: ACCOUNT,
    username: 'robert',
    password: users.robert!.loginProfile!.password,
  });
  assert.equal(robertSignIn.location, '/console/mfa');
  await robertBrowser.get('/console/mfa');
  const robertMfa = await robertBrowser.post('/console/mfa', {
    code: codeAt(robertDevice.base32StringSeed, 1, server.now()),
  });
  assert.equal(robertMfa.location, '/console');
  assert.match(visibleText((await robertBrowser.get('/console')).text), new RegExp(`robert @ ${ACCOUNT}`));

  // dave registered a security key in the old console.
  const daveBrowser = new ConsoleClient(server.url);
  const daveSignIn = await postSignIn(daveBrowser, {
    kind: 'iam',
    account: ACCOUNT,
    username: 'dave',
    password: users.dave!.loginProfile!.password,
  });
  assert.equal(daveSignIn.location, '/console/mfa');
  const touched = await touchSecurityKey(daveBrowser, expected.securityKeys[0]!);
  assert.deepEqual(touched, { status: 200, json: { ok: true, redirect: '/console' } });
  assert.match(visibleText((await daveBrowser.get('/console')).text), new RegExp(`dave @ ${ACCOUNT}`));

  // The root user, whose MFA device the old server enabled.
  const rootBrowser = new ConsoleClient(server.url);
  const rootSignIn = await signInRoot(rootBrowser, expected.root.email, expected.root.password);
  assert.equal(rootSignIn.status, 200);
  const rootMfa = await rootBrowser.post('/console/mfa', {
    code: codeAt(rootDevice.base32StringSeed, 1, server.now()),
  });
  assert.equal(rootMfa.location, '/console');
  assert.match(visibleText((await rootBrowser.get('/console')).text), new RegExp(`root @ ${ACCOUNT}`));
});

test('the schema is migrated once: a restart on the same directory keeps the migrated and the later facts', async () => {
  const iam = server.iam();
  // Changes made after the migration, which a second migration would undo or trip over.
  const created = (await iam.send(new CreateUserCommand({ UserName: 'after-upgrade' }))).User!;
  await iam.send(new AddUserToGroupCommand({ GroupName: 'operators', UserName: 'after-upgrade' }));
  const snapshot = async (client: IAMClient) => ({
    users: ((await client.send(new ListUsersCommand({}))).Users ?? []).map((u) => [u.UserName, u.UserId]),
    operators: await readGroup(client, 'operators'),
    deployer: await readRole(client, 'app-deployer'),
    alice: await readUser(client, 'alice'),
    devices: ((await client.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices ?? []).map((d) => [
      d.SerialNumber,
      d.User?.Arn,
    ]),
  });
  const before = await snapshot(iam);
  assert.ok(before.operators.members.includes('after-upgrade'));

  server = await server.restart();
  const after = await snapshot(server.iam());
  // alice's key was used meanwhile by nobody: every fact, last use included, is as it was.
  assert.deepEqual(after, before);
  assert.deepEqual(
    after.users.find(([name]) => name === 'after-upgrade'),
    ['after-upgrade', created.UserId],
  );
  // Secrets still open after the second start.
  assert.equal(
    (await server.sts(keyOf(users.alice!)).send(new GetCallerIdentityCommand({}))).Arn,
    users.alice!.arn,
  );
});

test("the migrated trust policy is bound to alice's id: renamed, she may still assume the role; a new user under her old name may not", async () => {
  // app-deployer trusts alice's ARN and the account. The old store kept the ARN; the migration
  // bound it to the id alice has (AWS binds trust principals to unique ids when a policy is saved).
  const iam = server.iam();
  const alice = users.alice!;
  await iam.send(new UpdateUserCommand({ UserName: 'alice', NewUserName: 'alice-renamed' }));
  // Someone else now holds her name and path; without a policy of its own, only a trust policy
  // naming it could let it in.
  await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/engineering/' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const deployer = expected.roles['app-deployer']!.arn as string;
  const denied = await awsError(
    server
      .sts({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
      .send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'impostor' })),
  );
  assert.equal(denied.code, 'AccessDenied');
  const assumed = await server
    .sts(keyOf(alice))
    .send(new AssumeRoleCommand({ RoleArn: deployer, RoleSessionName: 'alice-again' }));
  assert.match(assumed.AssumedRoleUser!.Arn!, /assumed-role\/app-deployer\/alice-again$/);
  // The policy shows her by her current ARN.
  const trust = JSON.parse(
    decode((await iam.send(new GetRoleCommand({ RoleName: 'app-deployer' }))).Role!.AssumeRolePolicyDocument),
  ) as {
    Statement: { Principal: { AWS: string[] } }[];
  };
  assert.deepEqual(trust.Statement[0]!.Principal.AWS, [
    `arn:aws:iam::${ACCOUNT}:user/engineering/alice-renamed`,
    `arn:aws:iam::${ACCOUNT}:root`,
  ]);
});

test("stopped, the file says the current schema version, keeps no version-1 table, and is the owner's alone", async () => {
  await server.stop();
  const db = new Database(dbFile(), { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
    const records = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'records'").get() as {
      n: number;
    };
    assert.equal(records.n, 0);
  } finally {
    db.close();
  }
  const auditFile = dbFile().replace(/\.sqlite$/, '-audit.sqlite');
  assert.ok(existsSync(auditFile), 'the audit trail has its own file');
  for (const file of [
    dbFile(),
    `${dbFile()}-wal`,
    `${dbFile()}-shm`,
    auditFile,
    `${auditFile}-wal`,
    `${auditFile}-shm`,
  ]) {
    if (existsSync(file)) assert.equal(modeOf(file).toString(8), '600', file);
  }
});
