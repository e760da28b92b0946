// The demo exchange through tardis-dev's REAL live classes (streamNormalized, mappers, compute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compute,
  computeBookSnapshots,
  normalizeBookChanges,
  normalizeDerivativeTickers,
  normalizeLiquidations,
  normalizeTrades,
  streamNormalized,
} from 'tardis-dev';
import { startDemoExchange, type DemoExchange, type DemoExchangeOptions } from '../src/sources/demo/index.js';

interface Message { type: string; localTimestamp: Date; [key: string]: unknown }
type Exchange = 'binance' | 'binance-futures';

const TIMEOUT = { timeout: 45_000 };

/** A tardis stream against a fresh demo exchange, read with a deadline; always cleaned up. */
async function withStream(
  exchange: Exchange,
  options: DemoExchangeOptions,
  kinds: 'spot' | 'futures' | 'trades',
  body: (next: (deadlineMs?: number) => Promise<Message>, demo: DemoExchange, errors: Error[]) => Promise<void>,
  books = false,
): Promise<void> {
  const demo = await startDemoExchange(options);
  demo.useForTardis();
  const errors: Error[] = [];
  const streamOptions = { exchange, symbols: ['btcusdt'], withDisconnectMessages: true, onError: (e: Error) => errors.push(e) };
  const raw = (kinds === 'futures'
    ? streamNormalized({ ...streamOptions, exchange: 'binance-futures' as const }, normalizeTrades, normalizeBookChanges, normalizeDerivativeTickers, normalizeLiquidations)
    : kinds === 'spot'
      ? streamNormalized(streamOptions, normalizeTrades, normalizeBookChanges)
      : streamNormalized(streamOptions, normalizeTrades)) as AsyncIterableIterator<Message>;
  const source = (books ? compute(raw as never, computeBookSnapshots({ depth: 5, interval: 0 })) : raw) as AsyncIterableIterator<Message>;
  const next = async (deadlineMs = 15_000): Promise<Message> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no message within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      const result = await Promise.race([source.next(), timeout]);
      if (result.done) throw new Error('stream ended');
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await body(next, demo, errors);
  } finally {
    // tardis-dev lets go of a feed when its next message arrives, so the exchange stays up until
    // then: one more WebSocket message and, on futures, one more open-interest poll (every 3 s).
    // A poller whose server is gone would retry forever and keep the process alive.
    const polls = demo.requestCount('openInterest');
    await Promise.race([source.return?.(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    if (kinds === 'futures') await waitFor(() => demo.requestCount('openInterest') > polls, 4000).catch(() => {});
    await demo.close();
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads until `done` says so. */
async function readUntil(next: () => Promise<Message>, done: (message: Message) => boolean): Promise<void> {
  for (;;) if (done(await next())) return;
}

test('spot BTCUSDT: trades, a snapshot first, then diffs that keep the book uncrossed', TIMEOUT, async () => {
  await withStream('binance', { seed: 1, messagesPerSecond: 400 }, 'spot', async (next, _demo, errors) => {
    let trades = 0;
    let changes = 0;
    let snapshots = 0;
    let firstBookChange: Message | undefined;
    await readUntil(next, (m) => {
      if (m.type === 'trade') {
        trades++;
        assert.equal(m.symbol, 'BTCUSDT');
        assert.ok((m.price as number) > 1000 && (m.amount as number) > 0);
        assert.ok(m.side === 'buy' || m.side === 'sell');
        // Spot times are microseconds on the wire: tardis keeps them as Date + μs.
        assert.ok(Math.abs((m.timestamp as Date).valueOf() - Date.now()) < 60_000, 'event time is the wall clock');
      }
      if (m.type === 'book_change') {
        firstBookChange ??= m;
        changes++;
      }
      if (m.type === 'book_snapshot') {
        snapshots++;
        const bids = m.bids as { price: number }[];
        const asks = m.asks as { price: number }[];
        assert.equal(bids.length, 5);
        assert.equal(asks.length, 5);
        assert.ok((bids[0] as { price: number }).price < (asks[0] as { price: number }).price, `crossed book ${JSON.stringify(m)}`);
      }
      assert.notEqual(m.type, 'disconnect');
      return trades >= 200 && changes >= 30 && snapshots >= 30;
    });
    assert.equal(firstBookChange?.isSnapshot, true);
    assert.ok((firstBookChange?.bids as unknown[]).length >= 900, 'the snapshot holds ~1000 levels');
    assert.deepEqual(errors, []);
  }, true);
});

test('futures BTCUSDT: trades, derivative tickers with mark/index/funding/open interest, liquidations', TIMEOUT, async () => {
  await withStream('binance-futures', { seed: 2, messagesPerSecond: 2000 }, 'futures', async (next, _demo, errors) => {
    let trades = 0;
    let fullTicker: Message | undefined;
    let liquidation: Message | undefined;
    let snapshots = 0;
    await readUntil(next, (m) => {
      if (m.type === 'trade') trades++;
      if (m.type === 'derivative_ticker' && m.markPrice !== undefined && m.indexPrice !== undefined
        && m.fundingRate !== undefined && m.openInterest !== undefined && m.lastPrice !== undefined) fullTicker = m;
      if (m.type === 'liquidation') liquidation = m;
      if (m.type === 'book_snapshot') {
        snapshots++;
        const [bid] = m.bids as { price: number }[];
        const [ask] = m.asks as { price: number }[];
        assert.ok(bid !== undefined && ask !== undefined && bid.price < ask.price);
      }
      assert.notEqual(m.type, 'disconnect');
      return trades >= 100 && fullTicker !== undefined && liquidation !== undefined && snapshots >= 200;
    });
    const ticker = fullTicker as Message;
    assert.ok(Math.abs((ticker.markPrice as number) / (ticker.lastPrice as number) - 1) < 0.01);
    assert.ok(Math.abs((ticker.indexPrice as number) / (ticker.markPrice as number) - 1) < 0.01);
    assert.ok(Math.abs(ticker.fundingRate as number) < 0.01);
    assert.ok((ticker.fundingTimestamp as Date).valueOf() > Date.now());
    assert.ok((ticker.openInterest as number) > 1000);
    const liq = liquidation as Message;
    assert.ok(liq.side === 'buy' || liq.side === 'sell');
    assert.ok((liq.amount as number) > 0 && (liq.price as number) > 1000);
    assert.deepEqual(errors, []);
  }, true);
});

async function firstTrades(seed: number, count: number): Promise<Map<string, string>> {
  const trades = new Map<string, string>();
  await withStream('binance', { seed, messagesPerSecond: 300 }, 'trades', async (next) => {
    await readUntil(next, (m) => {
      if (m.type === 'trade') trades.set(m.id as string, `${m.price}/${m.amount}/${m.side}`);
      return trades.size >= count;
    });
  });
  return trades;
}

test('the same seed gives the same trades (price, size, side per trade id)', TIMEOUT, async () => {
  const a = await firstTrades(7, 150);
  const b = await firstTrades(7, 150);
  const other = await firstTrades(8, 150);
  const common = [...a.keys()].filter((id) => b.has(id));
  assert.ok(common.length >= 100, `only ${common.length} trade ids in common`);
  for (const id of common) assert.equal(b.get(id), a.get(id), `trade ${id}`);
  assert.notDeepEqual([...other.values()].slice(0, 50), [...a.values()].slice(0, 50));
});

test('dropConnections: tardis reports a disconnect, reconnects and data resumes with a new snapshot', TIMEOUT, async () => {
  await withStream('binance', { seed: 3, messagesPerSecond: 300 }, 'spot', async (next, demo) => {
    await readUntil(next, (m) => m.type === 'book_change' && m.isSnapshot === true);
    assert.equal(demo.connectedClients(), 1);
    demo.dropConnections();
    await readUntil(next, (m) => m.type === 'disconnect');
    let trades = 0;
    await readUntil(next, (m) => {
      if (m.type === 'trade') trades++;
      return trades >= 20 && m.type === 'book_change' && m.isSnapshot === true;
    });
    assert.equal(demo.connectedClients(), 1);
  });
});

test('stall: nothing arrives for the stall, the connection stays open, then data resumes', TIMEOUT, async () => {
  await withStream('binance', { seed: 4, messagesPerSecond: 300 }, 'trades', async (next, demo) => {
    let trades = 0;
    await readUntil(next, (m) => m.type === 'trade' && ++trades >= 20);
    const stallMs = 1500;
    const stalledAt = Date.now();
    demo.stall(stallMs);
    let resumedAt = 0;
    let last = stalledAt;
    let longestGap = 0;
    await readUntil(next, (m) => {
      assert.notEqual(m.type, 'disconnect');
      const now = Date.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      if (now - stalledAt > stallMs && resumedAt === 0) resumedAt = now;
      return resumedAt !== 0 && now - resumedAt > 200;
    });
    assert.ok(longestGap >= stallMs - 200, `longest gap ${longestGap} ms`);
    assert.equal(demo.connectedClients(), 1);
  });
});
