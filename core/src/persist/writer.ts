/**
 * The engine's tick writer: normalized messages → BigQuery, one table per data type.
 *
 * `push` only appends to an array (it runs once per message on the stream's hot path). A batch
 * is sent when `batchSize` rows are waiting, when the oldest waiting row is `batchTimeoutMs`
 * old, and at `close()`. One batch is in flight at a time; while BigQuery is down, rows wait
 * up to `maxBufferedRows`, and rows beyond that go straight to the dead-letter file, so memory
 * stays bounded and nothing is dropped silently. At `close()`, what is left is sent by
 * `SHUTDOWN_CONCURRENCY` requests at a time, each row retried until the shutdown budget
 * (`closeTimeoutMs`) is spent; the last log line says what was left in the dead-letter file.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SourceMessage } from '../bridge/encode.js';
import { BigQueryClient, type InsertClient } from './client.js';
import { bigQueryConfigFromEnv, type BigQueryConfig } from './config.js';
import { DEAD_LETTER, SHUTDOWN_CONCURRENCY } from './policy.js';
import { TICK_TABLES, toRow, type Row } from './schema.js';
import { RowSender } from './sender.js';
import type { PersistLog, PersistStats, TickWriter } from './types.js';

export interface TickWriterOptions {
  /** Defaults to the official client on `config`; tests may pass their own. */
  client?: InsertClient;
  /** Rows waiting before the excess is dead-lettered; default 100 batches. */
  maxBufferedRows?: number;
}

/**
 * The engine's BigQuery tick writer from environment-style settings (GCP_PROJECT_ID,
 * BIGQUERY_DATASET, …); `what` names the switch in error messages; failed rows go to
 * `<logDir>/bigquery-ticks.dead-letter.ndjson`.
 */
export function bigQueryTickWriter(env: NodeJS.ProcessEnv, what: string, logDir: string): TickWriter {
  return new BigQueryTickWriter(bigQueryConfigFromEnv(env, what, join(logDir, DEAD_LETTER.files.ticks)));
}

export class BigQueryTickWriter implements TickWriter {
  private buffer: SourceMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sender: RowSender | undefined;
  private chain: Promise<void> = Promise.resolve(); // dead-lettering of the overflow
  private readonly batches: Row[][] = [];
  private workers = 0;
  private maxWorkers = 1;
  private idleWaiters: (() => void)[] = [];
  private queued = 0;
  private seq = 0;
  /** insertIds are `<run id>-<n>`: unique per row, identical across its retries. */
  private readonly runId = randomBytes(6).toString('hex');
  private log: PersistLog = () => {};
  private closed = false;
  private readonly maxBufferedRows: number;

  constructor(
    readonly config: BigQueryConfig,
    private readonly options: TickWriterOptions = {}
  ) {
    this.maxBufferedRows = options.maxBufferedRows ?? config.batchSize * 100;
  }

  get target(): string {
    return `bigquery:${this.config.projectId}.${this.config.dataset}`;
  }

  async open(log: PersistLog): Promise<void> {
    this.log = log;
    let client = this.options.client;
    if (client === undefined) {
      const bigquery = await BigQueryClient.create(this.config);
      let created: string[];
      try {
        created = await bigquery.ensureTables(this.config.dataset, Object.values(TICK_TABLES));
      } catch (error) {
        throw new Error(`BigQuery: cannot prepare dataset ${this.config.projectId}.${this.config.dataset}${this.config.apiEndpoint ? ` at ${this.config.apiEndpoint}` : ''}: ${(error as Error).message}`, { cause: error });
      }
      if (created.length) log('info', `BigQuery: created ${created.join(', ')} in project ${this.config.projectId}`);
      client = bigquery;
    }
    let warned = 0;
    this.sender = new RowSender(client, this.config.retry, this.config.deadLetterFile, (count, error) => {
      // One warning per failure burst is enough; the stats count every row.
      if (warned++ % 100 === 0) log('warning', `BigQuery: ${count} rows written to ${this.config.deadLetterFile} (${error}); resend with \`tickbridge bq-replay ${this.config.deadLetterFile}\``);
    });
    log('info', `BigQuery: writing ticks to ${this.config.projectId}.${this.config.dataset} (batches of ${this.config.batchSize}, at least every ${this.config.batchTimeoutMs} ms)`);
  }

  push(message: SourceMessage): void {
    if (this.closed) return;
    this.buffer.push(message);
    if (this.buffer.length >= this.config.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.config.batchTimeoutMs).unref();
  }

  /** Hands what is buffered to the sender (in batches of `batchSize`). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || this.sender === undefined) return;
    const messages = this.buffer;
    this.buffer = [];
    const rows: Row[] = [];
    for (const message of messages) {
      const row = toRow(message, `${this.runId}-${++this.seq}`);
      if (row) rows.push(row);
    }
    if (this.queued + rows.length > this.maxBufferedRows) {
      const keep = Math.max(0, this.maxBufferedRows - this.queued);
      const overflow = rows.splice(keep);
      const sender = this.sender;
      this.chain = this.chain.then(() => sender.deadLetter(this.config.dataset, overflow, DEAD_LETTER.errors.buffer_full)).catch((error: unknown) => this.failed(error as Error, overflow.length));
    }
    for (let i = 0; i < rows.length; i += this.config.batchSize) this.enqueue(rows.slice(i, i + this.config.batchSize));
  }

  private enqueue(rows: Row[]): void {
    if (rows.length === 0) return;
    this.queued += rows.length;
    this.batches.push(rows);
    this.startWorkers();
  }

  private startWorkers(): void {
    while (this.workers < this.maxWorkers && this.batches.length > 0) {
      this.workers++;
      void this.work();
    }
  }

  /** Sends queued batches one after the other (several workers at close). */
  private async work(): Promise<void> {
    const sender = this.sender as RowSender;
    try {
      for (let rows = this.batches.shift(); rows !== undefined; rows = this.batches.shift()) {
        const byTable = new Map<string, Row[]>();
        for (const row of rows) {
          const list = byTable.get(row.table);
          if (list) list.push(row);
          else byTable.set(row.table, [row]);
        }
        for (const [table, list] of byTable) {
          try {
            await sender.send(this.config.dataset, table, list);
          } catch (error) {
            this.failed(error as Error, list.length);
          }
          this.queued -= list.length;
        }
      }
    } finally {
      this.workers--;
      if (this.workers === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private failed(error: Error, rows: number): void {
    this.log('error', `BigQuery: ${rows} rows lost: cannot write the dead-letter file ${this.config.deadLetterFile}: ${error.message}`);
  }

  /** Resolves when every batch handed over so far is written or dead-lettered. */
  async drain(): Promise<void> {
    while (this.workers > 0 || this.batches.length > 0) {
      this.startWorkers();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    let chain;
    do {
      chain = this.chain;
      await chain;
    } while (chain !== this.chain);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sender) this.sender.deadline = Date.now() + this.config.retry.closeTimeoutMs;
    this.maxWorkers = SHUTDOWN_CONCURRENCY;
    this.flush();
    await this.drain();
    await this.sender?.settle().catch((error: unknown) => this.failed(error as Error, this.sender?.rowsUncertain ?? 0));
    const s = this.stats();
    const left = this.sender?.counters.rowsLeftAtShutdown ?? 0;
    const budget = `${this.config.retry.closeTimeoutMs / 1000} s`;
    this.log(s.rowsDeadLettered ? 'warning' : 'info', `BigQuery: ${s.rowsWritten} rows written, ${s.rowsDeadLettered} dead-lettered${s.rowsDeadLettered ? ` in ${s.deadLetterFile}${left ? ` (${left} still failing when the ${budget} shutdown budget was spent)` : ''}; resend with \`tickbridge bq-replay ${s.deadLetterFile}\`` : ''}`);
  }

  stats(): PersistStats {
    const counters = this.sender?.counters ?? { rowsWritten: 0, rowsDeadLettered: 0, retries: 0 };
    return {
      target: this.target,
      rowsWritten: counters.rowsWritten,
      rowsDeadLettered: counters.rowsDeadLettered,
      rowsPending: this.buffer.length + this.queued + (this.sender?.rowsUncertain ?? 0),
      retries: counters.retries,
      deadLetterFile: this.config.deadLetterFile
    };
  }
}
