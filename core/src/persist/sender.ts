/**
 * Sends rows with retries and a dead-letter file; shared by the tick writer and `bq-replay`.
 *
 * - Every row keeps its insertId across attempts, so BigQuery drops a row it already stored
 *   when a response was lost and the request is sent again.
 * - A 408/429/5xx or a network error retries the whole request; a row refused with a
 *   transient reason (`backendError`, `internalError`, `rateLimitExceeded`, `timeout`,
 *   `stopped`) is retried alone. Backoff is exponential with full jitter, capped.
 * - A row refused for good (`invalid` …), a request refused for good (400, 403, 404), or a
 *   row out of attempts (or out of time at shutdown) is appended to the dead-letter file.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorStatus, type InsertClient } from './client.js';
import type { RetryPolicy } from './config.js';
import type { Row } from './schema.js';

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_REASONS = new Set(['backendError', 'internalError', 'rateLimitExceeded', 'timeout', 'stopped']);

/** One line of a dead-letter file. `bq-replay` reads these. */
export interface DeadLetter {
  dataset: string;
  table: string;
  insertId: string;
  row: Record<string, unknown>;
  error: string;
  failedAt: string;
}

export interface SenderCounters {
  rowsWritten: number;
  rowsDeadLettered: number;
  retries: number;
}

export class RowSender {
  readonly counters: SenderCounters = { rowsWritten: 0, rowsDeadLettered: 0, retries: 0 };
  /** Set at shutdown: no retry is started after it. */
  deadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly client: InsertClient,
    private readonly policy: RetryPolicy,
    readonly deadLetterFile: string,
    private readonly onDeadLetter: (count: number, error: string) => void = () => {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  ) {}

  /** Sends the rows of one table; resolves when each is written or dead-lettered. */
  async send(dataset: string, table: string, rows: Row[]): Promise<void> {
    let pending = rows;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let retry: Row[] = [];
      let lastError = '';
      try {
        const failures = await this.client.insert(dataset, table, pending);
        const failed = new Set<Row>();
        const dead: [Row, string][] = [];
        for (const failure of failures) {
          failed.add(failure.row);
          if (TRANSIENT_REASONS.has(failure.reason)) retry.push(failure.row);
          else dead.push([failure.row, `${failure.reason}: ${failure.message}`]);
        }
        this.counters.rowsWritten += pending.length - failed.size;
        for (const [row, error] of dead) await this.deadLetter(dataset, [row], error);
        lastError = failures.find((f) => TRANSIENT_REASONS.has(f.reason))?.message ?? '';
      } catch (error) {
        const status = errorStatus(error);
        lastError = `${status ?? 'network error'}: ${(error as Error).message}`;
        if (status !== undefined && !RETRY_STATUS.has(status)) {
          await this.deadLetter(dataset, pending, lastError);
          return;
        }
        retry = pending;
      }
      if (retry.length === 0) return;
      const delay = this.backoff(attempt);
      if (attempt >= this.policy.maxAttempts || Date.now() + delay > this.deadline) {
        await this.deadLetter(dataset, retry, `gave up after ${attempt} attempts: ${lastError}`);
        return;
      }
      this.counters.retries += retry.length;
      await this.sleep(delay);
      pending = retry;
    }
  }

  /** Full jitter: a random delay up to base·2^(attempt-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  /** Appends rows to the dead-letter file (one JSON object per line). */
  async deadLetter(dataset: string, rows: Row[], error: string): Promise<void> {
    if (rows.length === 0) return;
    const failedAt = new Date().toISOString();
    const text = rows
      .map((row) => JSON.stringify({ dataset, table: row.table, insertId: row.insertId, row: row.json, error, failedAt } satisfies DeadLetter))
      .join('\n');
    await mkdir(dirname(this.deadLetterFile), { recursive: true });
    await appendFile(this.deadLetterFile, `${text}\n`);
    this.counters.rowsDeadLettered += rows.length;
    this.onDeadLetter(rows.length, error);
  }
}
