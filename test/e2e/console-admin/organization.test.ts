// The organization pages over HTTP, as the management account's root user: what the browser story
// (test/browser/organization-console.test.ts) does not walk — an SCP edited, detached and deleted,
// the policy type disabled, an OU deleted (and refused while it holds an account), the model's
// bounds and Organizations' errors shown in words, and the RCP page. Each is checked against the
// API (the SDK), which must see what the page did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribePolicyCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListPoliciesForTargetCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import { startServer, type Server } from '../harness.ts';
import {
  editorError,
  errorText,
  noticeText,
  rootClient,
  submit,
  visibleText,
  type ConsoleClient,
} from './admin-client.ts';

let server: Server;
let root: ConsoleClient;
let rootId = '';

const ORG = '/console/organization';
const SCP = `${ORG}/policies/scp`;
const scp = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: '*' }] });

before(async () => {
  server = await startServer();
  root = await rootClient(server);
  const created = await submit(root, ORG, `${ORG}/create-organization`, {});
  assert.match(noticeText(created.page), /The organization was created/);
  rootId = (await server.organizations().send(new ListRootsCommand({}))).Roots![0]!.Id!;
});

after(async () => {
  await server?.stop();
});

test("the model's bounds and Organizations' own errors are shown in words, what was typed kept", async () => {
  const long = await submit(root, ORG, `${ORG}/ous/create`, { parent: rootId, 'ou-name': 'x'.repeat(129) });
  assert.equal(long.page.status, 400);
  assert.match(errorText(long.page), /The OU name must be at most 128 characters/);

  assert.match(
    noticeText((await submit(root, ORG, `${ORG}/ous/create`, { parent: rootId, 'ou-name': 'Dev' })).page),
    /created/,
  );
  const duplicate = await submit(root, ORG, `${ORG}/ous/create`, { parent: rootId, 'ou-name': 'Dev' });
  assert.equal(duplicate.page.status, 409);
  assert.match(errorText(duplicate.page), /DuplicateOrganizationalUnitException/);
  assert.match(duplicate.page.text, /id="ou-name"[^>]*value="Dev"|value="Dev"[^>]*id="ou-name"/);

  const badMail = await submit(root, ORG, `${ORG}/accounts/create`, {
    'account-name': 'C',
    email: 'not-an-email',
  });
  assert.equal(badMail.page.status, 400);
  assert.match(errorText(badMail.page), /InvalidInputException/);
});

test('an OU holding an account cannot be deleted; once empty it is', async () => {
  const units = await server
    .organizations()
    .send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }));
  const dev = units.OrganizationalUnits!.find((u) => u.Name === 'Dev')!.Id!;
  const created = await submit(root, ORG, `${ORG}/accounts/create`, {
    'account-name': 'C',
    email: 'c@example.com',
  });
  const account = /was created: (\d{12})/.exec(visibleText(created.page.text))?.[1];
  assert.ok(
    account,
    visibleText(created.page.text)
      .replace(/^[\s\S]*?Account creation requests/, '')
      .slice(0, 600),
  );
  await submit(root, ORG, `${ORG}/accounts/move`, { 'account-id': account, destination: dev });

  const refused = await submit(root, ORG, `${ORG}/ous/delete`, { 'ou-id': dev });
  assert.equal(refused.page.status, 400);
  assert.match(errorText(refused.page), /OrganizationalUnitNotEmptyException/);

  await submit(root, ORG, `${ORG}/accounts/move`, { 'account-id': account, destination: rootId });
  const deleted = await submit(root, ORG, `${ORG}/ous/delete`, { 'ou-id': dev });
  assert.match(noticeText(deleted.page), /The organizational unit was deleted/);
  const left = await server
    .organizations()
    .send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }));
  assert.deepEqual(left.OrganizationalUnits, []);
});

test('an SCP is edited, detached and deleted from its page; disabling the type detaches the rest', async () => {
  const enabled = await submit(root, SCP, `${SCP}/enable`, { 'root-id': rootId });
  assert.match(noticeText(enabled.page), /The policy type was enabled/);
  const created = await submit(root, SCP, `${SCP}/create`, {
    name: 'NoUsers',
    description: 'first',
    content: scp('iam:CreateUser'),
  });
  const id = /[?&]id=(p-[0-9a-zA-Z_]+)/.exec(created.posted.location ?? '')?.[1];
  assert.ok(id);
  const view = `${SCP}/view?id=${id}`;

  const edited = await submit(root, view, `${SCP}/update`, {
    'policy-id': id,
    name: 'NoUsersOrGroups',
    description: 'second',
    content: scp('iam:Create*'),
  });
  assert.match(noticeText(edited.page), /The policy was saved/);
  const described = await server.organizations().send(new DescribePolicyCommand({ PolicyId: id }));
  assert.equal(described.Policy?.PolicySummary?.Name, 'NoUsersOrGroups');
  assert.equal(described.Policy?.Content, scp('iam:Create*'));

  const malformed = await submit(root, view, `${SCP}/update`, {
    'policy-id': id,
    name: 'NoUsersOrGroups',
    description: 'second',
    content: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Resource: '*' }],
    }),
  });
  assert.equal(malformed.page.status, 400);
  // Organizations' message names no element; the editor adds IAM's words for the fault, and where.
  assert.match(
    editorError(malformed.page, 'content'),
    /^MalformedPolicyDocumentException: .*What is wrong: .*must contain actions.* Line 1, column 38: statement 1, which IAM refuses, begins here\.$/s,
  );
  assert.equal(
    errorText(malformed.page),
    editorError(malformed.page, 'content'),
    'no other error box above it',
  );

  await submit(root, view, `${SCP}/attach`, { 'policy-id': id, 'target-id': rootId });
  assert.equal(
    (await server.organizations().send(new ListTargetsForPolicyCommand({ PolicyId: id }))).Targets?.length,
    1,
  );
  const inUse = await submit(root, view, `${SCP}/delete`, { 'policy-id': id });
  assert.match(errorText(inUse.page), /PolicyInUseException/);
  const detached = await submit(root, view, `${SCP}/detach`, { 'policy-id': id, 'target-id': rootId });
  assert.match(noticeText(detached.page), /The policy was detached/);
  const deleted = await submit(root, view, `${SCP}/delete`, { 'policy-id': id });
  assert.match(noticeText(deleted.page), /The policy was deleted/);

  const disabled = await submit(root, SCP, `${SCP}/disable`, { 'root-id': rootId });
  assert.match(noticeText(disabled.page), /The policy type was disabled/);
  assert.match(visibleText(disabled.page.text), /Service control policies are disabled in the root/);
});

test('the RCP page is the same page for its own type: RCPs enabled there attach RCPFullAWSAccess everywhere', async () => {
  const page = await root.get(`${ORG}/policies/rcp`);
  assert.equal(page.status, 200);
  assert.match(visibleText(page.text), /Resource control policies are disabled in the root/);
  const enabled = await submit(root, `${ORG}/policies/rcp`, `${ORG}/policies/rcp/enable`, {
    'root-id': rootId,
  });
  assert.match(noticeText(enabled.page), /The policy type was enabled/);
  assert.match(visibleText(enabled.page.text), /Resource control policies are enabled in the root/);
  assert.match(visibleText(enabled.page.text), /RCPFullAWSAccess/);
  const attached = await server
    .organizations()
    .send(new ListPoliciesForTargetCommand({ TargetId: rootId, Filter: 'RESOURCE_CONTROL_POLICY' }));
  assert.deepEqual(
    attached.Policies?.map((p) => p.Id),
    ['p-RCPFullAWSAccess'],
  );
  // An RCP may only deny (RCPFullAWSAccess is the one Allow): Organizations' refusal, in words.
  const allowing = await submit(root, `${ORG}/policies/rcp`, `${ORG}/policies/rcp/create`, {
    name: 'AllowAll',
    description: '',
    content: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:*', Resource: '*' }],
    }),
  });
  assert.match(errorText(allowing.page), /MalformedPolicyDocumentException/);
  const disabled = await submit(root, `${ORG}/policies/rcp`, `${ORG}/policies/rcp/disable`, {
    'root-id': rootId,
  });
  assert.match(noticeText(disabled.page), /The policy type was disabled/);
  assert.equal((await root.get(`${ORG}/policies/other`)).status, 303);
});
