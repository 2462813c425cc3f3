import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IamError } from '../../domain/errors.ts';
import { lengthProblem, orgProblem, parentChoices, targetChoices, type OrgTree } from './common.ts';

const tree: OrgTree = {
  rootId: 'r-abcd',
  enabledTypes: [],
  units: [
    { id: 'ou-abcd-22222222', name: 'Prod', parent: 'ou-abcd-11111111' },
    { id: 'ou-abcd-11111111', name: 'Workloads', parent: 'r-abcd' },
    { id: 'ou-abcd-33333333', name: 'Sandbox', parent: 'r-abcd' },
  ],
  accounts: [
    { id: '111122223333', name: 'B', email: 'b@example.com', status: 'ACTIVE', parent: 'ou-abcd-22222222' },
  ],
  partial: false,
};

test('an OU is offered by its path of names, the root first', () => {
  assert.deepEqual(parentChoices(tree), [
    { value: 'r-abcd', label: 'Root' },
    { value: 'ou-abcd-33333333', label: 'Root / Sandbox' },
    { value: 'ou-abcd-11111111', label: 'Root / Workloads' },
    { value: 'ou-abcd-22222222', label: 'Root / Workloads / Prod' },
  ]);
  assert.deepEqual(
    targetChoices(tree).map((c) => c.label),
    [
      'Root',
      'OU Root / Sandbox',
      'OU Root / Workloads',
      'OU Root / Workloads / Prod',
      'Account B (111122223333)',
    ],
  );
});

test("refusals are in words: a member account's AccessDeniedException, an account in no organization", () => {
  const member = orgProblem(
    new IamError('AccessDeniedException', "You don't have permissions to access this resource."),
  ).toString();
  assert.match(member, /role="alert"/);
  assert.match(member, /Access denied\./);
  assert.match(member, /Only the organization(?:'|&#39;)s management account can manage the organization/);
  const none = orgProblem(
    new IamError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.'),
  ).toString();
  assert.match(none, /Your account is not a member of an organization\./);
});

test("the model's length bounds are checked before the operation (characters, not bytes)", () => {
  assert.equal(lengthProblem('é'.repeat(128), 'The OU name', 1, 128), undefined);
  assert.equal(
    lengthProblem('x'.repeat(129), 'The OU name', 1, 128)?.message,
    'The OU name must be at most 128 characters.',
  );
  assert.equal(lengthProblem('', 'The OU name', 1, 128)?.message, 'The OU name is required.');
  assert.equal(
    lengthProblem('a@b.c', 'The e-mail', 6, 64)?.message,
    'The e-mail must be at least 6 characters.',
  );
});
