import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lint } from './report.ts';
import { servicesNamed, type ServiceCatalog } from './services.ts';

// A catalog of two services as AWS's Service Authorization Reference writes them (lower case,
// variable parts as `${...}`), enough to show each check.
const SERVICES: Record<string, { actions: string[]; keys: string[] }> = {
  s3: {
    actions: ['getobject', 'getobjectacl', 'putobject', 'listbucket'],
    keys: ['s3:x-amz-acl', 's3:prefix', 's3:existingobjecttag/${key}', 'aws:resourcetag/${tagkey}'],
  },
  sts: { actions: ['assumerolewithwebidentity'], keys: ['saml:aud'] },
};
const GLOBAL = [
  'aws:sourceip',
  'aws:requesttag/${tagkey}',
  'aws:principaltag/${tagkey}',
  'aws:multifactorauthpresent',
];
// Resource types as the reference writes their ARN formats.
const ARNS: Record<string, string[]> = {
  s3: [
    'arn:${Partition}:s3:::${BucketName}',
    'arn:${Partition}:s3:::${BucketName}/${ObjectName}',
    'arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}',
  ],
  lambda: [
    'arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}',
    'arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Qualifier}',
    'arn:${Partition}:lambda:${Region}:${Account}:layer:${LayerName}',
  ],
  iam: [
    'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}',
    'arn:${Partition}:iam::aws:policy/${Name}',
  ],
};
const catalog: ServiceCatalog = {
  resourceArns: (service) => ARNS[service],
  actions: (service) => (SERVICES[service] ? new Set(SERVICES[service].actions) : undefined),
  conditionKeys(prefix) {
    if (prefix === 'aws') return GLOBAL;
    const owner = prefix === 'saml' ? 'sts' : prefix;
    return SERVICES[owner]?.keys.filter((k) => k.startsWith(`${prefix}:`));
  },
};

function findings(statement: object) {
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 2);
  return lint({
    files: [{ file: 'policy.json', text }],
    policyType: 'IDENTITY_POLICY',
    subject: { accountId: '111122223333', userName: 'alice' },
    catalog,
  }).findings.filter((f) => /^(INVALID|UNSUPPORTED|MISSING_ARN|ARN)_/.test(f.issueCode));
}

const allow = (extra: object) => ({ Effect: 'Allow', Resource: '*', ...extra });

test('a misspelt action is INVALID_ACTION at its place in Action; any case of a real one passes', () => {
  const [found, ...more] = findings(allow({ Action: ['S3:getOBJECT', 's3:GetObjekt'] }));
  assert.equal(more.length, 0);
  assert.equal(found!.issueCode, 'INVALID_ACTION');
  assert.equal(found!.findingType, 'ERROR');
  assert.equal(found!.details, 'The action s3:GetObjekt does not exist.');
  assert.deepEqual([found!.statementIndex, found!.path], [0, ['Action', 1]]);
});

test('an action of a service AWS does not have is INVALID_SERVICE_IN_ACTION, in NotAction too', () => {
  const found = findings({ Effect: 'Deny', NotAction: 'foo:Bar', Resource: '*' });
  assert.deepEqual(
    found.map((f) => [f.issueCode, f.details, f.path]),
    [
      [
        'INVALID_SERVICE_IN_ACTION',
        'The service foo specified in the action does not exist.',
        ['NotAction', 0],
      ],
    ],
  );
});

test('a wildcard action is invalid only when it matches no action of the service', () => {
  assert.deepEqual(findings(allow({ Action: ['s3:Get*', 's3:*Object?cl', 's3:*', '*'] })), []);
  assert.deepEqual(
    findings(allow({ Action: 's3:Frobnicate*' })).map((f) => f.details),
    ['The action s3:Frobnicate* does not exist.'],
  );
});

test('condition keys: global keys, templated keys and service keys in any case pass; unknown ones do not', () => {
  const ok = findings(
    allow({
      Action: 's3:GetObject',
      Condition: {
        IpAddress: { 'aws:SourceIp': '203.0.113.0/24' },
        StringEquals: {
          'AWS:RequestTag/Team': 'blue',
          'aws:PrincipalTag/cost-centre': 'x',
          'S3:X-Amz-Acl': 'private',
          's3:ExistingObjectTag/classification': 'public',
          'saml:aud': 'https://signin.aws.amazon.com/saml',
          'token.actions.githubusercontent.com:sub': 'repo:org/repo:ref:refs/heads/main',
        },
      },
    }),
  );
  assert.deepEqual(ok, []);
  const bad = findings(
    allow({
      Action: 's3:GetObject',
      Condition: {
        StringEquals: {
          'aws:RequestTagg/team': 'blue',
          's3:x-amz-acll': 'private',
          'aws:RequestTag/': 'x',
          'foo:bar': 'x',
        },
        ArnEquals: { 'aws:ARN': 'arn:aws:iam::111122223333:role/x' },
      },
    }),
  );
  assert.deepEqual(
    bad.map((f) => [f.issueCode, f.path]),
    [
      ['INVALID_GLOBAL_CONDITION_KEY', ['Condition', 'StringEquals', 'aws:RequestTagg/team']],
      ['INVALID_SERVICE_CONDITION_KEY', ['Condition', 'StringEquals', 's3:x-amz-acll']],
      ['INVALID_GLOBAL_CONDITION_KEY', ['Condition', 'StringEquals', 'aws:RequestTag/']],
      ['INVALID_SERVICE', ['Condition', 'StringEquals', 'foo:bar']],
      ['UNSUPPORTED_GLOBAL_CONDITION_KEY', ['Condition', 'ArnEquals', 'aws:ARN']],
    ],
  );
  assert.equal(bad[3]!.details, 'The service foo does not exist. Use a valid service name.');
  assert.equal(
    bad[4]!.details,
    'The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.',
  );
  assert.equal(
    bad[1]!.details,
    'The condition key s3:x-amz-acll does not exist in the service s3. Use a valid condition key.',
  );
});

test('without a catalog, lint runs no per-service check', () => {
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [allow({ Action: 'foo:Bar' })] });
  const result = lint({
    files: [{ file: 'p.json', text }],
    policyType: 'IDENTITY_POLICY',
    subject: { accountId: '111122223333', userName: 'alice' },
  });
  assert.deepEqual(result.findings, []);
});

test('servicesNamed answers the prefixes of actions and condition keys, and none for text that is not JSON', () => {
  const text = JSON.stringify({
    Statement: [
      {
        Action: ['S3:GetObject', '*'],
        Condition: { StringEquals: { 'aws:SourceIp': 'x', 'saml:aud': 'y' } },
      },
      { NotAction: 'iam:*' },
    ],
  });
  assert.deepEqual(servicesNamed(text).sort(), ['aws', 'iam', 's3', 'saml']);
  const withResources = JSON.stringify({
    Statement: { Action: 's3:GetObject', Resource: ['arn:aws:Lambda:us-east-1:1:function:f', '*'] },
  });
  assert.deepEqual(servicesNamed(withResources).sort(), ['lambda', 's3']);
  assert.deepEqual(servicesNamed('{'), []);
});

const resource = (Resource: string | string[]) => allow({ Action: 's3:GetObject', Resource });
const codes = (statement: object) => findings(statement).map((f) => [f.issueCode, f.details, f.path]);

test('ARNs that fit a resource type of their service pass, with wildcards and variables anywhere', () => {
  const fine = [
    'arn:aws:s3:::my-bucket',
    'arn:aws:s3:::my-bucket/reports/*',
    'arn:aws:s3:::*',
    'arn:aws:s3:us-east-1:111122223333:accesspoint/ap',
    'arn:aws:lambda:eu-west-1:111122223333:function:fn:prod',
    'arn:aws:lambda:*:*:function:*',
    'arn:aws:lambda:${aws:RequestedRegion}:${aws:PrincipalAccount}:function:fn',
    'arn:aws:iam::111122223333:user/${aws:username}',
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'arn:aws:sqs:us-east-1:111122223333:queue',
    'arn:aws:*:*:*:*',
  ];
  assert.deepEqual(codes(resource(fine)), []);
});

test('an ARN without its arn prefix or with too few fields, and a service in capitals', () => {
  assert.deepEqual(codes(resource(['ARN:aws:s3:::b', 'arn:aws:sqs', 'arn:aws:S3:::b'])), [
    ['INVALID_ARN_PREFIX', 'Add the required prefix (arn) to the resource ARN.', ['Resource', 0]],
    [
      'MISSING_ARN_FIELD',
      'Resource ARNs must include at least 6 fields in the following structure: arn:partition:service:region:account:resource',
      ['Resource', 1],
    ],
    [
      'INVALID_ARN_SERVICE_CASE',
      'Update the service name S3 in the resource ARN to use all lowercase letters.',
      ['Resource', 2],
    ],
  ]);
});

test("a resource part that fits none of the service's ARN formats is INVALID_ARN_RESOURCE, in NotResource too", () => {
  const found = codes({
    Effect: 'Deny',
    Action: 's3:*',
    NotResource: [
      'arn:aws:lambda:us-east-1:111122223333:funtion:fn',
      'arn:aws:lambda:us-east-1:111122223333:func*',
    ],
  });
  assert.deepEqual(found, [
    [
      'INVALID_ARN_RESOURCE',
      'Resource ARN does not match the expected ARN format. Update the resource portion of the ARN.',
      ['NotResource', 0],
    ],
  ]);
  // A placeholder stands for at least one character: "function:" alone names no function.
  assert.equal(
    codes(resource('arn:aws:lambda:us-east-1:111122223333:function:'))[0]?.[0],
    'INVALID_ARN_RESOURCE',
  );
});

test("regions and accounts where the service's format has none, lacks one, or holds no valid one", () => {
  assert.deepEqual(
    codes(
      resource([
        'arn:aws:s3::111122223333:my-bucket',
        'arn:aws:lambda::111122223333:function:fn',
        'arn:aws:lambda:moon-1:111122223333:function:fn',
        'arn:aws:lambda:us-east-1:1234:function:fn',
      ]),
    ),
    [
      [
        'ARN_ACCOUNT_NOT_ALLOWED',
        'The service s3 does not support specifying an account ID in the resource ARN.',
        ['Resource', 0],
      ],
      ['MISSING_ARN_REGION', 'Add a Region to the lambda resource ARN.', ['Resource', 1]],
      [
        'INVALID_ARN_REGION',
        'The Region moon-1 is not valid for this resource. Update the resource ARN to include a supported Region.',
        ['Resource', 2],
      ],
      [
        'INVALID_ARN_ACCOUNT',
        'The resource ARN account ID 1234 is not valid. Provide a 12-digit account ID.',
        ['Resource', 3],
      ],
    ],
  );
});

test('a service the catalog has no resource types for is not judged', () => {
  assert.deepEqual(codes(resource('arn:aws:unknownsvc:xx:1:anything')), []);
});
