/** What the engine needs from a tick writer (BigQuery today): a cheap `push` on the hot path. */
import type { SourceMessage } from '../bridge/encode.js';
import type { LogLevel } from '../logs/logger.js';

export type PersistLog = (level: LogLevel, message: string) => void;

export interface PersistStats {
  /** Where rows go, e.g. `bigquery:my-project.market_data_streaming`. */
  readonly target: string;
  readonly rowsWritten: number;
  /** Rows that still failed after the retries: they are in `deadLetterFile`. */
  readonly rowsDeadLettered: number;
  /** Rows buffered or in flight. */
  readonly rowsPending: number;
  /** Insert requests (or rows in them) sent again after a 429/5xx or a transient row error. */
  readonly retries: number;
  readonly deadLetterFile: string;
}

export interface TickWriter {
  /** Checks the target and creates what is missing (dataset, tables); throws a clear error. */
  open(log: PersistLog): Promise<void>;
  /** Called once per normalized message on the stream's hot path: buffers only. */
  push(message: SourceMessage): void;
  /** Sends what is buffered (retrying within a deadline), dead-letters the rest. */
  close(): Promise<void>;
  stats(): PersistStats;
}
