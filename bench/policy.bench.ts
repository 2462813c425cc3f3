// npm run bench:policy — decisions per second on one core for the standard workload, and compile time.
import { createRequest, evaluate, parsePolicy, type CompiledPolicy } from '../dist/policy/index.js';
import {
  standardActions,
  standardContext,
  standardPolicies,
  standardPrincipal,
} from './workloads/policies.ts';

const texts = Object.entries(standardPolicies).map(([id, doc]) => ({ id, text: JSON.stringify(doc) }));
const statementCount = Object.values(standardPolicies).reduce((n, p) => n + p.Statement.length, 0);

function compileAll(): CompiledPolicy[] {
  return texts.map(({ id, text }) => {
    const parsed = parsePolicy(text, { kind: 'identity', id });
    if (!parsed.ok) throw new Error(`${id}: ${parsed.error.message}`);
    return parsed.policy;
  });
}

const policies = compileAll();
const requests = [false, true].flatMap((mfa) =>
  standardActions.map((a) =>
    createRequest({ ...a, principal: standardPrincipal, context: standardContext(mfa) }),
  ),
);

// Compile time: parse + validate + compile of the four policies, averaged per policy.
const compileRounds = 20_000;
for (let i = 0; i < 2_000; i++) compileAll();
let start = process.hrtime.bigint();
for (let i = 0; i < compileRounds; i++) compileAll();
const compileMicros = Number(process.hrtime.bigint() - start) / 1e3 / (compileRounds * texts.length);

// Decisions: every request in turn, after a warm-up.
const decide = (n: number) => {
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    if (
      evaluate({ request: requests[i % requests.length]!, identityPolicies: policies }).decision === 'allowed'
    )
      allowed++;
  }
  return allowed;
};
decide(200_000);
// This machine's speed varies from run to run (shared cores), so the figure is the median of
// five rounds; every round is printed.
const rounds = Number(process.env.BENCH_DECISIONS ?? 3_000_000);
const perRound = Math.ceil(rounds / 5);
const rates: number[] = [];
let allowed = 0;
let seconds = 0;
for (let round = 0; round < 5; round++) {
  start = process.hrtime.bigint();
  allowed += decide(perRound);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  seconds += elapsed;
  rates.push(perRound / elapsed);
}
const median = [...rates].sort((a, b) => a - b)[2]!;

const tally = requests.map((request) => evaluate({ request, identityPolicies: policies }).decision);
console.log(
  'workload: 4 identity policies (self-managed MFA [seed 002], BlockMostAccessUnlessSignedInWithMFA [seed 003],',
);
console.log(
  `          EC2 full access, PowerUserAccess-like NotAction), ${statementCount} statements, \${aws:username} variables;`,
);
console.log(
  `          ${standardActions.length} actions x {long-term key (no MFA key), MFA session} = ${requests.length} requests`,
);
console.log(
  `          decisions: ${tally.filter((d) => d === 'allowed').length} allowed, ${tally.filter((d) => d === 'explicitDeny').length} explicit deny, ${tally.filter((d) => d === 'implicitDeny').length} implicit deny`,
);
console.log(`node ${process.version}, one core (single thread)`);
console.log(
  `decisions/second: ${Math.round(median).toLocaleString('en-US')} (median of 5 rounds of ${perRound.toLocaleString('en-US')}: ${rates.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')}; ${allowed.toLocaleString('en-US')} allowed in ${seconds.toFixed(2)} s)`,
);
console.log(
  `compile time per policy (validate + compile, avg of ${texts.length}): ${compileMicros.toFixed(1)} µs`,
);
