import { httpClient } from 'tardis-dev/dist/handy.js';
import { getOptions } from 'tardis-dev/dist/options.js';
import { UsageError } from '../errors.js';
import { didYouMean } from './suggest.js';

/*
 * Symbol rule: native ids pass through upper-cased (tardis-dev accepts either case and emits upper
 * case). A pair written with '-' or '/' (BTC-USDT, BTC/USDT) is rewritten to the exchange's own
 * separator style where that style is known:
 *   concatenated (binance family, bybit, bitget, bitmex, huobi, ...): separators removed -> BTCUSDT
 *   underscore (gate-io, crypto-com, poloniex, bitflyer): -> BTC_USDT
 *   slash (kraken, ascendex): -> BTC/USDT
 *   every other exchange uses dashed ids (coinbase, okex*, deribit, kucoin, ...): '/' -> '-', kept as is.
 * '_' is never touched (binance-delivery BTCUSD_PERP, cryptofacilities PI_XBTUSD are native).
 */
type Style = 'concat' | 'underscore' | 'slash';
const STYLE: Readonly<Record<string, Style>> = {
  binance: 'concat',
  'binance-us': 'concat',
  'binance-futures': 'concat',
  'binance-delivery': 'concat',
  'binance-jersey': 'concat',
  bybit: 'concat',
  'bybit-spot': 'concat',
  bitget: 'concat',
  'bitget-futures': 'concat',
  bitmex: 'concat',
  bitfinex: 'concat',
  'bitfinex-derivatives': 'concat',
  bitstamp: 'concat',
  gemini: 'concat',
  huobi: 'concat',
  hitbtc: 'concat',
  phemex: 'concat',
  delta: 'concat',
  'gate-io': 'underscore',
  'gate-io-futures': 'underscore',
  'crypto-com': 'underscore',
  'crypto-com-derivatives': 'underscore',
  poloniex: 'underscore',
  bitflyer: 'underscore',
  kraken: 'slash',
  ascendex: 'slash'
};

/** Maps one user-written symbol to the exchange-native id (see the rule above). */
export function toNativeSymbol(exchange: string, input: string): string {
  const symbol = input.trim().toUpperCase();
  switch (STYLE[exchange]) {
    case 'concat':
      return symbol.replace(/[-/]/g, '');
    case 'underscore':
      return symbol.replace(/[-/]/g, '_');
    case 'slash':
      return symbol.replace(/-/g, '/');
    default:
      return symbol.replace(/\//g, '-');
  }
}

/** Native ids, de-duplicated; UsageError when empty or (with a known list) unknown. */
export function resolveSymbols(exchange: string, inputs: readonly string[], known?: readonly string[]): string[] {
  const symbols = [...new Set(inputs.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '').map((s) => toNativeSymbol(exchange, s)))];
  if (symbols.length === 0) throw new UsageError(`No symbols given for ${exchange} (e.g. BTCUSDT or BTC-USDT).`);
  if (known !== undefined) {
    const upper = [...new Set(known.map((s) => s.toUpperCase()))];
    for (const symbol of symbols) {
      if (!upper.includes(symbol)) {
        const hint = didYouMean(symbol, upper) || (upper.length <= 20 ? ` Available: ${upper.join(', ')}.` : '');
        throw new UsageError(`Unknown symbol "${symbol}" on ${exchange}.${hint}`);
      }
    }
  }
  return symbols;
}

/**
 * The exchange's symbol ids from the Tardis API (getExchangeDetails' request, with a timeout and no
 * retries), or the reason it is unavailable. Uses the endpoint set by tardis-dev's init().
 */
export async function fetchExchangeSymbols(exchange: string, timeoutMs = 2500): Promise<string[] | Error> {
  try {
    const details = await httpClient
      .get(`${getOptions().endpoint}/exchanges/${exchange}`, { timeout: timeoutMs, retry: 0 })
      .json<{ availableSymbols?: { id: string }[] }>();
    const ids = details.availableSymbols?.map((s) => s.id) ?? [];
    return ids.length > 0 ? ids : new Error('empty symbol list');
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
