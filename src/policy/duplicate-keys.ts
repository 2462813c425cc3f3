// Whether any object in a policy's JSON text names the same key twice.
//
// JSON.parse keeps the last of two equal keys and says nothing, so `{"Effect":"Deny",
// "Effect":"Allow"}` would silently become an Allow. AWS's "Troubleshoot IAM policies" page lists
// more than one Statement element in a policy, and more than one Effect, Action or Resource element
// in a statement, as errors; IAM parses policies with a streaming JSON parser and answers a
// repeated key as it answers text that is not JSON (validate.ts gives the messages). The check
// applies at every depth (statement, Principal, Condition blocks alike); keys compare as JSON.parse
// reads them, so an escaped spelling of a key is the same key.
//
// One linear pass over the text (json-scan.ts), run only on text JSON.parse accepted; the sets it
// keeps hold each key once, so its memory is bounded by the text's length.
import { decodeString, scanJson } from './json-scan.ts';

export function hasDuplicateKey(text: string): boolean {
  // One entry per open container: the keys an object has read so far, or null for an array.
  const keys: (Set<string> | null)[] = [];
  // Whether the next string in the innermost object is a key (true at `{` and after each comma).
  const expectKey: boolean[] = [];
  let duplicate = false;
  scanJson(text, {
    lineBreak() {},
    comma() {
      const depth = keys.length;
      if (depth > 0 && keys[depth - 1] !== null) expectKey[depth - 1] = true;
    },
    open(object) {
      const depth = keys.length;
      if (depth > 0) expectKey[depth - 1] = false;
      keys.push(object ? new Set() : null);
      expectKey.push(object);
    },
    close() {
      keys.pop();
      expectKey.pop();
    },
    string(start, end, escaped) {
      const depth = keys.length;
      const seen = depth > 0 ? keys[depth - 1] : null;
      if (!seen || !expectKey[depth - 1]) return;
      expectKey[depth - 1] = false;
      const key = decodeString(text, start, end, escaped);
      if (key === undefined) return;
      if (seen.has(key)) duplicate = true;
      else seen.add(key);
    },
    scalar() {},
  });
  return duplicate;
}
