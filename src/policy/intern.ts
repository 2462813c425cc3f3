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
  // A copy of its own: `text` may be a slice or concatenation still holding other text.
  const own = flat(text);
  table.set(own, own);
  return own;
}

/**
 * `text` as a string of its own characters, holding no other string: a slice holds the string it
 * was cut from, a concatenation its pieces. (V8 copies strings shorter than 13 characters when it
 * slices or joins them; a longer slice of a copy would itself be a slice, 32 bytes beside the copy
 * it points into. JSON.parse makes a flat string.)
 */
export function flat(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/**
 * The interned copy of `text` when there is one, else `text` itself, adding nothing: for a
 * request's strings (which callers may choose), so that those equal to a policy's are the very
 * same string, which a Map compares without reading its characters.
 */
export function internedOr(text: string): string {
  return table.get(text) ?? text;
}
