import { existsSync } from 'node:fs';
import { replayNormalized } from 'tardis-dev';
import type { Exchange } from 'tardis-dev';
import type { Normalizer } from './dataTypes.js';
import { formatDateToPath, getFilters, optimizeFilters, sha256 } from 'tardis-dev/dist/handy.js';
import { UsageError } from '../errors.js';
import type { NormalizedFeed } from './types.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

export interface ReplayRange {
  /** Exact requested range [from, to): messages outside it are dropped. */
  readonly from: Date;
  readonly to: Date;
  /** Whole minutes fetched (Tardis slices are per minute): [floor(from), ceil(to)). */
  readonly fetchFrom: Date;
  readonly fetchTo: Date;
}

/** ISO-8601 date or date-time; without a zone it is UTC (as tardis-dev reads it). */
export function parseUtcDate(value: string | undefined, flag: string): Date {
  const text = value?.trim() ?? '';
  if (text === '') throw new UsageError(`Replay needs ${flag} (ISO-8601 UTC, e.g. 2024-08-01 or 2024-08-01T12:30:00Z).`);
  const iso = DATE_ONLY.test(text) ? `${text}T00:00:00Z` : HAS_ZONE.test(text) ? text : `${text}Z`;
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.valueOf())) {
    throw new UsageError(`${flag} "${value}" is not a valid date: use ISO-8601 UTC, e.g. 2024-08-01 or 2024-08-01T12:30:00Z.`);
  }
  return date;
}

export function parseReplayRange(fromText: string | undefined, toText: string | undefined, now = Date.now()): ReplayRange {
  const from = parseUtcDate(fromText, '--from');
  const to = parseUtcDate(toText, '--to');
  if (to <= from) throw new UsageError(`--to (${to.toISOString()}) must be later than --from (${from.toISOString()}).`);
  if (to.valueOf() > now) {
    throw new UsageError(`--to (${to.toISOString()}) is in the future: replay covers recorded history only (use --source live for current data).`);
  }
  const fetchFrom = new Date(Math.floor(from.valueOf() / MINUTE) * MINUTE);
  const fetchTo = new Date(Math.ceil(to.valueOf() / MINUTE) * MINUTE);
  return { from, to, fetchFrom, fetchTo };
}

/**
 * tardis-dev docs (replay option `apiKey`): "if not provided only first day of each month of
 * historical data is accessible". So without a key the whole range must lie within the first UTC
 * day of one month.
 */
export function isFreeWithoutApiKey(range: ReplayRange): boolean {
  const f = range.fetchFrom;
  return f.getUTCDate() === 1 && range.fetchTo.valueOf() <= Date.UTC(f.getUTCFullYear(), f.getUTCMonth(), 1) + DAY;
}

/** tardis-dev's cache folder for these normalizers: {cacheDir}/feeds/{exchange}/{sha256(optimizeFilters(filters))}. */
export function cacheFeedDir(cacheDir: string, exchange: string, normalizers: readonly Normalizer[], symbols: string[], date: Date): string {
  const filters = getFilters<Exchange>(normalizers.map((n) => n(exchange as Exchange, date)), symbols);
  return `${cacheDir}/feeds/${exchange}/${sha256(optimizeFilters(filters))}`;
}

/** True when every minute slice of the range is already cached (replay then downloads nothing). */
export function allSlicesCached(feedDir: string, range: ReplayRange, maxMinutes = 31 * 24 * 60): boolean {
  const minutes = (range.fetchTo.valueOf() - range.fetchFrom.valueOf()) / MINUTE;
  if (minutes > maxMinutes) return false;
  for (let t = range.fetchFrom.valueOf(); t < range.fetchTo.valueOf(); t += MINUTE) {
    if (!existsSync(`${feedDir}/${formatDateToPath(new Date(t))}.json.gz`)) return false;
  }
  return true;
}

export interface ReplayOptions extends NormalizedFeed {
  readonly range: ReplayRange;
  readonly cacheDir: string;
  readonly apiKey: string | undefined;
}

/** replayNormalized over the whole minutes of the range, after the API key check. */
export function openReplay(o: ReplayOptions) {
  const { exchange, symbols, normalizers, range, apiKey } = o;
  if (!apiKey && !isFreeWithoutApiKey(range) && !allSlicesCached(cacheFeedDir(o.cacheDir, exchange, normalizers, symbols, range.fetchFrom), range)) {
    const f = range.fetchFrom;
    const firstDay = new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth(), 1)).toISOString().slice(0, 10);
    const nextDay = new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth(), 2)).toISOString().slice(0, 10);
    throw new UsageError(
      `Replaying ${exchange} ${range.fetchFrom.toISOString()} .. ${range.fetchTo.toISOString()} needs a Tardis API key: ` +
        `without one Tardis serves only the first UTC day of each month (e.g. --from ${firstDay} --to ${nextDay}) ` +
        `and slices already in the cache. Set TARDIS_API_KEY.`
    );
  }
  return replayNormalized(
    {
      exchange: exchange as Exchange,
      symbols,
      from: range.fetchFrom.toISOString(),
      to: range.fetchTo.toISOString(),
      withDisconnectMessages: true,
      ...(apiKey ? { apiKey } : {})
    },
    ...normalizers
  );
}

/** Tardis refusing the key (HTTP 401/403 from the worker): the stream fails saying so. */
export function replayError(error: unknown, exchange: string): unknown {
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 401 || status === 403) {
    return new Error(`Tardis refused the replay (HTTP ${status}): check TARDIS_API_KEY and that your plan covers ${exchange} for these dates.`);
  }
  return error;
}

/**
 * Tardis cannot be reached (the symbol list request got no HTTP answer): a replay that must
 * download fails now, naming the cause, instead of tardis-dev retrying for minutes.
 */
export function failWhenOffline(unreachable: Error | undefined, o: ReplayOptions, endpoint: string): void {
  if (unreachable === undefined || (unreachable as { response?: unknown }).response !== undefined) return;
  if (allSlicesCached(cacheFeedDir(o.cacheDir, o.exchange, o.normalizers, o.symbols, o.range.fetchFrom), o.range)) return;
  throw new Error(
    `cannot download the replay: Tardis is unreachable at ${endpoint} (${unreachable.message}). ` +
      `Replay needs internet access, or every minute of the range already in the cache (--cacheDir).`
  );
}
