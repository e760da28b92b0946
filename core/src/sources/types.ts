import type { Playback } from './playback.js';
import type { BookSnapshot, DerivativeTicker, Disconnect, Liquidation, Trade } from 'tardis-dev';
import type { SourceKind } from '../contract/vocabulary.js';
import type { Normalizer } from './dataTypes.js';

export { SOURCE_KINDS, type SourceKind } from '../contract/vocabulary.js';

/** What tardis-dev normalizes: these symbols (native ids) of one exchange, through these mappers. */
export interface NormalizedFeed {
  readonly exchange: string;
  readonly symbols: string[];
  readonly normalizers: readonly Normalizer[];
}

export interface SourceSpec {
  source: SourceKind;
  exchange: string;
  /** Exchange-native ids (BTCUSDT, BTC-PERPETUAL) or the BTC-USDT form, see symbols.ts. */
  symbols: string[];
  /** See dataTypes.ts; entries may also be comma-separated lists. */
  dataTypes: string[];
  /** replay: ISO-8601 UTC range [from, to). */
  from?: string;
  to?: string;
  cacheDir?: string;
  /** replay: Tardis API key (the caller reads TARDIS_API_KEY). */
  apiKey?: string;
  /** replay: Tardis HTTP API base URL (tests point it at https://127.0.0.1:1). */
  endpoint?: string;
  /**
   * file: recorded capture, `<local timestamp> <raw exchange JSON>` per line, plain or gzip.
   * csv: Tardis CSV datasets (.csv or .csv.gz), several separated by commas, or a folder of them.
   */
  file?: string;
  /**
   * live, `binance` and `binance-futures` only: the base URL (`http://host:port`) of a
   * Binance-compatible exchange speaking the demo exchange's paths (e.g. one started with
   * `startDemoExchange`) instead of the real one. Only this stream is routed there.
   */
  exchangeUrl?: string;
  /** live and demo: write the raw messages received to this capture file (see record.ts). */
  record?: string;
  /** Pacing for replay and file by local timestamps: 'max' = as fast as possible, N = N× real time. */
  speed: 'max' | number;
  /** What the data is for: candles need trades (a request without them is refused up front). */
  mode?: 'candles' | 'ticks';
  /** demo */
  seed?: number;
  demoMessagesPerSecond?: number;
}

/** Normalized messages a source yields: only the requested kinds, plus disconnects. */
export type SourceMessage = Trade | BookSnapshot | DerivativeTicker | Liquidation | Disconnect;

export interface OpenedSource {
  readonly messages: AsyncIterable<SourceMessage>;
  /** Resolved exchange-native ids. */
  readonly symbols: string[];
  /** live and demo */
  readonly live: boolean;
  /** replay and file: the iteration ends by itself */
  readonly finite: boolean;
  /** replay, file and csv: pause, resume, speed and step while it runs. */
  readonly playback?: Playback;
  /** What the source dropped, and why a finite source's run is not a success; read at any time. */
  readonly report: SourceReport;
  /** Stops the source (and the demo exchange it started). Safe to call twice. */
  close(): Promise<void>;
}

/** Counted as the source runs (docs/failure-modes.md, "Sources and captures"). */
export interface SourceCounts {
  /** Exact duplicate messages dropped: a repeated capture line, a repeated venue trade id. */
  duplicates: number;
  /** Lines or rows that could not be read (bad timestamp, JSON, cells, or a mapper failing on them). */
  malformed: number;
  /** Lines over the length cap, skipped unread. */
  oversized: number;
}

export interface SourceReport extends SourceCounts {
  /**
   * Set when a finite source ended without a complete result: no message for the requested
   * symbols, or a file that ends mid-stream. What was read is still processed; the stream then
   * fails with this as its detail.
   */
  failure: string | undefined;
}

export const newReport = (): SourceReport => ({ duplicates: 0, malformed: 0, oversized: 0, failure: undefined });

export interface SourceHooks {
  readonly warn: (message: string) => void;
}
