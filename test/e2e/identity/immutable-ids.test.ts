// Identities are bound by their immutable ids, not by their names: a session, a trust policy or a
// console sign-in belongs to the very user or role it was made for, and a user or role created
// later under the same name (or renamed into it) is someone else — on SQLite and on PostgreSQL.
//
// AWS, IAM User Guide, "IAM identifiers" (unique IDs): "If you delete a user and then create a new
// user with the same name, the new user has a different unique ID ... policies that refer to the
// unique ID do not apply to the new user." And "AWS JSON policy elements: Principal": "When you
// save the policy, AWS transforms the ARN to a unique principal ID ... if you delete the role or
// user, then the relationship is broken. The policy no longer applies, even if you recreate the
// user or role ... the principal ID shows up ... because AWS can no longer map it back to an ARN.
// ... you must edit the role to replace the ARN."
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DeleteVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GetRoleCommand,
  GetUserCommand,
  ListRolesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { ROOT, awsError, startServer, type Credentials, type Server, type Storage } from '../harness.ts';
import { codeAt, consecutiveCodes, seedOf } from '../mfa/codes.ts';
import { ConsoleClient, signIn, visibleText } from '../console/client.ts';

const ACCOUNT = ROOT.accountId;
const STORAGES: readonly Storage[] = ['sqlite', 'postgres'];
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SESSION_COOKIE = 'portcullis-console';

const userArn = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:user${path}${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (actions: string | string[], resource = '*') =>
  policy([{ Effect: 'Allow', Action: actions, Resource: resource }]);
const trusting = (...principals: string[]) =>
  policy([
    {
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0] : principals },
      Action: 'sts:AssumeRole',
    },
  ]);
const temporary = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c!.AccessKeyId!,
  secretAccessKey: c!.SecretAccessKey!,
  sessionToken: c!.SessionToken!,
});

/** Creates a user with an inline policy and an access key; returns the key and the user's id. */
async function userWithKey(
  iam: IAMClient,
  name: string,
  document: string,
): Promise<{ key: Credentials; userId: string }> {
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'work', PolicyDocument: document }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return {
    key: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
    userId: user.UserId!,
  };
}

/** Deletes a user made by userWithKey, as IAM wants it: key and inline policy first. */
async function deleteUserWithKey(iam: IAMClient, name: string, key: Credentials): Promise<void> {
  await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: key.accessKeyId }));
  await iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'work' }));
  await iam.send(new DeleteUserCommand({ UserName: name }));
}

/** The role's trust policy as GetRole shows it (AWS sends it URL-encoded), parsed. */
async function shownTrust(
  iam: IAMClient,
  name: string,
): Promise<{ Statement: { Principal: { AWS: unknown } }[] }> {
  const role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
  return JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)) as {
    Statement: { Principal: { AWS: unknown } }[];
  };
}

function assume(server: Server, who: Credentials, role: string, sessionName: string) {
  return server
    .sts(who)
    .send(new AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: sessionName }));
}

const scenarios: [string, (server: Server) => Promise<void>][] = [
  [
    'a role session does not outlive its role: a role re-created under the same name does not serve it',
    async (server) => {
      const iam = server.iam();
      const { key: uma } = await userWithKey(iam, 'uma', allow('sts:AssumeRole', roleArn('builder')));
      const first = (
        await iam.send(
          new CreateRoleCommand({ RoleName: 'builder', AssumeRolePolicyDocument: trusting(userArn('uma')) }),
        )
      ).Role!;
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'builder',
          PolicyName: 'list',
          PolicyDocument: allow('iam:ListUsers'),
        }),
      );
      const old = temporary((await assume(server, uma, 'builder', 'build-1')).Credentials);
      const listed = await server.iam(old).send(new ListUsersCommand({}));
      assert.ok(
        listed.Users?.some((u) => u.UserName === 'uma'),
        'the session works while its role exists',
      );

      // The role goes, and another role is created under its name, trusting the same user, with
      // every permission there is.
      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'builder', PolicyName: 'list' }));
      await iam.send(new DeleteRoleCommand({ RoleName: 'builder' }));
      const second = (
        await iam.send(
          new CreateRoleCommand({ RoleName: 'builder', AssumeRolePolicyDocument: trusting(userArn('uma')) }),
        )
      ).Role!;
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'builder', PolicyArn: ADMIN }));
      assert.notEqual(second.RoleId, first.RoleId, 'a re-created role has a new unique id');

      // The old session's ARN is the very ARN a new session of that name gets; only the role id
      // tells them apart. It has neither the old role's permissions nor the new one's.
      const oldIam = server.iam(old);
      const deniedList = await awsError(oldIam.send(new ListUsersCommand({})));
      assert.equal(deniedList.code, 'AccessDenied');
      assert.equal(
        deniedList.message,
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/builder/build-1 is not authorized to perform: iam:ListUsers ` +
          `on resource: arn:aws:iam::${ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action`,
      );
      const deniedCreate = await awsError(oldIam.send(new CreateUserCommand({ UserName: 'by-old-session' })));
      assert.equal(deniedCreate.code, 'AccessDenied');
      assert.equal(
        (await awsError(iam.send(new GetUserCommand({ UserName: 'by-old-session' })))).code,
        'NoSuchEntity',
      );

      // GetCallerIdentity needs no permission (STS API reference), so it still answers — with
      // the old role's id, not the new role's.
      const who = await server.sts(old).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/builder/build-1`);
      assert.equal(who.UserId, `${first.RoleId}:build-1`);

      // A new session of the new role, even under the same session name, has the new role's rights.
      const fresh = temporary((await assume(server, uma, 'builder', 'build-1')).Credentials);
      const freshWho = await server.sts(fresh).send(new GetCallerIdentityCommand({}));
      assert.equal(freshWho.UserId, `${second.RoleId}:build-1`);
      await server.iam(fresh).send(new CreateUserCommand({ UserName: 'by-new-session' }));
      assert.ok(
        (await server.iam(fresh).send(new ListUsersCommand({}))).Users?.some((u) => u.UserName === 'uma'),
      );
      // And the old session still is not let in by the admin role it shares an ARN with.
      assert.equal((await awsError(oldIam.send(new ListUsersCommand({})))).code, 'AccessDenied');
    },
  ],
  [
    'a GetSessionToken session does not outlive its user: the user re-created under the same name does not inherit it',
    async (server) => {
      const iam = server.iam();
      const { key: alice, userId: aliceId } = await userWithKey(
        iam,
        'alice',
        allow(['iam:GetUser', 'iam:ListUsers']),
      );
      // GetSessionToken credentials reach IAM only with MFA (AWS's STS comparison table), so
      // alice has a virtual MFA device, and one of the two sessions is an MFA session.
      const device = (
        await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' }))
      ).VirtualMFADevice!;
      const serial = device.SerialNumber!;
      const seed = seedOf(device.Base32StringSeed);
      const { code1, code2 } = consecutiveCodes(seed, server.now());
      await iam.send(
        new EnableMFADeviceCommand({
          UserName: 'alice',
          SerialNumber: serial,
          AuthenticationCode1: code1,
          AuthenticationCode2: code2,
        }),
      );
      const withMfa = temporary(
        (
          await server
            .sts(alice)
            .send(
              new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: codeAt(seed, 1, server.now()) }),
            )
        ).Credentials,
      );
      const plain = temporary((await server.sts(alice).send(new GetSessionTokenCommand({}))).Credentials);
      const me = await server.iam(withMfa).send(new GetUserCommand({}));
      assert.equal(me.User?.UserId, aliceId);
      assert.equal((await server.sts(plain).send(new GetCallerIdentityCommand({}))).UserId, aliceId);

      // alice is deleted (MFA device, key and policy first, as IAM requires) and made again, with
      // every permission there is and her own key.
      await iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
      await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
      await deleteUserWithKey(iam, 'alice', alice);
      const { key: newAlice, userId: newAliceId } = await userWithKey(iam, 'alice', allow('*'));
      assert.notEqual(newAliceId, aliceId);
      assert.equal((await server.iam(newAlice).send(new GetUserCommand({}))).User?.UserId, newAliceId);

      // The old sessions are refused as a token for nobody is: InvalidClientTokenId.
      const invalid = {
        code: 'InvalidClientTokenId',
        message: 'The security token included in the request is invalid.',
        status: 403,
      };
      assert.deepEqual(await awsError(server.iam(withMfa).send(new GetUserCommand({}))), invalid);
      assert.deepEqual(await awsError(server.iam(withMfa).send(new ListUsersCommand({}))), invalid);
      assert.deepEqual(
        await awsError(server.iam(withMfa).send(new CreateUserCommand({ UserName: 'x' }))),
        invalid,
      );
      assert.deepEqual(await awsError(server.sts(plain).send(new GetCallerIdentityCommand({}))), invalid);
      assert.deepEqual(await awsError(server.sts(withMfa).send(new GetCallerIdentityCommand({}))), invalid);
      assert.equal((await awsError(iam.send(new GetUserCommand({ UserName: 'x' })))).code, 'NoSuchEntity');
    },
  ],
  [
    'a trust policy names the user it was saved with: the user re-created under that name is not trusted until the policy is saved again',
    async (server) => {
      const iam = server.iam();
      const { key: carol, userId: carolId } = await userWithKey(iam, 'carol', allow('sts:AssumeRole'));
      const trust = trusting(userArn('carol'));
      await iam.send(new CreateRoleCommand({ RoleName: 'vault', AssumeRolePolicyDocument: trust }));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'vault',
          PolicyName: 'read',
          PolicyDocument: allow('iam:GetUser'),
        }),
      );
      await assume(server, carol, 'vault', 'before');
      const shown = (await iam.send(new GetRoleCommand({ RoleName: 'vault' }))).Role!;
      assert.equal(decodeURIComponent(shown.AssumeRolePolicyDocument!), trust, 'shown as it was given');

      await deleteUserWithKey(iam, 'carol', carol);
      // The new carol may assume any role as far as her own policies go: only the trust policy refuses.
      const { key: newCarol } = await userWithKey(iam, 'carol', allow('*'));
      const refused = await awsError(assume(server, newCarol, 'vault', 'after'));
      assert.equal(refused.code, 'AccessDenied');
      assert.match(
        refused.message,
        new RegExp(
          `^User: arn:aws:iam::${ACCOUNT}:user/carol is not authorized to perform: sts:AssumeRole on resource: ` +
            `arn:aws:iam::${ACCOUNT}:role/vault`,
        ),
      );

      // GetRole (and ListRoles) show the old carol's unique id where her ARN was.
      assert.equal((await shownTrust(iam, 'vault')).Statement[0]!.Principal.AWS, carolId);
      assert.match(carolId, /^AIDA/);
      const listed = (await iam.send(new ListRolesCommand({}))).Roles!.find((r) => r.RoleName === 'vault')!;
      const listedTrust = JSON.parse(decodeURIComponent(listed.AssumeRolePolicyDocument!)) as {
        Statement: { Principal: { AWS: unknown } }[];
      };
      assert.equal(listedTrust.Statement[0]!.Principal.AWS, carolId);

      // Saving the policy again binds the ARN to whoever holds it now.
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'vault', PolicyDocument: trust }));
      const assumed = await assume(server, newCarol, 'vault', 'after');
      assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/vault/after`);
      assert.equal((await shownTrust(iam, 'vault')).Statement[0]!.Principal.AWS, userArn('carol'));
    },
  ],
  [
    'renaming does not move trust: a user renamed into a trusted name is not trusted; the renamed original still is, shown by its new ARN',
    async (server) => {
      const iam = server.iam();
      const { key: dave } = await userWithKey(iam, 'dave', allow('sts:AssumeRole'));
      const { key: bob } = await userWithKey(iam, 'bob', allow('sts:AssumeRole'));
      await iam.send(
        new CreateRoleCommand({ RoleName: 'ledger', AssumeRolePolicyDocument: trusting(userArn('dave')) }),
      );

      // dave becomes dave2, then bob takes the name dave.
      await iam.send(new UpdateUserCommand({ UserName: 'dave', NewUserName: 'dave2' }));
      await iam.send(new UpdateUserCommand({ UserName: 'bob', NewUserName: 'dave' }));
      assert.equal((await server.sts(bob).send(new GetCallerIdentityCommand({}))).Arn, userArn('dave'));

      const refused = await awsError(assume(server, bob, 'ledger', 'impostor'));
      assert.equal(refused.code, 'AccessDenied');
      assert.match(
        refused.message,
        new RegExp(`^User: ${userArn('dave')} is not authorized to perform: sts:AssumeRole`),
      );

      const assumed = await assume(server, dave, 'ledger', 'original');
      const who = await server.sts(temporary(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/ledger/original`);

      // AWS (IAM User Guide, "Renaming an IAM user"): role policies that refer to the user as the
      // principal are updated to use the new name. The policy shows dave2.
      assert.equal((await shownTrust(iam, 'ledger')).Statement[0]!.Principal.AWS, userArn('dave2'));
    },
  ],
  [
    'a trust policy naming a user or role of this account that does not exist is MalformedPolicyDocument',
    async (server) => {
      const iam = server.iam();
      const invalid = (arn: string) => ({
        code: 'MalformedPolicyDocument',
        message: `Invalid principal in policy: "AWS":"${arn}"`,
        status: 400,
      });
      const ghostUser = userArn('ghost');
      const ghostRole = roleArn('ghost-role');
      for (const arn of [ghostUser, ghostRole]) {
        const error = await awsError(
          iam.send(new CreateRoleCommand({ RoleName: 'haunted', AssumeRolePolicyDocument: trusting(arn) })),
        );
        assert.deepEqual(error, invalid(arn), arn);
      }
      assert.equal(
        (await awsError(iam.send(new GetRoleCommand({ RoleName: 'haunted' })))).code,
        'NoSuchEntity',
      );

      // A user's ARN includes its path: the right name under another path names nobody.
      await iam.send(new CreateUserCommand({ UserName: 'pathed', Path: '/team/' }));
      const wrongPath = userArn('pathed');
      assert.deepEqual(
        await awsError(
          iam.send(
            new CreateRoleCommand({ RoleName: 'haunted', AssumeRolePolicyDocument: trusting(wrongPath) }),
          ),
        ),
        invalid(wrongPath),
      );
      // One missing principal among existing ones is enough, and is the one named.
      const mixed = trusting(userArn('pathed', '/team/'), `arn:aws:iam::${ACCOUNT}:root`, ghostUser);
      assert.deepEqual(
        await awsError(
          iam.send(new CreateRoleCommand({ RoleName: 'haunted', AssumeRolePolicyDocument: mixed })),
        ),
        invalid(ghostUser),
      );

      // UpdateAssumeRolePolicy refuses the same way and leaves the trust policy as it was.
      const good = trusting(userArn('pathed', '/team/'));
      await iam.send(new CreateRoleCommand({ RoleName: 'haunted', AssumeRolePolicyDocument: good }));
      for (const arn of [ghostUser, ghostRole]) {
        const error = await awsError(
          iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'haunted', PolicyDocument: trusting(arn) })),
        );
        assert.deepEqual(error, invalid(arn), arn);
      }
      const role = (await iam.send(new GetRoleCommand({ RoleName: 'haunted' }))).Role!;
      assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), good);
    },
  ],
  [
    'a console session does not outlive its user: the user re-created with a password does not inherit the cookie',
    async (server) => {
      const iam = server.iam();
      const password = 'Frank-First-Pass-1!';
      await iam.send(new CreateUserCommand({ UserName: 'frank' }));
      await iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: password }));
      const browser = new ConsoleClient(server.url);
      const home = await signIn(browser, ACCOUNT, 'frank', password);
      assert.equal(home.status, 200);
      assert.match(visibleText(home.text), new RegExp(`frank @ ${ACCOUNT}`));
      const cookie = browser.cookies.get(SESSION_COOKIE)!;
      assert.ok(cookie);
      assert.equal((await browser.get('/console/security-credentials')).status, 200);

      await iam.send(new DeleteLoginProfileCommand({ UserName: 'frank' }));
      await iam.send(new DeleteUserCommand({ UserName: 'frank' }));
      await iam.send(new CreateUserCommand({ UserName: 'frank' }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'frank', PolicyArn: ADMIN }));
      await iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'Frank-Second-Pass-2!' }));

      // The old cookie, presented as a browser would, is sent to sign in.
      const replay = new ConsoleClient(server.url);
      replay.cookies.set(SESSION_COOKIE, cookie);
      const page = await replay.get('/console/security-credentials');
      assert.equal(page.status, 303);
      assert.equal(page.location, '/console');
      const landing = await replay.get('/console');
      assert.equal(landing.status, 200);
      assert.doesNotMatch(visibleText(landing.text), /frank @/);
      assert.match(landing.text, /name="password"/, 'the sign-in form');

      // The new frank signs in with his own password.
      const again = await signIn(new ConsoleClient(server.url), ACCOUNT, 'frank', 'Frank-Second-Pass-2!');
      assert.match(visibleText(again.text), new RegExp(`frank @ ${ACCOUNT}`));
    },
  ],
];

for (const storage of STORAGES) {
  describe(`on ${storage}`, () => {
    let server: Server;
    before(async () => {
      server = await startServer({ storage });
    });
    after(async () => {
      await server?.stop();
    });
    for (const [name, run] of scenarios) test(`${storage}: ${name}`, () => run(server));
  });
}
