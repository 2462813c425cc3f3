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
    /no user or role arn:aws:iam::111122223333:user\/nobody .*give a user, role, root, assumed-role session or federated user ARN/,
  );
});

const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
const FEDERATED = `arn:aws:sts::${ACCOUNT}:federated-user/carol-web`;
const startOnly = doc({ Effect: 'Allow', Action: 'ec2:StartInstances', Resource: '*' });
const denyEc2 = doc({ Effect: 'Deny', Action: 'ec2:*', Resource: '*' });
const allowAll = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

test("the root user needs no policy in its own account; its organization's SCPs still bind it", () => {
  const own = ask({
    principalArn: ROOT_ARN,
    action: 'iam:DeleteUser',
    resource: `arn:aws:iam::${ACCOUNT}:user/carol`,
  });
  assert.equal(own.trace.result.decision, 'allowed');
  assert.deepEqual(own.trace.result.decidingStatements, []);
  assert.equal(own.context['aws:PrincipalType'], 'Account');
  assert.equal(own.context['aws:userid'], ACCOUNT);
  const scp = ask({
    principalArn: ROOT_ARN,
    serviceControlPolicies: [
      [{ name: 'FullAWSAccess', document: allowAll }],
      [{ name: 'no-ec2', document: denyEc2 }],
    ],
  });
  assert.equal(scp.trace.result.decision, 'explicitDeny');
  assert.equal(scp.trace.result.deniedBy, 'service control');
});

test("a federated user has its IAM user's policies limited by the session policy, and nothing without one", () => {
  const federated = (question: Partial<ExplainQuestion>) =>
    ask({
      principalArn: FEDERATED,
      federationUserArn: `arn:aws:iam::${ACCOUNT}:user/carol`,
      // Carol's tags are not the session's: its session tags are given as context keys.
      context: { 'aws:ResourceTag/team': 'ops', 'aws:PrincipalTag/team': 'ops' },
      ...question,
    });
  const allowed = federated({ sessionPolicies: [startOnly] });
  assert.equal(allowed.trace.result.decision, 'allowed');
  assert.equal(allowed.context['aws:PrincipalType'], 'FederatedUser');
  assert.equal(allowed.context['aws:userid'], `${ACCOUNT}:carol-web`);
  assert.deepEqual(
    allowed.trace.sets.map((s) => s.type),
    ['identity-based', 'session'],
  );
  // Carol's group allows the call only on the session's team's instances; the session policy cannot add to it.
  assert.equal(
    federated({ sessionPolicies: [startOnly], context: {} }).trace.result.decision,
    'implicitDeny',
  );
  const none = federated({});
  assert.equal(none.trace.result.decision, 'implicitDeny');
  const narrower = federated({
    sessionPolicies: [doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' })],
  });
  assert.equal(narrower.trace.result.deniedBy, 'session');
});

test("the root user's federated users have what their session policy allows", () => {
  const e = ask({ principalArn: FEDERATED, federationUserArn: ROOT_ARN, sessionPolicies: [startOnly] });
  assert.equal(e.trace.result.decision, 'allowed');
  assert.equal(e.refused, undefined);
  assert.equal(
    ask({
      principalArn: FEDERATED,
      federationUserArn: ROOT_ARN,
      action: 's3:ListBucket',
      sessionPolicies: [startOnly],
    }).trace.result.deniedBy,
    'session',
  );
  // No IAM operation and of STS only GetCallerIdentity, whatever the policies allow.
  const allowIam = doc({ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' });
  const federatedAsks = (action: string) =>
    ask({ principalArn: FEDERATED, federationUserArn: ROOT_ARN, action, sessionPolicies: [allowIam] });
  assert.match(federatedAsks('iam:ListUsers').refused ?? '', /can call no IAM operation/);
  assert.match(federatedAsks('sts:AssumeRole').refused ?? '', /of STS only GetCallerIdentity/);
  assert.equal(federatedAsks('sts:GetCallerIdentity').refused, undefined);
});

test('a federated user without --federation-user, or with a role as it, is an input error', () => {
  assert.throws(() => ask({ principalArn: FEDERATED }), /is a federated user: give --federation-user/);
  assert.throws(
    () => ask({ principalArn: FEDERATED, federationUserArn: `arn:aws:iam::${ACCOUNT}:role/team/reader` }),
    /--federation-user must be an IAM user or the root user/,
  );
  assert.throws(
    () => ask({ principalArn: FEDERATED, federationUserArn: 'arn:aws:iam::999999999999:root' }),
    /is not of the account 111122223333/,
  );
  assert.throws(
    () => ask({ principalArn: ROOT_ARN, sessionPolicies: [startOnly] }),
    /a session policy applies to a role session .* or a federated user/,
  );
});
