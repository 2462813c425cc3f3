// The standard policy workload (issue 2): a principal with 4 attached policies, about 25 statements,
// asked about 8 actions with and without MFA. Shared by the benchmark and its smoke test.
import { selfManagedMfaPolicy } from '../../test/fixtures/seed-policies.ts';

/** Seed 002: allow self-service of one's own credentials, deny the rest without MFA (verbatim). */
export const selfManagedMfa = selfManagedMfaPolicy;

/** Seed 003: manage one's own MFA; deactivate only with MFA; block most access without MFA. */
export const blockMostAccessUnlessMfa = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowListActions',
      Effect: 'Allow',
      Action: ['iam:ListUsers', 'iam:ListVirtualMFADevices'],
      Resource: '*',
    },
    {
      Sid: 'AllowIndividualUserToListOnlyTheirOwnMFA',
      Effect: 'Allow',
      Action: ['iam:ListMFADevices'],
      Resource: ['arn:aws:iam::*:mfa/*', 'arn:aws:iam::*:user/${aws:username}'],
    },
    {
      Sid: 'AllowIndividualUserToManageTheirOwnMFA',
      Effect: 'Allow',
      Action: [
        'iam:CreateVirtualMFADevice',
        'iam:DeleteVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ResyncMFADevice',
      ],
      Resource: ['arn:aws:iam::*:mfa/${aws:username}', 'arn:aws:iam::*:user/${aws:username}'],
    },
    {
      Sid: 'AllowIndividualUserToDeactivateOnlyTheirOwnMFAOnlyWhenUsingMFA',
      Effect: 'Allow',
      Action: ['iam:DeactivateMFADevice'],
      Resource: ['arn:aws:iam::*:mfa/${aws:username}', 'arn:aws:iam::*:user/${aws:username}'],
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    {
      Sid: 'BlockMostAccessUnlessSignedInWithMFA',
      Effect: 'Deny',
      NotAction: [
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ListMFADevices',
        'iam:ListUsers',
        'iam:ListVirtualMFADevices',
        'iam:ResyncMFADevice',
      ],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};

/** Shaped like AmazonEC2FullAccess. */
export const ec2FullAccess = {
  Version: '2012-10-17',
  Statement: [
    { Action: 'ec2:*', Effect: 'Allow', Resource: '*' },
    { Effect: 'Allow', Action: 'elasticloadbalancing:*', Resource: '*' },
    { Effect: 'Allow', Action: 'cloudwatch:*', Resource: '*' },
    { Effect: 'Allow', Action: 'autoscaling:*', Resource: '*' },
    {
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: {
        StringEquals: {
          'iam:AWSServiceName': [
            'autoscaling.amazonaws.com',
            'ec2scheduled.amazonaws.com',
            'elasticloadbalancing.amazonaws.com',
            'spot.amazonaws.com',
            'spotfleet.amazonaws.com',
            'transitgateway.amazonaws.com',
          ],
        },
      },
    },
  ],
};

/** Shaped like PowerUserAccess: everything but IAM, Organizations and Account, with a few exceptions. */
export const powerUserAccess = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'account:GetAccountInformation',
        'account:GetPrimaryEmail',
        'account:ListRegions',
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
      ],
      Resource: '*',
    },
  ],
};

export const standardPolicies = { selfManagedMfa, blockMostAccessUnlessMfa, ec2FullAccess, powerUserAccess };

const ACCOUNT = '123456789012';
const USER = 'alice';

export const standardActions: readonly { action: string; resource: string }[] = [
  { action: 'iam:GetUser', resource: `arn:aws:iam::${ACCOUNT}:user/${USER}` },
  { action: 'iam:CreateVirtualMFADevice', resource: `arn:aws:iam::${ACCOUNT}:mfa/${USER}` },
  { action: 'iam:ListUsers', resource: `arn:aws:iam::${ACCOUNT}:user/` },
  { action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/bob` },
  { action: 'iam:DeactivateMFADevice', resource: `arn:aws:iam::${ACCOUNT}:user/${USER}` },
  { action: 'ec2:DescribeInstances', resource: '*' },
  { action: 'ec2:RunInstances', resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*` },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::reports/2026/q4.csv' },
];

/** The request context of a long-term access key (no MFA key at all) or an MFA session. */
export function standardContext(mfa: boolean): Record<string, string | boolean | number> {
  const context: Record<string, string | boolean | number> = {
    'aws:username': USER,
    'aws:userid': 'AIDAEXAMPLEUSERID0001',
    'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/${USER}`,
    'aws:PrincipalAccount': ACCOUNT,
    'aws:PrincipalType': 'User',
    'aws:SourceIp': '203.0.113.10',
    'aws:SecureTransport': true,
    'aws:CurrentTime': '2026-11-23T12:00:00Z',
    'aws:EpochTime': 1795435200,
    'aws:RequestedRegion': 'us-east-1',
  };
  if (mfa) {
    context['aws:MultiFactorAuthPresent'] = true;
    context['aws:MultiFactorAuthAge'] = 120;
    context['aws:TokenIssueTime'] = '2026-11-23T11:58:00Z';
  }
  return context;
}

export const standardPrincipal = {
  arn: `arn:aws:iam::${ACCOUNT}:user/${USER}`,
  account: ACCOUNT,
  type: 'user' as const,
};
