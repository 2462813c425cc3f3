// The IAM credential report as AWS writes it (IAM User Guide, "Getting credential reports for your
// AWS account"): a header of 22 fixed columns, the `<root_account>` row, then one row per user.
// Parsed strictly — a missing column or a cell that is neither a value nor one of AWS's sentinels
// is an error naming the line, so an audit never rests on a report it misread.

export const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export type ReportColumn = (typeof REPORT_COLUMNS)[number];

/** `N/A`: not applicable (no password, no key, never used). */
export type NotApplicable = 'N/A';
/** `no_information`: a password never used, or used before IAM recorded use. */
export type NoInformation = 'no_information';
/** `not_supported`: a column that means nothing for the root user. */
export type NotSupported = 'not_supported';

export const ROOT_USER = '<root_account>';

export interface KeySlot {
  readonly active: boolean;
  readonly lastRotated: Date | NotApplicable;
  readonly lastUsed: Date | NotApplicable;
}

export interface CredentialRow {
  /** 1-based line of the report, for messages. */
  readonly line: number;
  readonly user: string;
  readonly arn: string;
  readonly isRoot: boolean;
  readonly created: Date;
  /** Reports before 2023 wrote `not_supported` in root's cell. */
  readonly passwordEnabled: boolean | NotSupported;
  readonly passwordLastUsed: Date | NotApplicable | NoInformation;
  readonly passwordLastChanged: Date | NotApplicable | NotSupported;
  readonly mfaActive: boolean;
  readonly keys: readonly [KeySlot, KeySlot];
  readonly certs: readonly [{ readonly active: boolean }, { readonly active: boolean }];
  /** The cells as written, for evidence (`password_last_used=no_information`). */
  readonly cells: Readonly<Record<ReportColumn, string>>;
}

export class ReportFormatError extends Error {}

/** RFC 4180 records: fields split on commas, `"…"` quoting with `""` for a quote. */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        field += c;
        if (c === '\n') line++;
      }
    } else if (c === '"') {
      if (field !== '') throw new ReportFormatError(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      line++;
    } else field += c;
  }
  if (quoted) throw new ReportFormatError(`line ${line}: a quoted field is not closed`);
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parses a credential report's CSV text (the decoded `Content` of GetCredentialReport). */
export function parseCredentialReport(text: string): CredentialRow[] {
  const records = csvRecords(text);
  const header = records[0];
  if (!header || header.join(',') !== REPORT_COLUMNS.join(','))
    throw new ReportFormatError(
      `line 1: not a credential report header (expected the ${REPORT_COLUMNS.length} columns ${REPORT_COLUMNS[0]},${REPORT_COLUMNS[1]},…,${REPORT_COLUMNS.at(-1)})`,
    );
  const rows = records.slice(1).map((record, index) => parseRow(record, index + 2));
  const roots = rows.filter((row) => row.isRoot);
  if (roots.length > 1) throw new ReportFormatError(`line ${roots[1]!.line}: a second ${ROOT_USER} row`);
  return rows;
}

function parseRow(record: string[], line: number): CredentialRow {
  if (record.length !== REPORT_COLUMNS.length)
    throw new ReportFormatError(`line ${line}: ${record.length} fields, expected ${REPORT_COLUMNS.length}`);
  const cells = Object.fromEntries(REPORT_COLUMNS.map((c, i) => [c, record[i]!])) as Record<
    ReportColumn,
    string
  >;
  const cell = <T>(column: ReportColumn, read: (v: string) => T | undefined, expected: string): T => {
    const value = read(cells[column]);
    if (value === undefined)
      throw new ReportFormatError(`line ${line}: ${column} is "${cells[column]}", expected ${expected}`);
    return value;
  };
  const isRoot = cells.user === ROOT_USER;
  const key = (n: 1 | 2): KeySlot => ({
    active: cell(`access_key_${n}_active`, bool, 'true or false'),
    lastRotated: cell(`access_key_${n}_last_rotated`, or(time, 'N/A'), 'a timestamp or N/A'),
    lastUsed: cell(`access_key_${n}_last_used_date`, or(time, 'N/A'), 'a timestamp or N/A'),
  });
  return {
    line,
    user: cells.user,
    arn: cells.arn,
    isRoot,
    created: cell('user_creation_time', time, 'a timestamp'),
    passwordEnabled: cell(
      'password_enabled',
      isRoot ? or(bool, 'not_supported') : bool,
      isRoot ? 'true, false or not_supported' : 'true or false',
    ),
    passwordLastUsed: cell(
      'password_last_used',
      or(time, 'N/A', 'no_information'),
      'a timestamp, N/A or no_information',
    ),
    passwordLastChanged: cell(
      'password_last_changed',
      or(time, 'N/A', 'not_supported'),
      'a timestamp, N/A or not_supported',
    ),
    mfaActive: cell('mfa_active', bool, 'true or false'),
    keys: [key(1), key(2)],
    certs: [
      { active: cell('cert_1_active', bool, 'true or false') },
      { active: cell('cert_2_active', bool, 'true or false') },
    ],
    cells,
  };
}

/** AWS's reports write lowercase; its documentation prints TRUE/FALSE. Both mean the same. */
function bool(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function time(value: string): Date | undefined {
  if (!TIMESTAMP.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function or<T, S extends string>(read: (v: string) => T | undefined, ...sentinels: S[]) {
  return (value: string): T | S | undefined =>
    (sentinels as string[]).includes(value) ? (value as S) : read(value);
}
