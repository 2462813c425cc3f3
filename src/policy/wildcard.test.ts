import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileGlob } from './wildcard.ts';

const cases: [pattern: string, input: string, expected: boolean][] = [
  ['*', '', true],
  ['*', 'anything/at:all', true],
  ['iam:get*', 'iam:getuser', true],
  ['iam:get*', 'xiam:getuser', false],
  ['iam:?etuser', 'iam:getuser', true],
  ['iam:?etuser', 'iam:etuser', false],
  ['a*b*c', 'abc', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false],
  ['a*a', 'a', false],
  ['a*a', 'aa', true],
  ['*a*', 'bab', true],
  ['*?', '', false],
  ['*?', 'x', true],
  ['exact', 'exact', true],
  ['exact', 'exactly', false],
  ['a?c*', 'abcde', true],
  ['*b?d', 'abcd', true],
];

test('globs are anchored to the whole string and * may be empty', () => {
  for (const [pattern, input, expected] of cases) {
    assert.equal(compileGlob(pattern).matches(input), expected, `${pattern} vs ${input}`);
  }
});

test('ignoreCase compiles the pattern in lower case (inputs are lowered by the caller)', () => {
  assert.equal(compileGlob('IAM:Get*', true).matches('iam:getuser'), true);
});

/** Reference semantics: a straightforward regular expression. */
function reference(pattern: string, input: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(input);
}

test('the segment matcher agrees with a regular-expression reference on random globs', () => {
  const alphabet = fc.constantFrom('a', 'b', '*', '?', '/');
  fc.assert(
    fc.property(
      fc.array(alphabet, { maxLength: 8 }),
      fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 10 }),
      (p, i) => {
        const pattern = p.join('');
        const input = i.join('');
        assert.equal(
          compileGlob(pattern).matches(input),
          reference(pattern, input),
          `${pattern} vs ${input}`,
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test('a pathological pattern against a long input finishes (no exponential backtracking)', () => {
  const pattern = `${'a*'.repeat(200)}b`;
  const input = 'a'.repeat(100_000);
  assert.equal(compileGlob(pattern).matches(input), false);
});
