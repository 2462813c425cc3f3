// The credential report's CSV, built from a snapshot of the account: pure functions, no store, no
// clock. The contract is AWS's "Getting credential reports" (IAM User Guide, the report's format)
// and the GetCredentialReport API reference, with observed reports where they disagree:
// - 22 columns in AWS's order, the `<root_account>` row first, then one row per user ordered by
//   creation time, then name; rows joined by LF with no final newline and no blank lines.
// - Timestamps `YYYY-MM-DDTHH:MM:SS+00:00`; booleans lowercase; sentinels `N/A`,
//   `no_information` and `not_supported` exactly as AWS writes them.
// - A field is quoted (RFC 4180) only when it must be: a user name or path holding a comma.
// - Access keys and signing certificates keep their slot (1 or 2) from one report to the next: a
//   new credential takes the lowest free slot, and deleting the one in slot 1 leaves slot 1 empty.
import { REPORT_COLUMNS, ROOT_USER } from '../../audit/csv.ts';
import type { AccessKeyRecord, PasswordPolicy, SigningCertificate } from '../records.ts';

/** AWS's 22 columns, in order: the format the audit tool reads is the one written here. */
export const CREDENTIAL_REPORT_COLUMNS = REPORT_COLUMNS;

export const ROOT_ROW_NAME = ROOT_USER;

const NA = 'N/A';
const NO_INFORMATION = 'no_information';
const NOT_SUPPORTED = 'not_supported';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Services that are not Region-specific: AWS's documentation gives N/A as their region (§5.5). */
const REGIONLESS_SERVICES = new Set(['s3']);

/** Which credential holds slot 1 and slot 2 (null when empty), per owner. */
export interface CredentialSlots {
  keys: (string | null)[];
  certs: (string | null)[];
}

/** What the report shows about one principal, gathered from the store. */
/** An access key as the report shows it, with its last use (LastUsedRecord). */
export interface ReportKey {
  readonly id: string;
  readonly status: AccessKeyRecord['status'];
  readonly createdAt: string;
  readonly lastUsed?: { readonly date: string; readonly region?: string; readonly service?: string };
}

export interface ReportPrincipal {
  /** Slot memory key: the user's id (a user re-created under the same name starts afresh), or ROOT_ROW_NAME. */
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly createdAt: string;
  readonly hasPassword: boolean;
  readonly passwordLastUsed: string | undefined;
  /** Undefined for root, whose password changes the report does not show. */
  readonly passwordChangedAt: string | undefined;
  readonly mfaActive: boolean;
  /** The principal's access keys, oldest first. */
  readonly accessKeys: readonly ReportKey[];
  /** The principal's signing certificates, oldest first. */
  readonly certificates: readonly Pick<SigningCertificate, 'id' | 'status' | 'uploadedAt'>[];
}

export interface ReportSnapshot {
  readonly root: ReportPrincipal;
  readonly users: readonly ReportPrincipal[];
  readonly passwordPolicy: Pick<PasswordPolicy, 'MaxPasswordAge'> | undefined;
  /** Slots as the previous report assigned them, by principal id. */
  readonly previousSlots?: Readonly<Record<string, CredentialSlots>>;
}

export interface BuiltReport {
  readonly csv: string;
  readonly slots: Record<string, CredentialSlots>;
}

const WHOLE_SECONDS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** `YYYY-MM-DDTHH:MM:SS+00:00` for a stored ISO time (fractions dropped). */
export function reportTime(iso: string): string {
  // Times are stored in whole seconds, UTC: only the zone's spelling changes (and no Date is made
  // for each of a large report's cells).
  if (WHOLE_SECONDS_UTC.test(iso)) return `${iso.slice(0, 19)}+00:00`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return NA;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + '+00:00';
}

/** An RFC 4180 field: quoted only when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Places credentials (oldest first) into `count` slots: one that held a slot keeps it; the others
 * take the lowest free slots in creation order. More credentials than slots: the extra are left out.
 */
export function assignSlots(
  previous: readonly (string | null)[] | undefined,
  ids: readonly string[],
  count = 2,
): (string | null)[] {
  // A principal holds a few credentials at most: short arrays searched in plain loops, which V8
  // optimizes early in a large report (sets and callbacks ran interpreted for much of the first one).
  const slots = new Array<string | null>(count).fill(null);
  if (previous) {
    for (let index = 0; index < count && index < previous.length; index++) {
      const id = previous[index];
      if (id != null && ids.includes(id) && !slots.includes(id)) slots[index] = id;
    }
  }
  for (const id of ids) {
    if (slots.includes(id)) continue;
    const free = slots.indexOf(null);
    if (free < 0) break;
    slots[free] = id;
  }
  return slots;
}

function bool(value: boolean): string {
  return value ? 'true' : 'false';
}

function keyCells(key: ReportPrincipal['accessKeys'][number] | undefined): string[] {
  if (!key) return ['false', NA, NA, NA, NA];
  const used = key.lastUsed;
  if (!used) return [bool(key.status === 'Active'), reportTime(key.createdAt), NA, NA, NA];
  return [
    bool(key.status === 'Active'),
    reportTime(key.createdAt),
    reportTime(used.date),
    (used.service !== undefined && REGIONLESS_SERVICES.has(used.service)) || !used.region ? NA : used.region,
    used.service || NA,
  ];
}

function certCells(cert: ReportPrincipal['certificates'][number] | undefined): string[] {
  if (!cert) return ['false', NA];
  return [bool(cert.status === 'Active'), reportTime(cert.uploadedAt)];
}

function nextRotation(changedAt: string, maxAgeDays: number | undefined): string {
  if (maxAgeDays === undefined || maxAgeDays <= 0) return NA;
  const ms = Date.parse(changedAt);
  if (Number.isNaN(ms)) return NA;
  return reportTime(new Date(ms + maxAgeDays * DAY_MS).toISOString());
}

function row(
  principal: ReportPrincipal,
  isRoot: boolean,
  snapshot: ReportSnapshot,
  slots: CredentialSlots,
): string[] {
  // A principal has at most two keys and two certificates: a search beats building maps.
  const keyAt = (slot: number) => {
    const id = slots.keys[slot];
    return id == null ? undefined : principal.accessKeys.find((k) => k.id === id);
  };
  const certAt = (slot: number) => {
    const id = slots.certs[slot];
    return id == null ? undefined : principal.certificates.find((c) => c.id === id);
  };

  let passwordCells: string[];
  if (isRoot) {
    passwordCells = [
      bool(principal.hasPassword),
      principal.passwordLastUsed ? reportTime(principal.passwordLastUsed) : NO_INFORMATION,
      NOT_SUPPORTED,
      NOT_SUPPORTED,
    ];
  } else if (principal.hasPassword && principal.passwordChangedAt !== undefined) {
    passwordCells = [
      'true',
      principal.passwordLastUsed ? reportTime(principal.passwordLastUsed) : NO_INFORMATION,
      reportTime(principal.passwordChangedAt),
      nextRotation(principal.passwordChangedAt, snapshot.passwordPolicy?.MaxPasswordAge),
    ];
  } else {
    // No password now; a former password's last use is kept (§5.2).
    passwordCells = [
      'false',
      principal.passwordLastUsed ? reportTime(principal.passwordLastUsed) : NA,
      NA,
      NA,
    ];
  }

  return [
    principal.name,
    principal.arn,
    reportTime(principal.createdAt),
    ...passwordCells,
    bool(principal.mfaActive),
    ...keyCells(keyAt(0)),
    ...keyCells(keyAt(1)),
    ...certCells(certAt(0)),
    ...certCells(certAt(1)),
  ];
}

/** Users in creation order (then name), each creation time parsed once. */
function byCreation(users: readonly ReportPrincipal[]): ReportPrincipal[] {
  const keyed = users.map((user) => ({ user, at: Date.parse(user.createdAt) }));
  keyed.sort((a, b) => {
    const diff = a.at - b.at;
    if (diff !== 0 && !Number.isNaN(diff)) return diff;
    return a.user.name < b.user.name ? -1 : a.user.name > b.user.name ? 1 : 0;
  });
  return keyed.map((k) => k.user);
}

export function buildCredentialReport(snapshot: ReportSnapshot): BuiltReport {
  const builder = new ReportBuilder(snapshot);
  builder.addRows(Infinity);
  return builder.built();
}

/**
 * buildCredentialReport, pausing (`pause`) every `every` rows, so that building the report of a
 * large account never holds the event loop for long.
 */
export async function buildCredentialReportPaced(
  snapshot: ReportSnapshot,
  pause: () => Promise<void>,
  every = 500,
): Promise<BuiltReport> {
  const builder = new ReportBuilder(snapshot);
  for (;;) {
    builder.addRows(every);
    if (builder.done) return builder.built();
    await pause();
  }
}

/**
 * The report's lines, header first, built a number of rows at a time with the slots they assign.
 * Plain loops rather than a generator: V8 optimizes them within a large report's first rows, where
 * a generator resumed per row ran interpreted for most of the first report (measured: a 5,000-user
 * account's lines took ~13 times as long in a fresh worker as in a warm one).
 */
class ReportBuilder {
  private readonly principals: readonly ReportPrincipal[];
  private readonly lines: string[] = [CREDENTIAL_REPORT_COLUMNS.join(',')];
  private readonly slots: Record<string, CredentialSlots> = {};
  /** The next principal's index; the root (index 0) has its own row rules. */
  private next = 0;

  constructor(private readonly snapshot: ReportSnapshot) {
    this.principals = [snapshot.root, ...byCreation(snapshot.users)];
  }

  get done(): boolean {
    return this.next >= this.principals.length;
  }

  addRows(count: number): void {
    const end = Math.min(this.principals.length, this.next + count);
    for (let index = this.next; index < end; index++) {
      const principal = this.principals[index]!;
      const previous = this.snapshot.previousSlots?.[principal.id];
      const assigned: CredentialSlots = {
        keys: assignSlots(
          previous?.keys,
          principal.accessKeys.map((k) => k.id),
        ),
        certs: assignSlots(
          previous?.certs,
          principal.certificates.map((c) => c.id),
        ),
      };
      if (assigned.keys.some((id) => id !== null) || assigned.certs.some((id) => id !== null)) {
        this.slots[principal.id] = assigned;
      }
      this.lines.push(
        row(principal, index === 0, this.snapshot, assigned)
          .map(csvField)
          .join(','),
      );
    }
    this.next = end;
  }

  built(): BuiltReport {
    return { csv: this.lines.join('\n'), slots: this.slots };
  }
}
