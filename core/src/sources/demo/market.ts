/**
 * Deterministic market simulation for one instrument: a fair price following a random walk with
 * clustered volatility, and an order book that makers and takers keep around it.
 * `step()` is one market event (a taker order, a quote added or cancelled, a liquidation); the
 * sequence of steps depends only on the seed and the options, never on time.
 */
import { OrderBook, type BookSide, type Side } from './book.js';
import type { InstrumentSpec } from './instruments.js';
import type { Prng } from './prng.js';

export interface TradeEvent {
  readonly id: number;
  /** Price in ticks, size in lots. */
  readonly price: number;
  readonly lots: number;
  /** The seller was the taker (Binance `m`). */
  readonly buyerIsMaker: boolean;
}

export interface LiquidationEvent {
  readonly side: 'BUY' | 'SELL';
  /** Limit price in ticks, filled size in lots, average fill price in ticks. */
  readonly limitPrice: number;
  readonly lots: number;
  readonly avgPrice: number;
  readonly lastLots: number;
}

export interface MarketSink {
  trade(trade: TradeEvent): void;
  liquidation(liquidation: LiquidationEvent): void;
}

// A bit over 1000 levels a side, so that a `limit=1000` snapshot is always full.
const TARGET_LEVELS = 1030;
const LEVEL_SLACK = 15;
const MAX_LEVELS_PER_TAKE = 40;
/** Log-volatility: mean reversion per step and stationary standard deviation. */
const VOL_REVERSION = 1 / 4000;
const VOL_STDEV = 0.5;

export class MarketSimulator {
  readonly book: OrderBook;
  /** Fair price in ticks. */
  private fair: number;
  private trend: number;
  private logVol = 0;
  private readonly stepSigma: number;
  private nextTradeId: number;
  private readonly liquidationChance: number;
  openInterest: number;
  lastTrade: TradeEvent | undefined;

  constructor(
    readonly spec: InstrumentSpec,
    private readonly rng: Prng,
    stepsPerSecond: number,
    private readonly sink: MarketSink,
  ) {
    const futures = spec.exchange === 'binance-futures';
    this.fair = Math.round(spec.startPrice * 10 ** spec.priceScale) + 0.5;
    this.trend = this.fair;
    this.stepSigma = spec.volPerSecond / Math.sqrt(Math.max(1, stepsPerSecond));
    this.book = new OrderBook((futures ? 5_100_000_000_000 : 50_000_000_000) + rng.int(0, 99_999_999));
    this.nextTradeId = (futures ? 5_200_000_000 : 3_700_000_000) + rng.int(0, 99_999_999);
    // About one liquidation every 700 steps at normal volatility (futures only).
    this.liquidationChance = futures ? 1 / 400 : 0;
    this.openInterest = spec.openInterest * (0.9 + 0.2 * rng.next());
    this.seedBook();
  }

  get volatilityMultiplier(): number {
    return Math.exp(this.logVol - VOL_STDEV * VOL_STDEV);
  }

  /** Mid price in ticks. */
  mid(): number {
    const bid = this.book.bestBid() ?? this.fair;
    const ask = this.book.bestAsk() ?? this.fair;
    return (bid + ask) / 2;
  }

  step(): void {
    this.moveFair();
    const bid = this.book.bestBid() ?? Math.floor(this.fair);
    const ask = this.book.bestAsk() ?? Math.ceil(this.fair);
    const r = this.rng.next();
    if (this.fair > ask + 0.5 && r < 0.35) {
      this.take('buy', Math.floor(this.fair), this.takerLots() * (1 + this.rng.geometric(2)));
    } else if (this.fair < bid - 0.5 && r < 0.35) {
      this.take('sell', Math.ceil(this.fair), this.takerLots() * (1 + this.rng.geometric(2)));
    } else if (this.rng.chance(this.liquidationChance * this.volatilityMultiplier)) {
      this.liquidate();
    } else {
      const u = this.rng.next();
      if (u < 0.12) this.randomTrade(bid, ask);
      else if (u < 0.58) this.addQuote(bid, ask);
      else this.cancelQuote();
    }
    this.requote();
    this.keepDepth('bid');
    this.keepDepth('ask');
  }

  /** Market makers close a gap wider than one tick by quoting next to the fair price. */
  private requote(): void {
    const bid = this.book.bestBid();
    const ask = this.book.bestAsk();
    if (bid === undefined || ask === undefined || ask - bid <= 1 || !this.rng.chance(0.7)) return;
    const bidRoom = Math.floor(this.fair) - bid;
    const askRoom = ask - Math.ceil(this.fair);
    const side: Side = bidRoom >= askRoom ? 'bid' : 'ask';
    const price = side === 'bid'
      ? Math.min(ask - 1, Math.max(bid + 1, Math.floor(this.fair)))
      : Math.max(bid + 1, Math.min(ask - 1, Math.ceil(this.fair)));
    this.book.set(side, price, this.book.side(side).size(price) + this.makerLots());
  }

  private moveFair(): void {
    this.logVol = this.logVol * (1 - VOL_REVERSION) + VOL_STDEV * Math.sqrt(2 * VOL_REVERSION) * this.rng.normal();
    this.fair *= Math.exp(this.stepSigma * this.volatilityMultiplier * this.rng.normal());
    this.trend += (this.fair - this.trend) / 500;
  }

  /** Taker order in lots, log-normal with a fat right tail. */
  private takerLots(): number {
    const median = this.spec.tradeQtyMedian * 10 ** this.spec.qtyScale;
    const lots = this.rng.logNormal(median, this.spec.tradeQtySigma);
    return Math.max(1, Math.min(Math.round(lots), Math.round(median * 2000)));
  }

  private makerLots(): number {
    const median = this.spec.levelQtyMedian * 10 ** this.spec.qtyScale;
    return Math.max(1, Math.min(Math.round(this.rng.logNormal(median, 2)), Math.round(median * 3000)));
  }

  private gapTicks(): number {
    return 1 + this.rng.geometric(this.spec.meanGapTicks - 1);
  }

  private seedBook(): void {
    const bid = Math.floor(this.fair);
    for (const side of ['bid', 'ask'] as const) {
      const dir = side === 'bid' ? -1 : 1;
      let price = side === 'bid' ? bid : bid + 1;
      for (let i = 0; i < TARGET_LEVELS && price > 0; i++) {
        this.book.set(side, price, this.makerLots() * (i < 5 ? 1 + this.rng.geometric(5) : 1));
        price += dir * this.gapTicks();
      }
    }
  }

  private randomTrade(bid: number, ask: number): void {
    const halfSpread = Math.max(1, (ask - bid) / 2);
    const buyChance = 0.5 + 0.35 * Math.tanh((this.fair - (bid + ask) / 2) / halfSpread);
    const side = this.rng.chance(buyChance) ? 'buy' : 'sell';
    this.take(side, side === 'buy' ? Number.MAX_SAFE_INTEGER : 1, this.takerLots(), 8);
  }

  /**
   * Crosses the book up to `limit` (ticks) for at most `lots`; each level's fill prints as one or
   * more trades (several resting orders). Returns the filled lots, notional in tick-lots and the
   * last print's size.
   */
  private take(aggressor: 'buy' | 'sell', limit: number, lots: number, maxLevels = MAX_LEVELS_PER_TAKE) {
    const side: Side = aggressor === 'buy' ? 'ask' : 'bid';
    const resting = this.book.side(side);
    let remaining = lots;
    let filled = 0;
    let notional = 0;
    let lastLots = 0;
    for (let levels = 0; remaining > 0 && levels < maxLevels && resting.count > 1; levels++) {
      const price = resting.best() as number;
      if (aggressor === 'buy' ? price > limit : price < limit) break;
      const size = resting.size(price);
      const fill = Math.min(remaining, size);
      let left = fill;
      while (left > 0) {
        const print = left > 1 && this.rng.chance(0.25) ? Math.max(1, Math.floor(left * this.rng.next())) : left;
        this.emitTrade(price, print, aggressor === 'sell');
        left -= print;
        lastLots = print;
      }
      this.book.set(side, price, size - fill);
      remaining -= fill;
      filled += fill;
      notional += fill * price;
    }
    return { filled, notional, lastLots };
  }

  private emitTrade(price: number, lots: number, buyerIsMaker: boolean): void {
    const trade: TradeEvent = { id: this.nextTradeId++, price, lots, buyerIsMaker };
    this.lastTrade = trade;
    const change = (lots / 10 ** this.spec.qtyScale) * (this.rng.next() - 0.49);
    this.openInterest = Math.abs(this.openInterest + change);
    this.sink.trade(trade);
  }

  private addQuote(bid: number, ask: number): void {
    const halfSpread = Math.max(1, (ask - bid) / 2);
    const bidChance = 0.5 + 0.2 * Math.tanh((this.fair - (bid + ask) / 2) / halfSpread);
    const side: Side = this.rng.chance(bidChance) ? 'bid' : 'ask';
    const book = this.book.side(side);
    let price: number;
    if (ask - bid > 1 && this.rng.chance(0.6)) {
      // Improve the quote inside the spread, towards the fair price.
      const toward = side === 'bid' ? Math.floor(this.fair) : Math.ceil(this.fair);
      const lo = side === 'bid' ? bid + 1 : Math.max(bid + 1, Math.min(ask - 1, toward));
      const hi = side === 'bid' ? Math.min(ask - 1, Math.max(bid + 1, toward)) : ask - 1;
      price = this.rng.int(lo, hi);
    } else {
      const u = this.rng.next();
      const near = this.spec.meanGapTicks * 5;
      const distance = u < 0.45 ? 0 : u < 0.88 ? this.rng.geometric(near) : this.rng.int(0, book.count * this.spec.meanGapTicks);
      const best = side === 'bid' ? bid : ask;
      price = side === 'bid' ? best - distance : best + distance;
    }
    if (price <= 0) return;
    const joinsTouch = price === (side === 'bid' ? bid : ask);
    this.book.set(side, price, book.size(price) + this.makerLots() * (joinsTouch ? 3 : 1));
  }

  private cancelQuote(): void {
    const side: Side = this.rng.chance(0.5) ? 'bid' : 'ask';
    const book = this.book.side(side);
    if (book.count <= 1) return;
    const near = this.rng.chance(0.7);
    const depth = near ? this.rng.geometric(1.5) : this.rng.int(0, book.count - 1);
    const price = book.at(Math.min(depth, book.count - 1)) as number;
    const size = book.size(price);
    // Near the touch whole levels come and go; deeper, orders mostly shrink.
    const rest = this.rng.chance(near ? 0.5 : 0.15) ? 0 : Math.floor(size * (0.3 + 0.7 * this.rng.next()));
    this.book.set(side, price, rest);
  }

  /** A forced IOC order that walks the book; longs are liquidated more when the price falls. */
  private liquidate(): void {
    const falling = Math.tanh((this.trend - this.fair) / (this.spec.meanGapTicks * 20));
    const side = this.rng.chance(0.5 + 0.4 * falling) ? 'SELL' : 'BUY';
    const median = this.spec.liquidationQtyMedian * 10 ** this.spec.qtyScale;
    const lots = Math.max(1, Math.round(this.rng.logNormal(median, 1.3)));
    const touch = side === 'SELL' ? this.book.bestBid() : this.book.bestAsk();
    if (touch === undefined) return;
    const limit = Math.round(touch * (side === 'SELL' ? 0.995 : 1.005));
    const fill = this.take(side === 'SELL' ? 'sell' : 'buy', limit, lots);
    if (fill.filled === 0) return;
    this.sink.liquidation({
      side,
      limitPrice: limit,
      lots: fill.filled,
      avgPrice: fill.notional / fill.filled,
      lastLots: fill.lastLots,
    });
  }

  /** Keeps about TARGET_LEVELS levels per side: extends the far end or trims it. */
  private keepDepth(side: Side): void {
    const book: BookSide = this.book.side(side);
    const dir = side === 'bid' ? -1 : 1;
    while (book.count < TARGET_LEVELS - LEVEL_SLACK) {
      const worst = book.worst() ?? Math.floor(this.fair);
      const price = worst + dir * this.gapTicks();
      if (price <= 0) break;
      this.book.set(side, price, this.makerLots());
    }
    while (book.count > TARGET_LEVELS + LEVEL_SLACK) {
      this.book.set(side, book.worst() as number, 0);
    }
  }
}
