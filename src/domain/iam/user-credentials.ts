// The other credentials a user holds, which the seeds' self-service policies name:
// - signing certificates: UploadSigningCertificate, ListSigningCertificates,
//   UpdateSigningCertificate, DeleteSigningCertificate (X.509, at most 2 per user);
// - SSH public keys for CodeCommit: UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys,
//   UpdateSSHPublicKey, DeleteSSHPublicKey (RSA of at least 2,048 bits, at most 5 per user);
// - service-specific credentials: CreateServiceSpecificCredential, ListServiceSpecificCredentials,
//   ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
//   DeleteServiceSpecificCredential (at most 2 per user and service; the password is returned
//   only by Create and Reset and kept sealed under the master key).
// All three live on the user record and are authorized on the user's ARN (service authorization
// reference: resource type "user").
//
// AWS's answers (responses recorded from AWS in LocalStack's snapshots, 2026):
// - "Cannot exceed quota for CertificatesPerUser: 2"; "Certificate <body> is malformed.";
//   "The Certificate with id <id> cannot be found."
// - "The Public Key with id <id> cannot be found."
// - "No such service <name> is supported for Service Specific Credentials" (NoSuchEntity, also for
//   the ServiceName filter of List); "No such credential <id> exists".
// The SSH fingerprint is the MD5 digest of the key in SSH wire form as colon-separated hex, which is
// what `ssh-keygen -l -E md5` prints for the same key.
import { X509Certificate, createHash, createPublicKey, randomInt, type KeyObject } from 'node:crypto';
import { newSecretToken, newUniqueId } from '../../crypto/ids.ts';
import { IamError } from '../errors.ts';
import { iamArn } from '../names.ts';
import { users } from '../tables.ts';
import type { ServiceCredential, SigningCertificate, SshPublicKey, UserRecord } from '../records.ts';
import {
  type Operation,
  type OperationContext,
  check,
  isoNow,
  pageOutput,
  positionalPage,
  requiredStr,
  str,
  writeTx,
} from '../operation.ts';
import { authorizedUser, requiredTargetUserName, saveUser } from './users.ts';

/**
 * Signing certificates per user. AWS's text, "Cannot exceed quota for CertificatesPerUser: 2",
 * recorded against AWS in LocalStack's snapshot
 * https://github.com/localstack/localstack/blob/main/tests/aws/services/iam/test_iam_signing_certificates.snapshot.json
 */
export const SIGNING_CERTIFICATES_PER_USER = 2;
// Not confirmed against AWS: the LimitExceeded texts for these two quotas (PublicKeysPerUser,
// ServiceSpecificCredentialsPerUserPerService); no recorded response found, worded like
// CertificatesPerUser above.
export const SSH_PUBLIC_KEYS_PER_USER = 5;
export const SERVICE_CREDENTIALS_PER_SERVICE = 2;

// ---- shared

function requireStatus(value: string): 'Active' | 'Inactive' {
  if (value !== 'Active' && value !== 'Inactive') {
    throw new IamError('InvalidInput', `Invalid status ${value}. Status must be Active or Inactive.`);
  }
  return value;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A signing certificate id: 28 upper-case letters and digits, as AWS's look. */
function newCertificateId(): string {
  let id = '';
  for (let i = 0; i < 28; i++) id += UPPER_ALNUM[randomInt(UPPER_ALNUM.length)];
  return id;
}

// ---- signing certificates

function certificateOutput(user: UserRecord, cert: SigningCertificate): Record<string, unknown> {
  return {
    UserName: user.name,
    CertificateId: cert.id,
    CertificateBody: cert.body,
    Status: cert.status,
    UploadDate: cert.uploadedAt,
  };
}

/** The certificate's DER bytes, or MalformedCertificate. */
function parseCertificate(body: string): Buffer {
  const malformed = () => new IamError('MalformedCertificate', `Certificate ${body} is malformed.`);
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(body);
  if (!match) throw malformed();
  try {
    return new X509Certificate(body.trim()).raw;
  } catch {
    throw malformed();
  }
}

function noSuchCertificate(id: string): IamError {
  return new IamError('NoSuchEntity', `The Certificate with id ${id} cannot be found.`);
}

function findCertificate(user: UserRecord, id: string): SigningCertificate {
  const cert = user.signingCertificates?.find((c) => c.id === id);
  if (!cert) throw noSuchCertificate(id);
  return cert;
}

// ---- SSH public keys

interface ParsedSshKey {
  /** The key in SSH wire form ("ssh-rsa", e, n). */
  readonly wire: Buffer;
  readonly key: KeyObject;
  readonly format: 'ssh' | 'pem';
}

function invalidPublicKey(): IamError {
  return new IamError(
    'InvalidPublicKey',
    'The request was rejected because the public key is malformed or otherwise invalid.',
  );
}

function unrecognizedEncoding(): IamError {
  return new IamError(
    'UnrecognizedPublicKeyEncoding',
    'The request was rejected because the public key encoding format is unsupported or unrecognized.',
  );
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An SSH mpint from unsigned big-endian bytes: no leading zeros, one 0x00 if the top bit is set. */
function sshMpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return sshString(trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function readSshFields(wire: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < wire.length) {
    if (offset + 4 > wire.length) throw invalidPublicKey();
    const length = wire.readUInt32BE(offset);
    offset += 4;
    if (offset + length > wire.length) throw invalidPublicKey();
    fields.push(wire.subarray(offset, offset + length));
    offset += length;
  }
  return fields;
}

function rsaWire(keyObject: KeyObject): Buffer {
  const jwk = keyObject.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw invalidPublicKey();
  return Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
}

/** Reads an ssh-rsa or PEM public key; CodeCommit takes RSA keys of 2,048 bits or more. */
function parseSshPublicKey(body: string): ParsedSshKey {
  const text = body.trim();
  let parsed: ParsedSshKey;
  if (text.startsWith('-----BEGIN')) {
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey(text);
    } catch {
      throw unrecognizedEncoding();
    }
    if (keyObject.asymmetricKeyType !== 'rsa') throw invalidPublicKey();
    parsed = { wire: rsaWire(keyObject), key: keyObject, format: 'pem' };
  } else {
    const parts = text.split(/\s+/);
    if (parts.length < 2 || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1]!)) throw unrecognizedEncoding();
    if (parts[0] !== 'ssh-rsa') throw invalidPublicKey();
    const wire = Buffer.from(parts[1]!, 'base64');
    const fields = readSshFields(wire);
    if (fields.length !== 3 || fields[0]!.toString() !== 'ssh-rsa') throw invalidPublicKey();
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey({
        key: {
          kty: 'RSA',
          e: fields[1]!.toString('base64url'),
          n: fields[2]!.toString('base64url'),
        },
        format: 'jwk',
      });
    } catch {
      throw invalidPublicKey();
    }
    parsed = { wire, key: keyObject, format: 'ssh' };
  }
  const bits = parsed.key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048 || bits > 16384) throw invalidPublicKey();
  return parsed;
}

/** The MD5 fingerprint as ssh-keygen prints it: 16 bytes of hex, colon-separated. */
function sshFingerprint(wire: Buffer): string {
  const hex = createHash('md5').update(wire).digest('hex');
  return hex.match(/../g)!.join(':');
}

function sshBodyIn(stored: SshPublicKey, encoding: string): string {
  const parsed = parseSshPublicKey(stored.body);
  if (encoding === 'PEM') {
    return parsed.format === 'pem'
      ? stored.body
      : (parsed.key.export({ type: 'spki', format: 'pem' }) as string);
  }
  return parsed.format === 'ssh' ? stored.body : `ssh-rsa ${parsed.wire.toString('base64')}`;
}

function sshKeyOutput(user: UserRecord, stored: SshPublicKey, body: string): Record<string, unknown> {
  return {
    UserName: user.name,
    SSHPublicKeyId: stored.id,
    Fingerprint: stored.fingerprint,
    SSHPublicKeyBody: body,
    Status: stored.status,
    UploadDate: stored.uploadedAt,
  };
}

function findSshKey(user: UserRecord, id: string): SshPublicKey {
  const found = user.sshPublicKeys?.find((k) => k.id === id);
  if (!found) throw new IamError('NoSuchEntity', `The Public Key with id ${id} cannot be found.`);
  return found;
}

// ---- service-specific credentials

/** The services that take service-specific credentials; API-key style ones answer with an alias and secret. */
const CREDENTIAL_SERVICES: Readonly<Record<string, { readonly apiKey: boolean; readonly prefix?: string }>> =
  {
    'codecommit.amazonaws.com': { apiKey: false },
    'cassandra.amazonaws.com': { apiKey: false },
    'bedrock.amazonaws.com': { apiKey: true, prefix: 'ABSK' },
  };

/** Kept on the user record; the API-key kind and the expiry are additions to the base shape. */
interface StoredServiceCredential extends ServiceCredential {
  readonly apiKey?: boolean;
  readonly expiresAt?: string;
}

function credentialService(name: string): { apiKey: boolean; prefix?: string } {
  const service = CREDENTIAL_SERVICES[name.toLowerCase()];
  if (!service) {
    throw new IamError(
      'NoSuchEntity',
      `No such service ${name} is supported for Service Specific Credentials`,
    );
  }
  return service;
}

function sealContext(id: string): string {
  return `service-credential:${id}`;
}

function credentialStatus(cred: StoredServiceCredential, now: Date): string {
  return cred.expiresAt !== undefined && Date.parse(cred.expiresAt) <= now.getTime()
    ? 'Expired'
    : cred.status;
}

function credentialOutput(
  ctx: OperationContext,
  user: UserRecord,
  cred: StoredServiceCredential,
  password: string | undefined,
): Record<string, unknown> {
  const secretFields =
    password === undefined
      ? {}
      : cred.apiKey
        ? {
            ServiceCredentialSecret: `${CREDENTIAL_SERVICES[cred.serviceName]?.prefix ?? ''}${Buffer.from(
              `${cred.serviceUserName}:${password}`,
            ).toString('base64')}`,
          }
        : { ServicePassword: password };
  return {
    CreateDate: cred.createdAt,
    ...(cred.expiresAt !== undefined ? { ExpirationDate: cred.expiresAt } : {}),
    ServiceName: cred.serviceName,
    ...(cred.apiKey
      ? { ServiceCredentialAlias: cred.serviceUserName }
      : { ServiceUserName: cred.serviceUserName }),
    ...secretFields,
    ServiceSpecificCredentialId: cred.id,
    UserName: user.name,
    Status: credentialStatus(cred, ctx.iam.now()),
  };
}

function findCredential(user: UserRecord, id: string): StoredServiceCredential {
  const cred = user.serviceCredentials?.find((c) => c.id === id);
  if (!cred) throw new IamError('NoSuchEntity', `No such credential ${id} exists`);
  return cred;
}

/** A service password: 44 characters of base64url (33 random bytes). */
function newServicePassword(): string {
  return newSecretToken(33);
}

// ---- the operations

export const userCredentialsOperations: Record<string, Operation> = {
  // ---- signing certificates

  async UploadSigningCertificate(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const body = requiredStr(input, 'CertificateBody');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UploadSigningCertificate', name);
      const der = parseCertificate(body);
      const certs = user.signingCertificates ?? [];
      if (certs.some((c) => parseCertificate(c.body).equals(der))) {
        throw new IamError(
          'DuplicateCertificate',
          'The request was rejected because the same certificate is associated with an IAM user in the account.',
        );
      }
      if (certs.length >= SIGNING_CERTIFICATES_PER_USER) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for CertificatesPerUser: ${SIGNING_CERTIFICATES_PER_USER}`,
        );
      }
      const cert: SigningCertificate = {
        id: newCertificateId(),
        body,
        status: 'Active',
        uploadedAt: isoNow(ctx),
      };
      user.signingCertificates = [...certs, cert];
      await saveUser(tx, user);
      return { Certificate: certificateOutput(user, cert) };
    });
  },

  async ListSigningCertificates(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:ListSigningCertificates', name);
      return pageOutput(
        'Certificates',
        positionalPage(user.signingCertificates ?? [], (c) => c.id, input),
        (c) => certificateOutput(user, c),
      );
    });
  },

  async UpdateSigningCertificate(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const id = requiredStr(input, 'CertificateId');
    const status = requiredStr(input, 'Status');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateSigningCertificate', name);
      const cert = findCertificate(user, id);
      cert.status = requireStatus(status);
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteSigningCertificate(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const id = requiredStr(input, 'CertificateId');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteSigningCertificate', name);
      findCertificate(user, id);
      user.signingCertificates = (user.signingCertificates ?? []).filter((c) => c.id !== id);
      await saveUser(tx, user);
      return undefined;
    });
  },

  // ---- SSH public keys

  async UploadSSHPublicKey(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const body = requiredStr(input, 'SSHPublicKeyBody');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UploadSSHPublicKey', name);
      const parsed = parseSshPublicKey(body);
      const fingerprint = sshFingerprint(parsed.wire);
      const keys = user.sshPublicKeys ?? [];
      if (keys.some((k) => k.fingerprint === fingerprint)) {
        throw new IamError(
          'DuplicateSSHPublicKey',
          'The request was rejected because the SSH public key is already associated with the specified IAM user.',
        );
      }
      if (keys.length >= SSH_PUBLIC_KEYS_PER_USER) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for PublicKeysPerUser: ${SSH_PUBLIC_KEYS_PER_USER}`,
        );
      }
      const stored: SshPublicKey = {
        id: newUniqueId('APKA'),
        body,
        fingerprint,
        status: 'Active',
        uploadedAt: isoNow(ctx),
      };
      user.sshPublicKeys = [...keys, stored];
      await saveUser(tx, user);
      return { SSHPublicKey: sshKeyOutput(user, stored, body) };
    });
  },

  async GetSSHPublicKey(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const id = requiredStr(input, 'SSHPublicKeyId');
    const encoding = requiredStr(input, 'Encoding');
    return ctx.iam.store.read(async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:GetSSHPublicKey', name);
      const stored = findSshKey(user, id);
      return { SSHPublicKey: sshKeyOutput(user, stored, sshBodyIn(stored, encoding)) };
    });
  },

  async ListSSHPublicKeys(ctx, input) {
    const name = str(input, 'UserName') ?? ctx.caller.userName;
    return ctx.iam.store.read(async (tx) => {
      if (name === undefined) {
        // The root user has no SSH keys of its own.
        await check(ctx, tx, 'iam:ListSSHPublicKeys', iamArn(ctx.caller.account, 'user', '/', '*'));
        return { SSHPublicKeys: [], IsTruncated: false };
      }
      const user = await authorizedUser(ctx, tx, 'iam:ListSSHPublicKeys', name);
      return pageOutput(
        'SSHPublicKeys',
        positionalPage(user.sshPublicKeys ?? [], (k) => k.id, input),
        (k) => ({ UserName: user.name, SSHPublicKeyId: k.id, Status: k.status, UploadDate: k.uploadedAt }),
      );
    });
  },

  async UpdateSSHPublicKey(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const id = requiredStr(input, 'SSHPublicKeyId');
    const status = requiredStr(input, 'Status');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateSSHPublicKey', name);
      const stored = findSshKey(user, id);
      stored.status = requireStatus(status);
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteSSHPublicKey(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const id = requiredStr(input, 'SSHPublicKeyId');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteSSHPublicKey', name);
      findSshKey(user, id);
      user.sshPublicKeys = (user.sshPublicKeys ?? []).filter((k) => k.id !== id);
      await saveUser(tx, user);
      return undefined;
    });
  },

  // ---- service-specific credentials

  async CreateServiceSpecificCredential(ctx, input) {
    const name = requiredStr(input, 'UserName');
    const givenService = requiredStr(input, 'ServiceName');
    const serviceName = givenService.toLowerCase();
    const ageDays = typeof input.CredentialAgeDays === 'number' ? input.CredentialAgeDays : undefined;
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:CreateServiceSpecificCredential', name);
      const service = credentialService(givenService);
      const creds = (user.serviceCredentials ?? []) as StoredServiceCredential[];
      const sameService = creds.filter((c) => c.serviceName === serviceName);
      if (sameService.length >= SERVICE_CREDENTIALS_PER_SERVICE) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${SERVICE_CREDENTIALS_PER_SERVICE}`,
        );
      }
      // The first credential is <user>-at-<account>; a second one takes the next free <user>+<n>.
      let serviceUserName = '';
      for (let slot = 0; ; slot++) {
        serviceUserName = `${user.name}${slot > 0 ? `+${slot}` : ''}-at-${user.account}`;
        if (!sameService.some((c) => c.serviceUserName === serviceUserName)) break;
      }
      const now = ctx.iam.now();
      const id = newUniqueId('ACCA');
      const password = newServicePassword();
      const cred: StoredServiceCredential = {
        id,
        serviceName,
        serviceUserName,
        sealedPassword: ctx.iam.sealer.seal(password, sealContext(id)),
        status: 'Active',
        createdAt: isoNow(ctx),
        ...(service.apiKey ? { apiKey: true } : {}),
        ...(ageDays !== undefined
          ? {
              expiresAt: new Date(now.getTime() + ageDays * 86_400_000)
                .toISOString()
                .replace(/\.\d{3}Z$/, 'Z'),
            }
          : {}),
      };
      user.serviceCredentials = [...creds, cred];
      await saveUser(tx, user);
      return { ServiceSpecificCredential: credentialOutput(ctx, user, cred, password) };
    });
  },

  async ListServiceSpecificCredentials(ctx, input) {
    const givenFilter = str(input, 'ServiceName');
    const serviceFilter = givenFilter?.toLowerCase();
    const allUsers = input.AllUsers === true;
    const { account } = ctx.caller;
    return ctx.iam.store.read(async (tx) => {
      let holders: UserRecord[];
      if (allUsers) {
        await check(ctx, tx, 'iam:ListServiceSpecificCredentials', iamArn(account, 'user', '/', '*'));
        holders = await tx.list(users, { where: { account }, orderBy: 'name_lower' });
      } else {
        holders = [
          await authorizedUser(
            ctx,
            tx,
            'iam:ListServiceSpecificCredentials',
            requiredTargetUserName(ctx, input),
          ),
        ];
      }
      if (givenFilter !== undefined) credentialService(givenFilter);
      const rows = holders.flatMap((user) =>
        ((user.serviceCredentials ?? []) as StoredServiceCredential[])
          .filter((c) => serviceFilter === undefined || c.serviceName === serviceFilter)
          .map((cred) => ({ user, cred })),
      );
      return pageOutput(
        'ServiceSpecificCredentials',
        positionalPage(rows, (r) => r.cred.id, input),
        ({ user, cred }) => credentialOutput(ctx, user, cred, undefined),
      );
    });
  },

  async ResetServiceSpecificCredential(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const id = requiredStr(input, 'ServiceSpecificCredentialId');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:ResetServiceSpecificCredential', name);
      const cred = findCredential(user, id);
      const password = newServicePassword();
      const reset: StoredServiceCredential = {
        ...cred,
        sealedPassword: ctx.iam.sealer.seal(password, sealContext(id)),
      };
      user.serviceCredentials = (user.serviceCredentials ?? []).map((c) => (c.id === id ? reset : c));
      await saveUser(tx, user);
      return { ServiceSpecificCredential: credentialOutput(ctx, user, reset, password) };
    });
  },

  async UpdateServiceSpecificCredential(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const id = requiredStr(input, 'ServiceSpecificCredentialId');
    const status = requiredStr(input, 'Status');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:UpdateServiceSpecificCredential', name);
      const cred = findCredential(user, id);
      cred.status = requireStatus(status);
      await saveUser(tx, user);
      return undefined;
    });
  },

  async DeleteServiceSpecificCredential(ctx, input) {
    const name = requiredTargetUserName(ctx, input);
    const id = requiredStr(input, 'ServiceSpecificCredentialId');
    return writeTx(ctx, async (tx) => {
      const user = await authorizedUser(ctx, tx, 'iam:DeleteServiceSpecificCredential', name);
      findCredential(user, id);
      user.serviceCredentials = (user.serviceCredentials ?? []).filter((c) => c.id !== id);
      await saveUser(tx, user);
      return undefined;
    });
  },
};
