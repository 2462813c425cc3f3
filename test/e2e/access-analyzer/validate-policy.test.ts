// IAM Access Analyzer's ValidatePolicy over its own REST-JSON wire, driven by the unmodified AWS
// CLI v2 (Debian's awscli, installed by .ci/run) and by a plain SigV4-signed fetch: findings shaped
// as Access Analyzer's, with their locations; a caller without access-analyzer:ValidatePolicy
// refused; an unsigned request refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { ROOT, startServer, type Credentials, type Server } from '../harness.ts';
import { signedFetch } from '../sign.ts';

const run = promisify(execFile);
// Debian's awscli package (the CLI v2; .ci/run installs it): a missing CLI fails these tests, it
// does not skip them.
const AWS = ['/usr/bin/aws', '/usr/local/bin/aws'].find((path) => existsSync(path)) ?? '/usr/bin/aws';
let server: Server;

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

interface Position {
  line: number;
  column: number;
  offset: number;
}

interface Finding {
  findingDetails: string;
  findingType: string;
  issueCode: string;
  learnMoreLink: string;
  locations: {
    path: { value?: string; index?: number }[];
    span: { start: Position; end: Position };
  }[];
}

async function aws(
  credentials: Credentials,
  ...args: string[]
): Promise<{ ok: boolean; json: { findings: Finding[]; nextToken?: string }; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS, ['--endpoint-url', server.url, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: server.dataDir,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    return { ok: true, json: JSON.parse(stdout), stderr };
  } catch (error) {
    const e = error as { stderr?: string };
    return { ok: false, json: { findings: [] }, stderr: e.stderr ?? String(error) };
  }
}

function policyFile(name: string, text: string): string {
  const path = join(server.dataDir, name);
  writeFileSync(path, text);
  return `file://${path}`;
}

const PASS_ROLE = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["iam:PassRole", "s3:GetObject", "s3:Get*"],
      "Resource": "*"
    }
  ]
}`;

test('the AWS CLI v2 validates a policy: iam:PassRole on "*" and a redundant action, each at its statement', async () => {
  const result = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    policyFile('pass-role.json', PASS_ROLE),
  );
  assert.ok(result.ok, result.stderr);
  const codes = result.json.findings.map((f) => f.issueCode).sort();
  assert.deepEqual(codes, ['PASS_ROLE_WITH_STAR_IN_RESOURCE', 'REDUNDANT_ACTION']);
  const passRole = result.json.findings.find((f) => f.issueCode === 'PASS_ROLE_WITH_STAR_IN_RESOURCE')!;
  assert.equal(passRole.findingType, 'SECURITY_WARNING');
  assert.match(passRole.learnMoreLink, /access-analyzer-reference-policy-checks/);
  // The statement's span: from its `{` (line 4, column 4, offset 45) to just after its `}`.
  const start = PASS_ROLE.indexOf('{', PASS_ROLE.indexOf('['));
  const end = PASS_ROLE.lastIndexOf('}', PASS_ROLE.lastIndexOf(']')) + 1;
  assert.deepEqual(passRole.locations, [
    {
      path: [{ value: 'Statement' }, { index: 0 }],
      span: {
        start: { line: 4, column: 4, offset: start },
        end: { line: 8, column: 5, offset: end },
      },
    },
  ]);
  const redundant = result.json.findings.find((f) => f.issueCode === 'REDUNDANT_ACTION')!;
  assert.equal(redundant.findingType, 'SUGGESTION');
  assert.match(redundant.findingDetails, /s3:GetObject action is redundant/);

  // One finding a page: the CLI's own paginator follows nextToken and gathers both.
  const paged = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    policyFile('pass-role.json', PASS_ROLE),
    '--page-size',
    '1',
  );
  assert.ok(paged.ok, paged.stderr);
  assert.equal(paged.json.findings.length, 2);
});

const TYPO = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:GetObjekt"],
      "Resource": "*",
      "Condition": { "StringEquals": { "aws:RequestTag/team": "blue", "s3:x-amz-acll": "private" } }
    }
  ]
}`;

test("the AWS CLI v2 gets INVALID_ACTION for an action the service does not have, at the action's place in the statement", async () => {
  const result = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    policyFile('typo.json', TYPO),
  );
  assert.ok(result.ok, result.stderr);
  const invalid = result.json.findings.find((f) => f.issueCode === 'INVALID_ACTION')!;
  assert.equal(invalid.findingType, 'ERROR');
  assert.equal(invalid.findingDetails, 'The action s3:GetObjekt does not exist.');
  assert.match(invalid.learnMoreLink, /#access-analyzer-reference-policy-checks-error-invalid-action$/);
  assert.deepEqual(invalid.locations[0]!.path, [
    { value: 'Statement' },
    { index: 0 },
    { value: 'Action' },
    { index: 1 },
  ]);
  // The templated global key passes; the misspelt S3 key does not.
  const key = result.json.findings.find((f) => f.issueCode === 'INVALID_SERVICE_CONDITION_KEY')!;
  assert.deepEqual(key.locations[0]!.path, [
    { value: 'Statement' },
    { index: 0 },
    { value: 'Condition' },
    { value: 'StringEquals' },
    { value: 's3:x-amz-acll' },
  ]);
  assert.deepEqual(result.json.findings.map((f) => f.issueCode).sort(), [
    'INVALID_ACTION',
    'INVALID_SERVICE_CONDITION_KEY',
  ]);
});

test('the AWS CLI v2 gets the resource checks: an ARN that fits no format of its service, an account S3 has no place for', async () => {
  const document = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction', 's3:GetObject'],
        Resource: [
          'arn:aws:lambda:us-east-1:111122223333:function:orders',
          'arn:aws:lambda:us-east-1:111122223333:funtion:orders',
          'arn:aws:s3:::reports/*',
          'arn:aws:s3::111122223333:reports/*',
        ],
      },
    ],
  });
  const result = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    policyFile('resources.json', document),
  );
  assert.ok(result.ok, result.stderr);
  assert.deepEqual(
    result.json.findings.map((f) => [f.issueCode, f.findingType, f.findingDetails, f.locations[0]?.path]),
    [
      [
        'INVALID_ARN_RESOURCE',
        'ERROR',
        'Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.',
        [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }, { index: 1 }],
      ],
      [
        'ARN_ACCOUNT_NOT_ALLOWED',
        'ERROR',
        'The service s3 does not support specifying an account ID in the resource ARN.',
        [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }, { index: 3 }],
      ],
    ],
  );
  assert.match(
    result.json.findings[0]!.learnMoreLink,
    /#access-analyzer-reference-policy-checks-error-invalid-arn-resource$/,
  );
});

test('the AWS CLI v2 gets JSON_SYNTAX_ERROR for a document that is not JSON, and an error for a refused caller', async () => {
  const broken = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    '{"Version": "2012-10-17",\n "Statement": [}',
  );
  assert.ok(broken.ok, broken.stderr);
  assert.equal(broken.json.findings.length, 1);
  const finding = broken.json.findings[0]!;
  assert.equal(finding.issueCode, 'JSON_SYNTAX_ERROR');
  assert.equal(finding.findingType, 'ERROR');
  assert.equal(finding.findingDetails, 'Fix the JSON syntax error at character 15 in line 2 with index 41.');

  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'no-analyzer' }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'no-analyzer' }));
  const denied = await aws(
    { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! },
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'IDENTITY_POLICY',
    '--policy-document',
    PASS_ROLE,
  );
  assert.equal(denied.ok, false);
  assert.match(denied.stderr, /AccessDeniedException/);
  assert.match(denied.stderr, /access-analyzer:ValidatePolicy/);

  const rcp = await aws(
    ROOT,
    'accessanalyzer',
    'validate-policy',
    '--policy-type',
    'RESOURCE_CONTROL_POLICY',
    '--policy-document',
    PASS_ROLE,
  );
  assert.equal(rcp.ok, false);
  assert.match(rcp.stderr, /ValidationException/);
});

test('a signed fetch gets the findings as Access Analyzer sends them; an unsigned one is refused', async () => {
  const url = `${server.url}/policy/validation`;
  const body = JSON.stringify({
    policyType: 'RESOURCE_POLICY',
    validatePolicyResourceType: 'AWS::IAM::AssumeRolePolicyDocument',
    policyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  const ok = await signedFetch(url, ROOT, body, {
    service: 'access-analyzer',
    contentType: 'application/json',
  });
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await ok.json(), { findings: [] });

  const bad = await signedFetch(url, ROOT, JSON.stringify({ policyType: 'IDENTITY_POLICY' }), {
    service: 'access-analyzer',
    contentType: 'application/json',
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');
  const refused = (await bad.json()) as { message: string; reason: string };
  assert.match(refused.message, /policyDocument/);
  assert.equal(refused.reason, 'fieldValidationFailed');

  const unsigned = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.ok(((await unsigned.json()) as { message: string }).message);
});

test('each call is in the audit trail as an access-analyzer.amazonaws.com event, the refused one with its error', async () => {
  // The calls above are written in batches: wait until the refused one is there too.
  const trail = server.cloudTrail();
  let records: Record<string, unknown>[] = [];
  for (let i = 0; i < 100; i++) {
    const page = await trail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ValidatePolicy' }],
      }),
    );
    records = (page.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>);
    if (records.some((r) => r.errorCode === 'MissingAuthenticationTokenException')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(records.length > 0);
  for (const r of records) assert.equal(r.eventSource, 'access-analyzer.amazonaws.com');
  assert.ok(records.some((r) => r.errorCode === 'AccessDeniedException'));
  assert.ok(records.some((r) => r.errorCode === undefined && r.readOnly === true));
});
