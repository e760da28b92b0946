/**
 * The declared BigQuery policy, loaded from the file the processor loads too
 * (python/market_data_tick_handler/contract/bigquery_policy.json): retryable statuses and row
 * reasons, attempts, full-jitter backoff, the shutdown budget, environment variables, the gcloud
 * credentials path and the dead-letter format. core/test/bigquery-policy.test.ts fails when the
 * engine's writer drifts from it (python/tests/test_bigquery_policy.py is the processor's half).
 */
import policy from '../../../python/market_data_tick_handler/contract/bigquery_policy.json' with { type: 'json' };

export interface RetryPolicy {
  /** Attempts per row, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** At shutdown, retries stop this long after close() was called; what is left is dead-lettered. */
  closeTimeoutMs: number;
}

const retry = policy.retry;
export const RETRY_STATUS: ReadonlySet<number> = new Set(retry.retryable_statuses);
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set(retry.transient_row_reasons);
export const BACKOFF_MULTIPLIER: number = retry.backoff.multiplier;
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: retry.max_attempts,
  baseDelayMs: retry.backoff.base_delay_ms,
  maxDelayMs: retry.backoff.max_delay_ms,
  closeTimeoutMs: retry.shutdown_budget_ms
};
/** Requests at a time while the shutdown flushes what is buffered. */
export const SHUTDOWN_CONCURRENCY: number = retry.shutdown_concurrency;
/** Each request is abandoned (and retried as a network error) after this long. */
export const REQUEST_TIMEOUT_MS: number = retry.request_timeout_ms;
/** Uncertain rows held before they are settled (one table read each time). */
export const MAX_UNCERTAIN: number = retry.max_uncertain_rows;
export const ENV = policy.env;
export const GCLOUD = policy.gcloud_credentials;
export const DEAD_LETTER = policy.dead_letter;

/** Full jitter: the wait before retry `n` (1 after the first attempt) is uniform(0, min(max, base·2^(n-1))). */
export function backoffDelayMs(policy: RetryPolicy, retryNumber: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * BACKOFF_MULTIPLIER ** (retryNumber - 1));
  return Math.round(ceiling * random());
}
