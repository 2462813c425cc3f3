// `portcullis lint` run as a user runs it, in its own process, on the policy files of
// test/fixtures/lint: what it prints, in each format, and its exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { portcullis } from '../operations/cli.ts';

const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures', 'lint');
const fixture = (name: string) => join(fixtures, name);
const lint = (...args: string[]) => portcullis(['lint', ...args], { NO_COLOR: '1' });

interface JsonLint {
  readonly summary: Record<string, number>;
  readonly findings: {
    file: string;
    findingType: string;
    issueCode: string;
    findingDetails: string;
    learnMoreLink: string | null;
    statementIndex: number | null;
    sid: string | null;
    location: { line: number; column: number };
    path?: (string | number)[];
    steps?: string[];
  }[];
}

test("AWS's self-manage-MFA example fails: the forced password change is denied before MFA, with the statement's line", async () => {
  const result = await lint(fixture('aws-self-manage-mfa.json'), '--user-name', 'alice');
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.stdout,
    /^ERROR +MFA_LOCKOUT +\S*aws-self-manage-mfa\.json:47:9 statement 4 \(BlockMostAccessUnlessSignedInWithMFA\)$/m,
  );
  assert.match(
    result.stdout,
    /iam:ChangePassword on arn:aws:iam::123456789012:user\/alice is explicitly denied/,
  );
  assert.match(result.stdout, /2\. iam:ChangePassword on .* — BLOCKED/);
  assert.match(
    result.stdout,
    /^Summary: 3 findings \(1 ERROR, 0 SECURITY_WARNING, 2 WARNING, 0 SUGGESTION\)$/m,
  );
});

test('the corrected policy passes with exit status 0', async () => {
  const result = await lint(fixture('aws-self-manage-mfa-corrected.json'));
  assert.equal(result.code, 0, result.output);
  assert.match(result.stdout, /No findings\./);
});

test('--format json: Access Analyzer finding fields; --fail-on SECURITY_WARNING fails on the MFA bypass', async () => {
  const warned = await lint(fixture('mfa-notaction-iam-escape.json'), '--format', 'json');
  assert.equal(warned.code, 0, warned.output);
  const report = JSON.parse(warned.stdout) as JsonLint;
  assert.equal(report.summary.SECURITY_WARNING, 7);
  const bypass = report.findings.find((f) => f.issueCode === 'MFA_BYPASS')!;
  assert.equal(bypass.sid, 'DenyAllButIamWithoutMFA');
  assert.equal(bypass.findingType, 'SECURITY_WARNING');
  assert.ok(bypass.steps!.length >= 2);
  const failing = await lint(fixture('mfa-notaction-iam-escape.json'), '--fail-on', 'SECURITY_WARNING');
  assert.equal(failing.code, 1);
});

test('--format sarif writes each finding at its file, line and column; --output writes a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-lint-'));
  try {
    const out = join(dir, 'lint.sarif');
    const result = await lint(
      fixture('warnings.json'),
      '--format',
      'sarif',
      '--output',
      out,
      '--fail-on',
      'suggestion',
    );
    assert.equal(result.code, 1, result.output);
    assert.equal(result.stdout, '');
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: {
        results: { ruleId: string; level: string; locations: { physicalLocation: { region: object } }[] }[];
      }[];
    };
    assert.deepEqual(
      sarif.runs[0]!.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region]),
      [
        ['PASS_ROLE_WITH_STAR_IN_RESOURCE', 'error', { startLine: 4, startColumn: 9 }],
        ['ALLOW_WITH_NOT_ACTION', 'error', { startLine: 28, startColumn: 9 }],
        ['REDUNDANT_ACTION', 'note', { startLine: 13, startColumn: 9 }],
        ['REDUNDANT_STATEMENT', 'note', { startLine: 22, startColumn: 9 }],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a document IAM refuses is an ERROR with AWS's message; bad options and missing files exit 2", async () => {
  const malformed = await lint(fixture('malformed.json'), '--policy-type', 'RESOURCE_POLICY');
  assert.equal(malformed.code, 1);
  assert.match(malformed.stdout, /MALFORMED_POLICY_DOCUMENT .*malformed\.json:4:9 statement 0/);
  assert.match(malformed.stdout, /MalformedPolicyDocument: /);
  const badType = await lint(fixture('warnings.json'), '--policy-type', 'TRUST');
  assert.equal(badType.code, 2);
  assert.match(
    badType.stderr,
    /--policy-type must be one of IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY/,
  );
  const missing = await lint(fixture('no-such-policy.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*no-such-policy\.json/);
  const none = await lint();
  assert.equal(none.code, 2);
});

test("names AWS's Service Authorization Reference does not have are ERRORs, each at its place in the statement", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-lint-'));
  try {
    const file = join(dir, 'typos.json');
    writeFileSync(
      file,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjekt', 'foo:Bar'],
            Resource: '*',
            Condition: { StringEquals: { 's3:x-amz-acll': 'private', 'aws:RequestTag/team': 'blue' } },
          },
        ],
      }),
    );
    const result = await lint(file, '--format', 'json');
    assert.equal(result.code, 1, result.output);
    const report = JSON.parse(result.stdout) as JsonLint;
    assert.deepEqual(
      report.findings.map((f) => [f.issueCode, f.findingDetails, f.path]),
      [
        ['INVALID_ACTION', 'The action s3:GetObjekt does not exist.', ['Action', 1]],
        [
          'INVALID_SERVICE_IN_ACTION',
          'The service foo specified in the action does not exist.',
          ['Action', 2],
        ],
        [
          'INVALID_SERVICE_CONDITION_KEY',
          'The condition key s3:x-amz-acll does not exist in the service s3. Use a valid condition key.',
          ['Condition', 'StringEquals', 's3:x-amz-acll'],
        ],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
