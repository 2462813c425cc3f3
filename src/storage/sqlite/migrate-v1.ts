// Version 1 → 2: the first release kept JSON records by kind and key, found by name; this moves
// them into the relational tables, where everything refers to everything else by id.
//
// Frozen with schema version 2: the shapes below are version 1's records as they were written,
// and the rows are written with version 2's columns spelled out here, so that later changes to
// the domain's records or tables cannot change what this migration did.
//
// What the first release knew only by name is bound here to the id the name has now: a user's
// groups, keys and MFA devices, an instance profile's role, a session's user, and the user and
// role ARNs in trust policies. A trust policy naming a principal that no longer exists is bound
// to an id no principal has (as AWS shows a deleted principal), so no later principal of that
// name is trusted. Console sessions move along; STS sessions of users that no longer exist do not.
import { createHash, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

type Doc = Record<string, unknown>;

interface V1User extends Doc {
  account: string;
  id: string;
  name: string;
  path: string;
  permissionsBoundary?: string;
  groups: string[];
  accessKeyIds: string[];
  mfaSerials: string[];
  attachedPolicies: string[];
}

interface V1Group extends Doc {
  account: string;
  id: string;
  name: string;
  path: string;
  attachedPolicies: string[];
}

interface V1Role extends Doc {
  account: string;
  id: string;
  name: string;
  path: string;
  trustPolicy: string;
  permissionsBoundary?: string;
  lastUsed?: { date: string; region: string };
  attachedPolicies: string[];
}

interface V1AccessKey extends Doc {
  account: string;
  id: string;
  userName?: string;
  createdAt: string;
  lastUsed?: { date: string; region: string; service: string };
}

interface V1Device extends Doc {
  account: string;
  serialNumber: string;
  type?: string;
  userName?: string;
  enabledAt?: string;
}

interface V1Session extends Doc {
  accessKeyId: string;
  account: string;
  type: string;
  userName?: string;
  expiresAt: string;
}

interface V1ConsoleSession extends Doc {
  tokenHash: string;
  account: string;
  principal: { kind: 'root' } | { kind: 'user'; userName: string };
  expiresAt: string;
}

export function migrateRecordsToV2(db: Database.Database): void {
  const records = (kind: string): Doc[] =>
    (
      db.prepare('SELECT value FROM records WHERE kind = ? ORDER BY key').all(kind) as { value: string }[]
    ).map((row) => JSON.parse(row.value) as Doc);
  const put = (table: string, id: string, columns: Record<string, string | number | null>, doc: Doc) => {
    const names = ['id', 'version', 'doc', ...Object.keys(columns)];
    db.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(
      id,
      1,
      JSON.stringify(doc),
      ...Object.values(columns),
    );
  };
  const lower = (text: string) => text.toLowerCase();
  const without = (doc: Doc, ...fields: string[]): Doc => {
    const copy = { ...doc };
    for (const field of fields) delete copy[field];
    return copy;
  };
  const lastUsed = (id: string, account: string, use: Doc) =>
    put('last_used', id, { account }, { id, account, ...use });

  const accounts = records('account');
  for (const account of accounts) {
    const id = account.id as string;
    const alias = account.alias as string | undefined;
    put(
      'accounts',
      id,
      {
        account: id,
        alias_lower: alias === undefined ? null : lower(alias),
        root_email_lower: lower(account.rootEmail as string),
      },
      account,
    );
    db.prepare('INSERT INTO account_revisions (account, revision) VALUES (?, 1)').run(id);
  }

  const users = records('user') as V1User[];
  const groups = records('group') as V1Group[];
  const roles = records('role') as V1Role[];
  const byName = <T extends { account: string; name: string }>(list: T[]) =>
    new Map(list.map((item) => [`${item.account}/${lower(item.name)}`, item]));
  const usersByName = byName(users);
  const groupsByName = byName(groups);
  const rolesByName = byName(roles);

  const attach = (account: string, holderType: string, holderId: string, arns: string[]) => {
    arns.forEach((policyArn, index) => {
      const id = `${holderId}|${policyArn}`;
      const doc = { id, account, policyArn, holderType, holderId, position: index + 1 };
      put(
        'policy_attachments',
        id,
        { account, policy_arn: policyArn, holder_id: holderId, holder_type: holderType, position: index + 1 },
        doc,
      );
    });
  };

  const keyOwners = new Map<string, { userId: string; position: number }>();
  const deviceOwners = new Map<string, string>();
  for (const user of users) {
    const doc = without(user, 'groups', 'accessKeyIds', 'mfaSerials', 'attachedPolicies');
    put(
      'users',
      user.id,
      {
        account: user.account,
        name_lower: lower(user.name),
        path: user.path,
        boundary: user.permissionsBoundary ?? null,
      },
      doc,
    );
    user.accessKeyIds.forEach((keyId, index) =>
      keyOwners.set(keyId, { userId: user.id, position: index + 1 }),
    );
    for (const serial of user.mfaSerials) deviceOwners.set(lower(serial), user.id);
  }
  for (const group of groups) {
    put(
      'groups',
      group.id,
      { account: group.account, name_lower: lower(group.name), path: group.path },
      without(group, 'attachedPolicies'),
    );
    attach(group.account, 'group', group.id, group.attachedPolicies);
  }
  for (const user of users) {
    attach(user.account, 'user', user.id, user.attachedPolicies);
    for (const name of new Set(user.groups.map(lower))) {
      const group = groupsByName.get(`${user.account}/${name}`);
      if (!group) continue;
      const id = `${group.id}/${user.id}`;
      put(
        'group_members',
        id,
        { account: user.account, group_id: group.id, user_id: user.id },
        { id, account: user.account, groupId: group.id, userId: user.id },
      );
    }
  }

  const principalId = (arn: string): string | undefined => {
    const match = /^arn:aws:iam::(\d{12}):(user|role)(\/(?:[\x21-\x7e]*\/)?)?([\w+=,.@-]+)$/.exec(arn);
    if (!match) return undefined;
    const [, account, type, path = '/', name] = match as unknown as [string, string, string, string, string];
    if (!accounts.some((a) => a.id === account)) return undefined;
    const found = (type === 'user' ? usersByName : rolesByName).get(`${account}/${lower(name)}`);
    if (found && found.path === path) return found.id;
    // Nobody holds the name now: an id nobody has, so that nobody created later is trusted.
    const digest = createHash('sha256').update(arn).digest();
    const letters = Array.from(
      digest.subarray(0, 17),
      (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b & 31],
    ).join('');
    return (type === 'user' ? 'AIDA' : 'AROA') + letters;
  };
  for (const role of roles) {
    const bound: Record<string, string> = {};
    for (const arn of trustPolicyPrincipals(role.trustPolicy)) {
      const id = principalId(arn);
      if (id !== undefined) bound[arn] = id;
    }
    const doc = without(role, 'attachedPolicies', 'lastUsed');
    if (Object.keys(bound).length > 0) doc.trustPrincipals = bound;
    put(
      'roles',
      role.id,
      {
        account: role.account,
        name_lower: lower(role.name),
        path: role.path,
        boundary: role.permissionsBoundary ?? null,
      },
      doc,
    );
    if (role.lastUsed) lastUsed(role.id, role.account, role.lastUsed);
    attach(role.account, 'role', role.id, role.attachedPolicies);
  }

  for (const policy of records('policy')) {
    put(
      'policies',
      policy.id as string,
      {
        account: policy.account as string,
        name_lower: lower(policy.name as string),
        arn: policy.arn as string,
      },
      policy,
    );
  }

  const rootKeyPositions = new Map<string, number>();
  const keys = (records('access-key') as V1AccessKey[]).sort((a, b) =>
    a.createdAt.localeCompare(b.createdAt),
  );
  for (const key of keys) {
    const owner = key.userName === undefined ? undefined : keyOwners.get(key.id);
    if (key.userName !== undefined && !owner) continue;
    const position = owner?.position ?? (rootKeyPositions.get(key.account) ?? 0) + 1;
    if (!owner) rootKeyPositions.set(key.account, position);
    const doc = {
      ...without(key, 'userName', 'lastUsed'),
      ...(owner ? { userId: owner.userId } : {}),
      position,
    };
    put('access_keys', key.id, { account: key.account, user_id: owner?.userId ?? null, position }, doc);
    if (key.lastUsed) lastUsed(key.id, key.account, key.lastUsed);
  }

  for (const profile of records('instance-profile')) {
    const account = profile.account as string;
    const roleName = (profile.roles as string[])[0];
    const role = roleName === undefined ? undefined : rolesByName.get(`${account}/${lower(roleName)}`);
    const doc = { ...without(profile, 'roles'), ...(role ? { roleId: role.id } : {}) };
    put(
      'instance_profiles',
      profile.id as string,
      {
        account,
        name_lower: lower(profile.name as string),
        path: profile.path as string,
        role_id: role?.id ?? null,
      },
      doc,
    );
  }

  for (const device of records('mfa-device') as V1Device[]) {
    const enabled = device.enabledAt !== undefined;
    const ownerId = !enabled
      ? undefined
      : (deviceOwners.get(lower(device.serialNumber)) ??
        (device.userName === undefined ? 'root' : undefined));
    // A device enabled for a user that is gone is left unassigned.
    const doc: Doc = { id: randomUUID(), ...without(device, 'userName', 'enabledAt') };
    if (ownerId !== undefined) Object.assign(doc, { enabledAt: device.enabledAt, ownerId });
    const status = device.type === 'u2f' ? 'u2f' : ownerId !== undefined ? 'assigned' : 'unassigned';
    if (device.type === 'u2f' && ownerId === undefined) continue;
    put(
      'mfa_devices',
      doc.id as string,
      {
        account: device.account,
        serial_lower: lower(device.serialNumber),
        owner_id: ownerId ?? null,
        status,
      },
      doc,
    );
  }

  for (const key of records('security-key')) {
    const id = key.credentialId as string;
    put(
      'security_keys',
      id,
      { account: key.account as string, owner_id: key.ownerId as string },
      { id, ...without(key, 'credentialId') },
    );
  }

  const userIdOf = (account: string, name: string) => usersByName.get(`${account}/${lower(name)}`)?.id;
  for (const session of records('session') as V1Session[]) {
    let principal: Doc = {};
    if (session.type !== 'assumed-role' && session.userName !== undefined) {
      const id = userIdOf(session.account, session.userName);
      if (id === undefined) continue;
      principal = { principalId: id };
    }
    put(
      'sts_sessions',
      session.accessKeyId,
      { account: session.account, expires_at: session.expiresAt },
      { ...session, ...principal },
    );
  }

  for (const session of records('console-session') as V1ConsoleSession[]) {
    let principal: Doc = { kind: 'root', id: 'root' };
    if (session.principal.kind === 'user') {
      const id = userIdOf(session.account, session.principal.userName);
      if (id === undefined) continue;
      principal = { kind: 'user', id, userName: session.principal.userName };
    }
    const doc = { ...without(session, 'tokenHash'), id: session.tokenHash, principal };
    put(
      'console_sessions',
      session.tokenHash,
      { account: session.account, principal_id: principal.id as string, expires_at: session.expiresAt },
      doc,
    );
  }

  for (const report of records('credential-report')) {
    put('credential_reports', report.account as string, { account: report.account as string }, report);
  }

  for (const task of records('meta').filter(
    (doc) => typeof doc.roleName === 'string' && typeof doc.service === 'string',
  )) {
    put('deletion_tasks', task.id as string, { account: task.account as string }, task);
  }

  db.exec('DROP TABLE records');
}

/** The "AWS" principal values of a trust policy's Principal and NotPrincipal elements. */
function trustPolicyPrincipals(text: string): string[] {
  const found: string[] = [];
  const document = JSON.parse(text) as { Statement?: unknown };
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  for (const statement of statements as (
    { Principal?: { AWS?: unknown }; NotPrincipal?: { AWS?: unknown } } | undefined
  )[]) {
    for (const element of [statement?.Principal, statement?.NotPrincipal]) {
      const aws = element?.AWS;
      for (const value of Array.isArray(aws) ? aws : [aws]) if (typeof value === 'string') found.push(value);
    }
  }
  return found;
}
