// Customer managed policies: create, read, list, versions, default version, tags, delete, with
// AWS's errors and limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ROOT, awsError, startServer, type Server } from '../harness.ts';

let server: Server;
let iam: IAMClient;
before(async () => {
  server = await startServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const ACCOUNT = ROOT.accountId;
const arnOf = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:policy${path}${name}`;

function doc(...actions: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  });
}

test('CreatePolicy returns the policy with an ANPA id, v1 as default and no attachments', async () => {
  const created = await iam.send(
    new CreatePolicyCommand({
      PolicyName: 'ReadUsers',
      Path: '/team/',
      PolicyDocument: doc('iam:ListUsers'),
      Description: 'lists users',
      Tags: [{ Key: 'owner', Value: 'ops' }],
    }),
  );
  const p = created.Policy!;
  assert.equal(p.PolicyName, 'ReadUsers');
  assert.equal(p.Arn, arnOf('ReadUsers', '/team/'));
  assert.equal(p.Path, '/team/');
  assert.match(p.PolicyId ?? '', /^ANPA[A-Z0-9]{17}$/);
  assert.equal(p.DefaultVersionId, 'v1');
  assert.equal(p.AttachmentCount, 0);
  assert.equal(p.PermissionsBoundaryUsageCount, 0);
  assert.equal(p.IsAttachable, true);
  assert.ok(p.CreateDate instanceof Date);
  assert.deepEqual(p.Tags, [{ Key: 'owner', Value: 'ops' }]);
});

test('GetPolicy returns the description and tags; ListPolicies leaves them out', async () => {
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: arnOf('ReadUsers', '/team/') }));
  assert.equal(got.Policy?.Description, 'lists users');
  assert.deepEqual(got.Policy?.Tags, [{ Key: 'owner', Value: 'ops' }]);
  const listed = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/team/' }));
  assert.equal(listed.Policies?.length, 1);
  assert.equal(listed.Policies![0]!.PolicyName, 'ReadUsers');
  assert.equal(listed.Policies![0]!.Description, undefined);
  assert.equal(listed.Policies![0]!.Tags, undefined);
  assert.equal(listed.Policies![0]!.AttachmentCount, 0);
});

test('policy names are unique in the account regardless of case and path', async () => {
  const error = await awsError(
    iam.send(
      new CreatePolicyCommand({
        PolicyName: 'readusers',
        Path: '/other/',
        PolicyDocument: doc('iam:GetUser'),
      }),
    ),
  );
  assert.deepEqual(error, {
    code: 'EntityAlreadyExists',
    message: 'A policy called readusers already exists. Duplicate names are not allowed.',
    status: 409,
  });
});

test('a malformed document is MalformedPolicyDocument with AWS message', async () => {
  const noVersion = await awsError(
    iam.send(
      new CreatePolicyCommand({
        PolicyName: 'Bad',
        PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Resource: '*' }] }),
      }),
    ),
  );
  assert.equal(noVersion.code, 'MalformedPolicyDocument');
  assert.equal(noVersion.status, 400);
  const syntax = await awsError(
    iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{not json' })),
  );
  assert.deepEqual(syntax, {
    code: 'MalformedPolicyDocument',
    message: 'Syntax errors in policy.',
    status: 400,
  });
  const noAction = await awsError(
    iam.send(
      new CreatePolicyCommand({
        PolicyName: 'Bad',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Resource: '*' }],
        }),
      }),
    ),
  );
  assert.deepEqual(noAction, {
    code: 'MalformedPolicyDocument',
    message: 'Policy statement must contain actions.',
    status: 400,
  });
});

test('a document over 6,144 characters (white space not counted) is LimitExceeded PolicySize', async () => {
  const actions = Array.from({ length: 400 }, (_, i) => `s3:GetObjectVersion${i}`);
  const error = await awsError(
    iam.send(new CreatePolicyCommand({ PolicyName: 'Huge', PolicyDocument: doc(...actions) })),
  );
  // AWS answers LimitExceeded here, not MalformedPolicyDocument: "Cannot exceed quota for
  // PolicySize: 6144" on creating a policy, https://github.com/docker/docs/issues/6218
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for PolicySize: 6144',
    status: 409,
  });
  // The same size in white space is fine.
  const padded = doc('iam:GetUser').replace('{', '{' + ' '.repeat(7000));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'Padded', PolicyDocument: padded }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: arnOf('Padded') }));
});

test('CreatePolicyVersion with a document over 6,144 characters is LimitExceeded PolicySize too', async () => {
  await iam.send(new CreatePolicyCommand({ PolicyName: 'Growing', PolicyDocument: doc('iam:GetUser') }));
  const actions = Array.from({ length: 400 }, (_, i) => `s3:GetObjectVersion${i}`);
  const error = await awsError(
    iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: arnOf('Growing'), PolicyDocument: doc(...actions) }),
    ),
  );
  // AWS: "operation error IAM: CreatePolicyVersion, https response error StatusCode: 409, ...,
  // LimitExceeded: Cannot exceed quota for PolicySize: 6144",
  // https://github.com/terraform-aws-modules/terraform-aws-eks/issues/3552
  assert.deepEqual(error, {
    code: 'LimitExceeded',
    message: 'Cannot exceed quota for PolicySize: 6144',
    status: 409,
  });
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arnOf('Growing') }));
  assert.deepEqual(
    versions.Versions?.map((v) => v.VersionId),
    ['v1'],
  );
  await iam.send(new DeletePolicyCommand({ PolicyArn: arnOf('Growing') }));
});

test('an unknown policy is NoSuchEntity with AWS message', async () => {
  const error = await awsError(iam.send(new GetPolicyCommand({ PolicyArn: arnOf('Nope') })));
  assert.deepEqual(error, {
    code: 'NoSuchEntity',
    message: `Policy ${arnOf('Nope')} was not found.`,
    status: 404,
  });
  // The right name under another path names nothing.
  const wrongPath = await awsError(iam.send(new GetPolicyCommand({ PolicyArn: arnOf('ReadUsers') })));
  assert.equal(wrongPath.code, 'NoSuchEntity');
});

test('a PolicyArn that is not an ARN is refused', async () => {
  const notArn = await awsError(iam.send(new GetPolicyCommand({ PolicyArn: 'longpolicynamebutnoarn' })));
  assert.deepEqual(notArn, {
    code: 'ValidationError',
    message: 'ARN longpolicynamebutnoarn is not valid.',
    status: 400,
  });
  const notPolicy = await awsError(
    iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:not_a_policy/x` })),
  );
  assert.deepEqual(notPolicy, {
    code: 'InvalidInput',
    message: `ARN arn:aws:iam::${ACCOUNT}:not_a_policy/x is not valid.`,
    status: 400,
  });
});

test('GetPolicyVersion returns the document URL-encoded as RFC 3986 says', async () => {
  const text =
    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]\n}';
  await iam.send(new CreatePolicyCommand({ PolicyName: 'Encoded', PolicyDocument: text }));
  const got = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arnOf('Encoded'), VersionId: 'v1' }));
  const document = got.PolicyVersion!.Document!;
  assert.match(document, /^%7B%0A%20%20%22Version%22%3A/);
  assert.ok(document.includes('%2A'), 'the asterisk is percent-encoded too');
  assert.equal(decodeURIComponent(document), text);
  assert.equal(got.PolicyVersion?.IsDefaultVersion, true);
  assert.equal(got.PolicyVersion?.VersionId, 'v1');
});

test('versions: created, listed newest first, switched as default, and at most 5', async () => {
  const arn = arnOf('Versioned');
  await iam.send(new CreatePolicyCommand({ PolicyName: 'Versioned', PolicyDocument: doc('iam:GetUser') }));
  const v2 = await iam.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('iam:GetGroup') }),
  );
  assert.equal(v2.PolicyVersion?.VersionId, 'v2');
  assert.equal(v2.PolicyVersion?.IsDefaultVersion, false);
  assert.equal(v2.PolicyVersion?.Document, undefined);
  const v3 = await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: arn,
      PolicyDocument: doc('iam:GetRole'),
      SetAsDefault: true,
    }),
  );
  assert.equal(v3.PolicyVersion?.IsDefaultVersion, true);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId, 'v3');

  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('iam:GetPolicy') }));
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('iam:ListRoles') }));
  const sixth = await awsError(
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('iam:ListGroups') })),
  );
  // AWS: "An error occurred (LimitExceeded) when calling the CreatePolicyVersion operation: A
  // managed policy can have up to 5 versions. ...", https://github.com/99designs/iamy/issues/21
  assert.deepEqual(sixth, {
    code: 'LimitExceeded',
    message:
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    status: 409,
  });

  const listed = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
  assert.deepEqual(
    listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]),
    [
      ['v5', false],
      ['v4', false],
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ],
  );
  assert.equal(listed.Versions?.[0]?.Document, undefined);

  // Version ids are never reused after a delete.
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
  const v6 = await iam.send(
    new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('iam:ListGroups') }),
  );
  assert.equal(v6.PolicyVersion?.VersionId, 'v6');

  await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  const v1 = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
  assert.equal(v1.PolicyVersion?.IsDefaultVersion, true);
  assert.equal(decodeURIComponent(v1.PolicyVersion!.Document!), doc('iam:GetUser'));
});

test('ListPolicyVersions pages with Marker and MaxItems', async () => {
  const arn = arnOf('Versioned');
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(
      new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 2, Marker: marker }),
    );
    ids.push(...page.Versions!.map((v) => v.VersionId!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  assert.deepEqual(ids, ['v6', 'v5', 'v4', 'v3', 'v1']);
});

test('the default version cannot be deleted; unknown versions are NoSuchEntity', async () => {
  const arn = arnOf('Versioned');
  const deleteDefault = await awsError(
    iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })),
  );
  assert.deepEqual(deleteDefault, {
    code: 'DeleteConflict',
    message: 'Cannot delete the default version of a policy.',
    status: 409,
  });
  const missing = `Policy ${arn} version v9 does not exist or is not attachable.`;
  assert.deepEqual(
    await awsError(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' }))),
    {
      code: 'NoSuchEntity',
      message: missing,
      status: 404,
    },
  );
  assert.equal(
    (await awsError(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })))).message,
    missing,
  );
  assert.equal(
    (await awsError(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' }))))
      .message,
    missing,
  );
  const badId = await awsError(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'x1' })));
  assert.equal(badId.code, 'ValidationError');
});

test('a policy with versions besides the default cannot be deleted until they are', async () => {
  const arn = arnOf('Versioned');
  const error = await awsError(iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
  assert.deepEqual(error, {
    code: 'DeleteConflict',
    message:
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    status: 409,
  });
  for (const v of ['v3', 'v4', 'v5', 'v6']) {
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
  }
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  assert.equal((await awsError(iam.send(new GetPolicyCommand({ PolicyArn: arn })))).code, 'NoSuchEntity');
  assert.deepEqual(await awsError(iam.send(new DeletePolicyCommand({ PolicyArn: arn }))), {
    code: 'NoSuchEntity',
    message: `Policy ${arn} was not found.`,
    status: 404,
  });
});

test('policy tags are added, replaced by key, listed and removed', async () => {
  const arn = arnOf('ReadUsers', '/team/');
  await iam.send(
    new TagPolicyCommand({
      PolicyArn: arn,
      Tags: [
        { Key: 'env', Value: 'dev' },
        { Key: 'OWNER', Value: 'sec' },
      ],
    }),
  );
  const listed = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }));
  assert.deepEqual(listed.Tags, [
    { Key: 'env', Value: 'dev' },
    { Key: 'OWNER', Value: 'sec' },
  ]);
  await iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['env'] }));
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags, [
    { Key: 'OWNER', Value: 'sec' },
  ]);
  const dup = await awsError(
    iam.send(
      new TagPolicyCommand({
        PolicyArn: arn,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'A', Value: '2' },
        ],
      }),
    ),
  );
  assert.deepEqual(dup, { code: 'InvalidInput', message: 'Duplicate tag keys found.', status: 400 });
  const missing = await awsError(
    iam.send(new TagPolicyCommand({ PolicyArn: arnOf('Nope'), Tags: [{ Key: 'a', Value: '1' }] })),
  );
  assert.deepEqual(missing, {
    code: 'NoSuchEntity',
    message: `Policy ${arnOf('Nope')} was not found.`,
    status: 404,
  });
});

test('ListPolicies with Scope Local pages in name order and filters by PathPrefix', async () => {
  for (const name of ['pg-c', 'pg-a', 'pg-e', 'pg-b', 'pg-d']) {
    await iam.send(
      new CreatePolicyCommand({ PolicyName: name, Path: '/paged/', PolicyDocument: doc('iam:GetUser') }),
    );
  }
  const names: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await iam.send(
      new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/paged/', MaxItems: 2, Marker: marker }),
    );
    names.push(...page.Policies!.map((p) => p.PolicyName!));
    marker = page.IsTruncated ? page.Marker : undefined;
    pages++;
  } while (marker);
  assert.deepEqual(names, ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e']);
  assert.equal(pages, 3);
  const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }));
  assert.ok(local.Policies!.every((p) => p.Arn!.startsWith(`arn:aws:iam::${ACCOUNT}:policy/`)));
});

test('policies survive a restart', async () => {
  server = await server.restart();
  iam = server.iam();
  const got = await iam.send(new GetPolicyCommand({ PolicyArn: arnOf('ReadUsers', '/team/') }));
  assert.equal(got.Policy?.Description, 'lists users');
});
