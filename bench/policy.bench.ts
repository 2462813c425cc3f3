// npm run bench:policy — for each workload of bench/workloads/policy-workloads.ts: decisions per
// second on one core (requests prepared once; and prepared afresh for every decision), compile time
// of its policy sets, and heap bytes per compiled set beside the sets' JSON text.
// Against the build in dist/, as the server runs it (package.json builds first). Run with
// --expose-gc (package.json does): heap is measured between forced collections.
// BENCH_POLICY=name,name runs only those workloads; BENCH_ROUND_SECONDS sets a round's length.
import {
  createRequest,
  evaluate,
  parsePolicy,
  type CompiledPolicy,
  type PolicyKind,
  type PreparedRequest,
} from '../dist/policy/index.js';
import { createIam } from '../dist/domain/iam.js';
import { loadAwsManagedPolicyCatalog } from '../dist/storage/aws-managed-policies.js';
import { policyWorkloads, type PolicySets, type PolicyWorkload } from './workloads/policy-workloads.ts';
import { selfManagedMfa } from './workloads/policies.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:policy does)');

/**
 * Full collections until the heap settles: one leaves garbage a later one finds (objects reachable
 * only from what it freed), and a single one read up to half a small set's size high or low.
 */
function collect(): void {
  for (let i = 0; i < 3; i++) gc!();
}

const ROUNDS = 5;
const HEAP_ROUNDS = 3;
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 0.25);
const WARM_UP_SECONDS = 0.5;
const only = process.env.BENCH_POLICY?.split(',');

interface CompiledSets {
  readonly identity: CompiledPolicy[];
  readonly boundary: CompiledPolicy[] | undefined;
}

function compileOne(text: string, kind: PolicyKind, id: string): CompiledPolicy {
  const parsed = parsePolicy(text, { kind, id });
  if (!parsed.ok) throw new Error(`${id}: ${parsed.error.message}`);
  return parsed.policy;
}

interface SetTexts {
  readonly identity: string[];
  readonly boundary: string[] | undefined;
}

function textsOf(sets: PolicySets): SetTexts {
  return {
    identity: sets.identity.map((d) => JSON.stringify(d)),
    boundary: sets.boundary?.map((d) => JSON.stringify(d)),
  };
}

function compileSets(texts: SetTexts): CompiledSets {
  return {
    identity: texts.identity.map((t, i) => compileOne(t, 'identity', `identity-${i}`)),
    boundary: texts.boundary?.map((t, i) => compileOne(t, 'boundary', `boundary-${i}`)),
  };
}

const textLength = (texts: SetTexts) =>
  [...texts.identity, ...(texts.boundary ?? [])].reduce((n, t) => n + t.length, 0);

// CPU time of this process rather than wall time: the machine's 2 cores are shared with other
// work, and a busy moment stretches wall time several-fold while CPU time barely moves.
function now(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
function seconds(since: number): number {
  return (now() - since) / 1e6;
}

/** Runs `work(n)` in rounds of about ROUND_SECONDS each; the rate of each round, per unit of n. */
function rounds(work: (n: number) => void, first = 1000): number[] {
  // Warm-up, which also sizes a round.
  let n = first;
  let start = now();
  work(n);
  while (seconds(start) < 0.05) {
    n *= 2;
    start = now();
    work(n);
  }
  const perRound = Math.max(1, Math.round((n / seconds(start)) * ROUND_SECONDS));
  // Then rounds until WARM_UP_SECONDS have passed: V8 optimizes a hot loop in tiers, and a round
  // run before the last of them measured the compiler (the standard workload's first round was
  // a third of the others).
  const warming = now();
  while (seconds(warming) < WARM_UP_SECONDS) work(perRound);
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    start = now();
    work(perRound);
    rates.push(perRound / seconds(start));
  }
  return rates;
}

const median = (rates: readonly number[]) => [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

function decide(compiled: CompiledSets, request: PreparedRequest) {
  return evaluate({
    request,
    identityPolicies: compiled.identity,
    ...(compiled.boundary ? { permissionsBoundaries: compiled.boundary } : {}),
  }).decision;
}

/**
 * Heap bytes per compiled set: `copies` distinct variants compiled and held, between collections;
 * in HEAP_ROUNDS rounds of other variants each, after a round compiled and dropped: the code V8
 * makes for compiling a new variant (bytecode, feedback, optimized code) is made once, not once per
 * set, and counting it read as up to a third of a small set's heap. A round's figure moves when
 * the engine's tables of shared strings and values grow in it (a Map doubles its store) or start
 * afresh (it reads less): the median is printed, and every round's.
 */
function heapPerSet(w: PolicyWorkload, copies: number): { bytes: number[]; text: number } {
  const round = (first: number) => {
    const texts = Array.from({ length: copies }, (_, i) => textsOf(w.copy(first + i)));
    collect();
    const before = process.memoryUsage().heapUsed;
    const held = texts.map(compileSets);
    collect();
    const after = process.memoryUsage().heapUsed;
    if (held.length !== copies) throw new Error('unreachable');
    return { bytes: (after - before) / copies, text: texts.reduce((n, t) => n + textLength(t), 0) / copies };
  };
  round(1 + HEAP_ROUNDS * copies);
  const rounds = Array.from({ length: HEAP_ROUNDS }, (_, k) => round(1 + k * copies));
  return { bytes: rounds.map((r) => r.bytes), text: rounds[0]!.text };
}

console.log(
  `node ${process.version}, one core (single thread), rates by CPU time; ${ROUNDS} rounds of ~${ROUND_SECONDS} s each, median printed first`,
);
for (const w of policyWorkloads) {
  if (only && !only.includes(w.name)) continue;
  const texts = textsOf(w.sets);
  const compiled = compileSets(texts);
  const statements = [...w.sets.identity, ...(w.sets.boundary ?? [])].reduce(
    (n, d) => n + d.Statement.length,
    0,
  );
  const prepared = w.requests.map(createRequest);
  const tally = { allowed: 0, explicitDeny: 0, implicitDeny: 0 };
  for (const request of prepared) tally[decide(compiled, request)]++;

  let cursor = 0;
  const preparedRates = rounds((n) => {
    for (let i = 0; i < n; i++) {
      decide(compiled, prepared[cursor]!);
      if (++cursor === prepared.length) cursor = 0;
    }
  });
  const freshRates = rounds((n) => {
    for (let i = 0; i < n; i++) {
      decide(compiled, createRequest(w.requests[cursor]!));
      if (++cursor === prepared.length) cursor = 0;
    }
  });
  const compileRates = rounds((n) => {
    for (let i = 0; i < n; i++) compileSets(texts);
  }, 1);
  // Enough copies that a round's heap is megabytes: between two collections the heap's size
  // moves by up to a few hundred kilobytes whatever was allocated (500 arrays of 816 bytes read
  // 415 to 1,080 bytes each), which at 500 small sets read as up to 1x their JSON.
  const copies = Math.max(10, Math.min(5_000, Math.floor(20_000_000 / textLength(texts))));
  const heap = heapPerSet(w, copies);

  console.log(`\n${w.name}: ${w.description}`);
  console.log(
    `  ${statements} statements, ${count(textLength(texts))} characters of JSON; ${w.requests.length} requests: ${count(tally.allowed)} allowed, ${count(tally.explicitDeny)} explicit deny, ${count(tally.implicitDeny)} implicit deny`,
  );
  console.log(
    `  decisions/s, prepared requests:  ${count(median(preparedRates))}  (${preparedRates.map(count).join(', ')})`,
  );
  console.log(
    `  decisions/s, createRequest each: ${count(median(freshRates))}  (${freshRates.map(count).join(', ')})`,
  );
  console.log(`  compile time per set (validate + compile): ${(1e6 / median(compileRates)).toFixed(1)} µs`);
  const bytes = median(heap.bytes);
  console.log(
    `  heap per compiled set: ${count(bytes)} bytes = ${(bytes / heap.text).toFixed(2)} x its JSON text (${count(heap.text)} characters; ${copies} distinct copies held; ${heap.bytes.map((b) => (b / heap.text).toFixed(2)).join(', ')} in ${HEAP_ROUNDS} rounds)`,
  );
}

// The domain's compiled-policy cache as a server holds it: 10,000 principals, each with five AWS
// managed policies attached (compiled once, shared) and an inline policy of its own.
const MANAGED = [
  'AdministratorAccess',
  'ReadOnlyAccess',
  'PowerUserAccess',
  'AmazonS3FullAccess',
  'IAMUserChangePassword',
];
if (!only || only.includes('sharing')) {
  const catalog = loadAwsManagedPolicyCatalog();
  const managed = MANAGED.map((name) => {
    const arn = `arn:aws:iam::aws:policy/${name}`;
    const policy = catalog.get(arn);
    if (!policy) throw new Error(`${arn} is not in the catalog`);
    return { arn, text: policy.document };
  });
  // The cache's only collaborator here is its compile(); the store is never reached.
  const iam = createIam({
    store: { onCommit: () => undefined } as unknown as Parameters<typeof createIam>[0]['store'],
    now: () => new Date(),
    sealer: undefined as unknown as Parameters<typeof createIam>[0]['sealer'],
    awsManagedPolicies: catalog,
  });
  const principals = 10_000;
  const inlineText = (i: number) => JSON.stringify(selfManagedMfa).replaceAll('${aws:username}', `user-${i}`);
  const inlineTexts = Array.from({ length: principals }, (_, i) => inlineText(i));
  const managedText = managed.reduce((n, m) => n + m.text.length, 0);
  collect();
  const before = process.memoryUsage().heapUsed;
  const sets = inlineTexts.map((text, i) => [
    ...managed.map((m) => iam.compile(m.text, 'identity', m.arn)),
    iam.compile(text, 'identity', `AIDA${i}/inline`),
  ]);
  collect();
  const bytes = process.memoryUsage().heapUsed - before;
  const shared = sets.every((set) => set.slice(0, 5).every((p, k) => p === sets[0]![k]));
  console.log(
    `\nsharing: ${count(principals)} principals, each with ${MANAGED.join(', ')} (${count(managedText)} characters of JSON) and an inline policy of its own (${count(inlineTexts[0]!.length)} characters)`,
  );
  console.log(
    `  heap for all their compiled sets: ${(bytes / 1e6).toFixed(1)} MB (${count(bytes / principals)} bytes per principal); managed policies ${shared ? 'compiled once and shared' : 'NOT shared'}`,
  );
}
