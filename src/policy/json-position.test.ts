import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  jsonSyntaxErrorOffset,
  lineStarts,
  positionAtOffset,
  refusalPosition,
  refusedStatement,
  statementStarts,
} from './json-position.ts';
import { parsePolicy } from './parse.ts';
import type { PolicyKind } from './types.ts';

test('the syntax check agrees with JSON.parse on valid and broken texts', () => {
  const samples = [
    '{}',
    '[]',
    ' {"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"]} ',
    '"just a string"',
    '{"a":1,}',
    '[1 2]',
    '{"a" 1}',
    '{"a":01}',
    '{"a":"\\x"}',
    '{"a":"line\nbreak"}',
    '{"a":tru}',
    '{"a":1}}',
    '',
    '\ufeff{}',
    '{"a":"\\u12"}',
    '[1.]',
  ];
  for (const text of samples) {
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    assert.equal(jsonSyntaxErrorOffset(text) === undefined, valid, text);
  }
  assert.equal(jsonSyntaxErrorOffset('{"a":1,}'), 7);
  assert.equal(jsonSyntaxErrorOffset('[1 2]'), 3);
  assert.equal(jsonSyntaxErrorOffset('{"a":"\\x"}'), 7);
});

test('an invalid JSON document is never silently cut: every text is answered without throwing', () => {
  // Random texts from JSON's own characters: either JSON or a syntax error, never an exception.
  const alphabet = '{}[]:,"\\ 01-.eEtrufalsn\n';
  let seed = 7;
  for (let round = 0; round < 2000; round++) {
    let text = '';
    const length = (round % 24) + 1;
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      text += alphabet[seed % alphabet.length];
    }
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    assert.equal(jsonSyntaxErrorOffset(text) === undefined, valid, JSON.stringify(text));
  }
});

test('offsets become 1-based lines and columns, whatever the line breaks', () => {
  const text = 'ab\ncd\r\nef\rgh';
  const lines = lineStarts(text);
  assert.deepEqual(lines, [0, 3, 7, 10]);
  assert.deepEqual(positionAtOffset(lines, 0), { line: 1, column: 1 });
  assert.deepEqual(positionAtOffset(lines, 4), { line: 2, column: 2 });
  assert.deepEqual(positionAtOffset(lines, 8), { line: 3, column: 2 });
  assert.deepEqual(positionAtOffset(lines, 12), { line: 4, column: 3 });
  assert.deepEqual(positionAtOffset(lines, 13), { line: 4, column: 4 }); // the end of the text
});

test("each statement starts at its own '{', in an array or alone", () => {
  const text =
    '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"},\n    {"Effect": "Deny"}\n  ]\n}';
  assert.deepEqual(statementStarts(text), [
    { line: 4, column: 5 },
    { line: 5, column: 5 },
  ]);
  assert.deepEqual(statementStarts('{"Version":"2012-10-17","Statement":{"Effect":"Allow"}}'), [
    { line: 1, column: 37 },
  ]);
});

test('a JSON syntax error is placed where the parser stopped', () => {
  const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}';
  const at = refusalPosition(text, 'identity', 'Syntax errors in policy.');
  assert.deepEqual(at, { kind: 'syntax', at: { line: 4, column: 24 }, offset: text.indexOf(',}') + 1 });
  const cut = refusalPosition(
    '{"Version": "2012-10-17", "Statement": [',
    'identity',
    'Syntax errors in policy.',
  );
  assert.deepEqual(cut, { kind: 'syntax', at: { line: 1, column: 41 }, offset: 40 });
});

test('a statement IAM refuses is placed at its opening brace, for each kind of policy', () => {
  const cases: [PolicyKind, object[], number][] = [
    [
      'identity',
      [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Allow', Action: 's3:GetObject' },
      ],
      1,
    ],
    ['trust', [{ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 's3:GetObject' }], 0],
    [
      'scp',
      [
        { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
        { Effect: 'Deny', Resource: '*' },
      ],
      1,
    ],
    [
      'rcp',
      [
        { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:*', Resource: '*' },
      ],
      1,
    ],
  ];
  for (const [kind, statements, refused] of cases) {
    const text = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
    const parsed = parsePolicy(text, { kind });
    assert.equal(parsed.ok, false, kind);
    if (parsed.ok) continue;
    const at = refusalPosition(text, kind, parsed.error.message);
    assert.equal(at?.kind, 'statement', kind);
    assert.equal(at?.kind === 'statement' ? at.index : undefined, refused, kind);
    assert.deepEqual(at?.at, statementStarts(text)[refused], kind);
    assert.equal(text.split('\n')[at!.at.line - 1]![at!.at.column - 1], '{', kind);
  }
});

test('a refusal of the document as a whole, or one the engine does not make, has no statement', () => {
  const version = JSON.stringify({
    Version: '2008-10-18',
    Statement: [
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringEquals: { 'aws:username': '${aws:username}' } },
      },
    ],
  });
  const parsed = parsePolicy(version, { kind: 'identity' });
  if (!parsed.ok) assert.equal(refusedStatement(version, 'identity', parsed.error.message), undefined);
  const fine = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
  assert.equal(refusalPosition(fine, 'identity', 'Invalid principal in policy: "AWS":"bob"'), undefined);
  assert.equal(refusedStatement('[1', 'identity', 'Syntax errors in policy.'), undefined);
});

test('a principal IAM finds no one behind is placed at the statement naming it', () => {
  const gone = 'arn:aws:iam::123456789012:user/gone';
  const text = JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { AWS: ['123456789012', gone] }, Action: 'sts:AssumeRole' },
      ],
    },
    null,
    2,
  );
  const at = refusalPosition(text, 'trust', `Invalid principal in policy: "AWS":"${gone}"`);
  assert.equal(at?.kind === 'statement' ? at.index : undefined, 1);
  assert.deepEqual(at?.at, statementStarts(text)[1]);
});
