/**
 * Dead-letter files: one line per row BigQuery did not take, in the declared format
 * (`dead_letter` of contract/bigquery_policy.json; the processor writes the same lines), which
 * `tickbridge bq-replay` reads back.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Row } from './schema.js';

/** One line of a dead-letter file. */
export interface DeadLetter {
  dataset: string;
  table: string;
  insertId: string;
  row: Record<string, unknown>;
  error: string;
  failedAt: string;
}

/** One line (without its newline). */
export function deadLetterLine(dataset: string, row: Row, error: string, failedAt: Date): string {
  return JSON.stringify({ dataset, table: row.table, insertId: row.insertId, row: row.json, error, failedAt: failedAt.toISOString() } satisfies DeadLetter);
}

/** Appends rows to `file` (one JSON object per line). */
export async function appendDeadLetters(file: string, dataset: string, rows: readonly Row[], error: string): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date();
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${rows.map((row) => deadLetterLine(dataset, row, error, now)).join('\n')}\n`);
}

/** A line of a dead-letter file, or undefined when it is not one. */
export function parseDeadLetter(line: string): DeadLetter | undefined {
  try {
    const value = JSON.parse(line) as { [K in keyof DeadLetter]?: unknown };
    if (typeof value.dataset === 'string' && typeof value.table === 'string' && typeof value.insertId === 'string' && typeof value.row === 'object' && value.row !== null) {
      return value as DeadLetter;
    }
  } catch {
    // not JSON: not a dead letter
  }
  return undefined;
}

/** Where `bq-replay FILE` puts the rows that fail again. */
export function remainingFileFor(file: string): string {
  return `${file.replace(/\.ndjson$/, '')}.remaining.ndjson`;
}
