import { EXCHANGES, getRealTimeFeedFactory } from 'tardis-dev';
import type { Exchange } from 'tardis-dev';
import { UsageError } from '../errors.js';
import { didYouMean } from './suggest.js';
import type { SourceKind } from './types.js';

/** Exchanges tardis-dev still lists that no longer operate: no live data; replay and files still work. */
export const DEFUNCT_EXCHANGES: Readonly<Record<string, string>> = {
  ftx: 'closed in November 2022',
  'ftx-us': 'closed in November 2022',
  'binance-jersey': 'closed in 2020',
  'binance-dex': 'shut down in 2024',
  coinflex: 'closed in 2022',
  serum: 'abandoned after the FTX collapse (2022)',
  'star-atlas': 'ran on Serum, abandoned in 2022',
  mango: 'shut down in 2023',
  dydx: 'dYdX v3 was shut down in October 2024 (use dydx-v4)',
  'huobi-dm-options': 'discontinued'
};

/** Lower-cases and checks an exchange id against tardis-dev's EXCHANGES for the given source. */
export function resolveExchange(input: string, source: SourceKind): string {
  const exchange = input.trim().toLowerCase();
  if (!(EXCHANGES as readonly string[]).includes(exchange)) {
    const hint = didYouMean(exchange, EXCHANGES) || ` Known exchanges: ${EXCHANGES.join(', ')}.`;
    throw new UsageError(`Unknown exchange "${input}".${hint}`);
  }
  const defunct = DEFUNCT_EXCHANGES[exchange];
  if (defunct !== undefined && (source === 'live' || source === 'demo')) {
    throw new UsageError(
      `Exchange "${exchange}" is defunct (${defunct}): no live data. Its history can still be replayed with --source replay.`
    );
  }
  if (source === 'live') {
    try {
      getRealTimeFeedFactory(exchange as Exchange);
    } catch {
      throw new UsageError(`tardis-dev has no live feed for "${exchange}"; use --source replay.`);
    }
  }
  return exchange;
}
