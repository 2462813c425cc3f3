// The console's identity providers: OpenID Connect and SAML providers added, refused with IAM's
// errors in place, deleted; and the role wizard's trust templates for web identity and SAML 2.0
// federation, whose trust policy the created role then holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetSAMLProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListSAMLProvidersCommand,
} from '@aws-sdk/client-iam';
import { makeCertificate, metadataXml } from '../../support/idp-metadata.ts';
import { ROOT, startServer, type Server } from '../harness.ts';
import {
  type ConsoleClient,
  errorText,
  noticeText,
  rootClient,
  sectionOf,
  submit,
  textareaOf,
  unescapeHtml,
  userClient,
  visibleText,
} from './admin-client.ts';

const PAGE = '/console/admin/identity-providers';
const ACCOUNT = ROOT.accountId;
const OIDC_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.example.com/org`;
const SAML_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/Corporate`;
const THUMBPRINT = '0123456789abcdef0123456789abcdef01234567';

let server: Server;
let root: ConsoleClient;
const idp = makeCertificate('console-idp');

before(async () => {
  server = await startServer();
  root = await rootClient(server);
});
after(async () => {
  await server?.stop();
});

test('an OpenID Connect and a SAML provider are added and listed', async () => {
  const oidc = await submit(root, PAGE, `${PAGE}/oidc`, {
    'provider-url': 'https://token.example.com/org',
    audiences: 'sts.amazonaws.com\r\nmy-app\r\n',
    thumbprints: THUMBPRINT,
  });
  assert.equal(oidc.posted.location, `${PAGE}?notice=oidc-created`);
  assert.equal(noticeText(oidc.page), 'The OpenID Connect provider was added.');
  const oidcRows = visibleText(sectionOf(oidc.page, 'oidc-heading'));
  assert.match(oidcRows, new RegExp(OIDC_ARN));
  assert.match(oidcRows, /sts\.amazonaws\.com, my-app/);
  assert.match(oidcRows, new RegExp(THUMBPRINT));

  const saml = await submit(root, PAGE, `${PAGE}/saml`, {
    'saml-name': 'Corporate',
    metadata: metadataXml(idp),
  });
  assert.equal(saml.posted.location, `${PAGE}?notice=saml-created`);
  assert.match(visibleText(sectionOf(saml.page, 'saml-heading')), new RegExp(SAML_ARN));

  const listed = await server.iam().send(new ListSAMLProvidersCommand({}));
  assert.deepEqual(
    listed.SAMLProviderList?.map((p) => p.Arn),
    [SAML_ARN],
  );
});

test("what IAM refuses is shown in place with IAM's error, and what was typed is kept", async () => {
  const badMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/><!--${'x'.repeat(1000)}-->`;
  const saml = await submit(root, PAGE, `${PAGE}/saml`, { 'saml-name': 'Broken', metadata: badMetadata });
  assert.equal(saml.posted.status, 400);
  assert.equal(errorText(saml.page), 'InvalidInput: Could not parse metadata');
  assert.equal(unescapeHtml(textareaOf(saml.page, 'metadata') ?? ''), badMetadata);

  const shortMetadata = await submit(root, PAGE, `${PAGE}/saml`, { 'saml-name': 'Short', metadata: '<x/>' });
  assert.match(errorText(shortMetadata.page), /Value at 'sAMLMetadataDocument' failed to satisfy constraint/);

  const url = await submit(root, PAGE, `${PAGE}/oidc`, {
    'provider-url': 'http://token.example.com',
    audiences: '',
  });
  assert.equal(errorText(url.page), 'ValidationError: Invalid Open ID Connect Provider URL');
  assert.match(url.page.text, /value="http:\/\/token\.example\.com"/);

  const thumbprint = await submit(root, PAGE, `${PAGE}/oidc`, {
    'provider-url': 'https://other.example.com',
    audiences: 'a',
    thumbprints: 'abc',
  });
  assert.match(errorText(thumbprint.page), /Value at 'thumbprintList' failed to satisfy constraint/);
  assert.equal(
    (await server.iam().send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.length,
    1,
  );
});

test('the role wizard writes a web identity trust policy, and the role is created with it', async () => {
  const filled = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    intent: 'template',
    'role-name': 'ci-deploy',
    path: '/',
    'trust-template': 'web-identity',
    provider: OIDC_ARN,
    audience: 'sts.amazonaws.com',
    subject: 'repo:org/repo:ref:refs/heads/*',
    'trust-policy': '{}',
  });
  assert.equal(filled.posted.status, 200);
  assert.match(noticeText(filled.page), /written from the template/);
  // The provider is offered in the wizard's list.
  assert.match(filled.page.text, new RegExp(`<option value="${OIDC_ARN}"\\s+selected`));
  const policy = unescapeHtml(textareaOf(filled.page, 'trust-policy') ?? '');
  assert.deepEqual(JSON.parse(policy).Statement, [
    {
      Effect: 'Allow',
      Principal: { Federated: OIDC_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.example.com/org:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.example.com/org:sub': 'repo:org/repo:ref:refs/heads/*' },
      },
    },
  ]);
  assert.match(filled.page.text, /value="ci-deploy"/);

  const created = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    intent: 'create',
    'role-name': 'ci-deploy',
    path: '/',
    'trust-policy': policy,
    'max-session-duration': '3600',
  });
  assert.equal(created.posted.location, '/console/admin/roles/ci-deploy?notice=created');
  const role = (await server.iam().send(new GetRoleCommand({ RoleName: 'ci-deploy' }))).Role!;
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(policy));
});

test('the role wizard writes a SAML 2.0 federation trust policy; a template needs its provider', async () => {
  const filled = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    intent: 'template',
    'role-name': 'sso-admins',
    'trust-template': 'saml',
    provider: SAML_ARN,
  });
  const policy = unescapeHtml(textareaOf(filled.page, 'trust-policy') ?? '');
  assert.deepEqual(JSON.parse(policy).Statement, [
    {
      Effect: 'Allow',
      Principal: { Federated: SAML_ARN },
      Action: 'sts:AssumeRoleWithSAML',
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    },
  ]);
  await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    'role-name': 'sso-admins',
    path: '/',
    'trust-policy': policy,
  });
  const role = (await server.iam().send(new GetRoleCommand({ RoleName: 'sso-admins' }))).Role!;
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(policy));

  const mismatched = await submit(root, '/console/admin/roles', '/console/admin/roles/create', {
    intent: 'template',
    'role-name': 'x',
    'trust-template': 'saml',
    provider: OIDC_ARN,
  });
  assert.equal(mismatched.posted.status, 400);
  assert.equal(errorText(mismatched.page), 'Choose a SAML provider for a SAML 2.0 federation role.');
});

test('an OpenID Connect provider is edited: client IDs added and removed, thumbprints replaced, tags', async () => {
  const list = await root.get(PAGE);
  const view = `${PAGE}/view?arn=${encodeURIComponent(OIDC_ARN)}`;
  assert.ok(list.text.includes(`href="${view.replaceAll('&', '&amp;')}"`), 'the list links to the edit view');
  // Deleting from the list asks first.
  assert.match(list.text, /<summary>Delete token\.example\.com\/org<\/summary>/);
  const oidc = () =>
    server.iam().send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: OIDC_ARN }));

  const added = await submit(root, view, `${PAGE}/view/client-add`, {
    arn: OIDC_ARN,
    'client-id': 'third-app',
  });
  assert.equal(added.posted.location, `${view}&notice=client-added`);
  assert.equal(noticeText(added.page), 'The client ID was added.');
  assert.match(visibleText(sectionOf(added.page, 'clients-heading')), /third-app/);
  assert.deepEqual((await oidc()).ClientIDList, ['sts.amazonaws.com', 'my-app', 'third-app']);

  // Removing a client ID is a confirmation first, whose button posts.
  assert.match(added.page.text, /<details class="confirm">\s*<summary>Remove my-app<\/summary>/);
  const removed = await submit(root, view, `${PAGE}/view/client-remove`, {
    arn: OIDC_ARN,
    'client-id': 'my-app',
  });
  assert.equal(noticeText(removed.page), 'The client ID was removed.');
  assert.deepEqual((await oidc()).ClientIDList, ['sts.amazonaws.com', 'third-app']);

  const next = 'fedcba9876543210fedcba9876543210fedcba98';
  const replaced = await submit(root, view, `${PAGE}/view/thumbprints`, {
    arn: OIDC_ARN,
    thumbprints: `${THUMBPRINT}\r\n${next}\r\n`,
  });
  assert.equal(noticeText(replaced.page), 'The thumbprints were replaced.');
  assert.deepEqual((await oidc()).ThumbprintList, [THUMBPRINT, next]);
  const bad = await submit(root, view, `${PAGE}/view/thumbprints`, { arn: OIDC_ARN, thumbprints: 'abc' });
  assert.equal(bad.posted.status, 400);
  assert.match(errorText(bad.page), /Value at 'thumbprintList' failed to satisfy constraint/);
  assert.equal(textareaOf(bad.page, 'thumbprints'), 'abc');
  assert.deepEqual((await oidc()).ThumbprintList, [THUMBPRINT, next]);

  const tagged = await submit(root, view, `${PAGE}/view/tag`, {
    arn: OIDC_ARN,
    'tag-key': 'team',
    'tag-value': 'ci',
  });
  assert.equal(noticeText(tagged.page), 'The tag was saved.');
  assert.deepEqual((await oidc()).Tags, [{ Key: 'team', Value: 'ci' }]);
  assert.match(tagged.page.text, /<summary>Remove tag team<\/summary>/);
  const untagged = await submit(root, view, `${PAGE}/view/untag`, { arn: OIDC_ARN, 'tag-key': 'team' });
  assert.equal(noticeText(untagged.page), 'The tag was removed.');
  assert.deepEqual((await oidc()).Tags, []);
});

test('a SAML provider is edited: new metadata uploaded, tags; what IAM refuses is shown in place', async () => {
  const view = `${PAGE}/view?arn=${encodeURIComponent(SAML_ARN)}`;
  const saml = () => server.iam().send(new GetSAMLProviderCommand({ SAMLProviderArn: SAML_ARN }));
  const document = metadataXml(makeCertificate('console-idp-next'), { validUntil: '2031-02-03T04:05:06Z' });
  const uploaded = await submit(root, view, `${PAGE}/view/metadata`, { arn: SAML_ARN, metadata: document });
  assert.equal(uploaded.posted.location, `${view}&notice=metadata`);
  assert.equal(noticeText(uploaded.page), 'The new metadata document was uploaded.');
  assert.equal((await saml()).SAMLMetadataDocument, document);
  assert.match(visibleText(sectionOf(uploaded.page, 'metadata-heading')), /2031-02-03T04:05:06/);

  const refused = await submit(root, view, `${PAGE}/view/metadata`, {
    arn: SAML_ARN,
    metadata: `<x>${'y'.repeat(1000)}</x>`,
  });
  assert.equal(refused.posted.status, 400);
  assert.equal(errorText(refused.page), 'InvalidInput: Could not parse metadata');
  assert.equal((await saml()).SAMLMetadataDocument, document);

  const tagged = await submit(root, view, `${PAGE}/view/tag`, {
    arn: SAML_ARN,
    'tag-key': 'owner',
    'tag-value': 'it',
  });
  assert.equal(noticeText(tagged.page), 'The tag was saved.');
  assert.deepEqual((await saml()).Tags, [{ Key: 'owner', Value: 'it' }]);
  assert.match(visibleText(sectionOf(tagged.page, 'tags-heading')), /owner\s+it/);
  await submit(root, view, `${PAGE}/view/untag`, { arn: SAML_ARN, 'tag-key': 'owner' });
  assert.deepEqual((await saml()).Tags, []);
});

test("a user without permission sees AWS's AccessDenied; providers are deleted", async () => {
  const iam = server.iam();
  await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'viewer', Password: 'Viewer-Password-123!' }));
  const viewer = await userClient(server, 'viewer', 'Viewer-Password-123!');
  const denied = await viewer.get(PAGE);
  assert.match(
    visibleText(sectionOf(denied, 'oidc-heading')),
    /User: arn:aws:iam::123456789012:user\/viewer is not authorized to perform: iam:ListOpenIDConnectProviders/,
  );

  for (const arn of [OIDC_ARN, SAML_ARN]) {
    const deleted = await submit(root, PAGE, `${PAGE}/delete`, { arn });
    assert.equal(deleted.posted.location, `${PAGE}?notice=deleted`);
  }
  assert.deepEqual((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList, []);
  assert.deepEqual((await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList, []);
  const again = await submit(root, PAGE, `${PAGE}/delete`, { arn: SAML_ARN });
  assert.equal(errorText(again.page), `NoSuchEntity: Manifest not found for arn ${SAML_ARN}`);
});
