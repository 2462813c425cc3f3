// Where JSON text first stops being JSON: the offset of the character a JSON parser refuses (the
// text's length when it ends too soon), for Access Analyzer's JSON_SYNTAX_ERROR. JSON.parse says
// only whether; Node's message carries a position for some errors and not others.
//
// One pass, no recursion (a container's kind is kept on an explicit stack), no backtracking.

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

type Expect = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'nothing';

/** The offset of the first character that makes `text` not JSON, or undefined when it is JSON. */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const stack: boolean[] = []; // true: an object
  let expect: Expect = 'value';
  let i = 0;
  const n = text.length;
  const afterValue = (): Expect => (stack.length === 0 ? 'nothing' : 'commaOrEnd');
  while (true) {
    while (i < n && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= n) return expect === 'nothing' ? undefined : n;
    const c = text[i]!;
    switch (expect) {
      case 'nothing':
        return i;
      case 'colon':
        if (c !== ':') return i;
        i++;
        expect = 'value';
        continue;
      case 'commaOrEnd':
        if (c === ',') {
          i++;
          expect = stack[stack.length - 1] ? 'key' : 'value';
          continue;
        }
        if (c !== (stack[stack.length - 1] ? '}' : ']')) return i;
        stack.pop();
        i++;
        expect = afterValue();
        continue;
      case 'key':
      case 'keyOrEnd':
        if (c === '}' && expect === 'keyOrEnd') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c !== '"') return i;
        {
          const end = stringEnd(text, i);
          if (end.error !== undefined) return end.error;
          i = end.next;
        }
        expect = 'colon';
        continue;
      case 'value':
      case 'valueOrEnd': {
        if (c === ']' && expect === 'valueOrEnd') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c === '{' || c === '[') {
          stack.push(c === '{');
          i++;
          expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
          continue;
        }
        if (c === '"') {
          const end = stringEnd(text, i);
          if (end.error !== undefined) return end.error;
          i = end.next;
        } else {
          const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
          if (literal) i += literal.length;
          else {
            NUMBER.lastIndex = i;
            if (!NUMBER.test(text)) return i;
            i = NUMBER.lastIndex;
          }
        }
        expect = afterValue();
        continue;
      }
    }
  }
}

/** A string from its opening quote at `start`: the offset after its closing quote, or of its first fault. */
function stringEnd(text: string, start: number): { next: number; error?: number } {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return { next: i + 1 };
    if (c < 0x20) return { next: i, error: i };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { next: i, error: i + 1 };
        i += 5;
      } else if (e !== undefined && ESCAPES.has(e)) i++;
      else return { next: i, error: Math.min(i + 1, text.length) };
    }
  }
  return { next: text.length, error: text.length };
}
