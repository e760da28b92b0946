// The demo exchange's pure parts: PRNG, number formatting, market simulation and stream pacing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatScaled, type TimeUnit } from '../src/sources/demo/binanceFormat.js';
import { SymbolFeed } from '../src/sources/demo/feed.js';
import { DEMO_EXCHANGES, DEMO_SYMBOLS, findInstrument, instrumentsOf } from '../src/sources/demo/instruments.js';
import { MarketSimulator } from '../src/sources/demo/market.js';
import { Prng } from '../src/sources/demo/prng.js';

test('Prng: same seed, same numbers; values in range', () => {
  const a = new Prng(123);
  const b = new Prng(123);
  const c = new Prng(124);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(Array.from({ length: 1000 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 1000 }, () => c.next()), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  for (let i = 0; i < 1000; i++) {
    const n = a.int(3, 7);
    assert.ok(Number.isInteger(n) && n >= 3 && n <= 7);
  }
});

test('formatScaled prints Binance decimals exactly', () => {
  assert.equal(formatScaled(6183763, 2, 8), '61837.63000000');
  assert.equal(formatScaled(600002, 1, 2), '60000.20');
  assert.equal(formatScaled(5, 3, 3), '0.005');
  assert.equal(formatScaled(1, 5, 8), '0.00001000');
  assert.equal(formatScaled(0, 2, 8), '0.00000000');
  assert.equal(formatScaled(-15, 1, 2), '-1.50');
});

test('listed exchanges and symbols', () => {
  assert.deepEqual([...DEMO_EXCHANGES], ['binance', 'binance-futures']);
  for (const exchange of DEMO_EXCHANGES) {
    assert.deepEqual([...DEMO_SYMBOLS[exchange]], ['BTCUSDT', 'ETHUSDT']);
    assert.equal(instrumentsOf(exchange).length, 2);
  }
  assert.equal(findInstrument('binance-futures', 'btcusdt')?.priceScale, 1, 'futures BTC tick 0.1');
  assert.equal(findInstrument('binance', 'BTCUSDT')?.priceScale, 2, 'spot BTC tick 0.01');
});

function run(seed: number, exchange: 'binance' | 'binance-futures', symbol: string, steps: number): string[] {
  const spec = findInstrument(exchange, symbol);
  assert.ok(spec);
  const log: string[] = [];
  const sim = new MarketSimulator(spec, new Prng(seed), 100, {
    trade: (t) => log.push(`T${t.id}:${t.price}:${t.lots}:${t.buyerIsMaker}`),
    liquidation: (l) => log.push(`L${l.side}:${l.lots}:${l.avgPrice}`),
  });
  let lastId = sim.book.updateId;
  sim.book.listener = (side, price, lots, updateId) => {
    assert.equal(updateId, lastId + 1, 'one update id per level change');
    lastId = updateId;
    assert.ok(price > 0 && Number.isInteger(price) && Number.isInteger(lots) && lots >= 0);
    log.push(`${side}${price}=${lots}`);
  };
  for (let i = 0; i < steps; i++) {
    sim.step();
    const bid = sim.book.bestBid();
    const ask = sim.book.bestAsk();
    assert.ok(bid !== undefined && ask !== undefined && bid < ask, `crossed at step ${i}: ${bid} >= ${ask}`);
  }
  assert.ok(Math.min(sim.book.bids.count, sim.book.asks.count) >= 1000 && Math.max(sim.book.bids.count, sim.book.asks.count) <= 1050);
  const start = spec.startPrice * 10 ** spec.priceScale;
  assert.ok(Math.abs(sim.mid() / start - 1) < 0.2, 'price stays in a plausible range');
  return log;
}

test('simulation: deterministic per seed, book never crossed, 1000-1050 levels a side', () => {
  for (const exchange of DEMO_EXCHANGES) {
    for (const symbol of DEMO_SYMBOLS[exchange]) {
      const a = run(11, exchange, symbol, 20_000);
      assert.deepEqual(run(11, exchange, symbol, 20_000), a);
      assert.notDeepEqual(run(12, exchange, symbol, 2_000).slice(0, 200), a.slice(0, 200));
      const trades = a.filter((e) => e.startsWith('T'));
      const ids = trades.map((e) => Number(e.slice(1, e.indexOf(':'))));
      assert.ok(ids.every((id, i) => i === 0 || id === (ids[i - 1] as number) + 1), 'consecutive trade ids');
      const sells = trades.filter((e) => e.endsWith(':true')).length;
      assert.ok(sells > trades.length * 0.3 && sells < trades.length * 0.7, 'both aggressor sides');
    }
  }
});

interface Published { stream: string; data: Record<string, unknown> }

/** Drives a feed with a fake clock in ticks of `tickMs` for `seconds`. */
function drive(exchange: 'binance' | 'binance-futures', seed: number, mps: number, tickMs: number, seconds: number, unit: TimeUnit = 'ms') {
  const spec = findInstrument(exchange, 'BTCUSDT');
  assert.ok(spec);
  let nowUs = 1_700_000_000_000_000;
  const out: Published[] = [];
  const feed = new SymbolFeed({
    spec, seed, messagesPerSecond: mps, clock: { nowUs: () => nowUs },
    publish: (stream, render) => out.push({ stream, data: render(unit) }),
  });
  for (let t = 0; t <= seconds * 1000; t += tickMs) {
    nowUs += tickMs * 1000;
    feed.tick(nowUs / 1000);
  }
  return out;
}

const COUNTED = /@(trade|bookTicker|ticker|forceOrder|markPrice@1s|depth@0ms)$/;

test('feed: the message rate is as configured, and the sequence does not depend on timer ticks', () => {
  for (const exchange of DEMO_EXCHANGES) {
    const counted = (out: Published[]) => out.filter((m) => COUNTED.test(m.stream) || (exchange === 'binance' && m.stream.endsWith('@depth@100ms')));
    for (const mps of [1000, 10_000]) {
      const rate = counted(drive(exchange, 5, mps, 1, 3)).length / 3;
      assert.ok(Math.abs(rate - mps) < mps * 0.03, `${exchange}: ${rate} msgs/s for ${mps} configured`);
    }
    const fine = drive(exchange, 5, 500, 5, 10);
    const rate = counted(fine).length / 10;
    assert.ok(Math.abs(rate - 500) < 15, `${exchange}: ${rate} msgs/s`);
    const coarse = drive(exchange, 5, 500, 40, 10);
    const trades = (out: Published[]) => out.filter((m) => m.stream.endsWith('@trade')).map((m) => `${m.data.t}:${m.data.p}:${m.data.q}:${m.data.m}`);
    const a = trades(fine);
    const b = trades(coarse);
    const n = Math.min(a.length, b.length);
    assert.ok(n > 1000);
    assert.deepEqual(b.slice(0, n), a.slice(0, n));
  }
});

test('feed: depth diffs chain (spot U = previous u + 1, futures pu = previous u)', () => {
  for (const exchange of DEMO_EXCHANGES) {
    const stream = exchange === 'binance' ? 'btcusdt@depth@100ms' : 'btcusdt@depth@0ms';
    const diffs = drive(exchange, 9, 1000, 5, 5).filter((m) => m.stream === stream).map((m) => m.data);
    assert.ok(diffs.length > 40);
    for (let i = 1; i < diffs.length; i++) {
      const prev = diffs[i - 1] as Record<string, number>;
      const diff = diffs[i] as Record<string, number>;
      assert.ok(diff.U! <= diff.u!);
      if (exchange === 'binance') assert.equal(diff.U, prev.u! + 1);
      else assert.equal(diff.pu, prev.u);
    }
  }
});

test('feed: microsecond times on request', () => {
  const [trade] = drive('binance', 1, 200, 5, 1, 'us').filter((m) => m.stream.endsWith('@trade'));
  assert.ok(trade);
  assert.ok((trade.data.E as number) > 1e15 && (trade.data.T as number) > 1e15);
  const [msTrade] = drive('binance', 1, 200, 5, 1, 'ms').filter((m) => m.stream.endsWith('@trade'));
  assert.ok(msTrade && (msTrade.data.T as number) < 1e13);
});
