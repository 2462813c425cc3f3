// MFA recovery codes in the console (issue 14), over plain HTTP: off by default (no codes, nothing
// new on any page); on, enabling MFA shows ten codes once, a code signs in instead of the device
// once, the administrator sees that one was used, regenerating invalidates the old ones, and
// removing the last MFA device removes them. The audit trail records the use, never a code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { totpCode } from '../../../src/crypto/totp.ts';
import { ROOT, startServer, type Server } from '../harness.ts';
import { ConsoleClient, signIn, signInRoot, visibleText, type Page } from './client.ts';

const ACCOUNT = ROOT.accountId;
const PASSWORD = 'Recovery-Codes-Pass-1!';
const BASE = '/console/security-credentials';
let server: Server;

const ownCredentials = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'iam:GetUser',
        'iam:ListMFADevices',
        'iam:EnableMFADevice',
        'iam:DeactivateMFADevice',
        'iam:ListAccessKeys',
        'portcullis:GenerateRecoveryCodes',
        'portcullis:GetRecoveryCodeStatus',
      ],
      Resource: 'arn:aws:iam::*:user/${aws:username}',
    },
    {
      Effect: 'Allow',
      Action: ['iam:CreateVirtualMFADevice', 'iam:DeleteVirtualMFADevice'],
      Resource: 'arn:aws:iam::*:mfa/${aws:username}',
    },
  ],
});

before(async () => {
  server = await startServer();
  const iam = server.iam();
  for (const name of ['off', 'kim', 'lee', 'max']) {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'own', PolicyDocument: ownCredentials }),
    );
  }
});
after(async () => {
  await server?.stop();
});

async function setRecoveryCodes(on: boolean): Promise<void> {
  const root = new ConsoleClient(server.url);
  await signInRoot(root, ROOT.email, ROOT.password);
  await root.get('/console/admin/account-settings');
  const saved = await root.post(
    '/console/admin/account-settings/mfa-options',
    on ? { RecoveryCodes: 'true' } : {},
  );
  assert.equal(saved.status, 303);
}

/** Assigns a virtual MFA device in the console; answers the seed and the enable POST's answer. */
async function enrol(client: ConsoleClient, name: string): Promise<{ seed: string; enabled: Page }> {
  await client.get(BASE);
  await client.post(`${BASE}/mfa/create`, { 'device-name': name });
  const assign = await client.get(`${BASE}/mfa/assign`);
  const seed = /id="secret-key">([A-Z2-7]+)</.exec(assign.text)![1]!;
  const now = server.now();
  const enabled = await client.post(`${BASE}/mfa/enable`, {
    code1: totpCode(seed, now - 30_000),
    code2: totpCode(seed, now),
  });
  return { seed, enabled };
}

function codesOn(page: Page): string[] {
  return [...page.text.matchAll(/<li><code>([A-Z2-9]{5}-[A-Z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** Signs in with the password; answers the client at the MFA step and that page. */
async function toMfaStep(userName: string): Promise<{ client: ConsoleClient; page: Page }> {
  const client = new ConsoleClient(server.url);
  await client.get('/console');
  const posted = await client.post('/console/signin', {
    kind: 'iam',
    account: ACCOUNT,
    username: userName,
    password: PASSWORD,
  });
  assert.equal(posted.location, '/console/mfa');
  return { client, page: await client.get('/console/mfa') };
}

async function events(name: string): Promise<Event[]> {
  const trail = server.cloudTrail();
  for (let i = 0; i < 100; i++) {
    const found = await trail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }] }),
    );
    if ((found.Events ?? []).length > 0) return found.Events!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

test('with the option off, enabling MFA shows no codes and the MFA step offers none', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'off', PASSWORD);
  const { enabled } = await enrol(client, 'off');
  assert.equal(enabled.location, `${BASE}?notice=mfa-assigned`);
  const page = await client.get(BASE);
  assert.doesNotMatch(page.text, /recovery code/i);
  assert.equal((await client.get(`${BASE}/recovery-codes`)).location, BASE);
  const { page: step } = await toMfaStep('off');
  assert.doesNotMatch(step.text, /recovery code/i);
  // Typed anyway, a recovery code is a wrong MFA code.
  const { client: guesser } = await toMfaStep('off');
  const refused = await guesser.post('/console/mfa', { 'recovery-code': 'ABCDE-FGHJK' });
  assert.equal(refused.status, 401);
});

test('on: ten codes shown once, one signs in once, the administrator sees it, regenerating replaces them', async () => {
  await setRecoveryCodes(true);
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'kim', PASSWORD);
  const { seed, enabled } = await enrol(client, 'kim');
  assert.equal(enabled.location, `${BASE}/recovery-codes`);
  const shown = await client.get(enabled.location!);
  assert.equal(shown.status, 200);
  const codes = codesOn(shown);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  assert.match(visibleText(shown.text), /Save your recovery codes\. This is the only time they are shown\./);

  // A reload shows them no more; the credentials page says how many remain.
  const reloaded = await client.get(`${BASE}/recovery-codes`);
  assert.deepEqual(codesOn(reloaded), []);
  assert.match(visibleText(reloaded.text), /Recovery codes are shown only once/);
  assert.match(visibleText((await client.get(BASE)).text), /You have 10 unused recovery codes/);

  // Nothing at rest or in the server's log holds a code in clear.
  const stored = (await server.storedBytes()).toString('latin1');
  const logged = server.output();
  for (const code of codes) {
    for (const form of [code, code.replace('-', '')]) {
      assert.equal(stored.includes(form), false);
      assert.equal(logged.includes(form), false);
    }
  }

  // Sign in with a recovery code (typed in lower case, without the hyphen).
  const { client: again, page: step } = await toMfaStep('kim');
  assert.match(visibleText(step.text), /Use a recovery code/);
  const done = await again.post('/console/mfa', {
    'recovery-code': codes[0]!.replace('-', '').toLowerCase(),
  });
  assert.equal(done.location, '/console');
  assert.match(visibleText((await again.get('/console')).text), /Signed in with MFA Yes/);

  // The same code a second time is a wrong MFA code.
  const { client: replay } = await toMfaStep('kim');
  const refused = await replay.post('/console/mfa', { 'recovery-code': codes[0]! });
  assert.equal(refused.status, 401);
  assert.match(visibleText(refused.text), /Your authentication information is incorrect/);

  // The administrator sees that a code was used, when, and how many remain.
  const root = new ConsoleClient(server.url);
  await signInRoot(root, ROOT.email, ROOT.password);
  const tab = visibleText((await root.get('/console/admin/users/kim?tab=security-credentials')).text);
  assert.match(tab, /A recovery code was used to sign in on \d{4}-\d\d-\d\dT[\d:]+Z\./);
  assert.match(tab, /9 unused recovery codes/);
  const use = (await events('UseRecoveryCode'))[0];
  assert.ok(use, 'the use is in the audit trail');
  assert.equal(use.EventSource, 'portcullis.local');
  assert.equal(use.Username, 'kim');
  const event = JSON.parse(use.CloudTrailEvent!) as Record<string, unknown>;
  assert.deepEqual(event.additionalEventData, { RemainingRecoveryCodes: 9 });
  const generated = (await events('GenerateRecoveryCodes'))[0]!;
  for (const code of codes) assert.equal(generated.CloudTrailEvent!.includes(code), false);

  // Regenerate (confirmed by the danger form's button): new codes, the old ones refused.
  await client.get(BASE);
  const regenerated = await client.post(`${BASE}/recovery-codes/generate`, {});
  assert.equal(regenerated.location, `${BASE}/recovery-codes`);
  const fresh = codesOn(await client.get(regenerated.location!));
  assert.equal(fresh.length, 10);
  assert.equal(
    fresh.some((c) => codes.includes(c)),
    false,
  );
  const { client: old } = await toMfaStep('kim');
  assert.equal((await old.post('/console/mfa', { 'recovery-code': codes[1]! })).status, 401);
  const { client: current } = await toMfaStep('kim');
  assert.equal((await current.post('/console/mfa', { 'recovery-code': fresh[1]! })).location, '/console');

  // The device still works as before.
  const { client: withDevice } = await toMfaStep('kim');
  await server.advanceClock(30);
  const code = totpCode(seed, server.now());
  assert.equal((await withDevice.post('/console/mfa', { code })).location, '/console');

  // Typed at sign-in or shown, no code reached the server's log.
  const log = server.output();
  for (const shownCode of [...codes, ...fresh]) assert.equal(log.includes(shownCode), false);
});

test('wrong recovery codes count as wrong MFA codes: five end the sign-in', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'lee', PASSWORD);
  const { enabled } = await enrol(client, 'lee');
  const codes = codesOn(await client.get(enabled.location!));
  assert.equal(codes.length, 10);
  const { client: guesser } = await toMfaStep('lee');
  let last: Page | undefined;
  for (let i = 0; i < 5; i++) {
    last = await guesser.post('/console/mfa', { 'recovery-code': `ABCDE-FGHJ${'KMNPQ'[i]}` });
  }
  assert.equal(last!.status, 303);
  assert.equal(last!.location, '/console?notice=mfa-restart');
  assert.equal(guesser.cookies.get('portcullis-console'), undefined);
  // The codes are untouched: once the back-off has passed, the right one still signs in.
  await server.advanceClock(60 * 60);
  const { client: owner } = await toMfaStep('lee');
  assert.equal((await owner.post('/console/mfa', { 'recovery-code': codes[9]! })).location, '/console');
});

test('removing the last MFA device removes the codes', async () => {
  const client = new ConsoleClient(server.url);
  await signIn(client, ACCOUNT, 'max', PASSWORD);
  const { enabled } = await enrol(client, 'max');
  assert.equal(codesOn(await client.get(enabled.location!)).length, 10);
  await client.get(BASE);
  const removed = await client.post(`${BASE}/mfa/remove`, { serial: `arn:aws:iam::${ACCOUNT}:mfa/max` });
  assert.equal(removed.location, `${BASE}?notice=mfa-removed`);
  assert.match(visibleText((await client.get(BASE)).text), /You have no recovery codes/);
});

// Last: the root user with MFA changes how every other test here signs in as root.
test('the root user gets codes of its own and signs in with one', async () => {
  const client = new ConsoleClient(server.url);
  await signInRoot(client, ROOT.email, ROOT.password);
  const { enabled } = await enrol(client, 'root-account-mfa-device');
  assert.equal(enabled.location, `${BASE}/recovery-codes`);
  const codes = codesOn(await client.get(enabled.location!));
  assert.equal(codes.length, 10);

  const again = new ConsoleClient(server.url);
  await again.get('/console/root-signin');
  const posted = await again.post('/console/signin', {
    kind: 'root',
    email: ROOT.email,
    password: ROOT.password,
  });
  assert.equal(posted.location, '/console/mfa');
  assert.match(visibleText((await again.get('/console/mfa')).text), /Use a recovery code/);
  assert.equal((await again.post('/console/mfa', { 'recovery-code': codes[4]! })).location, '/console');
  assert.match(visibleText((await again.get(BASE)).text), /You have 9 unused recovery codes/);
});
