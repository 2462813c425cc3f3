// A policy editor's refusal shown where the person is typing: beside the textarea, with the line
// and column where the document goes wrong (where the JSON parser stopped, or where the statement
// IAM refuses begins), the text kept in the editor. The document was already sent to IAM (or
// Organizations) as the signed-in caller, which refused it; the position is only computed here, by
// the engine's own scans (src/policy/json-position.ts), to show the refusal.
import type { IamError } from '../../domain/errors.ts';
import {
  parsePolicy,
  refusalPosition,
  type PolicyKind,
  type RefusalPosition,
  type TextPosition,
} from '../../policy/index.ts';
import { html, type Html } from '../html.ts';

/** A refused document, for the editor (its textarea's id) that held it. */
export interface EditorProblem {
  readonly editor: string;
  readonly error: IamError;
  readonly where: RefusalPosition | undefined;
  /** What is wrong in the engine's words, when the service's own message does not say (Organizations). */
  readonly detail?: string | undefined;
}

/** IAM's and Organizations' codes for a document they refuse as written. */
const REFUSED = new Set(['MalformedPolicyDocument', 'MalformedPolicyDocumentException']);

/**
 * The editor's problem when `error` refuses the document `text` typed in `editor`, or undefined
 * for any other error (those stay in the page's error box). IAM's message is the engine's, so the
 * refused statement is the one drawing that message; Organizations says only that the document
 * does not meet the type's requirements, so the engine's own words for it are looked for instead.
 */
export function editorProblem(
  error: IamError | string | undefined,
  editor: string,
  text: string,
  kind: PolicyKind,
): EditorProblem | undefined {
  if (error === undefined || typeof error === 'string' || !REFUSED.has(error.code)) return undefined;
  if (error.code === 'MalformedPolicyDocument')
    return { editor, error, where: refusalPosition(text, kind, error.message) };
  const own = parsePolicy(text, { kind, ownMessages: true });
  const iam = parsePolicy(text, { kind });
  return {
    editor,
    error,
    where: iam.ok ? undefined : refusalPosition(text, kind, iam.error.message),
    detail: own.ok ? undefined : own.error.message,
  };
}

/** What a failed save shows: the refusal beside the editor, or any other error above the page. */
export function refusal(
  error: IamError | string,
  editor: string,
  text: string,
  kind: PolicyKind,
): { error?: IamError | string; editor?: EditorProblem } {
  const problem = editorProblem(error, editor, text, kind);
  return problem ? { editor: problem } : { error };
}

/**
 * What editor `id` shows of a refusal: the words beside it, and the position its caret is put at
 * (by POLICY_EDITOR_JS, when scripts run); nothing for another editor.
 */
export function editorState(
  problem: EditorProblem | undefined,
  id: string,
): { problem: Html | ''; errorAt?: TextPosition } {
  const feedback = editorFeedback(problem, id);
  const at = feedback ? problem?.where?.at : undefined;
  return at ? { problem: feedback, errorAt: at } : { problem: feedback };
}

/** The refusal beside editor `id`: what the service said, and where, or '' for another editor. */
export function editorFeedback(problem: EditorProblem | undefined, id: string): Html | '' {
  if (!problem || problem.editor !== id) return '';
  const { error, where } = problem;
  return html`<div class="alert error" role="alert">
    <strong>${error.code}:</strong> <span class="aws-message">${error.message}</span>
    ${problem.detail ? html`<p class="policy-problem">What is wrong: ${problem.detail}</p>` : ''}
    ${where ? html`<p class="position">${positionText(where)}</p>` : ''}
  </div>`;
}

function positionText(where: RefusalPosition): string {
  const at = `Line ${where.at.line}, column ${where.at.column}`;
  return where.kind === 'syntax'
    ? `${at}: the document stops being JSON here.`
    : `${at}: statement ${where.index + 1}, which IAM refuses, begins here.`;
}

/** The page script that puts a refused editor's caret at the refusal (same-origin: the CSP allows no inline script). */
export const POLICY_EDITOR_SCRIPT = '/console/static/policy-editor.js';

// Line breaks in a textarea's value are LF whatever was posted, and JavaScript counts UTF-16 code
// units as the engine's columns do, so line and column find the same character here.
export const POLICY_EDITOR_JS = `'use strict';
for (const editor of document.querySelectorAll('textarea[data-error-line][data-error-column]')) {
  const line = Number(editor.dataset.errorLine);
  const column = Number(editor.dataset.errorColumn);
  const lines = editor.value.split('\\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset = Math.min(offset + column - 1, editor.value.length);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  break;
}
`;
