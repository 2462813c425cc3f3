// One copy of each string compiled policies hold (lower-case actions, ARN pieces, condition keys
// and values): a thousand principals whose policies name "s3:getobject" hold one string, and
// text read from JSON keeps no larger string alive through a slice of it.
// Bounded: past INTERN_LIMIT distinct strings the table starts afresh (strings already handed out
// stay valid; only later ones stop being shared with them).
const INTERN_LIMIT = 65_536;
let table = new Map<string, string>();

export function intern(text: string): string {
  const known = table.get(text);
  if (known !== undefined) return known;
  if (table.size >= INTERN_LIMIT) table = new Map();
  // A flat copy of its own: `text` may be a slice or concatenation still holding other text.
  const own = text.length < 13 ? text : (' ' + text).slice(1);
  table.set(own, own);
  return own;
}

/**
 * The interned copy of `text` when there is one, else `text` itself, adding nothing: for a
 * request's strings (which callers may choose), so that those equal to a policy's are the very
 * same string, which a Map compares without reading its characters.
 */
export function internedOr(text: string): string {
  return table.get(text) ?? text;
}
