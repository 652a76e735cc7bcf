/**
 * Recognising SQLite failures by their extended result code. better-sqlite3 raises `SqliteError` with
 * the extended code as a string; matching the code rather than the class keeps these helpers free of a
 * runtime import and also works for errors that crossed a realm boundary.
 */

function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** A PRIMARY KEY or UNIQUE constraint rejected the row: the key is taken. */
export function isUniquenessViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
