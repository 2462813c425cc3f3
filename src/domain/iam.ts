// The domain's dependencies and shared caches, built once by app.ts and handed to every operation.
import { parsePolicy, type CompiledPolicy, type PolicyKind } from '../policy/index.ts';
import type { Sealer } from '../crypto/sealing.ts';
import type { Store } from './store.ts';
import { IamError } from './errors.ts';

/** An AWS managed policy (arn:aws:iam::aws:policy/...), read-only and the same in every account. */
export interface AwsManagedPolicy {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly description?: string;
  readonly defaultVersionId: string;
  readonly document: string;
  readonly createDate: string;
  readonly updateDate: string;
}

export interface AwsManagedPolicyCatalog {
  get(arn: string): AwsManagedPolicy | undefined;
  /** All of them, ordered by name. */
  list(): readonly AwsManagedPolicy[];
}

export interface Iam {
  readonly store: Store;
  readonly now: () => Date;
  readonly sealer: Sealer;
  readonly awsManagedPolicies: AwsManagedPolicyCatalog;
  /** Compiles a stored policy document, reusing the compiled form for the same text. */
  compile(text: string, kind: PolicyKind, id: string): CompiledPolicy;
}

const COMPILED_LIMIT = 10_000;

export function createIam(deps: Omit<Iam, 'compile'>): Iam {
  // Keyed by kind and id; the text is compared rather than hashed into the key, so that a lookup
  // allocates nothing. A changed document (a new default version) replaces the entry.
  const compiled = new Map<string, { text: string; policy: CompiledPolicy }>();
  return {
    ...deps,
    compile(text, kind, id) {
      const cacheKey = `${kind}:${id}`;
      const cached = compiled.get(cacheKey);
      if (cached && cached.text === text) return cached.policy;
      const parsed = parsePolicy(text, { kind, id });
      // Stored documents were validated when they were stored; one that fails now is a bug.
      if (!parsed.ok) throw new IamError('ServiceFailure', `Stored policy ${id} no longer parses.`);
      if (compiled.size >= COMPILED_LIMIT) compiled.clear();
      compiled.set(cacheKey, { text, policy: parsed.policy });
      return parsed.policy;
    },
  };
}
