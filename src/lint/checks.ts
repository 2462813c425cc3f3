// The policy checks that read one valid document, as Access Analyzer's ValidatePolicy does:
// overly permissive iam:PassRole, Allow with NotAction, actions and statements that repeat what the
// document already grants.
import type { Finding } from './findings.ts';
import { compileGlob } from '../policy/index.ts';
import { actionCovers, finding, list, type PolicyFile, type Statement } from './policy-file.ts';

export function checkStatements(file: PolicyFile): Finding[] {
  const findings: Finding[] = [];
  file.statements.forEach((s, index) => {
    findings.push(
      ...passRole(file, s, index),
      ...notAction(file, s, index),
      ...redundantActions(file, s, index),
    );
  });
  findings.push(...redundantStatements(file));
  return findings;
}

const PASS_ROLE = 'iam:PassRole';

function passRole(file: PolicyFile, s: Statement, index: number): Finding[] {
  if (s.Effect !== 'Allow' || s.Action === undefined || !list(s.Resource).includes('*')) return [];
  const granting = list(s.Action).filter((a) => actionCovers(a, PASS_ROLE));
  if (granting.length === 0) return [];
  const starred = granting.every((a) => a.includes('*') || a.includes('?'));
  return [
    finding(
      file,
      starred ? 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE' : 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      `Using the iam:PassRole action with wildcards (*) in the ${starred ? 'action and the ' : ''}resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.`,
      index,
    ),
  ];
}

function notAction(file: PolicyFile, s: Statement, index: number): Finding[] {
  if (s.Effect !== 'Allow' || s.NotAction === undefined) return [];
  const passRoleToo =
    !list(s.NotAction).some((a) => actionCovers(a, PASS_ROLE)) && list(s.Resource).includes('*')
      ? ' It allows iam:PassRole on every role, too.'
      : '';
  return [
    finding(
      file,
      'ALLOW_WITH_NOT_ACTION',
      `Allow with NotAction allows every action of every service except those listed, including actions AWS adds later.${passRoleToo} We recommend that you list the actions to allow in Action instead.`,
      index,
    ),
  ];
}

function redundantActions(file: PolicyFile, s: Statement, index: number): Finding[] {
  const actions = list(s.Action ?? s.NotAction);
  const matchers = actions.map(actionMatcher);
  const findings: Finding[] = [];
  actions.forEach((action, i) => {
    const lower = action.toLowerCase();
    const cover = actions.find(
      (other, j) =>
        j !== i &&
        matchers[j]!(lower) &&
        // Of two equal entries, the later one is the redundant one.
        (other.toLowerCase() !== lower || j < i),
    );
    if (cover !== undefined)
      findings.push(
        finding(
          file,
          'REDUNDANT_ACTION',
          `The ${action} action is redundant because the ${cover} action grants access to the same action. We recommend that you remove the redundant action.`,
          index,
        ),
      );
  });
  return findings;
}

/**
 * A statement whose every action another statement of the same effect already covers, on the same
 * resources under the same conditions (NotAction, NotResource and principals compared as written).
 * Statements are grouped by what must be the same, and each statement's action patterns are
 * compiled once, so a long document is not compared pair by pair with fresh globs.
 */
function redundantStatements(file: PolicyFile): Finding[] {
  const findings: Finding[] = [];
  const groups = new Map<string, number[]>();
  file.statements.forEach((s, i) => {
    if (s.Action === undefined) return;
    const key = JSON.stringify([
      s.Effect,
      s.Resource ?? null,
      s.NotResource ?? null,
      s.Principal ?? null,
      s.NotPrincipal ?? null,
      s.Condition ?? null,
    ]);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const actions = file.statements.map((s) => list(s.Action).map((a) => a.toLowerCase()));
  const matchers = file.statements.map((s) => list(s.Action).map(actionMatcher));
  /** Whether every action of statement `a` is covered by some action of statement `b`. */
  const covers = (b: number, a: number) => actions[a]!.every((action) => matchers[b]!.some((m) => m(action)));
  const redundant = new Map<number, number>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const index = patternIndex(group, actions);
    for (const i of group) {
      // Only statements with a pattern covering the first action can cover them all.
      const first = actions[i]![0];
      if (first === undefined) continue;
      const cover = index.candidates(first).find(
        (j) =>
          j !== i &&
          covers(j, i) &&
          // Of two statements that cover each other, the later one is the redundant one.
          !(j > i && covers(i, j)),
      );
      if (cover !== undefined) redundant.set(i, cover);
    }
  }
  for (const [i, cover] of [...redundant].sort((a, b) => a[0] - b[0])) {
    const sid = file.statements[cover]!.Sid;
    findings.push(
      finding(
        file,
        'REDUNDANT_STATEMENT',
        `The statement is redundant because statement ${cover}${sid ? ` (${sid})` : ''} grants the same access. We recommend that you remove it.`,
        i,
      ),
    );
  }
  return findings;
}

/** An action pattern compiled once: whether it covers a lower-case action. */
function actionMatcher(pattern: string): (lowerAction: string) => boolean {
  const glob = compileGlob(pattern, true);
  return (lowerAction) => glob.matches(lowerAction);
}

/**
 * The statements of a group by their action patterns: literal actions looked up whole, wildcard
 * patterns by their service prefix (or tried for every action when the prefix itself has a
 * wildcard). `candidates` answers the statements with a pattern covering an action, in order.
 */
function patternIndex(
  group: readonly number[],
  actions: readonly (readonly string[])[],
): { candidates(lowerAction: string): number[] } {
  const literal = new Map<string, number[]>();
  const byService = new Map<string, { statement: number; matches: (a: string) => boolean }[]>();
  const anywhere: { statement: number; matches: (a: string) => boolean }[] = [];
  const add = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const found = map.get(key);
    if (found) found.push(value);
    else map.set(key, [value]);
  };
  for (const statement of group) {
    for (const pattern of actions[statement]!) {
      if (!/[*?]/.test(pattern)) {
        add(literal, pattern, statement);
        continue;
      }
      const colon = pattern.indexOf(':');
      const service = colon < 0 ? undefined : pattern.slice(0, colon);
      const entry = { statement, matches: actionMatcher(pattern) };
      if (service === undefined || /[*?]/.test(service)) anywhere.push(entry);
      else add(byService, service, entry);
    }
  }
  return {
    candidates(lowerAction) {
      const found = new Set(literal.get(lowerAction) ?? []);
      const colon = lowerAction.indexOf(':');
      const service = colon < 0 ? lowerAction : lowerAction.slice(0, colon);
      for (const entry of [...(byService.get(service) ?? []), ...anywhere])
        if (!found.has(entry.statement) && entry.matches(lowerAction)) found.add(entry.statement);
      return [...found].sort((a, b) => a - b);
    },
  };
}
