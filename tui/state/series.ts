/** Candle series per stream and timeframe: the open bar is updated in place, closed bars are kept up to a cap. */
import type { Candle } from '../../core/index.js';

/** The most bars the TUI keeps per stream and timeframe: more than a terminal shows, few enough that each update copies little. */
export const MAX_BARS = 400;

export function seriesKey(runId: string, timeframe: string): string {
  return `${runId}|${timeframe}`;
}

/** Returns the series with `candle` inserted or replacing the bar with the same start. */
export function upsertCandle(series: readonly Candle[] | undefined, candle: Candle): readonly Candle[] {
  const bars = series ?? [];
  const last = bars[bars.length - 1];
  if (!last || candle.start > last.start) {
    const next = bars.length >= MAX_BARS ? bars.slice(bars.length - MAX_BARS + 1) : bars.slice();
    next.push(candle);
    return next;
  }
  // Same or earlier bar (an update of the open bar, or a late closed one): replace it in place.
  const index = findIndex(bars, candle.start);
  if (index < 0) {
    const next = bars.slice();
    const at = next.findIndex((bar) => bar.start > candle.start);
    next.splice(at < 0 ? next.length : at, 0, candle);
    return next.length > MAX_BARS ? next.slice(next.length - MAX_BARS) : next;
  }
  const current = bars[index] as Candle;
  // A closed bar is final: a later partial update for it must not reopen it.
  if (current.closed && !candle.closed) return bars;
  const next = bars.slice();
  next[index] = candle;
  return next;
}

function findIndex(bars: readonly Candle[], start: string): number {
  for (let i = bars.length - 1; i >= 0; i--) {
    const bar = bars[i] as Candle;
    if (bar.start === start) return i;
    if (bar.start < start) return -1;
  }
  return -1;
}
