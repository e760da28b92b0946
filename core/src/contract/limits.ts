/**
 * Limits and policies both sides of the bridge apply, loaded from the file the processor loads
 * too (python/market_data_tick_handler/contract/limits.json): the frame cap, the plausibility
 * bounds of market messages, the log files and their rotation, and what "messages per second"
 * means. core/test/contract.test.ts and python/tests/test_contract.py check both sides use them.
 */
import limits from '../../../python/market_data_tick_handler/contract/limits.json' with { type: 'json' };

/** The largest WebSocket frame either side of the bridge accepts (docs/protocol.md, Limits). */
export const FRAME_MAX_BYTES: number = limits.frame_max_bytes;

/** A trade's or liquidation's price and amount are > 0 and at most these; timestamps 0 … 2^53 µs. */
export const PLAUSIBILITY: { readonly maxPrice: number; readonly maxAmount: number; readonly maxEpochMicros: number } = {
  maxPrice: limits.plausibility.max_price,
  maxAmount: limits.plausibility.max_amount,
  maxEpochMicros: limits.plausibility.max_epoch_micros
};

/** Log file names and their size-based rotation (`<name>.1` newest … `<name>.<backups>` oldest). */
export const LOG_FILES: { readonly engine: string; readonly processor: string; readonly maxBytes: number; readonly backups: number } = {
  engine: limits.log_files.engine,
  processor: limits.log_files.processor,
  maxBytes: limits.log_files.max_bytes,
  backups: limits.log_files.backups
};

/** How often rates are sampled, and the worked examples of their definition (docs/events.md). */
export const RATE: { readonly sampleIntervalMs: number; readonly examples: readonly { readonly at_ms: number; readonly count: number; readonly rate: number }[] } = {
  sampleIntervalMs: limits.rate.sample_interval_ms,
  examples: limits.rate.examples
};
