// The policy engine's benchmark workloads (issue 13), as data: each names its policy sets (JSON
// documents as a principal would have them attached) and the requests asked of them. Generated
// workloads use a fixed seed, so every run asks the same questions.
//
// `copy(i)` gives the i-th of many distinct-but-equal-shaped variants of the sets (another account,
// another user), which the benchmark compiles by the hundred to measure heap per compiled set.
import type { RequestInput } from '../../src/policy/index.ts';
import { standardActions, standardContext, standardPolicies, standardPrincipal } from './policies.ts';

export interface PolicyDocumentJson {
  readonly Version: string;
  readonly Statement: readonly Record<string, unknown>[];
}

export interface PolicySets {
  readonly identity: readonly PolicyDocumentJson[];
  readonly boundary?: readonly PolicyDocumentJson[];
}

export interface PolicyWorkload {
  readonly name: string;
  readonly description: string;
  readonly sets: PolicySets;
  readonly requests: readonly RequestInput[];
  /** The i-th distinct variant of `sets` (copy(0) is `sets`). */
  copy(i: number): PolicySets;
}

export const ACCOUNT = '123456789012';

/** A 12-digit account of the i-th copy (copy 0 is ACCOUNT). */
function accountOf(i: number): string {
  return i === 0 ? ACCOUNT : String(200000000000 + i * 7919);
}

/** The sets with every mention of the account (and of the user "alice") changed for copy i. */
function copier(sets: PolicySets): (i: number) => PolicySets {
  const text = JSON.stringify(sets);
  return (i) =>
    i === 0
      ? sets
      : (JSON.parse(text.replaceAll(ACCOUNT, accountOf(i)).replaceAll('alice', `user${i}`)) as PolicySets);
}

/** Mulberry32: a small seeded generator, so that a workload is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

function workload(fields: Omit<PolicyWorkload, 'copy'>): PolicyWorkload {
  return { ...fields, copy: copier(fields.sets) };
}

// ---- 1. the standard user (issue 2)

const standard = workload({
  name: 'standard',
  description:
    '4 identity policies (seed 002, seed 003, EC2 full access, PowerUserAccess-like NotAction), 21 statements; 8 actions x {no MFA, MFA} = 16 requests',
  sets: { identity: Object.values(standardPolicies) as PolicyDocumentJson[] },
  requests: [false, true].flatMap((mfa) =>
    standardActions.map((a) => ({ ...a, principal: standardPrincipal, context: standardContext(mfa) })),
  ),
});

// ---- 2. a condition-heavy user with a permissions boundary

const CORPORATE = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/25', '10.0.0.0/8', '2001:db8:1234::/48'];
const VPN = ['100.64.0.0/10', '172.16.0.0/12', '2001:db8:ffff::/48'];
const TEAMS = ['platform', 'data', 'web', 'security'];

const conditionHeavyIdentity: PolicyDocumentJson = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadOwnBucketsFromOffice',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket', 's3:GetObjectVersion'],
      Resource: [
        'arn:aws:s3:::team-${aws:PrincipalTag/team}',
        'arn:aws:s3:::team-${aws:PrincipalTag/team}/*',
      ],
      Condition: { IpAddress: { 'aws:SourceIp': [...CORPORATE, ...VPN] } },
    },
    {
      Sid: 'WriteOwnBucketsFromOffice',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: 'arn:aws:s3:::team-${aws:PrincipalTag/team}/*',
      Condition: {
        IpAddress: { 'aws:SourceIp': CORPORATE },
        DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' },
        DateLessThan: { 'aws:CurrentTime': '2027-12-31T23:59:59Z' },
      },
    },
    {
      Sid: 'ListPrefixes',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::shared-reports',
      Condition: { StringLike: { 's3:prefix': ['reports/${aws:PrincipalTag/team}/*', 'public/*'] } },
    },
    {
      Sid: 'ReadSharedReports',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::shared-reports/*',
      Condition: {
        IpAddress: { 'aws:SourceIp': [...CORPORATE, ...VPN] },
        Bool: { 'aws:SecureTransport': 'true' },
      },
    },
    {
      Sid: 'StartStopTaggedInstances',
      Effect: 'Allow',
      Action: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:RebootInstances'],
      Resource: `arn:aws:ec2:*:${ACCOUNT}:instance/*`,
      Condition: {
        StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' },
        IpAddress: { 'aws:SourceIp': CORPORATE },
      },
    },
    {
      Sid: 'DescribeEverything',
      Effect: 'Allow',
      Action: ['ec2:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*', 'cloudwatch:Describe*'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2', 'eu-west-1'] } },
    },
    {
      Sid: 'RunInstancesWithTags',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: `arn:aws:ec2:*:${ACCOUNT}:instance/*`,
      Condition: {
        StringEquals: {
          'aws:RequestTag/team': '${aws:PrincipalTag/team}',
          'aws:RequestedRegion': ['us-east-1', 'eu-west-1'],
        },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'project', 'owner', 'cost-center'] },
        IpAddress: { 'aws:SourceIp': CORPORATE },
      },
    },
    {
      Sid: 'RunInstancesOnAllowedImages',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: [
        'arn:aws:ec2:*::image/ami-*',
        `arn:aws:ec2:*:${ACCOUNT}:subnet/*`,
        `arn:aws:ec2:*:${ACCOUNT}:security-group/*`,
      ],
    },
    {
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: `arn:aws:ec2:*:${ACCOUNT}:*/*`,
      Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    },
    {
      Sid: 'DynamoOwnTables',
      Effect: 'Allow',
      Action: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      Resource: `arn:aws:dynamodb:*:${ACCOUNT}:table/\${aws:PrincipalTag/team}-*`,
      Condition: {
        IpAddress: { 'aws:SourceIp': [...CORPORATE, ...VPN] },
        DateLessThan: { 'aws:CurrentTime': '2027-12-31T23:59:59Z' },
      },
    },
    {
      Sid: 'DynamoReadAnyTableLeadingKeys',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query'],
      Resource: `arn:aws:dynamodb:*:${ACCOUNT}:table/shared-*`,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}', 'public'] } },
    },
    {
      Sid: 'OwnCredentials',
      Effect: 'Allow',
      Action: [
        'iam:GetUser',
        'iam:ListAccessKeys',
        'iam:CreateAccessKey',
        'iam:UpdateAccessKey',
        'iam:DeleteAccessKey',
      ],
      Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    },
    {
      Sid: 'OwnMfa',
      Effect: 'Allow',
      Action: [
        'iam:CreateVirtualMFADevice',
        'iam:EnableMFADevice',
        'iam:ResyncMFADevice',
        'iam:ListMFADevices',
      ],
      Resource: [
        `arn:aws:iam::${ACCOUNT}:mfa/\${aws:username}`,
        `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
      ],
    },
    {
      Sid: 'ListIamWithRecentMfa',
      Effect: 'Allow',
      Action: ['iam:List*', 'iam:Get*'],
      Resource: '*',
      Condition: {
        NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      },
    },
    {
      Sid: 'PassOnlyTeamRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:PrincipalTag/team}-*`,
      Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'lambda.amazonaws.com'] } },
    },
    {
      Sid: 'LambdaInvokeTeam',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction', 'lambda:GetFunction'],
      Resource: `arn:aws:lambda:*:${ACCOUNT}:function:\${aws:PrincipalTag/team}-*`,
      Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/department': ['Engineering', 'Research'] } },
    },
    {
      Sid: 'KmsForOwnKeys',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
      Condition: {
        StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' },
        StringLike: { 'kms:ViaService': ['s3.*.amazonaws.com', 'dynamodb.*.amazonaws.com'] },
      },
    },
    {
      Sid: 'LogsFromOffice',
      Effect: 'Allow',
      Action: ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:DescribeLogGroups'],
      Resource: '*',
      Condition: {
        NotIpAddress: { 'aws:SourceIp': ['0.0.0.0/8', '127.0.0.0/8'] },
        IpAddress: { 'aws:SourceIp': CORPORATE },
      },
    },
    {
      Sid: 'SsmSessionsOnTagged',
      Effect: 'Allow',
      Action: 'ssm:StartSession',
      Resource: `arn:aws:ec2:*:${ACCOUNT}:instance/*`,
      Condition: {
        StringLike: { 'ssm:resourceTag/team': ['${aws:PrincipalTag/team}'] },
        DateGreaterThanEquals: { 'aws:CurrentTime': '2026-06-01T00:00:00Z' },
      },
    },
    {
      Sid: 'SecretsByTag',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: {
        StringEquals: { 'secretsmanager:ResourceTag/team': '${aws:PrincipalTag/team}' },
        NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '900' },
      },
    },
    {
      Sid: 'DenyOutsideNetworks',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        NotIpAddress: { 'aws:SourceIp': [...CORPORATE, ...VPN] },
        Bool: { 'aws:ViaAWSService': 'false' },
      },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Action: ['s3:*', 'dynamodb:*'],
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyOtherRegions',
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*', 'cloudfront:*', 'route53:*', 'support:*'],
      Resource: '*',
      Condition: {
        StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'] },
      },
    },
    {
      Sid: 'DenyUntaggedLaunch',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: `arn:aws:ec2:*:${ACCOUNT}:instance/*`,
      Condition: { Null: { 'aws:RequestTag/team': 'true' } },
    },
    {
      Sid: 'DenyAfterContractEnd',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateGreaterThan: { 'aws:CurrentTime': '2028-01-01T00:00:00Z' } },
    },
  ],
};

const conditionHeavyBoundary: PolicyDocumentJson = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ServicesWeUse',
      Effect: 'Allow',
      Action: [
        's3:*',
        'ec2:*',
        'dynamodb:*',
        'cloudwatch:*',
        'logs:*',
        'lambda:*',
        'kms:*',
        'ssm:*',
        'secretsmanager:*',
      ],
      Resource: '*',
    },
    {
      Sid: 'IamSelfService',
      Effect: 'Allow',
      Action: ['iam:Get*', 'iam:List*', 'iam:*AccessKey*', 'iam:*MFADevice', 'iam:PassRole'],
      Resource: '*',
    },
    {
      Sid: 'NoBoundaryEscape',
      Effect: 'Deny',
      Action: [
        'iam:DeleteUserPermissionsBoundary',
        'iam:PutUserPermissionsBoundary',
        'iam:CreatePolicyVersion',
      ],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/admin': 'true' } },
    },
  ],
};

function conditionHeavyRequests(): RequestInput[] {
  const next = random(13);
  const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
  const ips = [
    '203.0.113.10',
    '203.0.113.200',
    '198.51.100.7',
    '192.0.2.9',
    '192.0.2.200',
    '10.1.2.3',
    '100.64.3.4',
    '172.20.1.1',
    '8.8.8.8',
    '2001:db8:1234::5',
    '2001:db8:ffff:1::9',
    '2001:db8:9999::1',
  ];
  const times = [
    '2026-03-01T10:00:00Z',
    '2026-12-04T20:00:00Z',
    '2027-06-30T08:15:00Z',
    '2028-02-01T00:00:00Z',
  ];
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'];
  const calls: ((
    team: string,
    user: string,
    region: string,
  ) => { action: string; resource: string; extra?: Record<string, string | boolean | string[]> })[] = [
    (team) => ({
      action: 's3:GetObject',
      resource: `arn:aws:s3:::team-${team}/data/${Math.floor(next() * 50)}.csv`,
    }),
    (team) => ({
      action: 's3:PutObject',
      resource: `arn:aws:s3:::team-${pick(next, TEAMS)}/upload/${team}.bin`,
    }),
    () => ({
      action: 's3:ListBucket',
      resource: 'arn:aws:s3:::shared-reports',
      extra: { 's3:prefix': `reports/${pick(next, TEAMS)}/2026/` },
    }),
    () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::shared-reports/q4.pdf' }),
    (_t, _u, region) => ({
      action: 'ec2:StopInstances',
      resource: `arn:aws:ec2:${region}:${ACCOUNT}:instance/i-0${Math.floor(next() * 1e6)}`,
      extra: { 'aws:ResourceTag/team': pick(next, TEAMS) },
    }),
    () => ({ action: 'ec2:DescribeInstances', resource: '*' }),
    (team, _u, region) => ({
      action: 'ec2:RunInstances',
      resource: `arn:aws:ec2:${region}:${ACCOUNT}:instance/*`,
      extra:
        next() < 0.8
          ? { 'aws:RequestTag/team': next() < 0.7 ? team : 'other', 'aws:TagKeys': ['team', 'owner'] }
          : {},
    }),
    (team, _u, region) => ({
      action: 'dynamodb:Query',
      resource: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${next() < 0.7 ? team : 'shared'}-orders`,
    }),
    (_t, user) => ({
      action: 'iam:CreateAccessKey',
      resource: `arn:aws:iam::${ACCOUNT}:user/${next() < 0.8 ? user : 'root-admin'}`,
    }),
    () => ({ action: 'iam:ListRoles', resource: '*' }),
    (team) => ({
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/${team}-worker`,
      extra: { 'iam:PassedToService': pick(next, ['ec2.amazonaws.com', 'ecs.amazonaws.com']) },
    }),
    (team, _u, region) => ({
      action: 'lambda:InvokeFunction',
      resource: `arn:aws:lambda:${region}:${ACCOUNT}:function:${team}-handler`,
    }),
    (_t, _u, region) => ({
      action: 'kms:Decrypt',
      resource: `arn:aws:kms:${region}:${ACCOUNT}:key/1234abcd-12ab`,
      extra: { 'aws:ResourceTag/team': pick(next, TEAMS), 'kms:ViaService': `s3.${region}.amazonaws.com` },
    }),
    () => ({ action: 'logs:FilterLogEvents', resource: '*' }),
    () => ({
      action: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`,
      extra: { 'secretsmanager:ResourceTag/team': pick(next, TEAMS) },
    }),
    () => ({ action: 'iam:PutUserPermissionsBoundary', resource: `arn:aws:iam::${ACCOUNT}:user/x` }),
  ];
  const requests: RequestInput[] = [];
  for (let i = 0; i < 1200; i++) {
    const user = pick(next, users);
    const team = pick(next, TEAMS);
    const region = pick(next, regions);
    const mfa = next() < 0.5;
    const call = calls[i % calls.length]!(team, user, region);
    const principalArn = `arn:aws:iam::${ACCOUNT}:user/${user}`;
    requests.push({
      action: call.action,
      resource: call.resource,
      principal: { arn: principalArn, account: ACCOUNT, type: 'user' },
      context: [
        {
          'aws:username': user,
          'aws:userid': `AIDA${user.toUpperCase().padEnd(17, 'X')}`,
          'aws:PrincipalArn': principalArn,
          'aws:PrincipalAccount': ACCOUNT,
          'aws:PrincipalType': 'User',
          'aws:PrincipalTag/team': team,
          'aws:PrincipalTag/department': pick(next, ['engineering', 'Finance', 'RESEARCH']),
        },
        {
          'aws:SourceIp': pick(next, ips),
          'aws:SecureTransport': next() < 0.9,
          'aws:ViaAWSService': false,
          'aws:CurrentTime': pick(next, times),
          'aws:EpochTime': 1796400000 + i,
          'aws:RequestedRegion': region,
          ...(mfa
            ? { 'aws:MultiFactorAuthPresent': true, 'aws:MultiFactorAuthAge': Math.floor(next() * 7200) }
            : {}),
          ...call.extra,
        },
      ],
    });
  }
  return requests;
}

const conditionHeavy = workload({
  name: 'conditions',
  description:
    'a 25-statement user with IP, date, string, number and tag conditions and a 3-statement permissions boundary; 1,200 distinct requests',
  sets: { identity: [conditionHeavyIdentity], boundary: [conditionHeavyBoundary] },
  requests: conditionHeavyRequests(),
});

// ---- 3. many statements: spread over 20 services, or all on one

const SERVICES = [
  's3',
  'ec2',
  'dynamodb',
  'lambda',
  'sqs',
  'sns',
  'kms',
  'logs',
  'cloudwatch',
  'rds',
  'ecr',
  'ecs',
  'ssm',
  'secretsmanager',
  'kinesis',
  'glue',
  'athena',
  'states',
  'events',
  'iam',
];
const VERBS = [
  'Get',
  'Put',
  'List',
  'Describe',
  'Create',
  'Delete',
  'Update',
  'Tag',
  'Untag',
  'Start',
  'Stop',
  'Invoke',
];
const NOUNS = [
  'Item',
  'Object',
  'Table',
  'Queue',
  'Topic',
  'Key',
  'Stream',
  'Function',
  'Bucket',
  'Secret',
  'Parameter',
  'Job',
];

function resourceArn(service: string, name: string): string {
  if (service === 's3') return `arn:aws:s3:::${name}`;
  if (service === 'iam') return `arn:aws:iam::${ACCOUNT}:role/${name}`;
  return `arn:aws:${service}:us-east-1:${ACCOUNT}:resource/${name}`;
}

/** `count` statements, each allowing 3 actions on 2 named resources (some as `name-*`) of one service. */
function manyStatements(count: number, services: readonly string[], seed: number): PolicyWorkload {
  const next = random(seed);
  const statements: Record<string, unknown>[] = [];
  const granted: { action: string; resource: string }[] = [];
  for (let i = 0; i < count; i++) {
    const service = services[i % services.length]!;
    const actions = [0, 1, 2].map(() => `${service}:${pick(next, VERBS)}${pick(next, NOUNS)}`);
    const names = [`app-${i}`, `data-${i}-${Math.floor(next() * 1000)}`];
    const resources = [resourceArn(service, names[0]!), `${resourceArn(service, names[1]!)}*`];
    const deny = i % 10 === 9;
    statements.push({ Sid: `S${i}`, Effect: deny ? 'Deny' : 'Allow', Action: actions, Resource: resources });
    granted.push({ action: actions[0]!, resource: resourceArn(service, names[0]!) });
    granted.push({ action: actions[1]!, resource: `${resourceArn(service, names[1]!)}/part-7` });
  }
  const requests: RequestInput[] = [];
  for (let i = 0; i < 1000; i++) {
    const roll = next();
    let request: { action: string; resource: string };
    if (roll < 0.6) request = pick(next, granted);
    else {
      // A likely action on a resource no statement names, or an action no statement names.
      const service = pick(next, services);
      request =
        roll < 0.8
          ? {
              action: `${service}:${pick(next, VERBS)}${pick(next, NOUNS)}`,
              resource: resourceArn(service, `other-${i}`),
            }
          : {
              action: `${service}:Rotate${pick(next, NOUNS)}`,
              resource: resourceArn(service, `app-${i % count}`),
            };
    }
    requests.push({ ...request, principal: standardPrincipal, context: standardContext(false) });
  }
  const spread = services.length > 1 ? `spread over ${services.length} services` : `all on ${services[0]}`;
  return workload({
    name: services.length > 1 ? `statements-${count}` : `one-service-${count}`,
    description: `${count.toLocaleString('en-US')} statements ${spread} (policies of at most 250) (1 in 10 Deny), 3 actions x 2 resources each; 1,000 requests`,
    sets: { identity: chunks(statements, 250).map((Statement) => ({ Version: '2012-10-17', Statement })) },
    requests,
  });
}

/** IAM takes at most 131,072 characters in one document: a long list of statements is several policies. */
function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// ---- 4. wildcard-heavy actions and resources

function wildcardHeavy(): PolicyWorkload {
  const next = random(4);
  // IAM's ARNs hold no region: IAM refuses a region in them, wildcard or not.
  const services = SERVICES.filter((s) => s !== 'iam');
  const statements: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const service = services[i % services.length]!;
    statements.push({
      Sid: `W${i}`,
      Effect: i % 8 === 7 ? 'Deny' : 'Allow',
      Action: [`${service}:${pick(next, VERBS)}*`, `${service}:*${pick(next, NOUNS)}`, `${service}:?et*`],
      Resource: [
        `arn:aws:${service}:*:${ACCOUNT}:*/team-${i % 5}-*`,
        `arn:aws:${service}:us-*-?:*:*/shared/*/${pick(next, NOUNS).toLowerCase()}-*`,
        `arn:aws:${service}:*:*:project-${i}/*/????-*.json`,
      ],
    });
  }
  statements.push({
    Sid: 'AnyRead',
    Effect: 'Allow',
    Action: services.map((s) => `${s}:List*`),
    Resource: '*',
  });
  const requests: RequestInput[] = [];
  for (let i = 0; i < 1000; i++) {
    const service = pick(next, services);
    const resource = [
      `arn:aws:${service}:us-east-1:${ACCOUNT}:thing/team-${Math.floor(next() * 8)}-app-${i}`,
      `arn:aws:${service}:us-west-2:${ACCOUNT}:thing/shared/x/${pick(next, NOUNS).toLowerCase()}-${i}`,
      `arn:aws:${service}:eu-west-1:${ACCOUNT}:project-${Math.floor(next() * 50)}/a/b/2026-${i}.json`,
    ][i % 3]!;
    requests.push({
      action: `${service}:${pick(next, VERBS)}${pick(next, NOUNS)}`,
      resource,
      principal: standardPrincipal,
      context: standardContext(false),
    });
  }
  return workload({
    name: 'wildcards',
    description:
      '41 statements of wildcard actions (Get*, *Item, ?et*, List* on every service) and resources (*, ?, in every ARN part); 1,000 requests',
    sets: { identity: [{ Version: '2012-10-17', Statement: statements }] },
    requests,
  });
}

// ---- 5. a mix of allowed, explicit deny and implicit deny, over several policies

function decisionMix(): PolicyWorkload {
  const next = random(5);
  const admin = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:*', 'dynamodb:*', 'sqs:*'], Resource: '*' }],
  };
  const guard = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NoDeletes',
        Effect: 'Deny',
        Action: ['s3:DeleteBucket', 'dynamodb:DeleteTable', 'sqs:DeleteQueue'],
        Resource: '*',
      },
      {
        Sid: 'NoProdWrites',
        Effect: 'Deny',
        Action: ['s3:Put*', 'dynamodb:Put*', 'sqs:Send*'],
        Resource: [
          'arn:aws:s3:::prod-*',
          `arn:aws:dynamodb:*:${ACCOUNT}:table/prod-*`,
          `arn:aws:sqs:*:${ACCOUNT}:prod-*`,
        ],
      },
      {
        Sid: 'NoSecretsBucket',
        Effect: 'Deny',
        NotAction: 's3:GetObject',
        Resource: 'arn:aws:s3:::secrets/*',
      },
    ],
  };
  const readOnly = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['ec2:Describe*', 'cloudwatch:Get*', 'logs:Get*'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:Get*', Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}` },
    ],
  };
  const asks = [
    () => ({
      action: 's3:GetObject',
      resource: `arn:aws:s3:::${pick(next, ['dev', 'prod', 'secrets'])}-data/${Math.floor(next() * 100)}`,
    }),
    () => ({ action: 's3:PutObject', resource: `arn:aws:s3:::${pick(next, ['dev', 'prod'])}-logs/x` }),
    () => ({ action: 's3:DeleteBucket', resource: 'arn:aws:s3:::dev-data' }),
    () => ({ action: 's3:PutObject', resource: 'arn:aws:s3:::secrets/key' }),
    () => ({
      action: 'dynamodb:PutItem',
      resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${pick(next, ['prod', 'dev'])}-orders`,
    }),
    () => ({
      action: 'sqs:SendMessage',
      resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:${pick(next, ['prod', 'dev'])}-jobs`,
    }),
    () => ({ action: 'ec2:DescribeInstances', resource: '*' }),
    () => ({ action: 'ec2:TerminateInstances', resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-1` }),
    () => ({
      action: 'iam:GetUser',
      resource: `arn:aws:iam::${ACCOUNT}:user/${pick(next, ['alice', 'bob'])}`,
    }),
    () => ({ action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f` }),
  ];
  const requests: RequestInput[] = [];
  for (let i = 0; i < 1000; i++) {
    requests.push({
      ...asks[i % asks.length]!(),
      principal: standardPrincipal,
      context: standardContext(next() < 0.5),
    });
  }
  return workload({
    name: 'decision-mix',
    description:
      '3 policies (broad allow, guarding denies with NotAction, read-only); 1,000 requests about a third each allowed, explicitly and implicitly denied',
    sets: { identity: [admin, guard, readOnly] },
    requests,
  });
}

export const policyWorkloads: readonly PolicyWorkload[] = [
  standard,
  conditionHeavy,
  manyStatements(10, SERVICES, 10),
  manyStatements(100, SERVICES, 100),
  manyStatements(1000, SERVICES, 1000),
  manyStatements(1000, ['dynamodb'], 1001),
  wildcardHeavy(),
  decisionMix(),
];
