// Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`) and the escapes `${*}`,
// `${?}`, `${$}`. They exist only in documents of Version 2012-10-17; elsewhere the text is literal.
// A resolved value is literal text: a `*` inside a user's tag never acts as a wildcard.
import { type GlobToken, ANY_CHAR, ANY_RUN } from './wildcard.ts';
import { type ContextLookup, keyIdOf } from './request.ts';
import { intern } from './intern.ts';
import { madeForRequest, sharedValue } from './shared.ts';

export interface VariableRef {
  readonly kind: 'variable';
  /** The context key, lower case (context keys are case-insensitive). */
  readonly key: string;
  /** The key's number (keyIdOf). */
  readonly keyId: number;
  readonly fallback: string | undefined;
}

/** Text as written: literal runs, wildcards (where the caller allows them) and variables. */
export type TemplatePart = GlobToken | VariableRef;

export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly hasVariables: boolean;
}

const ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' };

/**
 * Reads `text` into parts. With `wildcards`, `*` and `?` outside variables become wildcard tokens;
 * escaped ones (`${*}`) stay literal. Literal runs are handed to `keep` (by default, interned).
 */
export function parseTemplate(
  text: string,
  options: { variables: boolean; wildcards: boolean; keep?: (literal: string) => string },
): Template {
  const keep = options.keep ?? intern;
  const parts: TemplatePart[] = [];
  // Literal text is gathered as runs of the input (slices, then interned), not a character at a
  // time: a string grown by += keeps a chain of pieces on the heap.
  let literal = '';
  let runStart = 0;
  let hasVariables = false;
  const endRun = (end: number) => {
    if (end > runStart) literal += text.slice(runStart, end);
  };
  const flush = () => {
    if (literal) parts.push(keep(literal));
    literal = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (options.variables && ch === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      const inner = close < 0 ? null : text.slice(i + 2, close);
      const escaped = inner === null ? undefined : ESCAPES[inner];
      if (escaped !== undefined) {
        endRun(i);
        literal += escaped;
        i = close + 1;
        runStart = i;
        continue;
      }
      const ref = inner === null ? null : parseVariable(inner);
      if (ref) {
        endRun(i);
        flush();
        parts.push(ref);
        hasVariables = true;
        i = close + 1;
        runStart = i;
        continue;
      }
    }
    if (options.wildcards && (ch === '*' || ch === '?')) {
      endRun(i);
      flush();
      parts.push(ch === '*' ? ANY_RUN : ANY_CHAR);
      runStart = i + 1;
    }
    i++;
  }
  endRun(text.length);
  flush();
  return { parts, hasVariables };
}

/**
 * `aws:username` or `aws:username, 'default'` (the default in single quotes); one object for all
 * who write it alike (shared.ts).
 */
function parseVariable(inner: string): VariableRef | null {
  return sharedValue(`v${inner}`, () => readVariable(inner));
}

function readVariable(inner: string): VariableRef | null {
  const comma = inner.indexOf(',');
  const key = (comma < 0 ? inner : inner.slice(0, comma)).trim();
  if (!key || /[\s${}]/.test(key)) return null;
  const lower = intern(key.toLowerCase());
  if (comma < 0) return { kind: 'variable', key: lower, keyId: keyIdOf(lower), fallback: undefined };
  const quoted = inner.slice(comma + 1).trim();
  if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'")) return null;
  return { kind: 'variable', key: lower, keyId: keyIdOf(lower), fallback: quoted.slice(1, -1) };
}

/**
 * A variable's value: its key's single value, else its default. A multivalued key (one given as a
 * list, whatever its length) has no value to offer: "You can use any available single-valued
 * context key as a policy variable. You can't use a multivalued context key as a policy variable"
 * (IAM User Guide, "Single-valued vs. multivalued context keys").
 */
function variableValue(part: VariableRef, context: ContextLookup): string | undefined {
  const entry = context.find(part.keyId, part.key);
  return entry && !entry.multiValued && entry.count === 1 ? entry.text(0) : part.fallback;
}

/**
 * Replaces variables by their values from the request context. Returns null when a variable has no
 * value (its key missing or multivalued) and no default: the element then does not match.
 */
export function resolveTemplate(template: Template, context: ContextLookup): GlobToken[] | null {
  const tokens: GlobToken[] = [];
  for (const part of template.parts) {
    if (typeof part === 'object') {
      const value = variableValue(part, context);
      if (value === undefined) return null;
      tokens.push(value);
    } else {
      tokens.push(part);
    }
  }
  return tokens;
}

/** The literal text of a template without wildcards (all parts strings). */
export function literalText(tokens: readonly GlobToken[]): string {
  let text = '';
  for (const token of tokens) text += typeof token === 'string' ? token : token === ANY_RUN ? '*' : '?';
  return text;
}

const MEMO_LIMIT = 256;

/**
 * Compiles a template per distinct set of variable values and remembers the last few hundred, so
 * that a policy naming `${aws:username}` is compiled once per user rather than once per request.
 */
export function memoizeResolved<T>(template: Template, build: (tokens: GlobToken[]) => T): Resolved<T> {
  // Most templates hold one variable, whose value is the memo's key as it is.
  const { parts } = template;
  const variables = parts.filter((part) => typeof part === 'object');
  const only = variables.length === 1 ? variables[0]! : null;
  // The most common template, literal text then its variable ("arn:aws:iam::*:user/${aws:username}"),
  // is held as its text alone; others as their parts at their exact length (parseTemplate's list,
  // grown by push, has room for more).
  const tail = parts.length === 2 && typeof parts[0] === 'string' && parts[1] === only;
  return new Resolved(tail ? (parts[0] as string) : parts.slice(), only, build);
}

/**
 * A template compiled per resolved value: an object of four fields rather than a closure over the
 * template (a closure, its context and the template object cost three times the heap, and a
 * compiled policy holds one per value with variables).
 */
export class Resolved<T> {
  // Made on first use: a compiled policy holds one per value with variables, many never asked.
  private memo: Map<string, T> | undefined = undefined;

  constructor(
    /** The template's parts, or, for literal text then the one variable (`only`), the text. */
    private readonly parts: readonly TemplatePart[] | string,
    private readonly only: VariableRef | null,
    private readonly build: (tokens: GlobToken[]) => T,
  ) {}

  /** The template compiled with the request's values; null when a variable cannot be resolved. */
  resolve(context: ContextLookup): T | null {
    let key = '';
    const { only, parts } = this;
    if (only !== null) {
      const value = variableValue(only, context);
      if (value === undefined) return null;
      key = value;
    } else {
      for (let i = 0; i < parts.length; i++) {
        const part = (parts as readonly TemplatePart[])[i]!;
        if (typeof part !== 'object') continue;
        const value = variableValue(part, context);
        if (value === undefined) return null;
        key = key === '' ? value : `${key}\u0000${value}`;
      }
    }
    const memo = (this.memo ??= new Map());
    let built = memo.get(key);
    if (built === undefined) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      const written = typeof parts === 'string' ? [parts, only!] : parts;
      const tokens = resolveTemplate({ parts: written, hasVariables: true }, context)!;
      built = madeForRequest(() => this.build(tokens));
      memo.set(key, built);
    }
    return built;
  }
}
