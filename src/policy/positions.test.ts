import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { statementPositions, type StatementPosition } from './positions.ts';
import { validatePolicyText } from './validate.ts';

const at = (line: number, column: number) => ({ line, column });
const span = (start: [number, number], end: [number, number]): StatementPosition => ({
  start: at(...start),
  end: at(...end),
});

test("a single statement object starts just after its '{' and ends just after its '}' (AWS CLI example)", () => {
  // aws iam simulate-custom-policy example: MatchedStatements Line 1, Column 38 → Line 1, Column 167.
  const text =
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",' +
    '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
  assert.deepEqual(statementPositions(text), [span([1, 38], [1, 167])]);
});

test("the first statement of an array starts just after the '[' (boto3 json.dumps, Column 41 → 180)", () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 's3',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: ['arn:aws:s3:::tims-fancy-bucket/only-here/*'],
      },
    ],
  })
    // Python's json.dumps puts a space after ':' and ','.
    .replace(/":/g, '": ')
    .replace(/,"/g, ', "')
    .replace(/","/g, '", "');
  assert.deepEqual(statementPositions(text), [span([1, 41], [1, 180])]);
});

test('a later statement starts where the previous one ended: commas are not tokens (S3 bucket policy, 38→248, 248→470)', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: ['arn:aws:s3:::tims-fancy-bucket/*', 'arn:aws:s3:::tims-fancy-bucket'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'DenyTimDelete',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:DeleteObject',
        Resource: 'arn:aws:s3:::tims-fancy-bucket/*',
        Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::112233445566:role/tims-test-role' } },
      },
    ],
  });
  assert.deepEqual(statementPositions(text), [span([1, 38], [1, 248]), span([1, 248], [1, 470])]);
});

test("in a pretty-printed document the first statement starts on the '[' line (AdministratorAccess: 3:17 → 8:6)", () => {
  const text = JSON.stringify(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
    null,
    2,
  );
  assert.deepEqual(statementPositions(text), [span([3, 17], [8, 6])]);
  // Four-space indentation, as in the AWS CLI simulate-principal-policy example (3:19 → 9:10).
  const four = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Grant', Effect: 'Allow', Action: 'codecommit:ListRepositories', Resource: '*' }],
    },
    null,
    4,
  );
  assert.deepEqual(statementPositions(four), [span([3, 19], [9, 10])]);
});

test('every statement of a multi-line policy is found, each starting after the previous end', () => {
  const text = [
    '{',
    '    "Version": "2012-10-17",',
    '    "Statement": [',
    '        {',
    '            "Sid": "A",',
    '            "Effect": "Allow",',
    '            "Action": "iam:GetUser",',
    '            "Resource": "*"',
    '        },',
    '        {',
    '            "Sid": "B",',
    '            "Effect": "Deny",',
    '            "NotAction": ["iam:*"],',
    '            "Resource": "*"',
    '        }',
    '    ]',
    '}',
  ].join('\n');
  assert.deepEqual(statementPositions(text), [span([3, 19], [9, 10]), span([9, 10], [15, 10])]);
});

test('CR LF and a lone CR each count as one line break', () => {
  const lines = [
    '{',
    '"Version": "2012-10-17",',
    '"Statement": [',
    '{"Effect": "Allow", "Action": "*", "Resource": "*"}',
    ']}',
  ];
  const expected = [span([3, 15], [4, 52])];
  assert.deepEqual(statementPositions(lines.join('\r\n')), expected);
  assert.deepEqual(statementPositions(lines.join('\r')), expected);
  assert.deepEqual(statementPositions(lines.join('\n')), expected);
});

test('braces, brackets and escaped quotes inside strings are not structure', () => {
  const text =
    '{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"s3:GetObject",' +
    '"Resource":"arn:aws:s3:::b/{}[]\\"},{/*","Condition":{"StringLike":{"s3:prefix":["a\\\\",' +
    '"]}"]}}},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}';
  const found = statementPositions(text);
  assert.equal(found.length, 2);
  assert.equal(text[found[0]!.start.column - 1], '{');
  assert.equal(text[found[0]!.end.column - 2], '}');
  assert.equal(found[1]!.start.column, found[0]!.end.column);
  assert.equal(found[1]!.end.column, text.length - 1);
  assert.deepEqual(JSON.parse(text.slice(found[0]!.start.column - 1, found[0]!.end.column - 1)).Sid, 'x');
});

test('the last Statement key counts, as JSON.parse reads duplicates; escaped key names are decoded', () => {
  const text =
    '{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"},"Version":"2012-10-17",' +
    '"St\\u0061tement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';
  const found = statementPositions(text);
  assert.equal(found.length, 1);
  assert.equal(
    text.slice(found[0]!.start.column - 1, found[0]!.end.column - 1),
    '{"Effect":"Deny","Action":"*","Resource":"*"}',
  );
});

test('a key named Statement inside a statement or a condition is not the top-level one', () => {
  const text =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",' +
    '"Condition":{"StringEquals":{"Statement":["x"]}}}]}';
  assert.equal(statementPositions(text).length, 1);
});

test('text that is not a policy gives no positions and never throws', () => {
  for (const text of [
    '',
    'null',
    '[]',
    '"Statement"',
    '{',
    '{"Statement":',
    '{"Statement":[',
    '}}}]]]',
    '{"Statement":"x"}',
    '\\',
  ]) {
    assert.ok(Array.isArray(statementPositions(text)), text);
  }
  assert.deepEqual(statementPositions('{"Statement":[1, "a", [2], {"Effect":"Allow"}]}'), [
    span([1, 26], [1, 46]),
  ]);
});

test('work is linear: deeply nested or long texts are scanned without recursion', () => {
  const deep = '{"Statement":[' + '['.repeat(100_000) + ']'.repeat(100_000) + ']}';
  const started = performance.now();
  assert.deepEqual(statementPositions(deep), []);
  const long = JSON.stringify({
    Version: '2012-10-17',
    Statement: Array.from({ length: 2000 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
    })),
  });
  assert.equal(statementPositions(long).length, 2000);
  assert.ok(performance.now() - started < 2000);
});

test('property: for every policy validatePolicyText accepts, each statement span covers exactly that statement', () => {
  const statement = fc.record({
    Sid: fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: fc.oneof(
      fc.constant('s3:GetObject'),
      fc.array(fc.constantFrom('iam:GetUser', 'ec2:*', 's3:Put*'), { minLength: 1, maxLength: 3 }),
    ),
    Resource: fc.oneof(fc.constant('*'), fc.constant('arn:aws:s3:::bucket/{key}[x]"q"')),
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(statement, { minLength: 1, maxLength: 5, selector: (s) => s.Sid }),
      fc.constantFrom(undefined, 1, 2, 4, '\t'),
      fc.boolean(),
      (statements, indent, single) => {
        const document = { Version: '2012-10-17', Statement: single ? statements[0] : statements };
        let text = JSON.stringify(document, null, indent);
        if (indent === 2) text = text.replace(/\n/g, '\r\n');
        if (!validatePolicyText(text, 'identity').ok) return;
        const found = statementPositions(text);
        assert.equal(found.length, single ? 1 : statements.length);
        const offsets = lineOffsets(text);
        found.forEach((position, index) => {
          const end = offsets[position.end.line - 1]! + position.end.column - 1;
          assert.equal(text[end - 1], '}');
          const start = offsets[position.start.line - 1]! + position.start.column - 1;
          // The span from the start up to the end holds the statement, after any separator.
          const open = text.indexOf('{', single ? start - 1 : start);
          const expected = single ? statements[0] : statements[index];
          assert.deepEqual(JSON.parse(text.slice(open, end)), JSON.parse(JSON.stringify(expected)));
        });
      },
    ),
  );
});

/** Offsets where each line starts (LF, CR LF or CR end a line). */
function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    if (text[i] === '\n' || text[i] === '\r') offsets.push(i + 1);
  }
  return offsets;
}

test('property: any text, and any prefix of a policy, is scanned without throwing', () => {
  const policy = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [{ Sid: 'A', Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::"b"/*' }],
    },
    null,
    2,
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(policy.length), (noise, cut) => {
      assert.ok(Array.isArray(statementPositions(noise)));
      assert.ok(Array.isArray(statementPositions(policy.slice(0, cut) + noise)));
    }),
  );
});
