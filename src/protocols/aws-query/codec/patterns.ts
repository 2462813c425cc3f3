// AWS's model patterns are Java regular expressions, matched against the whole value
// (java.util.regex `matches()`), by code point. This turns one into an anchored JavaScript RegExp
// with the `u` flag, which also matches by code point and accepts the same `\p{..}` classes.
//
// Differences handled:
// - Java accepts a backslash before any non-letter (`\:`); the `u` flag only before syntax
//   characters and `/` (and `-` inside a class). Other escaped punctuation becomes the literal.
// - `\uXXXX` takes exactly four hex digits in both languages, so a model's `\u10000-\u10FFFF`
//   means `\u1000`, `0-\u10FF`, `F`, `F` in both. That is kept on purpose: real STS rejects
//   supplementary characters for such patterns (recorded AWS responses; see codec tests).
//
// Callers check lengths first and only run a pattern on a value of bounded length.

const cache = new Map<string, RegExp | null>();

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

export function javaPatternToJs(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) {
        out += '\\\\';
        continue;
      }
      i++;
      if (/[A-Za-z0-9]/.test(next) || SYNTAX.has(next) || (inClass && next === '-')) {
        out += '\\' + next;
      } else {
        out += next;
      }
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/** The compiled, anchored pattern, or null when it cannot be compiled (then it is not enforced). */
export function compilePattern(pattern: string): RegExp | null {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let compiled: RegExp | null;
  try {
    compiled = new RegExp(`^(?:${javaPatternToJs(pattern)})$`, 'u');
  } catch {
    compiled = null;
  }
  cache.set(pattern, compiled);
  return compiled;
}
