// GenerateCredentialReport / GetCredentialReport as an SDK user sees them: ReportNotPresent before
// the first report, STARTED then COMPLETE, a report reused (not regenerated) within four hours,
// snapshot semantics, and authorization on "*". The four-hour expiry needs a clock the test can
// move: src/domain/iam/credential-report.test.ts covers it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

let server: Server;
let auditor: IAMClient;

before(async () => {
  server = await startServer();
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }));
  auditor = server.iam({
    accessKeyId: key.AccessKey!.AccessKeyId!,
    secretAccessKey: key.AccessKey!.SecretAccessKey!,
  });
});
after(async () => {
  await server?.stop();
});

function lines(content: Uint8Array | undefined): string[] {
  return new TextDecoder().decode(content).split('\n');
}

test('before any report, GetCredentialReport is ReportNotPresent (410) with no message', async () => {
  const error = await awsError(server.iam().send(new GetCredentialReportCommand({})));
  assert.equal(error.code, 'ReportNotPresent');
  assert.equal(error.status, 410);
  // AWS sends no <Message>; the SDK then falls back to a placeholder of its own, never our text.
  assert.doesNotMatch(error.message, /report/i);
});

// AWS leaves "on resource" out for actions authorized on "*" (no resource-level permissions).
test('a user without permission is denied both actions, even before a report exists', async () => {
  for (const action of ['GenerateCredentialReport', 'GetCredentialReport'] as const) {
    const command =
      action === 'GenerateCredentialReport'
        ? new GenerateCredentialReportCommand({})
        : new GetCredentialReportCommand({});
    const error = await awsError(auditor.send(command as GetCredentialReportCommand));
    assert.deepEqual(error, {
      code: 'AccessDenied',
      message: `User: arn:aws:iam::${ROOT.accountId}:user/auditor is not authorized to perform: iam:${action} because no identity-based policy allows the iam:${action} action`,
      status: 403,
    });
  }
});

test('Generate answers STARTED with a Description, the report is there at once, then COMPLETE', async () => {
  const iam = server.iam();
  const started = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(started.State, 'STARTED');
  assert.equal(started.Description, 'No report exists. Starting a new report generation task');

  const report = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(report.ReportFormat, 'text/csv');
  assert.ok(report.GeneratedTime instanceof Date);
  assert.ok(Math.abs(report.GeneratedTime.getTime() - Date.now()) < 60_000);
  const content = lines(report.Content);
  assert.equal(content[0], HEADER);
  assert.match(content[1]!, new RegExp(`^<root_account>,arn:aws:iam::${ROOT.accountId}:root,`));

  const complete = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(complete.State, 'COMPLETE');
  assert.equal(complete.Description, undefined);
});

test('within four hours Generate reuses the report: same GeneratedTime, later changes absent', async () => {
  const iam = server.iam();
  const first = await iam.send(new GetCredentialReportCommand({}));
  await iam.send(new CreateUserCommand({ UserName: 'created-after-the-report' }));
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await iam.send(new GenerateCredentialReportCommand({}))).State, 'COMPLETE');
  const second = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(second.GeneratedTime!.getTime(), first.GeneratedTime!.getTime());
  assert.deepEqual(lines(second.Content), lines(first.Content));
  assert.ok(!lines(second.Content).some((line) => line.startsWith('created-after-the-report,')));
});

test('a user granted both actions on "*" generates and reads the report', async () => {
  await server.iam().send(
    new PutUserPolicyCommand({
      UserName: 'auditor',
      PolicyName: 'credential-report',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Action: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
          Resource: '*',
        },
      }),
    }),
  );
  assert.equal((await auditor.send(new GenerateCredentialReportCommand({}))).State, 'COMPLETE');
  const report = await auditor.send(new GetCredentialReportCommand({}));
  assert.equal(lines(report.Content)[0], HEADER);
  // The report was generated before the auditor's call: the auditor is in it, as created then.
  assert.ok(lines(report.Content).some((line) => line.startsWith('auditor,')));
});
