import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccountPasswordPolicyCommand,
  GetLoginProfileCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Credentials, type Server } from '../harness.ts';

/** A root e-mail address that would otherwise pass the default policy. */
const ROOT_EMAIL = 'Admin-1@example.com';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer({ env: { PORTCULLIS_ROOT_EMAIL: ROOT_EMAIL } });
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const GOOD = 'Correct-Horse-9';
const VIOLATION = {
  code: 'PasswordPolicyViolation',
  message: 'Password does not conform to the account password policy.',
  status: 400,
};

async function userWithKey(name: string): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    accessKeyId: created.AccessKey!.AccessKeyId!,
    secretAccessKey: created.AccessKey!.SecretAccessKey!,
  };
}

test('the account has no custom password policy at first: NoSuchEntity with AWS message', async () => {
  const error = await awsError(iam.send(new GetAccountPasswordPolicyCommand({})));
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: `The Password Policy with domain name ${ROOT.accountId} cannot be found.`,
    status: 404,
  });
  const del = await awsError(iam.send(new DeleteAccountPasswordPolicyCommand({})));
  assert.deepEqual(del, {
    code: 'NoSuchEntity',
    message: 'The account policy with name PasswordPolicy cannot be found.',
    status: 404,
  });
});

test("without a custom policy AWS's default applies: 8+ characters, 3 of 4 classes, not the account e-mail", async () => {
  await iam.send(new CreateUserCommand({ UserName: 'dflt' }));
  for (const weak of ['Sh0rt!', 'alllowercase1', 'NoDigitsOrSymbols', '12345678!!']) {
    const error = await awsError(
      iam.send(new CreateLoginProfileCommand({ UserName: 'dflt', Password: weak })),
    );
    assert.deepEqual(error, VIOLATION, weak);
  }
  // The account's e-mail address is refused although it has all four classes of characters.
  assert.deepEqual(
    await awsError(iam.send(new CreateLoginProfileCommand({ UserName: 'dflt', Password: ROOT_EMAIL }))),
    VIOLATION,
  );
  await iam.send(new CreateLoginProfileCommand({ UserName: 'dflt', Password: 'Three-classes1' }));
});

test('CreateLoginProfile, GetLoginProfile and the one-profile-per-user rule', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'pat' }));
  const created = await iam.send(
    new CreateLoginProfileCommand({ UserName: 'pat', Password: GOOD, PasswordResetRequired: true }),
  );
  assert.equal(created.LoginProfile?.UserName, 'pat');
  assert.equal(created.LoginProfile?.PasswordResetRequired, true);
  assert.ok(created.LoginProfile?.CreateDate instanceof Date);
  const got = await iam.send(new GetLoginProfileCommand({ UserName: 'pat' }));
  assert.equal(got.LoginProfile?.PasswordResetRequired, true);
  const again = await awsError(iam.send(new CreateLoginProfileCommand({ UserName: 'pat', Password: GOOD })));
  assert.deepEqual(again, {
    code: 'EntityAlreadyExists',
    message: 'Login Profile for user pat already exists.',
    status: 409,
  });
});

test('UpdateLoginProfile resets the password and the reset flag; DeleteLoginProfile removes it', async () => {
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'pat', PasswordResetRequired: false }));
  assert.equal(
    (await iam.send(new GetLoginProfileCommand({ UserName: 'pat' }))).LoginProfile?.PasswordResetRequired,
    false,
  );
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'pat', Password: 'Another-Pass-7' }));
  const weak = await awsError(iam.send(new UpdateLoginProfileCommand({ UserName: 'pat', Password: 'weak' })));
  assert.deepEqual(weak, VIOLATION);
  const conflict = await awsError(iam.send(new DeleteUserCommand({ UserName: 'pat' })));
  assert.deepEqual(conflict, {
    code: 'DeleteConflict',
    message: 'Cannot delete entity, must delete login profile first.',
    status: 409,
  });
  await iam.send(new DeleteLoginProfileCommand({ UserName: 'pat' }));
  const missing = await awsError(iam.send(new GetLoginProfileCommand({ UserName: 'pat' })));
  assert.deepEqual(missing, {
    code: 'NoSuchEntity',
    message: 'Login Profile for User pat cannot be found.',
    status: 404,
  });
  assert.equal(
    (await awsError(iam.send(new DeleteLoginProfileCommand({ UserName: 'pat' })))).code,
    'NoSuchEntity',
  );
  assert.equal(
    (
      await awsError(
        iam.send(new UpdateLoginProfileCommand({ UserName: 'pat', PasswordResetRequired: true })),
      )
    ).code,
    'NoSuchEntity',
  );
  await iam.send(new DeleteUserCommand({ UserName: 'pat' }));
});

test('UpdateAccountPasswordPolicy with nothing set gives the defaults AWS shows', async () => {
  await iam.send(new UpdateAccountPasswordPolicyCommand({}));
  const { PasswordPolicy } = await iam.send(new GetAccountPasswordPolicyCommand({}));
  assert.deepEqual(PasswordPolicy, {
    AllowUsersToChangePassword: false,
    ExpirePasswords: false,
    MinimumPasswordLength: 6,
    RequireLowercaseCharacters: false,
    RequireNumbers: false,
    RequireSymbols: false,
    RequireUppercaseCharacters: false,
  });
});

test('UpdateAccountPasswordPolicy replaces the whole policy: omitted fields revert to their defaults', async () => {
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      AllowUsersToChangePassword: true,
      HardExpiry: true,
      MaxPasswordAge: 60,
      MinimumPasswordLength: 10,
      PasswordReusePrevention: 3,
      RequireLowercaseCharacters: true,
      RequireNumbers: true,
      RequireSymbols: true,
      RequireUppercaseCharacters: true,
    }),
  );
  const full = await iam.send(new GetAccountPasswordPolicyCommand({}));
  assert.deepEqual(full.PasswordPolicy, {
    AllowUsersToChangePassword: true,
    ExpirePasswords: true,
    HardExpiry: true,
    MaxPasswordAge: 60,
    MinimumPasswordLength: 10,
    PasswordReusePrevention: 3,
    RequireLowercaseCharacters: true,
    RequireNumbers: true,
    RequireSymbols: true,
    RequireUppercaseCharacters: true,
  });
  // Only one field given: everything else goes back to its default, it is not merged.
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12 }));
  const replaced = await iam.send(new GetAccountPasswordPolicyCommand({}));
  assert.deepEqual(replaced.PasswordPolicy, {
    AllowUsersToChangePassword: false,
    ExpirePasswords: false,
    MinimumPasswordLength: 12,
    RequireLowercaseCharacters: false,
    RequireNumbers: false,
    RequireSymbols: false,
    RequireUppercaseCharacters: false,
  });
});

test('out-of-range policy values are ValidationErrors naming each member, as AWS answers', async () => {
  const error = await awsError(
    iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MaxPasswordAge: 1096,
        MinimumPasswordLength: 129,
        PasswordReusePrevention: 25,
      }),
    ),
  );
  // AWS lists all three, in the order recorded from AWS (not the model's: codec/validate.ts).
  assert.equal(error.code, 'ValidationError');
  assert.equal(error.status, 400);
  assert.equal(
    error.message,
    '3 validation errors detected: ' +
      [
        "Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128",
        "Value at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24",
        "Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095",
      ].join('; '),
  );
});

test('the custom policy is enforced on every password set', async () => {
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 10,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
    }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'strict' }));
  for (const bad of ['Sh0rt!aA', 'nouppercase1!', 'NOLOWERCASE1!', 'NoDigitsHere!', 'NoSymbols123']) {
    assert.deepEqual(
      await awsError(iam.send(new CreateLoginProfileCommand({ UserName: 'strict', Password: bad }))),
      VIOLATION,
      bad,
    );
  }
  await iam.send(new CreateLoginProfileCommand({ UserName: 'strict', Password: 'Good-Pass-123' }));
  assert.deepEqual(
    await awsError(iam.send(new UpdateLoginProfileCommand({ UserName: 'strict', Password: 'short1!A' }))),
    VIOLATION,
  );
  // A weaker policy lets the same password through: the policy in force decides.
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 6 }));
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'strict', Password: 'short1!A' }));
});

test('ChangePassword: the user changes its own password with AllowUsersToChangePassword', async () => {
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({ AllowUsersToChangePassword: true, MinimumPasswordLength: 8 }),
  );
  const creds = await userWithKey('changer');
  await iam.send(
    new CreateLoginProfileCommand({
      UserName: 'changer',
      Password: 'First-Pass-1',
      PasswordResetRequired: true,
    }),
  );
  const asUser = server.iam(creds);
  const wrongOld = await awsError(
    asUser.send(new ChangePasswordCommand({ OldPassword: 'not-it-at-all', NewPassword: 'Second-Pass-2' })),
  );
  // Not confirmed against AWS: code and text are ours (no recorded response found; the IAM API
  // reference's ChangePassword errors name none for a wrong OldPassword).
  assert.deepEqual(wrongOld, {
    code: 'AccessDenied',
    message: 'The old password is incorrect.',
    status: 403,
  });
  const tooShort = await awsError(
    asUser.send(new ChangePasswordCommand({ OldPassword: 'First-Pass-1', NewPassword: 'x' })),
  );
  assert.deepEqual(tooShort, VIOLATION);
  await asUser.send(new ChangePasswordCommand({ OldPassword: 'First-Pass-1', NewPassword: 'Second-Pass-2' }));
  // The change clears the reset flag.
  const profile = await iam.send(new GetLoginProfileCommand({ UserName: 'changer' }));
  assert.equal(profile.LoginProfile?.PasswordResetRequired, false);
  // The old password is no longer the current one.
  const stale = await awsError(
    asUser.send(new ChangePasswordCommand({ OldPassword: 'First-Pass-1', NewPassword: 'Third-Pass-3' })),
  );
  assert.equal(stale.code, 'AccessDenied');
  // AllowUsersToChangePassword also grants reading the policy.
  const policy = await asUser.send(new GetAccountPasswordPolicyCommand({}));
  assert.equal(policy.PasswordPolicy?.AllowUsersToChangePassword, true);
});

test('PasswordReusePrevention refuses the remembered passwords', async () => {
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({ AllowUsersToChangePassword: true, PasswordReusePrevention: 2 }),
  );
  const creds = await userWithKey('reuser');
  await iam.send(new CreateLoginProfileCommand({ UserName: 'reuser', Password: 'Pass-Number-1' }));
  const asUser = server.iam(creds);
  await asUser.send(
    new ChangePasswordCommand({ OldPassword: 'Pass-Number-1', NewPassword: 'Pass-Number-2' }),
  );
  assert.deepEqual(
    await awsError(
      asUser.send(new ChangePasswordCommand({ OldPassword: 'Pass-Number-2', NewPassword: 'Pass-Number-1' })),
    ),
    VIOLATION,
  );
  assert.deepEqual(
    await awsError(
      asUser.send(new ChangePasswordCommand({ OldPassword: 'Pass-Number-2', NewPassword: 'Pass-Number-2' })),
    ),
    VIOLATION,
  );
  assert.deepEqual(
    await awsError(
      iam.send(new UpdateLoginProfileCommand({ UserName: 'reuser', Password: 'Pass-Number-1' })),
    ),
    VIOLATION,
  );
  await asUser.send(
    new ChangePasswordCommand({ OldPassword: 'Pass-Number-2', NewPassword: 'Pass-Number-3' }),
  );
  // Only the last two are remembered: the first one is allowed again.
  await asUser.send(
    new ChangePasswordCommand({ OldPassword: 'Pass-Number-3', NewPassword: 'Pass-Number-1' }),
  );
});

test('ChangePassword without AllowUsersToChangePassword or a policy is AccessDenied with AWS message', async () => {
  await iam.send(new UpdateAccountPasswordPolicyCommand({}));
  const error = await awsError(
    server
      .iam(await userWithKey('nochange'))
      .send(new ChangePasswordCommand({ OldPassword: 'a', NewPassword: 'b' })),
  );
  assert.deepEqual(error, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:user/nochange is not authorized to perform: iam:ChangePassword on resource: arn:aws:iam::${ROOT.accountId}:user/nochange because no identity-based policy allows the iam:ChangePassword action`,
    status: 403,
  });
  const read = await awsError(
    server.iam(await userWithKey('noread')).send(new GetAccountPasswordPolicyCommand({})),
  );
  assert.deepEqual(read, {
    code: 'AccessDenied',
    message: `User: arn:aws:iam::${ROOT.accountId}:user/noread is not authorized to perform: iam:GetAccountPasswordPolicy because no identity-based policy allows the iam:GetAccountPasswordPolicy action`,
    status: 403,
  });
});

test('ChangePassword by a user without a password is NoSuchEntity; by root, InvalidUserType', async () => {
  await iam.send(new UpdateAccountPasswordPolicyCommand({ AllowUsersToChangePassword: true }));
  const creds = await userWithKey('nopassword');
  const missing = await awsError(
    server.iam(creds).send(new ChangePasswordCommand({ OldPassword: 'a', NewPassword: 'Brand-New-1' })),
  );
  // Not confirmed against AWS for ChangePassword by a public thread: GetLoginProfile's recorded text.
  assert.deepEqual(missing, {
    code: 'NoSuchEntity',
    message: 'Login Profile for User nopassword cannot be found.',
    status: 404,
  });
  const root = await awsError(
    iam.send(new ChangePasswordCommand({ OldPassword: 'a', NewPassword: 'Brand-New-1' })),
  );
  assert.equal(root.code, 'InvalidUserType');
  assert.equal(root.status, 400);
});

test('DeleteAccountPasswordPolicy brings back the default policy', async () => {
  await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  assert.equal((await awsError(iam.send(new GetAccountPasswordPolicyCommand({})))).code, 'NoSuchEntity');
  await iam.send(new CreateUserCommand({ UserName: 'afterdelete' }));
  // 6 characters was fine under the deleted policy; the default wants 8.
  assert.deepEqual(
    await awsError(iam.send(new CreateLoginProfileCommand({ UserName: 'afterdelete', Password: 'Ab1!xy' }))),
    VIOLATION,
  );
});

test('login profiles of an unknown user are NoSuchEntity', async () => {
  const error = await awsError(
    iam.send(new CreateLoginProfileCommand({ UserName: 'ghost', Password: GOOD })),
  );
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: 'The user with name ghost cannot be found.',
    status: 404,
  });
});

test('no password appears in the server output', () => {
  for (const secret of [GOOD, 'Second-Pass-2', 'Pass-Number-1', ROOT.password]) {
    assert.equal(server.output().includes(secret), false, secret);
  }
});
