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
 * - Only rows BigQuery did not take go there: a row whose last attempt failed after the request
 *   may have been stored (408, 429, 5xx, a network error) is held as uncertain, and `settle()` reads
 *   the table's `insert_id` column once and dead-letters only the uncertain rows it lacks.
 * - At shutdown (`deadline` set), rows are retried until the deadline, whatever their attempts.
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
  /** Rows dead-lettered because the shutdown budget was spent. */
  rowsLeftAtShutdown: number;
}

/** Uncertain rows held before they are settled (one table read each time). */
const MAX_UNCERTAIN = 20_000;

export class RowSender {
  readonly counters: SenderCounters = { rowsWritten: 0, rowsDeadLettered: 0, retries: 0, rowsLeftAtShutdown: 0 };
  /** Set at shutdown: rows are retried until it, and no retry is started after it. */
  deadline = Number.POSITIVE_INFINITY;
  /** Rows given up after an ambiguous failure, by dataset and table, with their error. */
  private readonly uncertain = new Map<string, { rows: Row[]; error: string }>();
  private uncertainCount = 0;
  private readonly leftAtShutdown = new Set<Row>();

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
    /** Rows of a request that failed: BigQuery may hold them (408, 429, 5xx, no answer). */
    const maybeStored = new Set<Row>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      let retry: Row[] = [];
      let lastError: string;
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
        for (const row of pending) maybeStored.add(row);
        retry = pending;
      }
      if (retry.length === 0) return;
      const delay = this.backoff(attempt);
      const closing = this.deadline !== Number.POSITIVE_INFINITY;
      const outOfTime = Date.now() + delay > this.deadline;
      if ((attempt >= this.policy.maxAttempts && !closing) || outOfTime) {
        const error = outOfTime ? `shutdown budget spent after ${attempt} attempts: ${lastError}` : `gave up after ${attempt} attempts: ${lastError}`;
        if (outOfTime) {
          this.counters.rowsLeftAtShutdown += retry.length;
          for (const row of retry) this.leftAtShutdown.add(row);
        }
        const uncertain = retry.filter((row) => maybeStored.has(row));
        if (uncertain.length) await this.holdUncertain(dataset, uncertain, error);
        await this.deadLetter(dataset, retry.filter((row) => !maybeStored.has(row)), error);
        return;
      }
      this.counters.retries += retry.length;
      await this.sleep(delay);
      pending = retry;
    }
  }

  private async holdUncertain(dataset: string, rows: Row[], error: string): Promise<void> {
    const key = `${dataset}\u0000${rows[0]?.table ?? ''}`;
    const held = this.uncertain.get(key) ?? { rows: [], error };
    held.rows.push(...rows);
    held.error = error;
    this.uncertain.set(key, held);
    this.uncertainCount += rows.length;
    if (this.uncertainCount >= MAX_UNCERTAIN) await this.settle();
  }

  /** Rows held as uncertain: those the table holds count as written, the rest are dead-lettered. */
  async settle(): Promise<void> {
    const held = [...this.uncertain.entries()];
    this.uncertain.clear();
    this.uncertainCount = 0;
    for (const [key, { rows, error }] of held) {
      const [dataset, table] = key.split('\u0000') as [string, string];
      let stored = new Set<string>();
      try {
        stored = (await this.client.storedInsertIds?.(dataset, table)) ?? stored;
      } catch {
        // cannot tell: every uncertain row goes to the file (bq-replay checks again)
      }
      const missing = rows.filter((row) => !stored.has(row.insertId));
      this.counters.rowsWritten += rows.length - missing.length;
      for (const row of rows) {
        if (stored.has(row.insertId) && this.leftAtShutdown.delete(row)) this.counters.rowsLeftAtShutdown--;
      }
      await this.deadLetter(dataset, missing, error);
    }
  }

  get rowsUncertain(): number {
    return this.uncertainCount;
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
