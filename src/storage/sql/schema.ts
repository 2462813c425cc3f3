// The relational schema (versions 2 to 10), written once for both dialects: TEXT columns compare by code
// point in both (SQLite's BINARY collation; PostgreSQL's "C" collation, whatever the database's
// locale), so pages, prefixes and uniqueness behave alike. Every row table has its id, its
// version (for conflicts), its whole record as JSON (doc) and the columns tables.ts declares.
// Each version is frozen: a change to the schema is a new version, in both adapters' migration lists.

export type SchemaDialect = 'sqlite' | 'postgres';

const ROW = 'id {text} PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL';

const SCHEMA_V2 = `
CREATE TABLE account_revisions (account {text} PRIMARY KEY, revision BIGINT NOT NULL);
CREATE TABLE account_locks (account {text} PRIMARY KEY);

CREATE TABLE accounts (${ROW}, account {text} NOT NULL, alias_lower {text}, root_email_lower {text} NOT NULL);
CREATE UNIQUE INDEX accounts_alias ON accounts (alias_lower);
CREATE UNIQUE INDEX accounts_root_email ON accounts (root_email_lower);

CREATE TABLE users (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, path {text} NOT NULL, boundary {text});
CREATE UNIQUE INDEX users_name ON users (account, name_lower);
CREATE INDEX users_path ON users (account, path);
CREATE INDEX users_boundary ON users (account, boundary);

CREATE TABLE groups (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, path {text} NOT NULL);
CREATE UNIQUE INDEX groups_name ON groups (account, name_lower);
CREATE INDEX groups_path ON groups (account, path);

CREATE TABLE group_members (${ROW}, account {text} NOT NULL, group_id {text} NOT NULL REFERENCES groups (id), user_id {text} NOT NULL REFERENCES users (id));
CREATE UNIQUE INDEX group_members_pair ON group_members (group_id, user_id);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE roles (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, path {text} NOT NULL, boundary {text});
CREATE UNIQUE INDEX roles_name ON roles (account, name_lower);
CREATE INDEX roles_path ON roles (account, path);
CREATE INDEX roles_boundary ON roles (account, boundary);

CREATE TABLE policies (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, arn {text} NOT NULL);
CREATE UNIQUE INDEX policies_name ON policies (account, name_lower);
CREATE UNIQUE INDEX policies_arn ON policies (arn);

CREATE TABLE policy_attachments (${ROW}, account {text} NOT NULL, policy_arn {text} NOT NULL, holder_id {text} NOT NULL, holder_type {text} NOT NULL, position INTEGER NOT NULL);
CREATE UNIQUE INDEX policy_attachments_pair ON policy_attachments (holder_id, policy_arn);
CREATE INDEX policy_attachments_policy ON policy_attachments (account, policy_arn);

CREATE TABLE access_keys (${ROW}, account {text} NOT NULL, user_id {text}, position BIGINT NOT NULL);
CREATE INDEX access_keys_owner ON access_keys (account, user_id);
CREATE INDEX access_keys_account ON access_keys (account, id);

CREATE TABLE instance_profiles (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, path {text} NOT NULL, role_id {text});
CREATE UNIQUE INDEX instance_profiles_name ON instance_profiles (account, name_lower);
CREATE INDEX instance_profiles_path ON instance_profiles (account, path);
CREATE INDEX instance_profiles_role ON instance_profiles (role_id);

CREATE TABLE mfa_devices (${ROW}, account {text} NOT NULL, serial_lower {text} NOT NULL, owner_id {text}, status {text} NOT NULL);
CREATE UNIQUE INDEX mfa_devices_serial ON mfa_devices (serial_lower);
CREATE INDEX mfa_devices_owner ON mfa_devices (account, owner_id);
CREATE INDEX mfa_devices_account ON mfa_devices (account, serial_lower);

CREATE TABLE security_keys (${ROW}, account {text} NOT NULL, owner_id {text} NOT NULL);
CREATE INDEX security_keys_owner ON security_keys (account, owner_id);

CREATE TABLE sts_sessions (${ROW}, account {text} NOT NULL, expires_at {text} NOT NULL);
CREATE INDEX sts_sessions_expiry ON sts_sessions (expires_at);

CREATE TABLE console_sessions (${ROW}, account {text} NOT NULL, principal_id {text} NOT NULL, expires_at {text} NOT NULL);
CREATE INDEX console_sessions_principal ON console_sessions (account, principal_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

CREATE TABLE last_used (${ROW}, account {text} NOT NULL);
CREATE INDEX last_used_account ON last_used (account, id);
CREATE TABLE credential_reports (${ROW}, account {text} NOT NULL);
CREATE TABLE deletion_tasks (${ROW}, account {text} NOT NULL);

CREATE TABLE throttles (${ROW}, last_at BIGINT NOT NULL);
CREATE INDEX throttles_age ON throttles (last_at);
`;

// Version 3: federation — identity providers, the console's single-use sign-in tokens, and the
// SAML assertions already used (a bearer assertion is accepted once, until it expires).
const SCHEMA_V3 = `
CREATE TABLE oidc_providers (${ROW}, account {text} NOT NULL, arn {text} NOT NULL);
CREATE UNIQUE INDEX oidc_providers_arn ON oidc_providers (arn);
CREATE INDEX oidc_providers_account ON oidc_providers (account, arn);

CREATE TABLE saml_providers (${ROW}, account {text} NOT NULL, arn {text} NOT NULL);
CREATE UNIQUE INDEX saml_providers_arn ON saml_providers (arn);
CREATE INDEX saml_providers_account ON saml_providers (account, arn);

CREATE TABLE signin_tokens (${ROW}, account {text} NOT NULL, expires_at {text} NOT NULL);
CREATE INDEX signin_tokens_expiry ON signin_tokens (expires_at);

CREATE TABLE used_assertions (${ROW}, expires_at {text} NOT NULL);
CREATE INDEX used_assertions_expiry ON used_assertions (expires_at);
`;

// Version 4: the audit trail — one row per CloudTrail event. LookupEvents filters one attribute at a
// time within one account, newest first: each attribute is indexed with the account and the
// newest-first order key (sort_key), so a page is one index range. event_time serves the
// retention sweep (oldest first, across accounts).
const SCHEMA_V4 = `
CREATE TABLE audit_events (${ROW}, account {text} NOT NULL, sort_key {text} NOT NULL, event_time {text} NOT NULL, event_name {text} NOT NULL, event_source {text} NOT NULL, read_only {text} NOT NULL, username {text}, access_key_id {text}, resource_type {text}, resource_name {text});
CREATE UNIQUE INDEX audit_events_order ON audit_events (account, sort_key);
CREATE INDEX audit_events_name ON audit_events (account, event_name, sort_key);
CREATE INDEX audit_events_source ON audit_events (account, event_source, sort_key);
CREATE INDEX audit_events_read_only ON audit_events (account, read_only, sort_key);
CREATE INDEX audit_events_username ON audit_events (account, username, sort_key);
CREATE INDEX audit_events_access_key ON audit_events (account, access_key_id, sort_key);
CREATE INDEX audit_events_resource_type ON audit_events (account, resource_type, sort_key);
CREATE INDEX audit_events_resource_name ON audit_events (account, resource_name, sort_key);
CREATE INDEX audit_events_age ON audit_events (event_time);
`;

// Version 5: server certificates (UploadServerCertificate) — one row per certificate, keyed by its
// immutable id (ASCA…); the name is unique within the account regardless of case, and
// ListServerCertificates selects by path prefix within the account. The private key is kept sealed
// inside the row's document, with the body, chain and dates.
const SCHEMA_V5 = `
CREATE TABLE server_certificates (${ROW}, account {text} NOT NULL, name_lower {text} NOT NULL, path {text} NOT NULL);
CREATE UNIQUE INDEX server_certificates_name ON server_certificates (account, name_lower);
CREATE INDEX server_certificates_path ON server_certificates (account, path);
`;

// Version 6: AWS Organizations — an organization per management account (its root kept in its row),
// each account's membership (one organization at most: the row's id is the account's), and the
// CreateAccount requests, listed per organization by id (ListAccounts, ListCreateAccountStatus page
// through an index range).
const SCHEMA_V6 = `
CREATE TABLE organizations (${ROW}, account {text} NOT NULL);
CREATE UNIQUE INDEX organizations_management ON organizations (account);

CREATE TABLE organization_accounts (${ROW}, account {text} NOT NULL, organization {text} NOT NULL);
CREATE INDEX organization_accounts_members ON organization_accounts (organization, id);

CREATE TABLE create_account_requests (${ROW}, account {text} NOT NULL, organization {text} NOT NULL, state {text} NOT NULL);
CREATE INDEX create_account_requests_organization ON create_account_requests (organization, id);
`;

// Version 7: the audit trail in blocks — a node's batch of one account's events is one row (the
// entries as JSON, a short span of time) with one lookup row per distinct attribute value, instead
// of a row per event with nine indexes: recording a call then costs a share of one insert. Blocks
// are read newest first by their first event (sort_key, inverted time then id); a lookup attribute
// leads to the blocks holding it; last_time serves the retention sweep. The events stored by
// version 6 move into blocks of one (`legacy`, the stored event whole; their lookup rows carry the
// value in their column only, as building JSON text from arbitrary values is not portable SQL).
// The tables are also what SQLite's audit file holds (../sqlite/audit-file.ts).
const SCHEMA_V7_TABLES = `
CREATE TABLE audit_blocks (${ROW}, account {text} NOT NULL, sort_key {text} NOT NULL, last_time {text} NOT NULL);
CREATE UNIQUE INDEX audit_blocks_order ON audit_blocks (account, sort_key);
CREATE INDEX audit_blocks_age ON audit_blocks (last_time);

CREATE TABLE audit_lookups (${ROW}, account {text} NOT NULL, lookup {text}, sort_key {text} NOT NULL);
CREATE UNIQUE INDEX audit_lookups_blocks ON audit_lookups (account, lookup, sort_key);
`;

const SCHEMA_V7 = `${SCHEMA_V7_TABLES}
INSERT INTO audit_blocks (id, version, doc, account, sort_key, last_time)
  SELECT id, 1, '{"id":"' || id || '","account":"' || account || '","sortKey":"' || sort_key || '","lastTime":"' || event_time || '","lookups":7,"legacy":' || doc || '}', account, sort_key, event_time FROM audit_events;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':0', 1, '{"id":"' || id || ':0","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'EventName:' || event_name, sort_key FROM audit_events;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':1', 1, '{"id":"' || id || ':1","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'EventSource:' || event_source, sort_key FROM audit_events;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':2', 1, '{"id":"' || id || ':2","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'ReadOnly:' || read_only, sort_key FROM audit_events;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':3', 1, '{"id":"' || id || ':3","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'Username:' || username, sort_key FROM audit_events WHERE username IS NOT NULL;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':4', 1, '{"id":"' || id || ':4","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'AccessKeyId:' || access_key_id, sort_key FROM audit_events WHERE access_key_id IS NOT NULL;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':5', 1, '{"id":"' || id || ':5","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'ResourceType:' || resource_type, sort_key FROM audit_events WHERE resource_type IS NOT NULL;
INSERT INTO audit_lookups (id, version, doc, account, lookup, sort_key)
  SELECT id || ':6', 1, '{"id":"' || id || ':6","account":"' || account || '","sortKey":"' || sort_key || '","block":"' || id || '"}', account, 'ResourceName:' || resource_name, sort_key FROM audit_events WHERE resource_name IS NOT NULL;

DROP TABLE audit_events;
`;

// Version 8: organizational units — an OU per row, listed under its parent by id, its name unique
// among its siblings; each account's parent (the root, or an OU), listed by id as well. The
// accounts already in an organization sit under its root: the root's id is read from the
// organization's document, which takes each dialect's own JSON functions (SCHEMA_V8_PARENTS).
const SCHEMA_V8 = `
CREATE TABLE organizational_units (${ROW}, account {text} NOT NULL, organization {text} NOT NULL, parent {text} NOT NULL, name {text} NOT NULL);
CREATE INDEX organizational_units_children ON organizational_units (parent, id);
CREATE UNIQUE INDEX organizational_units_name ON organizational_units (parent, name);
CREATE INDEX organizational_units_organization ON organizational_units (organization, id);

ALTER TABLE organization_accounts ADD COLUMN parent {text};
`;

const SCHEMA_V8_PARENTS: Record<SchemaDialect, string> = {
  sqlite: `
UPDATE organization_accounts SET parent = (SELECT json_extract(o.doc, '$.rootId') FROM organizations o WHERE o.id = organization_accounts.organization);
UPDATE organization_accounts SET doc = json_set(doc, '$.parent', parent);
CREATE INDEX organization_accounts_parent ON organization_accounts (parent, id);
`,
  postgres: `
UPDATE organization_accounts SET parent = (SELECT o.doc::jsonb ->> 'rootId' FROM organizations o WHERE o.id = organization_accounts.organization);
UPDATE organization_accounts SET doc = jsonb_set(doc::jsonb, '{parent}', to_jsonb(parent))::text;
CREATE INDEX organization_accounts_parent ON organization_accounts (parent, id);
`,
};

// Version 9: AWS Organizations policies (service control policies) — a customer managed policy per
// row, listed by organization and type with its name unique there; an attachment per row (a policy
// on a root, OU or account), found by target and by policy.
const SCHEMA_V9 = `
CREATE TABLE organization_policies (${ROW}, account {text} NOT NULL, organization {text} NOT NULL, type {text} NOT NULL, name {text} NOT NULL);
CREATE UNIQUE INDEX organization_policies_name ON organization_policies (organization, type, name);
CREATE TABLE organization_policy_targets (${ROW}, account {text} NOT NULL, organization {text} NOT NULL, policy {text} NOT NULL, target {text} NOT NULL, type {text} NOT NULL);
CREATE INDEX organization_policy_targets_target ON organization_policy_targets (target, id);
CREATE INDEX organization_policy_targets_policy ON organization_policy_targets (policy, id);
CREATE INDEX organization_policy_targets_organization ON organization_policy_targets (organization, id);
`;

// Version 10: last accessed information — when each principal (user or role, by id) last used each
// service and each tracked action, read by principal; and the reports made from it, by id.
const SCHEMA_V10 = `
CREATE TABLE service_accesses (${ROW}, account {text} NOT NULL, principal_id {text} NOT NULL);
CREATE INDEX service_accesses_principal ON service_accesses (principal_id, id);
CREATE TABLE last_accessed_jobs (${ROW}, account {text} NOT NULL);
CREATE INDEX last_accessed_jobs_account ON last_accessed_jobs (account, id);
`;

/** The version-2 schema's statements in a dialect. */
export function schemaV2(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V2, dialect);
}

/** What version 3 adds to version 2, in a dialect. */
export function schemaV3(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V3, dialect);
}

/** What version 4 adds to version 3, in a dialect. */
export function schemaV4(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V4, dialect);
}

/** What version 5 adds to version 4, in a dialect. */
export function schemaV5(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V5, dialect);
}

/** What version 6 adds to version 5, in a dialect. */
export function schemaV6(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V6, dialect);
}

function statements(schema: string, dialect: SchemaDialect): string[] {
  const text = dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  return schema
    .replaceAll('{text}', text)
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/** What version 7 changes in version 6, in a dialect. */
export function schemaV7(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V7, dialect);
}

/** Version 7's audit tables alone (audit_blocks, audit_lookups and their indexes), in a dialect. */
export function auditTablesV7(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V7_TABLES, dialect);
}

/** What version 8 adds to version 7, in a dialect. */
export function schemaV8(dialect: SchemaDialect): string[] {
  return [...statements(SCHEMA_V8, dialect), ...statements(SCHEMA_V8_PARENTS[dialect], dialect)];
}

/** What version 9 adds to version 8, in a dialect. */
export function schemaV9(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V9, dialect);
}

/** What version 10 adds to version 9, in a dialect. */
export function schemaV10(dialect: SchemaDialect): string[] {
  return statements(SCHEMA_V10, dialect);
}

/** The schema version this release writes. */
export const SCHEMA_VERSION = 10;
