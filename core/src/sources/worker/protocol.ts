/**
 * Everything that crosses the thread boundary between the engine (main thread) and one stream's
 * worker (docs/architecture.md). The worker owns the source (tardis-dev with its own `init`
 * options and feed classes), the encoding and the stream's link to the processor; the main thread
 * only hears what the engine reports: counts, statuses, candles, ticks, logs.
 * Values cross by structured clone, so everything here is plain data.
 */
import type { BridgeTuning, LinkStatus } from '../../bridge/link.js';
import type { Candle, LogLevel, ProcessorError, ProcessorStats, StreamMode, Tick } from '../../bridge/protocol.js';
import type { SourceCounts, SourceMessage, SourceSpec } from '../types.js';

/** What a worker is started with (`workerData`). */
export interface WorkerStart {
  readonly streamId: string;
  readonly spec: SourceSpec & { readonly timeframes: string[]; readonly mode: StreamMode };
  readonly processorUrl: string;
  readonly token: string | null;
  readonly tuning: Partial<BridgeTuning>;
  /** Send every normalized message back (the engine has a tick writer). */
  readonly forwardMessages: boolean;
}

/** main → worker */
export type ToWorker =
  /** Stop the source; with `flush`, what was read still reaches the processor first. */
  | { readonly type: 'stop'; readonly flush: boolean }
  /** Give up on the processor (a flush past its deadline): close the link now. */
  | { readonly type: 'close-link' };

/** Counters of the worker's pump, sent a few times a second and once at the end. */
export interface WorkerProgress {
  readonly messages: number;
  readonly trades: number;
  readonly lastPrice: number | null;
  readonly inFlight: number;
  readonly skipped: SourceCounts;
}

/** How the worker's run ended; the engine turns it into the stream's final status. */
export type WorkerOutcome =
  /** The source ended by itself and the processor acknowledged everything; `failure` when the run is still not a success. */
  | { readonly kind: 'exhausted'; readonly failure: string | null }
  /** Stopped on request; `flushed` when what was read reached the processor first. */
  | { readonly kind: 'stopped'; readonly flushed: boolean; readonly beforeOpen: boolean }
  /** The source or the link failed; `usage` when the request itself was wrong. */
  | { readonly kind: 'failed'; readonly message: string; readonly usage: boolean };

/** A normalized message with the microseconds of its dates, which structured clone drops. */
export interface ForwardedMessage {
  readonly message: SourceMessage;
  readonly micros: readonly [number, number];
}

/** worker → main */
export type FromWorker =
  | { readonly type: 'opened'; readonly symbols: string[]; readonly live: boolean }
  | { readonly type: 'warn'; readonly message: string }
  | { readonly type: 'progress'; readonly progress: WorkerProgress }
  /** The exchange connection dropped (`first`: before any market message, so never reached) or came back. */
  | { readonly type: 'source-down'; readonly first: boolean }
  | { readonly type: 'source-up' }
  | { readonly type: 'link-status'; readonly status: LinkStatus; readonly detail: string }
  | { readonly type: 'candle'; readonly candle: Candle }
  | { readonly type: 'tick'; readonly tick: Tick }
  | { readonly type: 'processor-stats'; readonly stats: ProcessorStats }
  | { readonly type: 'processor-log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'processor-error'; readonly error: ProcessorError }
  | { readonly type: 'messages'; readonly messages: readonly ForwardedMessage[] }
  | { readonly type: 'ended'; readonly outcome: WorkerOutcome; readonly progress: WorkerProgress };

type Dated = { timestamp?: Date; localTimestamp: Date };

/** Keeps the `μs` of a message's dates for the trip across the boundary. */
export function forwardMessage(message: SourceMessage): ForwardedMessage {
  const dated = message as Dated;
  return { message, micros: [dated.timestamp?.μs ?? 0, dated.localTimestamp.μs ?? 0] };
}

/** The message as the source yielded it, `μs` restored. */
export function receiveMessage({ message, micros }: ForwardedMessage): SourceMessage {
  const dated = message as Dated;
  if (dated.timestamp && micros[0]) dated.timestamp.μs = micros[0];
  if (micros[1]) dated.localTimestamp.μs = micros[1];
  return message;
}
