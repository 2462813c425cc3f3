// The account `portcullis explain`'s tests ask about, loaded through the AWS SDK as an
// administrator would. test/fixtures/explain/authorization-details.json is this account exported
// with `aws iam get-account-authorization-details` from a Portcullis server loaded by this function
// (then laid out by prettier, as every JSON file of the repository).
//
//   alice   in group developers (inline: s3:* allowed), managed policy iam-with-mfa (iam:Get*/List*
//           under Bool aws:MultiFactorAuthPresent), her own inline no-delete (Deny iam:DeleteUser),
//           and permissions boundary iam-only (iam:* and sts:* only)
//   deployer  a role alice may assume with MFA (its trust policy names her), with s3:* inline
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT } from '../harness.ts';

export const ACCOUNT = `arn:aws:iam::${ROOT.accountId}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

export async function loadExplainAccount(iam: IAMClient): Promise<void> {
  const send = iam.send.bind(iam) as (command: unknown) => Promise<unknown>;
  await send(
    new CreatePolicyCommand({
      PolicyName: 'iam-with-mfa',
      PolicyDocument: doc({
        Sid: 'ReadIamWithMfa',
        Effect: 'Allow',
        Action: ['iam:Get*', 'iam:List*'],
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    }),
  );
  await send(
    new CreatePolicyCommand({
      PolicyName: 'iam-only',
      PolicyDocument: doc({ Sid: 'IamAndSts', Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' }),
    }),
  );
  await send(new CreateGroupCommand({ GroupName: 'developers' }));
  await send(
    new PutGroupPolicyCommand({
      GroupName: 'developers',
      PolicyName: 's3-everything',
      PolicyDocument: doc({ Sid: 'S3', Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    }),
  );
  await send(new CreateUserCommand({ UserName: 'alice' }));
  await send(new AddUserToGroupCommand({ GroupName: 'developers', UserName: 'alice' }));
  await send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: `${ACCOUNT}:policy/iam-with-mfa` }));
  await send(
    new PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'no-delete',
      PolicyDocument: doc(
        { Sid: 'NoDeletingUsers', Effect: 'Deny', Action: 'iam:DeleteUser', Resource: '*' },
        { Sid: 'AssumeAnyRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ),
    }),
  );
  await send(
    new PutUserPermissionsBoundaryCommand({
      UserName: 'alice',
      PermissionsBoundary: `${ACCOUNT}:policy/iam-only`,
    }),
  );
  await send(
    new CreateRoleCommand({
      RoleName: 'deployer',
      AssumeRolePolicyDocument: doc({
        Sid: 'AliceWithMfa',
        Effect: 'Allow',
        Principal: { AWS: `${ACCOUNT}:user/alice` },
        Action: 'sts:AssumeRole',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    }),
  );
  await send(
    new PutRolePolicyCommand({
      RoleName: 'deployer',
      PolicyName: 'deploy',
      PolicyDocument: doc({ Sid: 'S3', Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    }),
  );
}
