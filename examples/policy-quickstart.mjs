// The README's example of portcullis/policy: does the seed's MFA policy let alice into EC2?
import { parsePolicy, createRequest, evaluate, accessDeniedMessage } from 'portcullis/policy';

const parsed = parsePolicy(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
      {
        Sid: 'DenyAllExceptListedIfNoMFA',
        Effect: 'Deny',
        NotAction: [
          'iam:CreateVirtualMFADevice',
          'iam:EnableMFADevice',
          'iam:GetUser',
          'sts:GetSessionToken',
        ],
        Resource: '*',
        Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ],
  }),
  { kind: 'identity', id: 'ForceMFA' },
);
if (!parsed.ok) throw new Error(parsed.error.message); // { code: 'MalformedPolicyDocument', message }

for (const mfa of [undefined, true]) {
  const request = createRequest({
    action: 'ec2:DescribeInstances',
    resource: '*',
    context: { 'aws:username': 'alice', 'aws:MultiFactorAuthPresent': mfa },
  });
  const result = evaluate({ request, identityPolicies: [parsed.policy] });
  console.log(mfa ? 'with MFA:   ' : 'without MFA:', result.decision);
  if (result.decision !== 'allowed') {
    console.log(
      '  ' +
        accessDeniedMessage({
          principalArn: 'arn:aws:iam::123456789012:user/alice',
          action: 'ec2:DescribeInstances',
          resource: '*',
          result,
        }),
    );
  }
}
