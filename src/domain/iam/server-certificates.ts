// Server certificates: UploadServerCertificate, GetServerCertificate, ListServerCertificates,
// UpdateServerCertificate, DeleteServerCertificate, and their tags.
//
// A server certificate is a name and path (ARN arn:aws:iam::<account>:server-certificate<path><name>),
// an X.509 certificate with its private key, and an optional chain; the key goes in once and never
// comes back out (it is kept sealed under the master key). What AWS answers where (IAM API
// reference; responses recorded from AWS in LocalStack's snapshots, test_iam_server_certificates):
// - an unknown name is NoSuchEntity "The Server Certificate with name <name> cannot be found.", a
//   taken one EntityAlreadyExists "The Server Certificate with name <name> already exists.";
// - UploadServerCertificate answers the ServerCertificateMetadata (Path, ServerCertificateName,
//   ServerCertificateId, Arn, UploadDate, Expiration), and Tags only when some were given;
//   GetServerCertificate adds CertificateBody, CertificateChain when there is one, and Tags (an
//   empty list included); ListServerCertificates lists metadata only;
// - renaming needs permission on the old name and on the new one (UpdateServerCertificate);
// - an account holds at most 20 server certificates (IAM and STS quotas, ServerCertificatesPerAccount).
// Nothing here uses a certificate, so DeleteServerCertificate never meets a DeleteConflict.
import { newUniqueId, UNIQUE_ID_PREFIXES } from '../../crypto/ids.ts';
import type { ContextValue } from '../../policy/index.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import type { ServerCertificateRecord } from '../records.ts';
import type { StoreTx } from '../store.ts';
import { serverCertificates } from '../tables.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  listPage,
  pageOutput,
  requestTagContext,
  requiredStr,
  resourceTagContext,
  str,
  tagOperations,
  tagsOf,
  writeTx,
} from '../operation.ts';
import { checkServerCertificate } from './server-certificate-validation.ts';

export type { ServerCertificateRecord };

/**
 * Server certificates per account (IAM and STS quotas: 20). AWS's text when it is reached,
 * "Cannot exceed quota for ServerCertificatesPerAccount: 20", as recorded in
 * https://github.com/remind101/empire/issues/471
 */
export const SERVER_CERTIFICATES_QUOTA = 20;

export function serverCertificateArn(account: string, path: string, name: string): string {
  return iamArn(account, 'server-certificate', path, name);
}

/** The sealing context of a certificate's private key (master-key rotation re-seals with it). */
export function privateKeySealContext(id: string): string {
  return `server-certificate-key:${id}`;
}

function notFound(name: string): IamError {
  return new IamError('NoSuchEntity', `The Server Certificate with name ${name} cannot be found.`);
}

function alreadyExists(name: string): IamError {
  return new IamError('EntityAlreadyExists', `The Server Certificate with name ${name} already exists.`);
}

function findCertificate(
  tx: StoreTx,
  account: string,
  name: string,
): Promise<ServerCertificateRecord | undefined> {
  return tx.find(serverCertificates, { account, name_lower: name.toLowerCase() });
}

/** Find the certificate, authorize on its ARN (its tags as aws:ResourceTag), then NoSuchEntity. */
async function authorizedCertificate(
  ctx: OperationContext,
  tx: StoreTx,
  action: string,
  name: string,
  context: Readonly<Record<string, ContextValue>> = {},
): Promise<ServerCertificateRecord> {
  const { account } = ctx.caller;
  const certificate = await findCertificate(tx, account, name);
  const arn = certificate
    ? serverCertificateArn(account, certificate.path, certificate.name)
    : serverCertificateArn(account, '/', name);
  await check(ctx, tx, action, arn, { ...resourceTagContext(certificate?.tags), ...context });
  if (!certificate) throw notFound(name);
  return certificate;
}

function metadata(certificate: ServerCertificateRecord): Record<string, unknown> {
  return {
    Path: certificate.path,
    ServerCertificateName: certificate.name,
    ServerCertificateId: certificate.id,
    Arn: serverCertificateArn(certificate.account, certificate.path, certificate.name),
    UploadDate: certificate.uploadedAt,
    Expiration: certificate.expiration,
  };
}

export const serverCertificatesOperations: Record<string, Operation> = {
  ...tagOperations<ServerCertificateRecord>({
    noun: 'ServerCertificate',
    load: (ctx, tx, action, input, context) =>
      authorizedCertificate(ctx, tx, action, requiredStr(input, 'ServerCertificateName'), context),
    table: serverCertificates,
  }),

  async UploadServerCertificate(ctx, input) {
    const name = requiredStr(input, 'ServerCertificateName');
    const path = str(input, 'Path') ?? '/';
    const body = requiredStr(input, 'CertificateBody');
    const privateKey = requiredStr(input, 'PrivateKey');
    const chain = str(input, 'CertificateChain');
    const tags = tagsOf(input);
    const { account } = ctx.caller;
    const authorize = (tx: StoreTx) =>
      check(
        ctx,
        tx,
        'iam:UploadServerCertificate',
        serverCertificateArn(account, path, name),
        requestTagContext(tags),
      );
    // The caller is authorized before the certificate is examined, which happens outside any
    // transaction (a long chain is verified a few certificates at a time).
    await ctx.iam.store.read(authorize);
    const checked = await checkServerCertificate({ body, privateKey, chain }, ctx.iam.now());
    const id = newUniqueId(UNIQUE_ID_PREFIXES.serverCertificate);
    const sealedPrivateKey = ctx.iam.sealer.seal(privateKey, privateKeySealContext(id));
    return writeTx(ctx, async (tx) => {
      await authorize(tx);
      if (await findCertificate(tx, account, name)) throw alreadyExists(name);
      if ((await tx.count(serverCertificates, { account })) >= SERVER_CERTIFICATES_QUOTA) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for ServerCertificatesPerAccount: ${SERVER_CERTIFICATES_QUOTA}`,
        );
      }
      const certificate: ServerCertificateRecord = {
        id,
        account,
        name,
        path,
        body,
        ...(chain !== undefined ? { chain } : {}),
        sealedPrivateKey,
        uploadedAt: isoNow(ctx),
        expiration: checked.expiration,
        tags,
      };
      await tx.insert(serverCertificates, certificate);
      return {
        ServerCertificateMetadata: metadata(certificate),
        ...(tags.length > 0 ? { Tags: tags } : {}),
      };
    });
  },

  async GetServerCertificate(ctx, input) {
    const name = requiredStr(input, 'ServerCertificateName');
    return ctx.iam.store.read(async (tx) => {
      const certificate = await authorizedCertificate(ctx, tx, 'iam:GetServerCertificate', name);
      return {
        ServerCertificate: {
          ServerCertificateMetadata: metadata(certificate),
          CertificateBody: certificate.body,
          ...(certificate.chain !== undefined ? { CertificateChain: certificate.chain } : {}),
          Tags: certificate.tags,
        },
      };
    });
  },

  async ListServerCertificates(ctx, input) {
    const prefix = str(input, 'PathPrefix') ?? '/';
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      await check(ctx, tx, 'iam:ListServerCertificates', serverCertificateArn(account, prefix, ''));
      const page = await listPage(tx, serverCertificates, input, {
        where: { account },
        prefix: { column: 'path', value: prefix },
        orderBy: 'name_lower',
      });
      return pageOutput('ServerCertificateMetadataList', page, metadata);
    });
  },

  async UpdateServerCertificate(ctx, input) {
    const name = requiredStr(input, 'ServerCertificateName');
    const newName = str(input, 'NewServerCertificateName');
    const newPath = str(input, 'NewPath');
    const { account } = ctx.caller;
    return writeTx(ctx, async (tx) => {
      const certificate = await authorizedCertificate(ctx, tx, 'iam:UpdateServerCertificate', name);
      const nextName = newName ?? certificate.name;
      const nextPath = newPath ?? certificate.path;
      if (nextName !== certificate.name || nextPath !== certificate.path) {
        // The new name (and path) needs the permission too, as AWS checks.
        await check(
          ctx,
          tx,
          'iam:UpdateServerCertificate',
          serverCertificateArn(account, nextPath, nextName),
        );
      }
      if (
        nextName.toLowerCase() !== certificate.name.toLowerCase() &&
        (await findCertificate(tx, account, nextName))
      )
        throw alreadyExists(nextName);
      // The id stays: a renamed certificate is this one changed row.
      certificate.name = nextName;
      certificate.path = nextPath;
      await tx.update(serverCertificates, certificate);
      return undefined;
    });
  },

  async DeleteServerCertificate(ctx, input) {
    const name = requiredStr(input, 'ServerCertificateName');
    return writeTx(ctx, async (tx) => {
      const certificate = await authorizedCertificate(ctx, tx, 'iam:DeleteServerCertificate', name);
      await tx.delete(serverCertificates, certificate.id);
      return undefined;
    });
  },
};
