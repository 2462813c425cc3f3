import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SELF_MANAGED_MFA_POLICY, selfManagedMfaPolicy } from '../../test/fixtures/seed-policies.ts';
import type { Finding } from './findings.ts';
import type { PolicyType } from './policy-file.ts';
import { failsAt, lint } from './report.ts';

const fixtures = resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'lint');
const subject = { accountId: '111122223333', userName: 'alice' };

function lintFiles(names: string[], policyType: PolicyType = 'IDENTITY_POLICY') {
  return lint({
    files: names.map((name) => ({ file: name, text: readFileSync(join(fixtures, name), 'utf8') })),
    policyType,
    subject,
  });
}

function lintText(text: string, policyType: PolicyType = 'IDENTITY_POLICY') {
  return lint({ files: [{ file: 'policy.json', text }], policyType, subject });
}

const brief = (f: Finding) => [
  f.findingType,
  f.issueCode,
  f.statementIndex,
  `${f.location.line}:${f.location.column}`,
];

test("AWS's self-manage-MFA example locks a forced-reset user out at the password change, by its Deny", () => {
  const { findings } = lintFiles(['aws-self-manage-mfa.json']);
  const denied = findings.filter((f) => f.issueCode === 'MFA_LOCKOUT' || f.issueCode === 'MFA_STEP_DENIED');
  // The password change is the lock-out; the password rules and the user's own record, also denied,
  // only make the way harder.
  assert.deepEqual(
    denied.map((f) => [f.findingType, f.issueCode, f.details.match(/: (iam:\w+) on /)![1]]),
    [
      ['ERROR', 'MFA_LOCKOUT', 'iam:ChangePassword'],
      ['WARNING', 'MFA_STEP_DENIED', 'iam:GetAccountPasswordPolicy'],
      ['WARNING', 'MFA_STEP_DENIED', 'iam:GetUser'],
    ],
  );
  for (const f of denied) {
    assert.equal(f.sid, 'BlockMostAccessUnlessSignedInWithMFA');
    assert.deepEqual(f.location, { line: 47, column: 9 }); // the statement's "{"
  }
  const changePassword = denied[0]!;
  assert.match(changePassword.details, /arn:aws:iam::111122223333:user\/alice is explicitly denied/);
  assert.match(changePassword.details, /console sign-in without MFA, long-term access keys/);
  assert.match(changePassword.steps!.at(-1)!, /^2\. iam:ChangePassword .* BLOCKED$/);
  assert.ok(failsAt(findings, 'ERROR'));
});

test('the corrected example (iam:ChangePassword, iam:GetAccountPasswordPolicy, iam:GetUser exempted and allowed) passes', () => {
  assert.deepEqual(lintFiles(['aws-self-manage-mfa-corrected.json']).findings, []);
});

test("the seeds' policy passes: no step users need is denied; the password rules before MFA and free device names are warned of", () => {
  const { findings } = lintText(SELF_MANAGED_MFA_POLICY);
  assert.ok(!failsAt(findings, 'ERROR'));
  assert.deepEqual(
    findings.map((f) => [
      f.issueCode,
      f.sid ?? null,
      f.details.match(/iam:\w+(?: on [^\s.]+(?:\.[^\s.]+)*)?/)![0],
    ]),
    [
      [
        'MFA_LOCKOUT_NOT_ALLOWED',
        null,
        'iam:CreateVirtualMFADevice on arn:aws:iam::111122223333:mfa/my-authenticator-app',
      ],
      ['MFA_STEP_DENIED', 'DenyAllExceptListedIfNoMFA', 'iam:GetAccountPasswordPolicy on *'],
      // Its NotAction lists iam:GetUser twice.
      ['REDUNDANT_ACTION', 'DenyAllExceptListedIfNoMFA', 'iam:GetUser'],
    ],
  );
  // With the password policy exempted, any device name allowed and iam:GetUser listed once, it passes.
  const fixed = {
    ...selfManagedMfaPolicy,
    Statement: selfManagedMfaPolicy.Statement.map((s) =>
      s.Sid === 'DenyAllExceptListedIfNoMFA'
        ? { ...s, NotAction: [...new Set([...(s.NotAction as string[]), 'iam:GetAccountPasswordPolicy'])] }
        : s.Sid === 'AllowManageOwnVirtualMFADevice'
          ? { ...s, Resource: 'arn:aws:iam::*:mfa/*' }
          : s,
    ),
  };
  assert.deepEqual(lintText(JSON.stringify(fixed)).findings, []);
});

test('Bool instead of BoolIfExists: the Deny does not apply to access keys, and what they can still do is listed', () => {
  const { findings } = lintFiles(['mfa-bool-not-ifexists.json']);
  assert.deepEqual(findings.map(brief), [
    ['SECURITY_WARNING', 'MFA_BYPASS', 2, '21:9'],
    ['SECURITY_WARNING', 'MFA_BOOL_WITHOUT_IF_EXISTS', 7, '73:9'],
  ]);
  assert.match(findings[0]!.details, /Without MFA \(long-term access keys\), iam:CreateAccessKey/);
  assert.match(findings[1]!.details, /among it iam:CreateAccessKey/);
  assert.ok(!failsAt(findings, 'ERROR'));
  assert.ok(failsAt(findings, 'SECURITY_WARNING'));
});

test('a NotAction "iam:*" exemption lets every escalation through without MFA, each path written out', () => {
  const { findings } = lintFiles(['mfa-notaction-iam-escape.json']);
  const bypasses = findings.filter((f) => f.issueCode === 'MFA_BYPASS');
  assert.deepEqual(
    bypasses.map((f) => f.details.match(/\), (iam:\w+) on /)![1]),
    [
      'iam:CreateAccessKey',
      'iam:AttachUserPolicy',
      'iam:PutUserPolicy',
      'iam:CreateLoginProfile',
      'iam:UpdateAssumeRolePolicy',
      'iam:PassRole',
    ],
  );
  for (const f of bypasses) {
    assert.equal(f.sid, 'DenyAllButIamWithoutMFA');
    assert.match(f.details, /exempts it through NotAction "iam:\*"/);
    assert.match(f.steps![0]!, /^1\. /);
  }
  assert.match(bypasses[4]!.steps!.join('\n'), /sts:AssumeRole/);
});

test('an MFA Deny that exempts nothing dangerous has no bypass', () => {
  const text = readFileSync(join(fixtures, 'mfa-notaction-iam-escape.json'), 'utf8').replace(
    '"iam:*"',
    '"iam:ListMFADevices"',
  );
  assert.deepEqual(
    lintText(text).findings.filter(
      (f) => f.issueCode === 'MFA_BYPASS' || f.issueCode === 'MFA_BOOL_WITHOUT_IF_EXISTS',
    ),
    [],
  );
});

test('security warnings and suggestions carry Access Analyzer issue codes and their statement', () => {
  const { findings } = lintFiles(['warnings.json']);
  assert.deepEqual(findings.map(brief), [
    ['SECURITY_WARNING', 'PASS_ROLE_WITH_STAR_IN_RESOURCE', 0, '4:9'],
    ['SECURITY_WARNING', 'ALLOW_WITH_NOT_ACTION', 3, '28:9'],
    ['SUGGESTION', 'REDUNDANT_ACTION', 1, '13:9'],
    ['SUGGESTION', 'REDUNDANT_STATEMENT', 2, '22:9'],
  ]);
  assert.match(findings[2]!.details, /The s3:GetObject action is redundant because the s3:Get\* action/);
});

test("a document IAM refuses is one ERROR with AWS's message, at the statement IAM refuses", () => {
  const { findings } = lintFiles(['malformed.json']);
  assert.deepEqual(findings.map(brief), [['ERROR', 'MALFORMED_POLICY_DOCUMENT', 1, '9:9']]);
  assert.equal(findings[0]!.details, 'MalformedPolicyDocument: Policy statement must contain resources.');
  // A fault of the document itself (an unknown Version) points at the document.
  const version = lintText(
    '{"Version":"2000-01-01","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
  );
  assert.deepEqual(version.findings.map(brief), [['ERROR', 'MALFORMED_POLICY_DOCUMENT', undefined, '1:1']]);
  assert.match(version.findings[0]!.details, /Syntax errors in policy\./);
  assert.deepEqual(lintText('not json').findings.map(brief), [
    ['ERROR', 'MALFORMED_POLICY_DOCUMENT', undefined, '1:1'],
  ]);
});

test('resource policies and SCPs are validated as such; the MFA checks are for identity policies', () => {
  const identity = readFileSync(join(fixtures, 'aws-self-manage-mfa.json'), 'utf8');
  const asResource = lintText(identity, 'RESOURCE_POLICY').findings;
  assert.deepEqual(asResource.map(brief).slice(0, 1), [['ERROR', 'MALFORMED_POLICY_DOCUMENT', 0, '4:9']]);
  assert.deepEqual(
    lintText(identity, 'SERVICE_CONTROL_POLICY').findings.map((f) => f.issueCode),
    [],
  );
  // An RCP names Principal "*" in every statement: the identity policy has none (its first statement).
  assert.deepEqual(lintText(identity, 'RESOURCE_CONTROL_POLICY').findings.map(brief).slice(0, 1), [
    ['ERROR', 'MALFORMED_POLICY_DOCUMENT', 0, '4:9'],
  ]);
  const rcp = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }],
  });
  assert.deepEqual(lintText(rcp, 'RESOURCE_CONTROL_POLICY').findings.map(brief), []);
});

test('policies given together are one set: a Deny in one file blocks what another allows', () => {
  const deny = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'NoPasswordChange', Effect: 'Deny', Action: 'iam:ChangePassword', Resource: '*' }],
  });
  const result = lint({
    files: [
      {
        file: 'allow.json',
        text: readFileSync(join(fixtures, 'aws-self-manage-mfa-corrected.json'), 'utf8'),
      },
      { file: 'deny.json', text: deny },
    ],
    policyType: 'IDENTITY_POLICY',
    subject,
  });
  assert.deepEqual(
    result.findings.map((f) => [f.file, f.issueCode, f.sid]),
    [['deny.json', 'MFA_LOCKOUT', 'NoPasswordChange']],
  );
});
