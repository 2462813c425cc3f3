// The last rules of IAM's policy grammar, seen through the AWS SDK: a repeated JSON key, a wildcard
// in an action's service prefix, null in a list and the older Version are refused with AWS's code
// and message where IAM refuses them; a 2008-10-17 trust policy is stored as written, and a
// 2008-10-17 resource policy given to the simulator reads ${...} as literal text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  PutGroupPolicyCommand,
  CreateGroupCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
const ACCOUNT = ROOT.accountId;

before(async () => {
  server = await startServer();
  iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'Existing', PolicyDocument: allowText() }));
  await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: trustText() }));
});
after(async () => {
  await server?.stop();
});

const malformed = (message: string) => ({ code: 'MalformedPolicyDocument', message, status: 400 });
const SYNTAX = malformed('Syntax errors in policy.');
const INVALID_JSON = malformed('This policy contains invalid Json');

const STATEMENT = '"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"';
function allowText(version: string | null = '2012-10-17', statement = `{${STATEMENT}}`): string {
  return version === null
    ? `{"Statement":${statement}}`
    : `{"Version":"${version}","Statement":${statement}}`;
}
const TRUST_STATEMENT =
  '"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"';
function trustText(version = '2012-10-17', statement = `{${TRUST_STATEMENT}}`): string {
  return `{"Version":"${version}","Statement":${statement}}`;
}

test('a key repeated in a statement or in the document is refused: "Syntax errors in policy."', async () => {
  // JSON.parse would read the second Effect only, an Allow; IAM does not read the document at all.
  const effectTwice = allowText('2012-10-17', `{"Effect":"Deny",${STATEMENT}}`);
  assert.deepEqual(
    await awsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Twice', PolicyDocument: effectTwice }))),
    SYNTAX,
  );
  const statementTwice = `{"Version":"2012-10-17","Statement":{${STATEMENT}},"Statement":{${STATEMENT}}}`;
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: statementTwice }),
      ),
    ),
    SYNTAX,
  );
  const conditionKeyTwice = allowText(
    '2012-10-17',
    `{${STATEMENT},"Condition":{"StringEquals":{"aws:username":"alice","aws:username":"bob"}}}`,
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/Existing`,
          PolicyDocument: conditionKeyTwice,
        }),
      ),
    ),
    SYNTAX,
  );
});

test('a key repeated in a trust policy is refused: "This policy contains invalid Json"', async () => {
  const principalTwice = trustText(
    '2012-10-17',
    '{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}',
  );
  assert.deepEqual(
    await awsError(
      iam.send(new CreateRoleCommand({ RoleName: 'twice', AssumeRolePolicyDocument: principalTwice })),
    ),
    INVALID_JSON,
  );
  assert.deepEqual(
    await awsError(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'worker', PolicyDocument: principalTwice })),
    ),
    INVALID_JSON,
  );
});

test('a wildcard in an action\'s service prefix is refused: "Vendor <prefix> is not valid"', async () => {
  const statement = (element: string, action: string) =>
    allowText('2012-10-17', `{"Effect":"Allow","${element}":"${action}","Resource":"*"}`);
  assert.deepEqual(
    await awsError(
      iam.send(
        new CreatePolicyCommand({ PolicyName: 'Star', PolicyDocument: statement('Action', 's3*:GetObject') }),
      ),
    ),
    malformed('Vendor s3* is not valid'),
  );
  assert.deepEqual(
    await awsError(
      iam.send(
        new PutGroupPolicyCommand({
          GroupName: 'devs',
          PolicyName: 'p',
          PolicyDocument: statement('NotAction', 's?:Get*'),
        }),
      ),
    ),
    malformed('Vendor s? is not valid'),
  );
  // A bare "*" prefix and wildcards in the action name are fine.
  await iam.send(
    new CreatePolicyCommand({ PolicyName: 'StarStar', PolicyDocument: statement('Action', '*:Get*') }),
  );
});

test('null inside a list is refused: "Syntax errors in policy."', async () => {
  const withNull = allowText(
    '2012-10-17',
    '{"Effect":"Allow","Action":["s3:GetObject",null],"Resource":"*"}',
  );
  assert.deepEqual(
    await awsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Null', PolicyDocument: withNull }))),
    SYNTAX,
  );
});

test('an identity policy of Version 2008-10-17, or without Version, is refused', async () => {
  const version = malformed('Policy document must be version 2012-10-17 or greater.');
  for (const text of [allowText('2008-10-17'), allowText(null)]) {
    assert.deepEqual(
      await awsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Old', PolicyDocument: text }))),
      version,
    );
    assert.deepEqual(
      await awsError(
        iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'old', PolicyDocument: text })),
      ),
      version,
    );
  }
});

test('a trust policy of Version 2008-10-17 is accepted and kept as written', async () => {
  const old = trustText('2008-10-17');
  await iam.send(new CreateRoleCommand({ RoleName: 'legacy', AssumeRolePolicyDocument: old }));
  const role = (await iam.send(new GetRoleCommand({ RoleName: 'legacy' }))).Role!;
  assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), old);
});

test('the simulator reads ${...} in a 2008-10-17 resource policy as literal text', async () => {
  const resourcePolicy = (version: string) =>
    JSON.stringify({
      Version: version,
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::home/${aws:username}/*',
      },
    });
  const nothing = JSON.stringify({
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' },
  });
  const decision = async (version: string, object: string) => {
    const out = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [nothing],
        ActionNames: ['s3:GetObject'],
        ResourceArns: [`arn:aws:s3:::home/${object}`],
        ResourcePolicy: resourcePolicy(version),
        ResourceOwner: `arn:aws:iam::${ACCOUNT}:root`,
        CallerArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        ContextEntries: [
          { ContextKeyName: 'aws:username', ContextKeyValues: ['alice'], ContextKeyType: 'string' },
        ],
      }),
    );
    return out.EvaluationResults![0]!.EvalDecision;
  };
  assert.equal(await decision('2008-10-17', 'alice/notes.txt'), 'implicitDeny');
  assert.equal(await decision('2008-10-17', '${aws:username}/notes.txt'), 'allowed');
  assert.equal(await decision('2012-10-17', 'alice/notes.txt'), 'allowed');
  assert.equal(await decision('2012-10-17', '${aws:username}/notes.txt'), 'implicitDeny');
});

test('the simulator needs a set operator for a multivalued context entry', async () => {
  const tagging = (operator: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 'iam:TagUser',
        Resource: '*',
        Condition: { [operator]: { 'aws:TagKeys': 'team' } },
      },
    });
  const decision = async (operator: string) =>
    (
      await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [tagging(operator)],
          ActionNames: ['iam:TagUser'],
          ContextEntries: [
            { ContextKeyName: 'aws:TagKeys', ContextKeyValues: ['team'], ContextKeyType: 'stringList' },
          ],
        }),
      )
    ).EvaluationResults![0]!.EvalDecision;
  assert.equal(await decision('StringEquals'), 'implicitDeny');
  assert.equal(await decision('ForAnyValue:StringEquals'), 'allowed');
});
