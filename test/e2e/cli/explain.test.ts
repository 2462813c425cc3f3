// `portcullis explain` run as a user runs it: on an account exported with the AWS CLI
// (test/fixtures/explain/), and on a live server loaded with the same account through the AWS SDK
// — the same questions give the same verdicts, and a denied answer's message is the one the server
// itself gives when the principal makes the call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AssumeRoleCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, DeleteUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { writeFileSync } from 'node:fs';
import { ROOT, startServer, type Server } from '../harness.ts';
import { portcullis } from '../operations/cli.ts';
import { ACCOUNT, loadExplainAccount } from './explain-account.ts';
import { EXPLAIN_OPTIONS } from '../../../src/cli/help.ts';

const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures', 'explain');
const exported = ['--authorization-details', join(fixtures, 'authorization-details.json')];
const alice = `${ACCOUNT}:user/alice`;
const session = `arn:aws:sts::${ROOT.accountId}:assumed-role/deployer/ci`;
const mfa = (present: boolean) => ['--context', `aws:MultiFactorAuthPresent=${present}`];
const sessionPolicy = ['--session-policy', join(fixtures, 'session-policy.json')];
const scps = [
  '--scp',
  join(fixtures, 'scp-full-aws-access.json'),
  '--scp',
  `${join(fixtures, 'scp-full-aws-access.json')},${join(fixtures, 'scp-deny-iam.json')}`,
];

interface Case {
  readonly name: string;
  readonly args: string[];
  readonly decision: string;
  readonly deniedBy: string | null;
}

const federatedAlice = [
  '--principal',
  `arn:aws:sts::${ROOT.accountId}:federated-user/alice-web`,
  '--federation-user',
  alice,
];
const rcps = [
  '--rcp',
  join(fixtures, 'rcp-full-aws-access.json'),
  '--rcp',
  `${join(fixtures, 'rcp-full-aws-access.json')},${join(fixtures, 'rcp-deny-assume-role.json')}`,
];
const assumeDeployer = [
  '--principal',
  alice,
  '--action',
  'sts:AssumeRole',
  '--resource',
  `${ACCOUNT}:role/deployer`,
  ...mfa(true),
];

const CASES: Case[] = [
  {
    name: 'Bool condition, key absent',
    args: ['--principal', alice, '--action', 'iam:ListUsers', '--resource', `${ACCOUNT}:user/`],
    decision: 'implicitDeny',
    deniedBy: 'identity-based',
  },
  {
    name: 'Bool condition, key true',
    args: ['--principal', alice, '--action', 'iam:ListUsers', '--resource', `${ACCOUNT}:user/`, ...mfa(true)],
    decision: 'allowed',
    deniedBy: null,
  },
  {
    name: 'Bool condition, key false',
    args: [
      '--principal',
      alice,
      '--action',
      'iam:ListUsers',
      '--resource',
      `${ACCOUNT}:user/`,
      ...mfa(false),
    ],
    decision: 'implicitDeny',
    deniedBy: 'identity-based',
  },
  {
    name: 'explicit deny',
    args: ['--principal', alice, '--action', 'iam:DeleteUser', '--resource', `${ACCOUNT}:user/bob`],
    decision: 'explicitDeny',
    deniedBy: 'identity-based',
  },
  {
    name: 'group allows, boundary does not',
    args: ['--principal', alice, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::bucket/key'],
    decision: 'implicitDeny',
    deniedBy: 'permissions boundary',
  },
  {
    name: 'trust policy with MFA',
    args: [
      '--principal',
      alice,
      '--action',
      'sts:AssumeRole',
      '--resource',
      `${ACCOUNT}:role/deployer`,
      ...mfa(true),
    ],
    decision: 'allowed',
    deniedBy: null,
  },
  {
    name: 'trust policy without MFA',
    args: ['--principal', alice, '--action', 'sts:AssumeRole', '--resource', `${ACCOUNT}:role/deployer`],
    decision: 'implicitDeny',
    deniedBy: 'role trust',
  },
  {
    name: 'session policy does not allow',
    args: [
      '--principal',
      session,
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::b/k',
      ...sessionPolicy,
    ],
    decision: 'implicitDeny',
    deniedBy: 'session',
  },
  {
    name: 'session policy allows',
    args: [
      '--principal',
      session,
      '--action',
      's3:ListBucket',
      '--resource',
      'arn:aws:s3:::b',
      ...sessionPolicy,
    ],
    decision: 'allowed',
    deniedBy: null,
  },
  {
    name: 'the root user needs no policy',
    args: [
      '--principal',
      `${ACCOUNT}:root`,
      '--action',
      'iam:DeleteUser',
      '--resource',
      `${ACCOUNT}:user/bob`,
    ],
    decision: 'allowed',
    deniedBy: null,
  },
  {
    name: 'SCPs bind the root user',
    args: ['--principal', `${ACCOUNT}:root`, '--action', 'iam:ListUsers', ...scps],
    decision: 'explicitDeny',
    deniedBy: 'service control',
  },
  {
    name: 'a federated user calls no IAM operation, whatever its policies',
    args: [
      ...federatedAlice,
      '--action',
      'iam:ListUsers',
      '--resource',
      `${ACCOUNT}:user/`,
      ...mfa(true),
      ...sessionPolicy,
    ],
    decision: 'implicitDeny',
    deniedBy: null,
  },
  {
    name: "a federated user: the session policy allows, alice's boundary does not",
    args: [...federatedAlice, '--action', 's3:ListBucket', '--resource', 'arn:aws:s3:::b', ...sessionPolicy],
    decision: 'implicitDeny',
    deniedBy: 'permissions boundary',
  },
  {
    name: 'a federated user of the root user: its session policy alone',
    args: [
      '--principal',
      `arn:aws:sts::${ROOT.accountId}:federated-user/ops`,
      '--federation-user',
      `${ACCOUNT}:root`,
      '--action',
      's3:ListBucket',
      '--resource',
      'arn:aws:s3:::b',
      ...sessionPolicy,
    ],
    decision: 'allowed',
    deniedBy: null,
  },
  {
    name: 'SCP denies',
    args: ['--principal', alice, '--action', 'iam:ListUsers', ...mfa(true), ...scps],
    decision: 'explicitDeny',
    deniedBy: 'service control',
  },
  {
    name: 'RCP denies a principal outside the organization',
    args: [...assumeDeployer, ...rcps],
    decision: 'explicitDeny',
    deniedBy: 'resource control',
  },
  {
    name: 'RCP lets a principal of the organization through',
    args: [...assumeDeployer, '--context', 'aws:PrincipalOrgID=o-a1b2c3d4e5', ...rcps],
    decision: 'allowed',
    deniedBy: null,
  },
];

interface JsonExplanation {
  decision: string;
  deniedBy: string | null;
  message: string | null;
  rule: string;
  decidingStatements: { policyId: string; sid: string; policyType: string }[];
  policySets: { type: string; policies: { policyId: string; statements: { outcome: string }[] }[] }[];
}

async function explainJson(args: string[], env: Record<string, string> = {}) {
  const result = await portcullis(['explain', ...args, '--format', 'json'], env);
  assert.ok(result.code === 0 || result.code === 1, result.output);
  const explanation = JSON.parse(result.stdout) as JsonExplanation;
  // The exit status says the verdict, for scripts.
  assert.equal(result.code, explanation.decision === 'allowed' ? 0 : 1);
  return explanation;
}

/** What must be the same from a file and live (the principal's unique ids differ, so not the context). */
function verdict(e: JsonExplanation) {
  return {
    decision: e.decision,
    deniedBy: e.deniedBy,
    message: e.message,
    rule: e.rule,
    decidingStatements: e.decidingStatements,
    outcomes: e.policySets.map((s) => [
      s.type,
      s.policies.map((p) => [p.policyId, p.statements.map((t) => t.outcome)]),
    ]),
  };
}

const fromFile = new Map<string, JsonExplanation>();

for (const c of CASES) {
  test(`from the exported file: ${c.name} → ${c.decision}${c.deniedBy ? ` (${c.deniedBy})` : ''}`, async () => {
    const explanation = await explainJson([...exported, ...c.args]);
    assert.equal(explanation.decision, c.decision);
    assert.equal(explanation.deniedBy, c.deniedBy);
    fromFile.set(c.name, explanation);
  });
}

test('the text names the failing condition: key absent, or present with its value', async () => {
  const args = [
    ...exported,
    '--principal',
    alice,
    '--action',
    'iam:ListUsers',
    '--resource',
    `${ACCOUNT}:user/`,
  ];
  const absent = await portcullis(['explain', ...args], {});
  assert.equal(absent.code, 1, absent.output);
  assert.match(
    absent.stdout,
    /^AccessDenied: User: arn:aws:iam::123456789012:user\/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user\/ because no identity-based policy allows the iam:ListUsers action\n/,
  );
  assert.match(absent.stdout, /^ +FAILS: Bool aws:MultiFactorAuthPresent \["true"\]; the key is absent$/m);
  assert.match(
    absent.stdout,
    /^ +statement 0 \(Sid NoDeletingUsers\) Deny: no match: iam:ListUsers is not in Action iam:DeleteUser$/m,
  );
  const falseOne = await portcullis(['explain', ...args, ...mfa(false)], {});
  assert.match(
    falseOne.stdout,
    /^ +FAILS: Bool aws:MultiFactorAuthPresent \["true"\]; the request has \["false"\]$/m,
  );
  const boundary = await portcullis(
    [
      'explain',
      ...exported,
      '--principal',
      alice,
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::b/k',
    ],
    {},
  );
  assert.match(
    boundary.stdout,
    /^Rule: An identity-based policy allows, but the permissions boundary does not/m,
  );
  assert.match(
    boundary.stdout,
    /^ +statement 0 \(Sid IamAndSts\) Allow: no match: s3:GetObject is not in Action iam:\*, sts:\*$/m,
  );
});

test('bad options and inputs are refused with exit status 2 and a message, never a stack trace', async () => {
  const who = ['--principal', alice, '--action', 'iam:ListUsers'];
  const cases: [string[], RegExp][] = [
    [who, /give either --authorization-details FILE or --endpoint URL/],
    [[...exported, '--action', 'iam:ListUsers'], /--principal is required/],
    [[...exported, ...who, '--format', 'xml'], /--format must be one of text, json/],
    [[...exported, ...who, '--verbose'], /unknown option --verbose/],
    [
      [...exported, ...who, '--context', 'aws:MultiFactorAuthPresent=yes'],
      /aws:MultiFactorAuthPresent is a Bool key; "yes" is not true or false/,
    ],
    [[...exported, ...who, '--context', 'aws:MultiFactorAuthAge=soon'], /is a Numeric key/],
    [[...exported, ...who, '--context', 'novalue'], /"novalue" is not key=value/],
    [
      [...exported, '--principal', `${ACCOUNT}:user/nobody`, '--action', 'iam:ListUsers'],
      /no user or role arn:aws:iam::123456789012:user\/nobody/,
    ],
    [[...exported, ...who, ...sessionPolicy], /a session policy applies to a role session/],
    [
      [
        ...exported,
        '--principal',
        `arn:aws:sts::${ROOT.accountId}:federated-user/x`,
        '--action',
        'iam:ListUsers',
      ],
      /is a federated user: give --federation-user/,
    ],
    [
      ['--authorization-details', join(fixtures, 'session-policy.json'), ...who],
      /authorization details: UserDetailList is missing/,
    ],
    [['--authorization-details', join(fixtures, 'missing.json'), ...who], /cannot read .*missing\.json/],
    [
      [...who, '--endpoint', 'http://127.0.0.1:1'],
      /GetAccountAuthorizationDetails on http:\/\/127\.0\.0\.1:1/,
    ],
    [
      ['--endpoint', 'http://127.0.0.1:1', '--request-id', 'r-1'],
      /LookupEvents on http:\/\/127\.0\.0\.1:1: /,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await portcullis(['explain', ...args], {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.output}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
});

test('--help documents every option', async () => {
  const result = await portcullis(['explain', '--help'], {});
  assert.equal(result.code, 0);
  for (const flag of Object.keys(EXPLAIN_OPTIONS))
    assert.match(result.stdout, new RegExp(`^  ${flag.replace(/[-[\]]/g, '\\$&')}$`, 'm'), flag);
  for (const flag of [
    '--principal',
    '--federation-user',
    '--action',
    '--resource',
    '--context',
    '--authorization-details',
    '--endpoint',
    '--region',
    '--session-policy',
    '--scp',
    '--rcp',
    '--resource-policy',
    '--format',
    '--output',
  ])
    assert.ok(
      Object.keys(EXPLAIN_OPTIONS).some((o) => o.split(' ')[0] === flag),
      flag,
    );
});

test("the README's explanation is this command's real output on the exported account", async () => {
  const readme = readFileSync(resolve(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
  const shown = /\n\$ portcullis explain ([^\n]*)\n([\s\S]*?)\$ echo \$\?\n(\d)\n/.exec(readme);
  assert.ok(shown, 'the README shows an explanation between "$ portcullis explain" and "$ echo $?"');
  const args = shown[1]!
    .replace(/\\\n\s*/g, '')
    .split(/\s+/)
    .filter(Boolean);
  const result = await portcullis(['explain', ...args], {});
  assert.equal(result.stdout, shown[2]);
  assert.equal(String(result.code), shown[3]);
});

let server: Server;
before(async () => {
  server = await startServer();
  await loadExplainAccount(server.iam());
});
after(async () => {
  await server?.stop();
});

const rootEnv = {
  AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
  AWS_REGION: 'us-east-1',
};

test('live (--endpoint), every question gets the verdict the exported file gives', async () => {
  for (const c of CASES) {
    const live = await explainJson(['--endpoint', server.url, ...c.args], rootEnv);
    const file = fromFile.get(c.name) ?? (await explainJson([...exported, ...c.args]));
    assert.deepEqual(verdict(live), verdict(file), c.name);
  }
});

test("a denied explanation's message is the server's own AccessDenied when the principal makes the call", async () => {
  const key = (await server.iam().send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const asAlice = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const calls: [string, () => Promise<unknown>][] = [
    ['Bool condition, key absent', () => server.iam(asAlice).send(new ListUsersCommand({}))],
    ['explicit deny', () => server.iam(asAlice).send(new DeleteUserCommand({ UserName: 'bob' }))],
    [
      'trust policy without MFA',
      () =>
        server
          .sts(asAlice)
          .send(
            new AssumeRoleCommand({ RoleArn: `${ACCOUNT}:role/deployer`, RoleSessionName: 'alice-session' }),
          ),
    ],
  ];
  for (const [name, call] of calls) {
    const c = CASES.find((k) => k.name === name)!;
    const explained = await explainJson(['--endpoint', server.url, ...c.args], rootEnv);
    await assert.rejects(call(), (error: Error) => {
      assert.equal(error.name, 'AccessDenied', name);
      assert.equal(error.message, explained.message, name);
      return true;
    });
  }
});

test("--request-id explains a denied call from the audit trail with the event's own caller, action, resource and context", async () => {
  const key = (await server.iam().send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const asAlice = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  let requestId = '';
  let message = '';
  await assert.rejects(
    server.iam(asAlice).send(new DeleteUserCommand({ UserName: 'bob' })),
    (error: Error) => {
      requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId ?? '';
      message = error.message;
      return error.name === 'AccessDenied';
    },
  );
  assert.ok(requestId);
  const cloudtrail = server.cloudTrail();
  // What `aws cloudtrail lookup-events` writes, the events as CloudTrailEvent strings.
  let events: unknown[] = [];
  for (let attempt = 0; attempt < 50 && events.length === 0; attempt++) {
    const answer = await cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }] }),
    );
    events = (answer.Events ?? []).filter((e) => e.CloudTrailEvent?.includes(requestId));
    if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const file = join(server.dataDir, 'events.json');
  writeFileSync(file, JSON.stringify({ Events: events }));
  const args = ['--endpoint', server.url, '--request-id', requestId, '--events', file];
  const explained = await explainJson(args, rootEnv);
  assert.equal(explained.decision, 'explicitDeny');
  assert.equal(explained.message, message);
  // Without --events, the event is read from the endpoint's own LookupEvents: the same explanation.
  const live = await explainJson(['--endpoint', server.url, '--request-id', requestId], rootEnv);
  assert.deepEqual(live, explained);
  denied = {
    requestId,
    time: String((live as unknown as { context: Record<string, unknown> }).context['aws:CurrentTime']),
  };
  const text = await portcullis(['explain', ...args], rootEnv);
  assert.match(text.stdout, /^ +statement 0 \(Sid NoDeletingUsers\) Deny: MATCHED/m);
  // The context the event records: its time and address.
  const json = JSON.parse((await portcullis(['explain', ...args, '--format', 'json'], rootEnv)).stdout) as {
    context: Record<string, unknown>;
  };
  assert.match(String(json.context['aws:CurrentTime']), /^\d{4}-\d\d-\d\dT/);
  assert.equal(json.context['aws:SourceIp'], '127.0.0.1');

  const missing = await portcullis(
    ['explain', ...args.slice(0, 2), '--request-id', 'nope', '--events', file],
    rootEnv,
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no event of the request nope in /);
  const both = await portcullis(['explain', ...args, '--principal', alice], rootEnv);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--request-id takes principal from the audit trail's event/);
});

let denied = { requestId: '', time: '' };

test('live, the search is bounded by a window and an attribute; a request it does not find is an error naming what was searched', async () => {
  assert.ok(denied.requestId, 'the --request-id test ran first');
  const live = ['--endpoint', server.url, '--request-id', denied.requestId];
  const at = Date.parse(denied.time);
  const iso = (ms: number) => new Date(ms).toISOString();
  // The window of the call's own second, and each lookup attribute that holds it, find it.
  for (const narrowed of [
    ['--start-time', denied.time, '--end-time', denied.time],
    ['--event-name', 'DeleteUser'],
    ['--username', 'alice', '--start-time', iso(at - 60_000)],
  ]) {
    const found = await explainJson([...live, ...narrowed], rootEnv);
    assert.equal(found.decision, 'explicitDeny', narrowed.join(' '));
  }
  const notFound: [string[], RegExp][] = [
    [
      ['--start-time', iso(at - 7_200_000), '--end-time', iso(at - 3_600_000)],
      new RegExp(
        `no event of the request ${denied.requestId} in LookupEvents on ${server.url.replace(/[.]/g, '\\.')} from ${iso(at - 7_200_000)} to ${iso(at - 3_600_000)} \\(give --start-time`,
      ),
    ],
    [['--start-time', iso(at + 2_000)], /no event of the request .* since /],
    [['--event-name', 'ListUsers'], /no event of the request .* since .* with EventName ListUsers/],
  ];
  for (const [narrowed, message] of notFound) {
    const result = await portcullis(['explain', ...live, ...narrowed], rootEnv);
    assert.equal(result.code, 2, `${narrowed.join(' ')}: ${result.output}`);
    assert.match(result.stderr, message);
  }
  const unknown = await portcullis(
    ['explain', '--endpoint', server.url, '--request-id', 'no-such-request'],
    rootEnv,
  );
  assert.equal(unknown.code, 2, unknown.output);
  assert.match(
    unknown.stderr,
    /^portcullis explain: no event of the request no-such-request in LookupEvents on http:.* since \d{4}-/m,
  );
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);

  const refused: [string[], RegExp][] = [
    [['--event-name', 'DeleteUser', '--username', 'alice'], /LookupEvents takes one lookup attribute/],
    [['--start-time', 'yesterday'], /--start-time: "yesterday" is not an ISO 8601 time/],
    [['--start-time', iso(at), '--end-time', iso(at - 1_000)], /--start-time is after --end-time/],
    [
      ['--events', join(fixtures, 'session-policy.json'), '--username', 'alice'],
      /--username bounds the search of --endpoint's LookupEvents, not --events/,
    ],
  ];
  for (const [narrowed, message] of refused) {
    const result = await portcullis(['explain', ...live, ...narrowed], rootEnv);
    assert.equal(result.code, 2, `${narrowed.join(' ')}: ${result.output}`);
    assert.match(result.stderr, message);
  }
  const principal = await portcullis(
    ['explain', ...exported, '--principal', alice, '--action', 'iam:ListUsers', '--event-name', 'ListUsers'],
    rootEnv,
  );
  assert.equal(principal.code, 2);
  assert.match(principal.stderr, /--event-name is read with --request-id only/);
  const noSource = await portcullis(['explain', ...exported, '--request-id', denied.requestId], rootEnv);
  assert.equal(noSource.code, 2);
  assert.match(noSource.stderr, /--request-id needs --events FILE .* or --endpoint URL/);
});

test("a federated user of the root: the server's refusal is the one explain gives for its request id", async () => {
  const token = await server.sts().send(
    new GetFederationTokenCommand({
      Name: 'ops',
      Policy: readFileSync(join(fixtures, 'session-policy.json'), 'utf8'),
    }),
  );
  const asOps = {
    accessKeyId: token.Credentials!.AccessKeyId!,
    secretAccessKey: token.Credentials!.SecretAccessKey!,
    sessionToken: token.Credentials!.SessionToken!,
  };
  let requestId = '';
  let message = '';
  await assert.rejects(server.iam(asOps).send(new ListUsersCommand({})), (error: Error) => {
    requestId = (error as { $metadata?: { requestId?: string } }).$metadata?.requestId ?? '';
    message = error.message;
    return error.name === 'AccessDenied';
  });
  const cloudtrail = server.cloudTrail();
  let events: unknown[] = [];
  for (let attempt = 0; attempt < 50 && events.length === 0; attempt++) {
    const answer = await cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ListUsers' }],
      }),
    );
    events = (answer.Events ?? []).filter((e) => e.CloudTrailEvent?.includes(requestId));
    if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const file = join(server.dataDir, 'federated-events.json');
  writeFileSync(file, JSON.stringify({ Events: events }));
  const explained = await explainJson(
    ['--endpoint', server.url, '--request-id', requestId, '--events', file, ...sessionPolicy],
    rootEnv,
  );
  // Federated users reach no IAM API, whatever their policies: refused before any is read.
  assert.equal(explained.decision, 'implicitDeny');
  assert.equal(explained.deniedBy, null);
  assert.equal(explained.message, message);
  assert.match(explained.rule, /A federated user \(GetFederationToken\) can call no IAM operation/);
  // Live, the event's issuer (type Root, as CloudTrail writes it) names the root user too.
  const live = await explainJson(
    ['--endpoint', server.url, '--request-id', requestId, '--username', 'ops', ...sessionPolicy],
    rootEnv,
  );
  assert.deepEqual(live, explained);
});
