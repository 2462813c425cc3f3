import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IamError } from '../../domain/errors.ts';
import { check } from './common.ts';
import { explained, fieldProblem, wordsFor } from './validation-words.ts';

const text = (html: unknown) =>
  String(html)
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

test('each check the pages make is explained in words, for the field that holds the value', () => {
  const cases: [IamError | undefined, string, RegExp][] = [
    [
      check.userName('a b'),
      'user-name',
      /^The user name is not valid\. Use letters, digits and \+ = , \. @ _ - \(up to 64 characters\)\./,
    ],
    [check.roleName('r'.repeat(65)), 'role-name', /^The role name is not valid\..*\(up to 64 characters\)/],
    [check.groupName('g/h'), 'group-name', /^The group name is not valid\..*\(up to 128 characters\)/],
    [check.policyName(''), 'policy-name', /^The policy name is not valid\./],
    [check.path('x'), 'path', /^The path is not valid\. Start and end with \//],
    [check.tagKey('<'), 'tag-key', /^The tag key is not valid\./],
    [check.tagKey('<', 'tagKeys.1.member'), 'tag-key', /^The tag key is not valid\./],
    [check.tagValue('v'.repeat(257), 'tags.7.member.value'), 'tag-value', /^The tag value is not valid\./],
  ];
  for (const [error, field, words] of cases) {
    assert.ok(error, `${field}: the check refuses`);
    assert.match(text(fieldProblem(error, field)), words);
    // AWS's text stays, in a <details>.
    assert.match(String(fieldProblem(error, field)), /<details class="aws-text">/);
    assert.ok(text(fieldProblem(error, field)).endsWith(`${error.code}: ${error.message}`));
    assert.match(text(explained(error)), words);
  }
});

test('an explanation is shown only under the field it is about', () => {
  assert.equal(fieldProblem(check.userName('a b'), 'path'), '');
  assert.equal(fieldProblem(check.path('x'), 'user-name'), '');
});

test('errors without words (other codes, other members, plain strings) are left as they are', () => {
  assert.equal(wordsFor(new IamError('EntityAlreadyExists', 'User with name a already exists.')), undefined);
  assert.equal(wordsFor(check.document('\u0001')), undefined);
  assert.equal(wordsFor('The password does not meet the policy.'), undefined);
  assert.equal(wordsFor(undefined), undefined);
  assert.equal(explained(new IamError('ValidationError', 'Something else.')), undefined);
  assert.equal(fieldProblem(new IamError('ValidationError', 'Something else.'), 'user-name'), '');
});
