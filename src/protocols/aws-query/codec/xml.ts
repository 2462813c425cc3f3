// Text for XML 1.0 documents. Everything a caller or the domain supplies goes through escapeText,
// so a response is well-formed whatever the data holds.

// Characters XML 1.0 does not allow at all (Char production): C0 controls other than tab, LF and
// CR; U+FFFE and U+FFFF; and surrogate code units that are not part of a pair.
/* eslint-disable no-control-regex -- finding control characters is the point */
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Whether a text holds anything escapeText changes (most do not: names, ids, ARNs, dates).
const NEEDS_WORK = /[\u0000-\u0008\u000B-\u001F\uD800-\uDFFF\uFFFE\uFFFF&<>"']/;
/* eslint-enable no-control-regex */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would be turned into LF by every XML parser (end-of-line handling); as a
  // character reference it survives.
  '\r': '&#xD;',
};

/** Escapes markup characters and replaces characters XML cannot carry with U+FFFD. */
export function escapeText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? c);
}
