/**
 * Pipeline health of one stream (docs/events.md, "health"): how late messages arrive, how full the
 * bridge window is, how often the source had to wait for it, reconnects, gaps, late and skipped
 * messages, and the rate; with the warning a face shows in its warning style.
 */
import type { MeasuredHealth } from '../sources/worker/protocol.js';

/** Lag samples kept for the percentiles (the most recent ones). */
const LAG_SAMPLES = 2048;
/** p99 lag above this is `lagging`. */
export const LAGGING_P99_MS = 2_000;
/** Window fill at or above this (of the in-flight window) is `backpressure`. */
export const BACKPRESSURE_FILL = 0.9;

export type HealthWarning = 'stalled' | 'lagging' | 'backpressure' | 'reconnecting' | null;

export interface StreamHealth {
  /** Local receive time minus exchange time of the recent messages, ms (null before any). */
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  /** Unacknowledged messages over the bridge window, 0–1. */
  readonly windowFill: number;
  /** How many times the source waited because the window was full. */
  readonly backpressurePauses: number;
  /** Processor link reconnects. */
  readonly reconnects: number;
  /** Source connection drops (data may be missing there). */
  readonly gaps: number;
  /** Messages the processor counted in no bar, too late (null: the processor does not say). */
  readonly late: number | null;
  /** Messages the source dropped (duplicates, malformed, oversized). */
  readonly skipped: number;
  readonly messagesPerSecond: number;
  /** The worst condition now, or null when healthy. */
  readonly warning: HealthWarning;
}

/** What the engine knows at a snapshot, beside what the worker measured. */
export interface HealthInputs {
  readonly inFlight: number;
  readonly window: number;
  readonly late: number | null;
  readonly skipped: number;
  readonly messagesPerSecond: number;
  readonly stalled: boolean;
  readonly reconnecting: boolean;
}

/** Counts in the stream's worker, where messages are read and pushed to the bridge. */
export class HealthMeter {
  private readonly lags = new Float64Array(LAG_SAMPLES);
  private count = 0;
  private backpressure = 0;
  private gapCount = 0;

  /** One market message read: its lag in ms. */
  lag(localMs: number, exchangeMs: number): void {
    this.lags[this.count++ % LAG_SAMPLES] = localMs - exchangeMs;
  }

  gap(): void {
    this.gapCount++;
  }

  backpressurePause(): void {
    this.backpressure++;
  }

  measure(reconnects: number): MeasuredHealth {
    const [p50, p99] = percentiles(this.lags.subarray(0, Math.min(this.count, LAG_SAMPLES)), [0.5, 0.99]);
    return { lagP50Ms: p50 ?? null, lagP99Ms: p99 ?? null, backpressurePauses: this.backpressure, gaps: this.gapCount, reconnects };
  }
}

export const NO_MEASURED_HEALTH: MeasuredHealth = { lagP50Ms: null, lagP99Ms: null, backpressurePauses: 0, gaps: 0, reconnects: 0 };

/** The stream's health from the worker's measures and what the engine knows. */
export function streamHealth(measured: MeasuredHealth, inputs: HealthInputs): StreamHealth {
  const windowFill = inputs.window > 0 ? Math.min(1, inputs.inFlight / inputs.window) : 0;
  return {
    ...measured,
    windowFill,
    late: inputs.late,
    skipped: inputs.skipped,
    messagesPerSecond: inputs.messagesPerSecond,
    warning: inputs.stalled
      ? 'stalled'
      : inputs.reconnecting
        ? 'reconnecting'
        : (measured.lagP99Ms ?? 0) > LAGGING_P99_MS
          ? 'lagging'
          : windowFill >= BACKPRESSURE_FILL
            ? 'backpressure'
            : null
  };
}

/** Nearest-rank percentiles of the samples (undefined when there are none). */
export function percentiles(samples: Float64Array, ranks: number[]): (number | undefined)[] {
  if (samples.length === 0) return ranks.map(() => undefined);
  const sorted = Float64Array.from(samples).sort();
  return ranks.map((rank) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1))]);
}
