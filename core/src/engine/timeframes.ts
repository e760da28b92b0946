/** Candle timeframes: `Ns`, `Nm` or `Nh` (15s, 1m, 5m, 15m, 1h …), as the processor accepts them. */
import { UsageError } from '../errors.js';

export const DEFAULT_TIMEFRAMES = ['15s', '1m', '5m', '15m'] as const;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

export function timeframeSeconds(timeframe: string): number {
  const match = /^([1-9]\d*)([smh])$/.exec(timeframe);
  if (!match) {
    throw new UsageError(`invalid timeframe "${timeframe}": use a whole number followed by s, m or h (e.g. 15s, 1m, 5m, 15m, 1h)`);
  }
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** Validates, de-duplicates and orders a list of timeframes, shortest first. */
export function parseTimeframes(list: readonly string[]): string[] {
  const unique = [...new Set(list.map((item) => item.trim()).filter(Boolean))];
  if (unique.length === 0) throw new UsageError(`no timeframes given: use e.g. ${DEFAULT_TIMEFRAMES.join(',')}`);
  for (const timeframe of unique) timeframeSeconds(timeframe); // also a single one (sort never compares it)
  return unique.sort((a, b) => timeframeSeconds(a) - timeframeSeconds(b));
}
