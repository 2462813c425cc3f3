// The XML documents themselves: layout as AWS sends it, escaping, and what is left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeQueryError, encodeQueryResponse } from './encode.ts';
import { escapeText } from './xml.ts';

test('a response has the result wrapper, then ResponseMetadata, in the service namespace [recorded layout]', () => {
  const xml = encodeQueryResponse(
    'sts',
    'GetCallerIdentity',
    { Arn: 'arn:aws:iam::123456789012:user/bob', UserId: 'AIDAEXAMPLE', Account: '123456789012' },
    'c6104cbe-af31-11e0-8154-cbc7ccf896c7',
  );
  assert.equal(
    xml,
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
    <Arn>arn:aws:iam::123456789012:user/bob</Arn>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`,
  );
});

test('an operation without output has only ResponseMetadata', () => {
  assert.equal(
    encodeQueryResponse('iam', 'DeleteUser', undefined, 'r-1'),
    `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ResponseMetadata>
    <RequestId>r-1</RequestId>
  </ResponseMetadata>
</DeleteUserResponse>
`,
  );
});

test('an operation with output but nothing to say has an empty result element', () => {
  assert.match(encodeQueryResponse('iam', 'UpdateRole', undefined, 'r'), /^ {2}<UpdateRoleResult\/>$/m);
});

test('lists are <member> elements, empty lists self-close, maps are entries', () => {
  const xml = encodeQueryResponse('iam', 'ListGroupsForUser', { Groups: [], IsTruncated: false }, 'r');
  assert.match(xml, /<Groups\/>/);
  assert.match(xml, /<IsTruncated>false<\/IsTruncated>/);
  const summary = encodeQueryResponse('iam', 'GetAccountSummary', { SummaryMap: { Users: 2 } }, 'r');
  assert.match(
    summary,
    /<SummaryMap>\s*<entry>\s*<key>Users<\/key>\s*<value>2<\/value>\s*<\/entry>\s*<\/SummaryMap>/,
  );
  const tags = encodeQueryResponse(
    'iam',
    'ListUserTags',
    { Tags: [{ Key: 'a', Value: 'b' }], IsTruncated: false },
    'r',
  );
  assert.match(tags, /<Tags>\s*<member>\s*<Key>a<\/Key>\s*<Value>b<\/Value>\s*<\/member>\s*<\/Tags>/);
});

test('members come out in model order whatever the object order, and unknown keys are dropped', () => {
  const xml = encodeQueryResponse(
    'iam',
    'GetUser',
    {
      User: {
        Arn: 'arn',
        CreateDate: new Date(0),
        UserId: 'id',
        UserName: 'n',
        Path: '/',
        Secret: 'no',
        password: 'no',
      },
      Extra: 'no',
    },
    'r',
  );
  const order = [...xml.matchAll(/<(Path|UserName|UserId|Arn|CreateDate)>/g)].map((m) => m[1]);
  assert.deepEqual(order, ['Path', 'UserName', 'UserId', 'Arn', 'CreateDate']);
  assert.doesNotMatch(xml, /Secret|password|Extra/);
});

test('timestamps are ISO 8601 in whole seconds, from a Date, a string or epoch milliseconds', () => {
  const at = (value: unknown) =>
    /<CreateDate>([^<]*)<\/CreateDate>/.exec(
      encodeQueryResponse('iam', 'GetUser', { User: { UserName: 'u', CreateDate: value } }, 'r'),
    )?.[1];
  assert.equal(at(new Date('2026-11-23T12:00:00.999Z')), '2026-11-23T12:00:00Z');
  assert.equal(at('2026-11-23T12:00:00+01:00'), '2026-11-23T11:00:00Z');
  assert.equal(at(Date.UTC(2026, 10, 23, 12)), '2026-11-23T12:00:00Z');
  assert.equal(at(new Date(Number.NaN)), undefined);
  assert.equal(at('not a date'), undefined);
  assert.equal(at({}), undefined);
});

test('booleans, integers and blobs are written in their wire form; misfits are left out', () => {
  const xml = encodeQueryResponse(
    'iam',
    'GetLoginProfile',
    { LoginProfile: { UserName: 'u', CreateDate: new Date(0), PasswordResetRequired: true } },
    'r',
  );
  assert.match(xml, /<PasswordResetRequired>true<\/PasswordResetRequired>/);
  const bad = encodeQueryResponse(
    'sts',
    'AssumeRole',
    { PackedPolicySize: 1.5, AssumedRoleUser: 'not an object', Credentials: [1, 2] },
    'r',
  );
  assert.doesNotMatch(bad, /PackedPolicySize|AssumedRoleUser|Credentials/);
  const blob = encodeQueryResponse(
    'iam',
    'GetCredentialReport',
    { Content: new Uint8Array([0, 255, 10]) },
    'r',
  );
  assert.match(blob, /<Content>AP8K<\/Content>/);
});

test('an unknown operation is a programming error', () => {
  assert.throws(() => encodeQueryResponse('iam', 'NoSuchOperation', {}, 'r'));
  assert.throws(() => encodeQueryResponse('iam', '__proto__', {}, 'r'));
});

test('text is escaped: markup characters, CR, and characters XML 1.0 cannot hold', () => {
  assert.equal(escapeText(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  assert.equal(escapeText('a\r\nb\tc'), 'a&#xD;\nb\tc');
  assert.equal(escapeText('\u0000\u0008\u000B\u001F\uFFFE\uFFFF'), '\uFFFD'.repeat(6));
  assert.equal(escapeText('\uD800x\uDC00'), '\uFFFDx\uFFFD');
  assert.equal(escapeText('😀 é \u0085 \uE000'), '😀 é \u0085 \uE000');
  assert.equal(escapeText(']]>'), ']]&gt;');
});

test('property: escaped text contains only XML characters and no markup', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (value) => {
      const escaped = escapeText(value);
      assert.doesNotMatch(escaped, /[<>"'\r]/);
      assert.doesNotMatch(escaped, /&(?!(amp|lt|gt|quot|apos|#xD);)/);
      assert.doesNotMatch(
        escaped,
        /* eslint-disable no-control-regex -- the characters XML 1.0 cannot carry */
        /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
        /* eslint-enable no-control-regex */
      );
    }),
    { numRuns: 2000 },
  );
});

test('the request id and namespace are escaped too', () => {
  assert.match(
    encodeQueryResponse('iam', 'DeleteUser', undefined, '<x>&'),
    /<RequestId>&lt;x&gt;&amp;<\/RequestId>/,
  );
});

test('an error document is AWS ErrorResponse with Type, Code, Message and RequestId [recorded layout]', () => {
  assert.equal(
    encodeQueryError(
      'iam',
      { code: 'NoSuchEntity', message: 'The user with name bob cannot be found.' },
      'r-2',
    ),
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>NoSuchEntity</Code>
    <Message>The user with name bob cannot be found.</Message>
  </Error>
  <RequestId>r-2</RequestId>
</ErrorResponse>
`,
  );
});

test('error Type comes from the model or the status; an explicit type wins', () => {
  assert.match(
    encodeQueryError('iam', { code: 'ServiceFailure', message: 'x' }, 'r'),
    /<Type>Receiver<\/Type>/,
  );
  assert.match(
    encodeQueryError('sts', { code: 'InternalFailure', message: 'x' }, 'r'),
    /<Type>Receiver<\/Type>/,
  );
  assert.match(
    encodeQueryError('sts', { code: 'ExpiredTokenException', message: 'x' }, 'r'),
    /<Type>Sender<\/Type>/,
  );
  assert.match(
    encodeQueryError('sts', { code: 'Whatever', message: 'x', type: 'Receiver' }, 'r'),
    /<Type>Receiver<\/Type>/,
  );
});

test('an error without message has no Message element (ReportNotPresent, MalformedInput) [recorded]', () => {
  const xml = encodeQueryError('iam', { code: 'ReportNotPresent', message: '' }, 'r');
  assert.doesNotMatch(xml, /Message/);
});

test('InvalidAction comes in the AWSFault namespace, as AWS sends it [recorded]', () => {
  assert.match(
    encodeQueryError(
      'sts',
      { code: 'InvalidAction', message: 'Could not find operation X for version 2011-06-15' },
      'r',
    ),
    /^<ErrorResponse xmlns="http:\/\/webservices\.amazon\.com\/AWSFault\/2005-15-09">/,
  );
  assert.match(
    encodeQueryError('sts', { code: 'ValidationError', message: 'm' }, 'r'),
    /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/,
  );
});

test('error text is escaped', () => {
  const xml = encodeQueryError('iam', { code: 'A<b>', message: "Value '<&>' at 'x'" }, 'r');
  assert.match(xml, /<Code>A&lt;b&gt;<\/Code>/);
  assert.match(xml, /<Message>Value &apos;&lt;&amp;&gt;&apos; at &apos;x&apos;<\/Message>/);
});
