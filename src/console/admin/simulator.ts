// The policy simulator: a user's policies (SimulatePrincipalPolicy, by picking a user or giving an
// ARN) or pasted policies (SimulateCustomPolicy), actions, resource ARNs and context entries (key,
// type, values); the answer per action: EvalDecision, the matched statements (policy and position)
// and the missing context values, as the engine decides them for enforcement.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type Signed, callIam } from '../context.ts';
import { field, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  ADMIN,
  action,
  adminPage,
  check,
  page,
  postForm,
  problemBox,
  select,
  statusOf,
  textarea,
} from './common.ts';

const BASE = `${ADMIN}/simulator`;
const CONTEXT_ROWS = 3;
const POLICY_BOXES = 2;
const CONTEXT_TYPES = [
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
] as const;

type Draft = Readonly<Record<string, string>>;

/** One item per line (or comma-separated on a line), blanks dropped. */
function listOf(text: string, commas = true): string[] {
  return text
    .split(commas ? /[\n,]/ : /\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function registerSimulator(server: FastifyInstance, ctx: ConsoleContext): void {
  page(server, ctx, BASE, async (signed, _query, _params, reply) =>
    simulatorPage(ctx, signed, reply, 200, {}),
  );

  action(server, ctx, `${BASE}/run`, async (signed, form, _params, reply) => {
    const draft: Record<string, string> = {};
    for (const [k, v] of form) if (k !== 'csrf' && v.length <= 140_000) draft[k] = v;
    const mode = form.get('mode') === 'custom' ? 'custom' : 'principal';
    const actions = listOf(form.get('actions') ?? '').slice(0, 100);
    const resources = listOf(form.get('resources') ?? '', false).slice(0, 100);
    const policies: string[] = [];
    for (let i = 1; i <= POLICY_BOXES; i++) {
      const text = (form.get(`policy-${i}`) ?? '').trim();
      if (text !== '') policies.push(text);
    }
    const contextEntries: Record<string, unknown>[] = [];
    for (let i = 1; i <= CONTEXT_ROWS; i++) {
      const key = formText(form, `context-key-${i}`, 256);
      if (!key) continue;
      const type = formText(form, `context-type-${i}`, 32);
      contextEntries.push({
        ContextKeyName: key,
        ContextKeyType: (CONTEXT_TYPES as readonly string[]).includes(type) ? type : 'string',
        ContextKeyValues: listOf(form.get(`context-values-${i}`) ?? ''),
      });
    }
    const show = (status: number, error?: IamError | string, results?: Record<string, unknown>) =>
      simulatorPage(ctx, signed, reply, status, { draft, error, results });
    if (actions.length === 0) return show(400, 'Enter at least one action, such as iam:ListUsers.');
    for (const text of policies) {
      const problem = check.document(text, 'policyInputList.member');
      if (problem) return show(400, problem);
    }
    const common = {
      ActionNames: actions,
      ...(resources.length > 0 ? { ResourceArns: resources } : {}),
      ...(contextEntries.length > 0 ? { ContextEntries: contextEntries } : {}),
      ...(policies.length > 0 ? { PolicyInputList: policies } : {}),
      MaxItems: 1000,
    };
    let result;
    if (mode === 'custom') {
      if (policies.length === 0) return show(400, 'Paste at least one policy to simulate.');
      result = await callIam(signed.caller, ctx, 'SimulateCustomPolicy', common);
    } else {
      const source = formText(form, 'policy-source-arn', 2048) || formText(form, 'user-arn', 2048);
      if (!source) return show(400, 'Choose a user, or give the ARN of a user, group or role.');
      result = await callIam(signed.caller, ctx, 'SimulatePrincipalPolicy', {
        ...common,
        PolicySourceArn: source,
      });
    }
    if (!result.ok) return show(statusOf(result.error), result.error);
    return show(200, undefined, result.output);
  });
}

function statementsOf(list: unknown): Html {
  const statements = (list ?? []) as Record<string, unknown>[];
  if (statements.length === 0) return html`—`;
  return html`<ul>
    ${statements.map((s) => {
      const start = s.StartPosition as { Line: number; Column: number } | undefined;
      const end = s.EndPosition as { Line: number; Column: number } | undefined;
      return html`<li>
        <code>${String(s.SourcePolicyId)}</code> (${String(s.SourcePolicyType)})${
          start && end
            ? html`, line ${start.Line} column ${start.Column} to line ${end.Line} column ${end.Column}`
            : ''
        }
      </li>`;
    })}
  </ul>`;
}

function missingOf(list: unknown): Html {
  const keys = (list ?? []) as string[];
  return keys.length === 0
    ? html`—`
    : html`${keys.map((k, i) => html`${i > 0 ? ', ' : ''}<code>${k}</code>`)}`;
}

function resultsTable(output: Record<string, unknown>): Html {
  const results = (output.EvaluationResults ?? []) as Record<string, unknown>[];
  const rows = results.flatMap((r) => {
    const main: Html[] = [
      html`<code>${String(r.EvalActionName)}</code>`,
      html`<code>${String(r.EvalResourceName)}</code>`,
      html`<strong class="decision ${String(r.EvalDecision)}">${String(r.EvalDecision)}</strong>`,
      statementsOf(r.MatchedStatements),
      missingOf(r.MissingContextValues),
    ];
    const specific =
      ((r.ResourceSpecificResults ?? []) as Record<string, unknown>[]).length > 1
        ? ((r.ResourceSpecificResults ?? []) as Record<string, unknown>[]).map((s): Html[] => [
            html`<code>${String(r.EvalActionName)}</code>`,
            html`<code>${String(s.EvalResourceName)}</code>`,
            html`${String(s.EvalResourceDecision)}`,
            statementsOf(s.MatchedStatements),
            missingOf(s.MissingContextValues),
          ])
        : [];
    return [main, ...specific];
  });
  return table(
    'Simulation results',
    ['Action', 'Resource', 'Decision', 'Matched statements', 'Missing context values'],
    rows,
  );
}

async function simulatorPage(
  ctx: ConsoleContext,
  signed: Signed,
  reply: FastifyReply,
  status: number,
  state: {
    draft?: Draft;
    error?: IamError | string | undefined;
    results?: Record<string, unknown> | undefined;
  },
): Promise<FastifyReply> {
  const draft = state.draft ?? {};
  const users = await callIam(signed.caller, ctx, 'ListUsers', { MaxItems: 1000 });
  const userList = users.ok ? ((users.output.Users ?? []) as Record<string, string>[]) : [];
  const contextRows: Html[] = [];
  for (let i = 1; i <= CONTEXT_ROWS; i++) {
    contextRows.push(
      html`<fieldset>
        <legend>Context entry ${i}</legend>
        ${field({ id: `context-key-${i}`, label: 'Key', value: draft[`context-key-${i}`] ?? '', required: false, hint: i === 1 ? 'For example aws:MultiFactorAuthPresent.' : undefined })}
        ${select({
          id: `context-type-${i}`,
          label: 'Type',
          options: CONTEXT_TYPES.map((t) => ({ value: t, label: t })),
          selected: draft[`context-type-${i}`] ?? 'string',
        })}
        ${field({ id: `context-values-${i}`, label: 'Values (comma-separated)', value: draft[`context-values-${i}`] ?? '', required: false })}
      </fieldset>`,
    );
  }
  const policyBoxes: Html[] = [];
  for (let i = 1; i <= POLICY_BOXES; i++) {
    policyBoxes.push(
      textarea({
        id: `policy-${i}`,
        label: `Policy ${i} (JSON)`,
        value: draft[`policy-${i}`] ?? '',
        rows: 10,
        required: false,
      }),
    );
  }
  const form = postForm(
    `${BASE}/run`,
    signed.record.csrf,
    html`${select({
        id: 'mode',
        label: 'Simulate',
        options: [
          { value: 'principal', label: 'The policies of a user, group or role (SimulatePrincipalPolicy)' },
          { value: 'custom', label: 'Only the policies pasted below (SimulateCustomPolicy)' },
        ],
        selected: draft.mode ?? 'principal',
      })}
      <fieldset>
        <legend>Principal</legend>
        ${
          users.ok
            ? select({
                id: 'user-arn',
                label: 'User',
                options: [
                  { value: '', label: '(choose a user)' },
                  ...userList.map((u) => ({ value: u.Arn ?? '', label: u.UserName ?? '' })),
                ],
                selected: draft['user-arn'] ?? '',
              })
            : problemBox(users.error)
        }
        ${field({
          id: 'policy-source-arn',
          label: 'Or the ARN of a user, group or role',
          value: draft['policy-source-arn'] ?? '',
          required: false,
        })}
      </fieldset>
      <fieldset>
        <legend>Policies</legend>
        <p class="hint">
          Pasted policies are simulated alone, or in addition to the principal's own policies.
        </p>
        ${policyBoxes}
      </fieldset>
      ${textarea({
        id: 'actions',
        label: 'Actions',
        value: draft.actions ?? '',
        rows: 4,
        hint: 'One per line or comma-separated, for example iam:ListUsers.',
      })}
      ${textarea({
        id: 'resources',
        label: 'Resource ARNs',
        value: draft.resources ?? '',
        rows: 3,
        required: false,
        hint: 'One per line; leave empty for all resources (*).',
      })}
      ${contextRows}
      <button type="submit">Run simulation</button>`,
  );
  const results = state.results
    ? html`<section aria-labelledby="results-heading">
        <h2 id="results-heading">Results</h2>
        ${resultsTable(state.results)}
      </section>`
    : '';
  return adminPage(reply, signed, status, {
    title: 'Policy simulator',
    section: BASE,
    body: html`${results} ${form}`,
    messages: { error: state.error },
  });
}
