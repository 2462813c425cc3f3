import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainDecision, type ExplainQuestion } from './explain.ts';
import { readAuthorizationDetails } from './snapshot.ts';

const ACCOUNT = '111122223333';
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

// As the AWS API answers it (documents URL-encoded), not as the CLI writes it: both are read.
const details = readAuthorizationDetails({
  UserDetailList: [
    {
      UserName: 'carol',
      UserId: 'AIDACAROL',
      Arn: `arn:aws:iam::${ACCOUNT}:user/carol`,
      GroupList: ['ops'],
      AttachedManagedPolicies: [],
      Tags: [{ Key: 'team', Value: 'ops' }],
    },
  ],
  GroupDetailList: [
    {
      GroupName: 'ops',
      GroupId: 'AGPAOPS',
      Arn: `arn:aws:iam::${ACCOUNT}:group/ops`,
      GroupPolicyList: [
        {
          PolicyName: 'own-team',
          PolicyDocument: encodeURIComponent(
            JSON.stringify(
              doc({
                Effect: 'Allow',
                Action: 'ec2:StartInstances',
                Resource: '*',
                Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
              }),
            ),
          ),
        },
      ],
      AttachedManagedPolicies: [],
    },
  ],
  RoleDetailList: [
    {
      RoleName: 'reader',
      RoleId: 'AROAREADER',
      Arn: `arn:aws:iam::${ACCOUNT}:role/team/reader`,
      AssumeRolePolicyDocument: doc({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'sts:AssumeRole',
      }),
      RolePolicyList: [],
      AttachedManagedPolicies: [{ PolicyName: 'ReadOnly', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnly' }],
    },
  ],
  Policies: [],
});

const ask = (question: Partial<ExplainQuestion>) =>
  explainDecision(details, {
    principalArn: `arn:aws:iam::${ACCOUNT}:user/carol`,
    action: 'ec2:StartInstances',
    resource: '*',
    context: {},
    ...question,
  });

test("a group's inline policy applies to its members, with the principal's tags as aws:PrincipalTag keys", () => {
  const allowed = ask({ context: { 'aws:ResourceTag/team': 'ops' } });
  assert.equal(allowed.trace.result.decision, 'allowed');
  assert.equal(allowed.context['aws:PrincipalTag/team'], 'ops');
  assert.equal(allowed.context['aws:username'], 'carol');
  assert.deepEqual(
    allowed.trace.result.decidingStatements.map((s) => s.policyId),
    ['group ops: inline policy own-team'],
  );
  const other = ask({ context: { 'aws:ResourceTag/team': 'dev' } });
  assert.equal(other.trace.result.decision, 'implicitDeny');
});

test('a context key given replaces the one the principal brings', () => {
  const e = ask({ context: { 'aws:PrincipalTag/team': 'dev', 'aws:ResourceTag/team': 'ops' } });
  assert.equal(e.trace.result.decision, 'implicitDeny');
});

test("a session is found by its role's name whatever the role's path; a managed policy missing from the export is an input error", () => {
  const arn = `arn:aws:sts::${ACCOUNT}:assumed-role/reader/me`;
  assert.throws(
    () => ask({ principalArn: arn }),
    /the managed policy arn:aws:iam::aws:policy\/ReadOnly is not in the authorization details/,
  );
});

test('sts:AssumeRole on a role of the account evaluates its trust policy', () => {
  const e = ask({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/team/reader` });
  assert.deepEqual(
    e.trace.sets.map((s) => s.type),
    ['role trust', 'identity-based'],
  );
  // The trust policy names the account: it delegates to carol's identity policies, which do not allow.
  assert.equal(e.trace.result.decision, 'implicitDeny');
  assert.equal(e.trace.result.deniedBy, 'identity-based');
});

test('an unknown principal is an input error that says what to give', () => {
  assert.throws(
    () => ask({ principalArn: `arn:aws:iam::${ACCOUNT}:user/nobody` }),
    /no user or role arn:aws:iam::111122223333:user\/nobody .*give a user, role or assumed-role session ARN/,
  );
});
