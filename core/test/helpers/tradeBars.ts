// Reference trade bars of a recorded capture, per symbol, straight from tardis-dev's own trade
// mapper and its computeTradeBars (not through Tickbridge), for any set of bar specs at once.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { computeTradeBars, normalizeBookChanges, normalizeTrades } from 'tardis-dev';
import type { Exchange, Trade, TradeBar } from 'tardis-dev';

/** The documented old-message rule (docs/features.md): trades stamped more than 10 s before the run's first message was received. */
export const OLD_MESSAGE_MS = 10_000;

export interface CaptureTrades {
  /** Every symbol with trades or book changes, in order of appearance. */
  symbols: string[];
  /** Trades per symbol, in arrival order. */
  trades: Map<string, Trade[]>;
  /** Local receive time (ms) of each symbol's first trade or book change. */
  firstLocal: Map<string, number>;
}

export async function captureTrades(file: string, exchange: Exchange): Promise<CaptureTrades> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const trades = new Map<string, Trade[]>();
  const firstLocal = new Map<string, number>();
  let mappers: ReturnType<typeof normalizeTrades>[] | undefined;
  for await (const line of lines) {
    const space = line.indexOf(' ');
    const local = new Date(Number(BigInt(line.slice(0, space)) / 1_000_000n));
    const message = JSON.parse(line.slice(space + 1)) as Record<string, unknown>;
    if ('lastUpdateId' in message) continue; // a bare Binance REST snapshot: no trades
    mappers ??= [normalizeTrades, normalizeBookChanges].map((factory) => factory(exchange, local) as ReturnType<typeof normalizeTrades>);
    for (const mapper of mappers) {
      if (!mapper.canHandle(message)) continue;
      for (const normalized of mapper.map(message, local) ?? []) {
        if (!firstLocal.has(normalized.symbol)) firstLocal.set(normalized.symbol, local.valueOf());
        if (normalized.type !== 'trade') continue;
        let list = trades.get(normalized.symbol);
        if (!list) trades.set(normalized.symbol, (list = []));
        list.push(normalized);
      }
    }
  }
  return { symbols: [...firstLocal.keys()], trades, firstLocal };
}

export type BarKind = 'time' | 'tick' | 'volume';

/**
 * computeTradeBars over `trades`. Time bars: the last bar too (tardis-dev emits a bar only when a
 * later trade arrives; a sentinel trade a day later flushes it).
 */
export function tradeBars(trades: readonly Trade[], kind: BarKind, interval: number): TradeBar[] {
  const computable = computeTradeBars({ kind, interval })();
  const bars: TradeBar[] = [];
  const feed = (trade: Trade) => {
    for (const bar of computable.compute(trade)) bars.push(bar);
  };
  trades.forEach(feed);
  const last = trades.at(-1);
  if (kind === 'time' && last) feed({ ...last, timestamp: new Date(last.timestamp.valueOf() + 86_400_000) });
  return bars;
}
