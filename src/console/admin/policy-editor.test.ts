import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IamError } from '../../domain/errors.ts';
import { editorFeedback, editorProblem, refusal } from './policy-editor.ts';

const text =
  '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]\n}';

test("IAM's refusal is placed at the statement that draws the same message", () => {
  const error = new IamError('MalformedPolicyDocument', 'Policy statement must contain resources.');
  const problem = editorProblem(error, 'policy-document', text, 'identity');
  assert.deepEqual(problem?.where, { kind: 'statement', at: { line: 3, column: 17 }, index: 0 });
  const shown = editorFeedback(problem, 'policy-document').toString();
  assert.match(shown, /role="alert"/);
  assert.match(shown, /Line 3, column 17: statement 1, which IAM refuses, begins here\./);
  assert.equal(editorFeedback(problem, 'another-editor'), '', 'only beside the editor that held it');
});

test("Organizations' general refusal gets the engine's words for the fault, and where", () => {
  const error = new IamError(
    'MalformedPolicyDocumentException',
    'The provided policy document does not meet the requirements of the specified policy type.',
  );
  const problem = editorProblem(error, 'content', text, 'scp');
  assert.equal(problem?.where?.kind, 'statement');
  assert.match(problem?.detail ?? '', /\S/);
  assert.match(editorFeedback(problem, 'content').toString(), /What is wrong: /);
});

test('any other error stays in the page error box; what IAM quotes is escaped beside the editor', () => {
  const denied = new IamError('AccessDenied', 'not authorized');
  assert.deepEqual(refusal(denied, 'policy-document', text, 'identity'), { error: denied });
  assert.deepEqual(refusal('Type the name to confirm.', 'policy-document', text, 'identity'), {
    error: 'Type the name to confirm.',
  });
  const quoted = new IamError(
    'MalformedPolicyDocument',
    'Resource <img src=x> must be in ARN format or "*".',
  );
  const shown = editorFeedback(editorProblem(quoted, 'e', '{', 'identity'), 'e').toString();
  assert.doesNotMatch(shown, /<img/);
  assert.match(shown, /&lt;img src=x&gt;/);
  assert.match(shown, /Line 1, column 2: the document stops being JSON here\./);
});
