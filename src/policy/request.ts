// A request prepared once for evaluation: action and service in lower case (actions ignore case),
// the resource ARN split into its parts, and context keys in lower case (keys ignore case) with
// every value as text.
import { splitArn } from './arn.ts';
import type { ContextScalar, ContextValue, Principal, RequestInput } from './types.ts';

export interface ContextEntry {
  readonly values: readonly string[];
  /** True for keys given as an array (multi-valued keys such as aws:TagKeys). */
  readonly multiValued: boolean;
}

export type ContextLookup = ReadonlyMap<string, ContextEntry>;

export interface PreparedRequest {
  /** As given, for messages. */
  readonly action: string;
  /** Lower case. */
  readonly actionKey: string;
  /** The service prefix of the action, lower case ("iam"). */
  readonly service: string;
  readonly resource: string;
  readonly resourceParts: readonly string[] | null;
  readonly principal: Principal | undefined;
  readonly context: ContextLookup;
}

export function createRequest(input: RequestInput): PreparedRequest {
  const actionKey = input.action.toLowerCase();
  const colon = actionKey.indexOf(':');
  const context = new Map<string, ContextEntry>();
  for (const [key, value] of Object.entries(input.context ?? {})) {
    if (value === undefined) continue;
    context.set(key.toLowerCase(), toEntry(value));
  }
  return Object.freeze({
    action: input.action,
    actionKey,
    service: colon < 0 ? actionKey : actionKey.slice(0, colon),
    resource: input.resource,
    resourceParts: splitArn(input.resource),
    principal: input.principal,
    context,
  });
}

function toEntry(value: ContextValue): ContextEntry {
  if (Array.isArray(value)) {
    return { values: (value as readonly ContextScalar[]).map(String), multiValued: true };
  }
  return { values: [String(value)], multiValued: false };
}
