/**
 * Binance payloads, field for field as Binance sends them (spot and USD-M futures) and as
 * tardis-dev's mappers read them. Prices and sizes are strings; times are epoch milliseconds,
 * or microseconds on spot connections opened with `timeUnit=microsecond`.
 */
import type { Level, OrderBook } from './book.js';
import type { MarkPrice } from './funding.js';
import type { InstrumentSpec } from './instruments.js';
import type { LiquidationEvent, TradeEvent } from './market.js';

export type TimeUnit = 'ms' | 'us';
type Json = Record<string, unknown>;

/** Integer `value` scaled by 10^-scale, printed with `decimals` (>= scale) decimals. */
export function formatScaled(value: number, scale: number, decimals: number): string {
  const negative = value < 0;
  let text = Math.abs(Math.round(value)).toString();
  if (scale > 0) {
    text = text.padStart(scale + 1, '0');
    text = `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  }
  const pad = decimals - scale;
  if (pad > 0) text += (scale > 0 ? '' : '.') + '0'.repeat(pad);
  return negative ? `-${text}` : text;
}

export function inUnit(timeUs: number, unit: TimeUnit): number {
  return unit === 'us' ? timeUs : Math.floor(timeUs / 1000);
}

export interface DepthDiff {
  readonly firstUpdateId: number;
  readonly lastUpdateId: number;
  /** Last update id of the previous diff of the same stream (futures `pu`). */
  readonly previousUpdateId: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly timeUs: number;
}

export interface TickerStats {
  readonly openPrice: number;
  readonly highPrice: number;
  readonly lowPrice: number;
  readonly lastPrice: number;
  readonly lastLots: number;
  readonly volumeLots: number;
  /** Quote volume in tick-lots (price ticks times lots). */
  readonly quoteVolume: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
  readonly openTimeMs: number;
}

export class BinanceFormat {
  readonly futures: boolean;

  constructor(readonly spec: InstrumentSpec) {
    this.futures = spec.exchange === 'binance-futures';
  }

  price(ticks: number): string {
    return formatScaled(ticks, this.spec.priceScale, this.spec.priceDecimals);
  }

  qty(lots: number): string {
    return formatScaled(lots, this.spec.qtyScale, this.spec.qtyDecimals);
  }

  /** A price that is not on the tick grid (averages, mark and index prices), in quote units. */
  decimalPrice(price: number, decimals = this.spec.priceDecimals): string {
    return price.toFixed(decimals);
  }

  private levels(levels: readonly Level[]): [string, string][] {
    return levels.map(([price, lots]) => [this.price(price), this.qty(lots)]);
  }

  trade(trade: TradeEvent, timeUs: number, unit: TimeUnit): Json {
    const t = inUnit(timeUs, unit);
    const common = { s: this.spec.symbol, t: trade.id, p: this.price(trade.price), q: this.qty(trade.lots) };
    return this.futures
      ? { e: 'trade', E: t, T: t, ...common, X: 'MARKET', m: trade.buyerIsMaker }
      : { e: 'trade', E: t, ...common, T: t, m: trade.buyerIsMaker, M: true };
  }

  depthUpdate(diff: DepthDiff, unit: TimeUnit): Json {
    const t = inUnit(diff.timeUs, unit);
    const ids = { U: diff.firstUpdateId, u: diff.lastUpdateId };
    const sides = { b: this.levels(diff.bids), a: this.levels(diff.asks) };
    return this.futures
      ? { e: 'depthUpdate', E: t, T: t, s: this.spec.symbol, ...ids, pu: diff.previousUpdateId, ...sides }
      : { e: 'depthUpdate', E: t, s: this.spec.symbol, ...ids, ...sides };
  }

  bookTicker(book: OrderBook, timeUs: number): Json {
    const bid = book.bestBid() ?? 0;
    const ask = book.bestAsk() ?? 0;
    const quote = {
      u: book.updateId,
      s: this.spec.symbol,
      b: this.price(bid),
      B: this.qty(book.bids.size(bid)),
      a: this.price(ask),
      A: this.qty(book.asks.size(ask)),
    };
    if (!this.futures) return quote;
    const t = inUnit(timeUs, 'ms');
    return { e: 'bookTicker', ...quote, T: t, E: t };
  }

  markPrice(mark: MarkPrice, timeUs: number): Json {
    return {
      e: 'markPriceUpdate',
      E: inUnit(timeUs, 'ms'),
      s: this.spec.symbol,
      p: mark.markPrice.toFixed(8),
      i: mark.indexPrice.toFixed(8),
      P: mark.settlePrice.toFixed(8),
      r: mark.fundingRate.toFixed(8),
      T: mark.nextFundingTime,
    };
  }

  forceOrder(liquidation: LiquidationEvent, timeUs: number): Json {
    const t = inUnit(timeUs, 'ms');
    const tick = 10 ** -this.spec.priceScale;
    return {
      e: 'forceOrder',
      E: t,
      o: {
        s: this.spec.symbol,
        S: liquidation.side,
        o: 'LIMIT',
        f: 'IOC',
        q: this.qty(liquidation.lots),
        p: this.price(liquidation.limitPrice),
        ap: this.decimalPrice(liquidation.avgPrice * tick),
        X: 'FILLED',
        l: this.qty(liquidation.lastLots),
        z: this.qty(liquidation.lots),
        T: t,
      },
    };
  }

  ticker24h(stats: TickerStats, book: OrderBook, timeUs: number, unit: TimeUnit): Json {
    const t = inUnit(timeUs, unit);
    const tick = 10 ** -this.spec.priceScale;
    const lot = 10 ** -this.spec.qtyScale;
    const change = stats.lastPrice - stats.openPrice;
    const quoteVolume = stats.quoteVolume * tick * lot;
    const volume = stats.volumeLots * lot;
    const head = {
      e: '24hrTicker',
      E: t,
      s: this.spec.symbol,
      p: formatScaled(change, this.spec.priceScale, this.spec.priceDecimals),
      P: ((100 * change) / stats.openPrice).toFixed(3),
      w: this.decimalPrice(volume > 0 ? quoteVolume / volume : stats.lastPrice * tick),
    };
    const last = { c: this.price(stats.lastPrice), Q: this.qty(stats.lastLots) };
    const bid = book.bestBid() ?? 0;
    const ask = book.bestAsk() ?? 0;
    const quote = this.futures
      ? {}
      : { b: this.price(bid), B: this.qty(book.bids.size(bid)), a: this.price(ask), A: this.qty(book.asks.size(ask)) };
    const openTime = unit === 'us' ? stats.openTimeMs * 1000 : stats.openTimeMs;
    return {
      ...head,
      ...(this.futures ? {} : { x: this.price(stats.openPrice) }),
      ...last,
      ...quote,
      o: this.price(stats.openPrice),
      h: this.price(stats.highPrice),
      l: this.price(stats.lowPrice),
      v: volume.toFixed(this.spec.qtyDecimals),
      q: quoteVolume.toFixed(this.futures ? 2 : 8),
      O: openTime,
      C: t,
      F: stats.firstId,
      L: stats.lastId,
      n: stats.count,
    };
  }

  depthSnapshot(book: OrderBook, limit: number, timeUs: number): Json {
    const sides = { bids: this.levels(book.bids.levels(limit)), asks: this.levels(book.asks.levels(limit)) };
    if (!this.futures) return { lastUpdateId: book.updateId, ...sides };
    const t = inUnit(timeUs, 'ms');
    return { lastUpdateId: book.updateId, E: t, T: t, ...sides };
  }

  openInterest(openInterest: number, timeUs: number): Json {
    return {
      symbol: this.spec.symbol,
      openInterest: openInterest.toFixed(this.spec.qtyDecimals),
      time: inUnit(timeUs, 'ms'),
    };
  }

  /** One entry of `exchangeInfo.symbols`. */
  symbolInfo(): Json {
    const tickSize = formatScaled(1, this.spec.priceScale, this.futures ? this.spec.priceScale : 8);
    const stepSize = formatScaled(1, this.spec.qtyScale, this.futures ? this.spec.qtyScale : 8);
    const common = {
      symbol: this.spec.symbol,
      status: 'TRADING',
      baseAsset: this.spec.baseAsset,
      quoteAsset: this.spec.quoteAsset,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: tickSize, maxPrice: '1000000', tickSize },
        { filterType: 'LOT_SIZE', minQty: stepSize, maxQty: '9000', stepSize },
      ],
      orderTypes: ['LIMIT', 'MARKET', 'STOP_MARKET', 'TAKE_PROFIT_MARKET'],
    };
    return this.futures
      ? {
          ...common,
          pair: this.spec.symbol,
          contractType: 'PERPETUAL',
          marginAsset: this.spec.quoteAsset,
          pricePrecision: this.spec.priceDecimals,
          quantityPrecision: this.spec.qtyDecimals,
          underlyingType: 'COIN',
        }
      : {
          ...common,
          baseAssetPrecision: 8,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: true,
          permissions: ['SPOT', 'MARGIN'],
        };
  }
}
