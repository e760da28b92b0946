/** Bar list upkeep shared by the host's store and the webview. */
import type { Bar } from './messages.js';

/** The most bars the monitor keeps per stream and timeframe, in the host's store and the webview alike. */
export const MAX_BARS_PER_TIMEFRAME = 1000;

/** Inserts or replaces `bar` (by time) in time-sorted `bars`, dropping the oldest beyond `limit`. */
export function upsertBar(bars: Bar[], bar: Bar, limit: number): void {
  const last = bars[bars.length - 1];
  if (!last || bar.time > last.time) {
    bars.push(bar);
  } else if (bar.time === last.time) {
    bars[bars.length - 1] = bar;
  } else {
    let lo = 0;
    let hi = bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bars[mid]!.time < bar.time) lo = mid + 1;
      else hi = mid;
    }
    if (bars[lo]?.time === bar.time) bars[lo] = bar;
    else bars.splice(lo, 0, bar);
  }
  if (bars.length > limit) bars.splice(0, bars.length - limit);
}
