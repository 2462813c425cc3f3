// (being written) Where each statement of a policy document starts and ends in its text, as the
// policy simulator reports it (line and column, 1-based).

export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export interface StatementPosition {
  readonly start: TextPosition;
  readonly end: TextPosition;
}

export function statementPositions(_text: string): StatementPosition[] {
  return [];
}
