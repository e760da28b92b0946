/**
 * The contract's vocabulary, loaded from the file the processor loads too
 * (python/market_data_tick_handler/contract/vocabulary.json): sources, data types, stream
 * statuses and feature names. core/test/contract.test.ts fails when the engine's own lists drift from it.
 */
import vocabulary from '../../../python/market_data_tick_handler/contract/vocabulary.json' with { type: 'json' };

/** Where a stream's data comes from (`--source`, `hello.source`). */
export type SourceKind = 'live' | 'replay' | 'file' | 'demo' | 'csv';
export const SOURCES: readonly { readonly name: SourceKind; readonly meaning: string }[] = vocabulary.sources as { name: SourceKind; meaning: string }[];
export const SOURCE_KINDS = SOURCES.map((entry) => entry.name) as readonly SourceKind[] as readonly [SourceKind, ...SourceKind[]];

/** The lifecycle of a stream: starting → running ⇄ reconnecting / stalled → finished | failed | stopped. */
export type StreamStatus = 'starting' | 'running' | 'reconnecting' | 'stalled' | 'finished' | 'failed' | 'stopped';

export interface StatusEntry {
  readonly name: StreamStatus;
  /** The stream is still going (it can be stopped). */
  readonly active: boolean;
  /** Plain-language meaning, for help texts and docs. */
  readonly meaning: string;
}

export const STREAM_STATUSES: readonly StatusEntry[] = vocabulary.stream_statuses as StatusEntry[];
const ACTIVE: ReadonlySet<string> = new Set(STREAM_STATUSES.filter((entry) => entry.active).map((entry) => entry.name));

export function isActive(status: StreamStatus): boolean {
  return ACTIVE.has(status);
}

/** Requestable data types and the wire message each arrives as. */
export const DATA_TYPES: readonly { readonly name: string; readonly example: string; readonly message: string; readonly meaning: string }[] = vocabulary.data_types;

/** The features every candle carries, in this order. */
export const VOCABULARY_FEATURE_NAMES: readonly string[] = vocabulary.feature_names;
