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
 *
 * Venues whose instruments are not named BASE+QUOTE have a rule of their own for a BASE-QUOTE pair
 * (docs/symbols.md has the table): bitmex BTC-USD → XBTUSD, binance-delivery BTC-USD → BTCUSD_PERP,
 * okex-swap BTC-USDT → BTC-USDT-SWAP, deribit BTC-USD → BTC-PERPETUAL, cryptofacilities BTC-USD →
 * PI_XBTUSD, hyperliquid BTC-USD → BTC. Where a pair names several instruments (dated futures), the
 * user gets an error asking for the native id.
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

type PairRule = (base: string, quote: string) => string;
const xbt = (base: string) => (base === 'BTC' ? 'XBT' : base);
const several = (example: string) => (base: string, quote: string) => {
  throw new UsageError(`"${base}-${quote}" names several instruments (futures of different expiries): use the native id, e.g. ${example} (see docs/symbols.md).`);
};
export const PAIR_RULES: Readonly<Record<string, PairRule>> = {
  bitmex: (base, quote) => `${xbt(base)}${quote}`,
  'binance-delivery': (base, quote) => `${base}${quote}_PERP`,
  'okex-swap': (base, quote) => `${base}-${quote}-SWAP`,
  deribit: (base, quote) => (quote === 'USD' ? `${base}-PERPETUAL` : `${base}_${quote}-PERPETUAL`),
  cryptofacilities: (base, quote) => `PI_${xbt(base)}${quote}`,
  hyperliquid: (base, quote) => {
    if (quote === 'USD' || quote === 'USDC') return base;
    throw new UsageError(`hyperliquid perpetuals are quoted in USDC: use ${base} or ${base}-USD (see docs/symbols.md).`);
  },
  'okex-futures': several('BTC-USD-240927'),
  'huobi-dm': several('BTC240927')
};
const PAIR = /^([A-Z0-9]{2,10})[-/]([A-Z]{3,5})$/;

/** Maps one user-written symbol to the exchange-native id (see the rules above). */
export function toNativeSymbol(exchange: string, input: string): string {
  const symbol = input.trim().toUpperCase();
  const rule = PAIR_RULES[exchange];
  const pair = rule && PAIR.exec(symbol);
  if (rule && pair) return rule(pair[1]!, pair[2]!);
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
