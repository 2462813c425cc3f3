// SQL text for the Store port's operations on a declared table, built from the table's columns.
// Column names come only from the declarations (tables.ts), never from input; values always go
// in as parameters. Texts are built once per shape and reused.
import type { AnyTable, Query, Scalar, Where } from '../../domain/store.ts';
import type { SqlValue } from './connection.ts';

/** Above every code point: a prefix's range ends at prefix + this. */
const MAX_CHAR = '\u{10FFFF}';
/** Lists of ids go to the database in chunks, so that no statement has too many parameters. */
export const CHUNK = 500;

export interface Statement {
  readonly sql: string;
  readonly params: SqlValue[];
}

export function columnsOf(table: AnyTable): readonly string[] {
  return Object.keys(table.columns);
}

function checkColumn(table: AnyTable, column: string): string {
  if (column !== 'id' && !Object.hasOwn(table.columns, column)) {
    throw new Error(`Table ${table.name} has no column ${column}`);
  }
  return column;
}

/** The WHERE clause (without the keyword) and its parameters; "1 = 1" when there is no condition. */
export function whereClause(table: AnyTable, where: Where | undefined, params: SqlValue[]): string {
  const parts: string[] = [];
  for (const [column, condition] of Object.entries(where ?? {})) {
    const name = checkColumn(table, column);
    if (condition === null) parts.push(`${name} IS NULL`);
    else if (typeof condition !== 'object') {
      parts.push(`${name} = ?`);
      params.push(condition);
    } else if (Array.isArray(condition.in)) {
      const values = condition.in as readonly Scalar[];
      if (values.length === 0) parts.push('0 = 1');
      else {
        parts.push(`${name} IN (${values.map(() => '?').join(', ')})`);
        params.push(...values);
      }
    } else {
      const sub = condition.in as { table: AnyTable; column: string; where: Where };
      const inner = whereClause(sub.table, sub.where, params);
      parts.push(
        `${name} IN (SELECT ${checkColumn(sub.table, sub.column)} FROM ${sub.table.name} WHERE ${inner})`,
      );
    }
  }
  return parts.length === 0 ? '1 = 1' : parts.join(' AND ');
}

export function selectById(table: AnyTable): string {
  return `SELECT id, doc, version FROM ${table.name} WHERE id = ?`;
}

export function selectMany(table: AnyTable, count: number): string {
  return `SELECT id, doc, version FROM ${table.name} WHERE id IN (${Array(count).fill('?').join(', ')})`;
}

export function selectQuery(table: AnyTable, query: Query): Statement {
  const params: SqlValue[] = [];
  let sql = `SELECT id, doc, version FROM ${table.name} WHERE ${whereClause(table, query.where, params)}`;
  if (query.prefix && query.prefix.value !== '') {
    const column = checkColumn(table, query.prefix.column);
    sql += ` AND ${column} >= ? AND ${column} < ?`;
    params.push(query.prefix.value, query.prefix.value + MAX_CHAR);
  }
  const order = checkColumn(table, query.orderBy ?? 'id');
  if (query.after !== undefined && query.after !== null) {
    sql += ` AND ${order} > ?`;
    params.push(query.after);
  }
  sql += order === 'id' ? ' ORDER BY id' : ` ORDER BY ${order}, id`;
  if (query.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(query.limit);
  }
  return { sql, params };
}

export function countQuery(table: AnyTable, where: Where | undefined): Statement {
  const params: SqlValue[] = [];
  return {
    sql: `SELECT count(*) AS n FROM ${table.name} WHERE ${whereClause(table, where, params)}`,
    params,
  };
}

export function tallyQuery(table: AnyTable, column: string, where: Where | undefined): Statement {
  const params: SqlValue[] = [];
  const name = checkColumn(table, column);
  return {
    sql: `SELECT ${name} AS value, count(*) AS n FROM ${table.name} WHERE ${whereClause(table, where, params)} AND ${name} IS NOT NULL GROUP BY ${name}`,
    params,
  };
}

export function insertRow(table: AnyTable): string {
  const columns = ['id', ...columnsOf(table), 'doc', 'version'];
  return `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** Replaces the row only if it still has the version read; the version moves on by one. */
export function updateRow(table: AnyTable): string {
  const sets = [...columnsOf(table), 'doc'].map((c) => `${c} = ?`);
  return `UPDATE ${table.name} SET ${sets.join(', ')}, version = version + 1 WHERE id = ? AND version = ?`;
}

export function upsertRow(table: AnyTable): string {
  const columns = columnsOf(table);
  const sets = [...columns, 'doc'].map((c) => `${c} = excluded.${c}`);
  return `${insertRow(table)} ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')}, version = ${table.name}.version + 1`;
}

export function deleteById(table: AnyTable, withVersion: boolean): string {
  return `DELETE FROM ${table.name} WHERE id = ?${withVersion ? ' AND version = ?' : ''}`;
}

export function deleteQuery(table: AnyTable, where: Where): Statement {
  const params: SqlValue[] = [];
  return { sql: `DELETE FROM ${table.name} WHERE ${whereClause(table, where, params)}`, params };
}

export function distinctAccounts(table: AnyTable, where: Where): Statement {
  const params: SqlValue[] = [];
  return {
    sql: `SELECT DISTINCT account FROM ${table.name} WHERE ${whereClause(table, where, params)}`,
    params,
  };
}

/** The column values of a row, in the order of columnsOf. */
export function columnValues<T>(table: AnyTable, row: T): SqlValue[] {
  return Object.values(table.columns).map((derive) => (derive as (r: T) => Scalar)(row));
}

export const REVISION_OF = 'SELECT revision FROM account_revisions WHERE account = ?';
export const BUMP_REVISION =
  'INSERT INTO account_revisions (account, revision) VALUES (?, 1) ' +
  'ON CONFLICT (account) DO UPDATE SET revision = account_revisions.revision + 1';
export const BUMP_ALL_REVISIONS = 'UPDATE account_revisions SET revision = revision + 1';
