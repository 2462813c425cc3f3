// The credential report page (generate, table, CSV download) and the policy simulator page (a
// user's policies or pasted ones, with context entries), both over the API's own operations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { SELF_MANAGED_MFA_POLICY } from '../../fixtures/seed-policies.ts';
import { startServer, type Server } from '../harness.ts';
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

let server: Server;
let root: ConsoleClient;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'mfa-user' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'mfa-user',
      PolicyName: 'ForceMFA',
      PolicyDocument: SELF_MANAGED_MFA_POLICY,
    }),
  );
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test('before a report is generated the page says so; download shows the error in place', async () => {
  const page = await root.get('/console/admin/credential-report');
  assert.equal(page.status, 200);
  assert.match(
    visibleText(sectionOf(page, 'report-heading')),
    /No credential report has been generated yet\./,
  );
  const download = await root.get('/console/admin/credential-report/download');
  assert.match(download.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(errorText(download), /^ReportNotPresent/);
});

test('the credential report is generated, shown as a table and downloaded as CSV with its header row', async () => {
  const { posted, page } = await submit(
    root,
    '/console/admin/credential-report',
    '/console/admin/credential-report/generate',
    {},
  );
  assert.equal(posted.location, '/console/admin/credential-report?notice=generated');
  assert.equal(noticeText(page), 'The credential report was generated.');
  const report = sectionOf(page, 'report-heading');
  assert.match(report, /<th scope="col">user<\/th>/);
  assert.match(report, /<th scope="col">mfa_active<\/th>/);
  assert.match(visibleText(report), /<root_account> arn:aws:iam::123456789012:root/);
  assert.match(visibleText(report), /mfa-user arn:aws:iam::123456789012:user\/mfa-user/);

  const csv = await root.get('/console/admin/credential-report/download');
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(
    csv.headers.get('content-disposition') ?? '',
    /^attachment; filename="status_reports_[\dTZ]+\.csv"$/,
  );
  const [header, ...rows] = csv.text.trim().split('\n');
  assert.equal(
    header,
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
  );
  assert.ok(rows.some((row) => row.startsWith('mfa-user,arn:aws:iam::123456789012:user/mfa-user,')));
});

test("the simulator shows explicitDeny for seed 002's policy without MFA, with the denying statement", async () => {
  const userArn = 'arn:aws:iam::123456789012:user/mfa-user';
  const { posted } = await submit(root, '/console/admin/simulator', '/console/admin/simulator/run', {
    mode: 'principal',
    'user-arn': userArn,
    actions: 'iam:ListUsers\niam:ChangePassword',
    resources: userArn,
  });
  assert.equal(posted.status, 200);
  const results = sectionOf(posted, 'results-heading');
  const rows = [...results.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => visibleText(m[1]!));
  const listUsers = rows.find((r) => r.startsWith('iam:ListUsers'));
  assert.ok(listUsers, rows.join('\n'));
  assert.match(listUsers, /^iam:ListUsers arn:aws:iam::123456789012:user\/mfa-user explicitDeny /);
  assert.match(
    listUsers,
    /user_mfa-user_ForceMFA \(IAM Policy\), line \d+ column \d+ to line \d+ column \d+/,
  );
  assert.match(listUsers, /aws:MultiFactorAuthPresent/);
  const changePassword = rows.find((r) => r.startsWith('iam:ChangePassword'));
  assert.match(
    changePassword ?? '',
    /^iam:ChangePassword arn:aws:iam::123456789012:user\/mfa-user allowed user_mfa-user_ForceMFA \(IAM Policy\)/,
  );
  // The form keeps what was asked.
  assert.match(
    posted.text,
    /<textarea[^>]*id="actions"[\s\S]*?>\s*iam:ListUsers\niam:ChangePassword<\/textarea>/,
  );
});

test('pasted policies are simulated with context entries: MFA present turns the deny off', async () => {
  const run = (mfa: string) =>
    submit(root, '/console/admin/simulator', '/console/admin/simulator/run', {
      mode: 'custom',
      'policy-1': SELF_MANAGED_MFA_POLICY,
      'policy-2': JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
      }),
      actions: 'iam:ListUsers',
      resources: 'arn:aws:iam::123456789012:user/',
      'context-key-1': 'aws:MultiFactorAuthPresent',
      'context-type-1': 'boolean',
      'context-values-1': mfa,
    });
  const without = await run('false');
  const withoutRow = visibleText(sectionOf(without.posted, 'results-heading'));
  assert.match(
    withoutRow,
    /iam:ListUsers arn:aws:iam::123456789012:user\/ explicitDeny PolicyInputList\.1 \(IAM Policy\)/,
  );
  const withMfa = await run('true');
  const withRow = visibleText(sectionOf(withMfa.posted, 'results-heading'));
  assert.match(
    withRow,
    /iam:ListUsers arn:aws:iam::123456789012:user\/ allowed PolicyInputList\.2 \(IAM Policy\)/,
  );
});

test("the simulator shows the engine's error for a bad pasted policy, escaped", async () => {
  const { posted } = await submit(root, '/console/admin/simulator', '/console/admin/simulator/run', {
    mode: 'custom',
    'policy-1':
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get","Resource":"<i>x</i>"}]}',
    actions: 'iam:ListUsers',
  });
  assert.equal(posted.status, 400);
  assert.match(errorText(posted), /^MalformedPolicyDocument: /);
  assert.doesNotMatch(posted.text, /<i>x<\/i>"/);
});

test("a user who may not simulate sees AWS's AccessDenied message in place", async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'curious' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'curious', Password: 'Curious-Pass-123!' }));
  const client = await userClient(server, 'curious', 'Curious-Pass-123!');
  const page = await client.get('/console/admin/simulator');
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), /not authorized to perform: iam:ListUsers/);
  const run = await submit(client, '/console/admin/simulator', '/console/admin/simulator/run', {
    mode: 'custom',
    'policy-1': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    actions: 's3:GetObject',
  });
  assert.equal(run.posted.status, 403);
  assert.match(
    errorText(run.posted),
    /User: arn:aws:iam::123456789012:user\/curious is not authorized to perform: iam:SimulateCustomPolicy because no identity-based policy allows the iam:SimulateCustomPolicy action/,
  );
  const report = await client.get('/console/admin/credential-report');
  assert.match(visibleText(report.text), /not authorized to perform: iam:GetCredentialReport/);
  const csv = await client.get('/console/admin/credential-report/download');
  assert.doesNotMatch(csv.text, /mfa-user/);
});
