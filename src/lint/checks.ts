// The policy checks that read one valid document, as Access Analyzer's ValidatePolicy does:
// overly permissive iam:PassRole, Allow with NotAction, actions and statements that repeat what the
// document already grants.
import type { Finding } from './findings.ts';
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
  const findings: Finding[] = [];
  actions.forEach((action, i) => {
    const cover = actions.find(
      (other, j) =>
        j !== i &&
        actionCovers(other, action) &&
        // Of two equal entries, the later one is the redundant one.
        (other.toLowerCase() !== action.toLowerCase() || j < i),
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
 */
function redundantStatements(file: PolicyFile): Finding[] {
  const findings: Finding[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  file.statements.forEach((s, i) => {
    if (s.Action === undefined) return;
    const cover = file.statements.findIndex(
      (other, j) =>
        j !== i &&
        other.Action !== undefined &&
        other.Effect === s.Effect &&
        same(other.Resource, s.Resource) &&
        same(other.NotResource, s.NotResource) &&
        same(other.Principal, s.Principal) &&
        same(other.NotPrincipal, s.NotPrincipal) &&
        same(other.Condition, s.Condition) &&
        list(s.Action).every((a) => list(other.Action).some((o) => actionCovers(o, a))) &&
        // Of two statements that cover each other, the later one is the redundant one.
        !(j > i && list(other.Action).every((o) => list(s.Action).some((a) => actionCovers(a, o)))),
    );
    if (cover >= 0)
      findings.push(
        finding(
          file,
          'REDUNDANT_STATEMENT',
          `The statement is redundant because statement ${cover}${file.statements[cover]!.Sid ? ` (${file.statements[cover]!.Sid})` : ''} grants the same access. We recommend that you remove it.`,
          i,
        ),
      );
  });
  return findings;
}
