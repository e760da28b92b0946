/**
 * The live streams of one instrument: runs the simulation at the configured message rate in
 * small timer ticks (with catch-up), and publishes trades, depth diffs per update speed, book
 * tickers, 24h tickers and, on futures, mark prices and liquidations.
 */
import { BinanceFormat, type DepthDiff, type TickerStats, type TimeUnit } from './binanceFormat.js';
import type { Level, Side } from './book.js';
import { FundingModel, type MarkPrice } from './funding.js';
import type { InstrumentSpec } from './instruments.js';
import { MarketSimulator, type LiquidationEvent, type TradeEvent } from './market.js';
import { Prng, deriveSeed } from './prng.js';

export type Render = (unit: TimeUnit) => Record<string, unknown>;
/**
 * Hands a payload to the subscribers of a stream (`btcusdt@trade`). `render` is called
 * synchronously, once per time unit in use, and not at all when nobody subscribes.
 */
export type Publish = (stream: string, render: Render) => void;

export interface Clock {
  /** Wall clock in epoch microseconds. */
  nowUs(): number;
}

export interface SymbolFeedOptions {
  readonly spec: InstrumentSpec;
  readonly seed: number;
  readonly messagesPerSecond: number;
  readonly clock: Clock;
  readonly publish: Publish;
}

/** Collects level changes for one depth stream speed between two flushes. */
class DepthAccumulator {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  firstUpdateId = 0;
  lastUpdateId = 0;
  previousUpdateId: number;
  nextFlushMs = 0;

  constructor(
    readonly streams: readonly string[],
    readonly intervalMs: number,
    /** Its messages count towards the message rate (the speed tardis-dev subscribes to). */
    readonly primary: boolean,
    startUpdateId: number,
  ) {
    this.previousUpdateId = startUpdateId;
  }

  get empty(): boolean {
    return this.firstUpdateId === 0;
  }

  add(side: Side, price: number, lots: number, updateId: number): void {
    if (this.firstUpdateId === 0) this.firstUpdateId = updateId;
    this.lastUpdateId = updateId;
    (side === 'bid' ? this.bids : this.asks).set(price, lots);
  }

  take(timeUs: number): DepthDiff {
    const byPrice = (map: Map<number, number>, descending: boolean): Level[] =>
      [...map].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
    const diff: DepthDiff = {
      firstUpdateId: this.firstUpdateId,
      lastUpdateId: this.lastUpdateId,
      previousUpdateId: this.previousUpdateId,
      bids: byPrice(this.bids, true),
      asks: byPrice(this.asks, false),
      timeUs,
    };
    this.previousUpdateId = this.lastUpdateId;
    this.firstUpdateId = 0;
    this.bids.clear();
    this.asks.clear();
    return diff;
  }
}

/** Backlog kept after the event loop was blocked; older work is dropped, not burst out. */
const MAX_CATCH_UP_MS = 250;

export class SymbolFeed {
  readonly simulator: MarketSimulator;
  readonly format: BinanceFormat;
  private readonly funding: FundingModel | undefined;
  private readonly depth: DepthAccumulator[];
  private readonly names: { trade: string; bookTicker: string; ticker: string; forceOrder: string; mark1s: string; mark3s: string };
  private credit = 0;
  private lastTickMs: number | undefined;
  private nextSecondMs = 0;
  private seconds = 0;
  private stepTimeUs = 0;
  private lastTop = '';
  private readonly stats: { -readonly [K in keyof TickerStats]: TickerStats[K] };
  lastMark: MarkPrice | undefined;

  constructor(private readonly options: SymbolFeedOptions) {
    const { spec, seed } = options;
    const label = `${spec.exchange}:${spec.symbol}`;
    const sink = { trade: (t: TradeEvent) => this.onTrade(t), liquidation: (l: LiquidationEvent) => this.onLiquidation(l) };
    // About 2.5 messages per simulation step; scales the per-step volatility to the rate.
    const stepsPerSecond = options.messagesPerSecond / 2.5;
    this.simulator = new MarketSimulator(spec, new Prng(deriveSeed(seed, `${label}:market`)), stepsPerSecond, sink);
    this.format = new BinanceFormat(spec);
    const futures = this.format.futures;
    this.funding = futures ? new FundingModel(new Prng(deriveSeed(seed, `${label}:funding`))) : undefined;
    const lower = spec.symbol.toLowerCase();
    const start = this.simulator.book.updateId;
    const speeds: [string[], number, boolean][] = futures
      ? [[['depth', 'depth@250ms'], 250, false], [['depth@500ms'], 500, false], [['depth@100ms'], 100, false], [['depth@0ms'], 0, true]]
      : [[['depth', 'depth@1000ms'], 1000, false], [['depth@100ms'], 100, true]];
    this.depth = speeds.map(([channels, ms, primary]) => new DepthAccumulator(channels.map((c) => `${lower}@${c}`), ms, primary, start));
    this.names = {
      trade: `${lower}@trade`,
      bookTicker: `${lower}@bookTicker`,
      ticker: `${lower}@ticker`,
      forceOrder: `${lower}@forceOrder`,
      mark1s: `${lower}@markPrice@1s`,
      mark3s: `${lower}@markPrice`,
    };
    this.simulator.book.listener = (side, price, lots, updateId) => {
      for (const acc of this.depth) {
        if (acc.primary && acc.empty) this.credit -= 1;
        acc.add(side, price, lots, updateId);
      }
      // Book ticker on every change at or through the best price.
      const book = this.simulator.book.side(side);
      const best = book.best();
      if (best === undefined || !book.better(best, price)) this.publishBookTicker();
    };
    const mid = Math.round(this.simulator.mid());
    this.stats = {
      openPrice: mid, highPrice: mid, lowPrice: mid, lastPrice: mid, lastLots: 0, volumeLots: 0,
      quoteVolume: 0, firstId: -1, lastId: -1, count: 0, openTimeMs: Math.floor(options.clock.nowUs() / 1000),
    };
  }

  /** Advances the simulation to `nowMs` and publishes what happened. */
  tick(nowMs: number): void {
    const mps = this.options.messagesPerSecond;
    const elapsed = this.lastTickMs === undefined ? 0 : Math.min(MAX_CATCH_UP_MS, Math.max(0, nowMs - this.lastTickMs));
    this.lastTickMs = nowMs;
    this.credit = Math.min(this.credit + (elapsed * mps) / 1000, (MAX_CATCH_UP_MS * mps) / 1000 + 1);
    for (let steps = 0; this.credit > 0 && steps < 100_000; steps++) {
      this.stepTimeUs = this.options.clock.nowUs();
      this.simulator.step();
    }
    const timeUs = this.options.clock.nowUs();
    for (const acc of this.depth) {
      if (nowMs < acc.nextFlushMs) continue;
      acc.nextFlushMs = acc.intervalMs === 0 ? 0 : (Math.floor(nowMs / acc.intervalMs) + 1) * acc.intervalMs;
      if (acc.empty) continue;
      const diff = acc.take(timeUs);
      for (const stream of acc.streams) this.options.publish(stream, (unit) => this.format.depthUpdate(diff, unit));
    }
    if (nowMs >= this.nextSecondMs) {
      if (this.nextSecondMs !== 0) this.everySecond(timeUs);
      this.nextSecondMs = (Math.floor(nowMs / 1000) + 1) * 1000;
    }
  }

  /** Freezes the instrument: no credit builds up until the next `tick`. */
  pause(): void {
    this.lastTickMs = undefined;
  }

  depthSnapshot(limit: number): Record<string, unknown> {
    return this.format.depthSnapshot(this.simulator.book, limit, this.options.clock.nowUs());
  }

  openInterest(): Record<string, unknown> {
    return this.format.openInterest(this.simulator.openInterest, this.options.clock.nowUs());
  }

  private everySecond(timeUs: number): void {
    this.seconds += 1;
    this.credit -= 1;
    this.options.publish(this.names.ticker, (unit) => this.format.ticker24h(this.stats, this.simulator.book, timeUs, unit));
    if (this.funding === undefined) return;
    const tick = 10 ** -this.format.spec.priceScale;
    const mark = this.funding.update(this.simulator.mid() * tick, Math.floor(timeUs / 1000));
    this.lastMark = mark;
    this.credit -= 1;
    this.options.publish(this.names.mark1s, () => this.format.markPrice(mark, timeUs));
    if (this.seconds % 3 === 0) this.options.publish(this.names.mark3s, () => this.format.markPrice(mark, timeUs));
  }

  private publishBookTicker(): void {
    const book = this.simulator.book;
    const bid = book.bestBid() ?? 0;
    const ask = book.bestAsk() ?? 0;
    const top = `${bid}:${book.bids.size(bid)}:${ask}:${book.asks.size(ask)}`;
    if (top === this.lastTop) return;
    this.lastTop = top;
    this.credit -= 1;
    this.options.publish(this.names.bookTicker, () => this.format.bookTicker(book, this.stepTimeUs));
  }

  private onTrade(trade: TradeEvent): void {
    const s = this.stats;
    s.highPrice = Math.max(s.highPrice, trade.price);
    s.lowPrice = Math.min(s.lowPrice, trade.price);
    s.lastPrice = trade.price;
    s.lastLots = trade.lots;
    s.volumeLots += trade.lots;
    s.quoteVolume += trade.lots * trade.price;
    if (s.firstId < 0) s.firstId = trade.id;
    s.lastId = trade.id;
    s.count += 1;
    this.credit -= 1;
    const timeUs = this.stepTimeUs;
    this.options.publish(this.names.trade, (unit) => this.format.trade(trade, timeUs, unit));
  }

  private onLiquidation(liquidation: LiquidationEvent): void {
    this.credit -= 1;
    const timeUs = this.stepTimeUs;
    this.options.publish(this.names.forceOrder, () => this.format.forceOrder(liquidation, timeUs));
  }
}
