/** The engine API's public types: what the CLI, the TUI and the extension see. */
import type { Candle, ProcessorStats, StreamMode, Tick } from '../bridge/protocol.js';
import type { LinkStatus } from '../bridge/link.js';
import type { LogEntry } from '../logs/logger.js';
import type { PersistStats } from '../persist/types.js';
import type { PlaybackState, SourceCounts, SourceSpec } from '../sources/index.js';
import type { StreamHealth } from './health.js';
import type { ProcessorStatus } from '../supervisor/processorSupervisor.js';
import type { StreamStatus } from '../contract/vocabulary.js';

export interface StreamRequest extends SourceSpec {
  timeframes: string[];
  mode: StreamMode;
}

export type { StreamStatus } from '../contract/vocabulary.js';
export { isActive } from '../contract/vocabulary.js';

export interface StreamInfo {
  /** The stream (`exchange:SYMBOL`): the runs of a restart share it. */
  readonly id: string;
  /** This run: never reused within an engine (the store's `run_id`); faces key bars, counts and logs by it. */
  readonly runId: string;
  readonly request: StreamRequest;
  readonly status: StreamStatus;
  /** Why the stream is in its status (last error, finish reason …). */
  readonly detail: string;
  /** Set when the stream failed; `usage` when the request itself was wrong (bad flag values). */
  readonly failure: { readonly message: string; readonly usage: boolean } | null;
  /** The link to the processor. */
  readonly link: LinkStatus;
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly trades: number;
  readonly candles: number;
  readonly lastPrice: number | null;
  /** Messages sent but not yet acknowledged by the processor. */
  readonly inFlight: number;
  /** Messages the source dropped: exact duplicates, malformed lines or rows, lines over the cap. */
  readonly skipped?: SourceCounts;
  readonly startedAt: string;
  /** Pipeline health: lag, window fill, backpressure, reconnects, gaps, late and skipped messages. */
  readonly health: StreamHealth;
  /** replay, file and csv: paused or not, the speed, a step running (Engine.controlStream). */
  readonly playback?: PlaybackState;
}

export interface EngineStats {
  readonly uptimeS: number;
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly trades: number;
  readonly candles: number;
  readonly streams: number;
  /** Summed over the streams: see StreamInfo.skipped. */
  readonly skipped?: SourceCounts;
  readonly processor: {
    readonly url: string;
    readonly status: ProcessorStatus | 'external';
    readonly restarts: number;
    readonly stats: ProcessorStats | null;
  };
  /** Tick persistence (`--bigqueryEnabled true`): rows written, dead-lettered, pending. */
  readonly persist?: PersistStats;
  /** Per stream id: see StreamInfo.health. */
  readonly health: Readonly<Record<string, StreamHealth>>;
}

export type EngineEvent =
  | {
      readonly type: 'candle';
      readonly streamId: string;
      readonly runId: string;
      readonly candle: Candle;
      /** A stored candle of an earlier run, shown first (warm start). */
      readonly history?: true;
      /** The first live bar after the stored ones, with bars missing in between. */
      readonly afterGap?: true;
    }
  | { readonly type: 'tick'; readonly streamId: string; readonly runId: string; readonly tick: Tick }
  /** Ended runs the user cleared (`Engine.clearFinished`): faces drop them. */
  | { readonly type: 'cleared'; readonly runIds: readonly string[] }
  | { readonly type: 'stats'; readonly stats: EngineStats }
  | { readonly type: 'stream'; readonly stream: StreamInfo }
  | { readonly type: 'log'; readonly entry: LogEntry }
  | { readonly type: 'processor'; readonly status: ProcessorStatus; readonly detail: string };
