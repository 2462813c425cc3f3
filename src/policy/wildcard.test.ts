import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuUsage } from 'node:process';
import fc from 'fast-check';
import { ANY_CHAR, ANY_RUN, compileGlob, compileGlobTokens, type GlobToken } from './wildcard.ts';

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

test('a literal ? (written ${?}) beside wildcard ? matches only a ?, in every part of a glob', () => {
  // Tokens as policy variables leave them: a literal "?" is text, a wildcard is ANY_CHAR.
  const token = fc.constantFrom<GlobToken>('a', '?', 'a?', '?b', ANY_CHAR, ANY_RUN);
  const written = (t: GlobToken) => (t === ANY_RUN ? '*' : t === ANY_CHAR ? '.' : t);
  const referenceOf = (tokens: readonly GlobToken[]) =>
    new RegExp(
      `^${tokens.map((t) => (t === ANY_RUN ? '[\\s\\S]*' : t === ANY_CHAR ? '[\\s\\S]' : t.replaceAll('?', '\\?'))).join('')}$`,
    );
  fc.assert(
    fc.property(
      fc.array(token, { maxLength: 8 }),
      fc.array(fc.constantFrom('a', 'b', '?', 'x'), { maxLength: 12 }),
      (tokens, i) => {
        const input = i.join('');
        assert.equal(
          compileGlobTokens(tokens).matches(input),
          referenceOf(tokens).test(input),
          `${tokens.map(written).join('')} vs ${input}`,
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

/** Reference semantics without backtracking: the textbook dynamic program, O(pattern * input). */
function referenceByTable(pattern: string, input: string): boolean {
  // row[j]: the pattern read so far matches input[0, j).
  let row = new Array<boolean>(input.length + 1).fill(false);
  row[0] = true;
  for (const p of pattern) {
    const next = new Array<boolean>(input.length + 1).fill(false);
    if (p === '*') {
      let any = false;
      for (let j = 0; j <= input.length; j++) next[j] = any ||= row[j]!;
    } else {
      for (let j = 1; j <= input.length; j++) next[j] = row[j - 1]! && (p === '?' || p === input[j - 1]);
    }
    row = next;
  }
  return row[input.length]!;
}

test('long ?-segments (several 32-character words of the bit-parallel scan) agree with the reference', () => {
  // Segments of up to 100 characters between stars, inputs of up to 300 over a two-letter alphabet:
  // long runs of the same letter make segments match late, across word boundaries of the scan.
  const segment = fc.array(fc.constantFrom('a', 'b', '?', '?'), { minLength: 1, maxLength: 100 });
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.constantFrom('a', 'a', 'a', 'b'), { maxLength: 300 }),
      (segments, leadingStar, trailingStar, i) => {
        const pattern = `${leadingStar ? '*' : ''}${segments.map((s) => s.join('')).join('*')}${trailingStar ? '*' : ''}`;
        const input = i.join('');
        assert.equal(
          compileGlob(pattern).matches(input),
          referenceByTable(pattern, input),
          `${pattern} vs ${input}`,
        );
      },
    ),
    { numRuns: 1500 },
  );
});

test('?-segments mixing characters inside and outside the scan table agree with the reference', () => {
  // The scan keeps a table for the span of the segment's characters below U+0100 and a map for the
  // others: inputs hold characters below, inside and above that span, and beyond U+00FF.
  const inSegment = ['0', 'z', 'm', '\u00e9', '\u0101', '\u4e00', '?'];
  const inInput = ['0', 'z', 'm', '\u00e9', '\u0101', '\u4e00', ' ', '\u00ff', '~', '\u0102'];
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.constantFrom(...inSegment), { minLength: 1, maxLength: 40 }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.array(fc.constantFrom(...inInput), { maxLength: 120 }),
      (segments, i) => {
        const pattern = `*${segments.map((s) => s.join('')).join('*')}*`;
        const input = i.join('');
        assert.equal(
          compileGlob(pattern).matches(input),
          referenceByTable(pattern, input),
          `${pattern} vs ${input}`,
        );
      },
    ),
    { numRuns: 1500 },
  );
});

test('segments of more distinct characters than the scan tells apart still agree with the reference', () => {
  // 300 letters (U+0100 on, as JSON escapes bring them into a policy), each in the segment: past
  // 254 of them the scan shares one class and checks its candidates. Inputs are made by filling in
  // the pattern and then swapping one of its letters for another, to land both exact matches and
  // near misses that only the check tells apart.
  const letters = Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x100 + i));
  fc.assert(
    fc.property(
      fc.shuffledSubarray(letters, { minLength: 300 }),
      fc.array(fc.nat(299), { maxLength: 30 }),
      fc.nat(),
      fc.nat(299),
      fc.boolean(),
      (shuffled, holes, at, replacement, change) => {
        const body = [...shuffled];
        for (const hole of holes) body[hole] = '?';
        const pattern = `*${body.join('')}*`;
        const filled = body.map((c, i) => (c === '?' ? letters[i]! : c));
        if (change) filled[at % filled.length] = letters[replacement]!;
        const input = `${letters[0]}${filled.join('')}${letters[1]}`;
        assert.equal(compileGlob(pattern).matches(input), referenceByTable(pattern, input));
      },
    ),
    { numRuns: 300 },
  );
});

test('a segment that matches only at the end of a long input is found there', () => {
  const core = `${'a?'.repeat(40)}b`;
  assert.equal(compileGlob(`*${core}*`).matches(`${'a'.repeat(5000)}xb`), true);
  assert.equal(compileGlob(`x*${core}*y`).matches(`x${'a'.repeat(5000)}b${'a'.repeat(80)}y`), true);
  assert.equal(compileGlob(`*${core}*`).matches(`${'a'.repeat(5000)}`), false);
  assert.equal(
    compileGlob(`*??${'é'.repeat(40)}?ü*`).matches(`${'a'.repeat(300)}é${'é'.repeat(40)}éüz`),
    true,
  );
});

// The sizes AWS accepts: a policy IAM stores is at most 10,240 characters (a role's inline
// policies; a user's are 2,048 and a session policy 2,048 packed), so no pattern in one is longer;
// the values a request brings are at most 16 KB (a User-Agent within Node's header limit), a
// resource ARN at most 2,048 characters (the simulator's ResourceNameType).
const LONGEST_PATTERN = 10_240;
const LONGEST_VALUE = 16 * 1024;

/**
 * Milliseconds of CPU one match costs: the least of three runs, so that a pause of this
 * process by the scheduler (the machine is shared) is not counted as the matcher's work.
 */
function matchCost(pattern: string, input: string): number {
  const glob = compileGlob(pattern);
  let least = Infinity;
  for (let run = 0; run < 3; run++) {
    const before = cpuUsage();
    glob.matches(input);
    const used = cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return least;
}

test('every match of a pattern up to AWS policy sizes against a value up to 16 KB stays within a time bound', () => {
  // The hardest inputs for a segment search are repetitive ones where the segment almost matches
  // everywhere: patterns and values are drawn from one or two letters and `?`, and one value
  // letter appears only at the ends. Bit-parallel scanning costs about value length * segment
  // length / 32 word steps: ~1.5 ms for 2,000 `?`-heavy characters against 15 KB on this machine's
  // shared cores, ~6 ms for the worst 10,240-character pattern (5,000-character segments).
  const letter = fc.constantFrom('a', 'b', '?');
  const pattern = fc
    .tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.array(letter, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: LONGEST_PATTERN }),
      fc.constantFrom('', '*'),
      fc.constantFrom('', 'c', '?c'),
    )
    .map(([segments, unit, length, outer, end]) => {
      const each = Math.max(1, Math.floor(length / segments) - 2);
      const body = unit
        .join('')
        .repeat(Math.ceil(each / unit.length))
        .slice(0, each);
      return `${outer}${Array.from({ length: segments }, () => body + end).join('*')}${outer}`;
    });
  const value = fc
    .tuple(fc.constantFrom('a', 'ab', 'aab', 'b'), fc.integer({ min: 0, max: LONGEST_VALUE }))
    .map(([unit, length]) => `${unit.repeat(Math.ceil(length / unit.length)).slice(0, length)}`);
  fc.assert(
    fc.property(pattern, value, (p, v) => {
      const bound = p.length <= 2_048 ? 5 : 20;
      const cost = matchCost(p, v);
      assert.ok(
        cost < bound,
        `${cost.toFixed(2)} ms for a ${p.length}-character pattern against ${v.length}`,
      );
    }),
    { numRuns: 60 },
  );
});

test('the findings of issue #13: 2,000 `?`-heavy characters against a 15 KB User-Agent', () => {
  const userAgent = 'a'.repeat(15 * 1024);
  for (const pattern of [
    `*${'a?'.repeat(999)}b*`,
    `*${'?'.repeat(1999)}b*`,
    `*${'a'.repeat(1000)}?${'a'.repeat(998)}b*`,
  ]) {
    const cost = matchCost(pattern, userAgent);
    assert.ok(cost < 5, `${cost.toFixed(2)} ms for ${pattern.slice(0, 20)}…`);
  }
});
