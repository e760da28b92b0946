/**
 * Sends rows with retries (p-retry) and a dead-letter file, as the declared policy says
 * (policy.ts; the processor's persist/bigquery/sender.py follows the same file); shared by the
 * tick writer and `bq-replay`.
 *
 * - Every row keeps its insertId across attempts, so BigQuery drops a row it already stored
 *   when a response was lost and the request is sent again.
 * - A retryable status (408, 429, 5xx) or a network error retries the whole request; a row
 *   refused with a transient reason is retried alone; full-jitter backoff (`backoffDelayMs`).
 * - A row refused for good (`invalid` …), a request refused for good (400, 403, 404), or a
 *   row out of attempts (or out of time at shutdown) is appended to the dead-letter file.
 * - Only rows BigQuery did not take go there: a row whose last attempt failed after the request
 *   may have been stored (408, 429, 5xx, a network error) is held as uncertain, and `settle()` reads
 *   the table's `insert_id` column once and dead-letters only the uncertain rows it lacks.
 * - At shutdown (`deadline` set), rows are retried until the deadline, whatever their attempts.
 */
import pRetry from 'p-retry';
import { errorStatus, type InsertClient } from './client.js';
import { appendDeadLetters } from './deadLetter.js';
import { MAX_UNCERTAIN, RETRY_STATUS, TRANSIENT_REASONS, backoffDelayMs, type RetryPolicy } from './policy.js';
import type { Row } from './schema.js';

export interface SenderCounters {
  rowsWritten: number;
  rowsDeadLettered: number;
  retries: number;
  /** Rows dead-lettered because the shutdown budget was spent. */
  rowsLeftAtShutdown: number;
}

/** An attempt left rows to send again (`onFailedAttempt` decides whether they will be). */
class RowsToRetry extends Error {}
/** The rows are out of attempts (`out of time`: the next wait would end after the deadline). */
class GiveUp extends Error {
  constructor(readonly outOfTime: boolean) {
    super(outOfTime ? 'shutdown budget spent' : 'gave up');
  }
}

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

  /** Sends the rows of one table; resolves when each is written or dead-lettered (or held as uncertain). */
  async send(dataset: string, table: string, rows: Row[]): Promise<void> {
    let pending = rows;
    /** Rows of a request that failed: BigQuery may hold them (408, 429, 5xx, no answer). */
    const maybeStored = new Set<Row>();
    let lastError = '';
    let attempts = 0;
    try {
      await pRetry(
        async (attempt) => {
          attempts = attempt;
          const result = await this.attempt(dataset, table, pending, maybeStored);
          lastError = result.lastError;
          if (result.retry.length === 0) return;
          pending = result.retry;
          throw new RowsToRetry(lastError);
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 0, // the wait is the policy's full jitter, taken below
          onFailedAttempt: async ({ error, attemptNumber }) => {
            if (!(error instanceof RowsToRetry)) throw error;
            const closing = this.deadline !== Number.POSITIVE_INFINITY;
            if (attemptNumber >= this.policy.maxAttempts && !closing) throw new GiveUp(false);
            const delay = backoffDelayMs(this.policy, attemptNumber);
            if (Date.now() + delay > this.deadline) throw new GiveUp(true);
            this.counters.retries += pending.length;
            await this.sleep(delay);
          }
        }
      );
    } catch (error) {
      if (!(error instanceof GiveUp)) throw error;
      await this.giveUp(dataset, pending, maybeStored, `${error.message} after ${attempts} attempts: ${lastError}`, error.outOfTime);
    }
  }

  /** One request: the rows to send again and the last error. */
  private async attempt(dataset: string, table: string, pending: Row[], maybeStored: Set<Row>): Promise<{ retry: Row[]; lastError: string }> {
    try {
      const failures = await this.client.insert(dataset, table, pending);
      const retry: Row[] = [];
      let lastError = '';
      for (const failure of failures) {
        const error = `${failure.reason}: ${failure.message}`;
        if (TRANSIENT_REASONS.has(failure.reason)) {
          retry.push(failure.row);
          lastError = error;
        } else {
          await this.deadLetter(dataset, [failure.row], error);
        }
      }
      this.counters.rowsWritten += pending.length - new Set(failures.map((failure) => failure.row)).size;
      return { retry, lastError };
    } catch (error) {
      const status = errorStatus(error);
      const lastError = `${status ?? 'network error'}: ${(error as Error).message}`;
      if (status !== undefined && !RETRY_STATUS.has(status)) {
        await this.deadLetter(dataset, pending, lastError);
        return { retry: [], lastError };
      }
      for (const row of pending) maybeStored.add(row);
      return { retry: pending, lastError };
    }
  }

  private async giveUp(dataset: string, rows: Row[], maybeStored: Set<Row>, error: string, outOfTime: boolean): Promise<void> {
    if (outOfTime) {
      this.counters.rowsLeftAtShutdown += rows.length;
      for (const row of rows) this.leftAtShutdown.add(row);
    }
    const uncertain = rows.filter((row) => maybeStored.has(row));
    if (uncertain.length) await this.holdUncertain(dataset, uncertain, error);
    await this.deadLetter(dataset, rows.filter((row) => !maybeStored.has(row)), error);
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

  /** Appends rows to the dead-letter file and counts them. */
  async deadLetter(dataset: string, rows: Row[], error: string): Promise<void> {
    if (rows.length === 0) return;
    await appendDeadLetters(this.deadLetterFile, dataset, rows, error);
    this.counters.rowsDeadLettered += rows.length;
    this.onDeadLetter(rows.length, error);
  }
}
