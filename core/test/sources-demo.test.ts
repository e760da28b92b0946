import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getRealTimeFeedFactory } from 'tardis-dev';
import type { BookSnapshot } from 'tardis-dev';
import { UsageError } from '../src/errors.js';
import { openSource } from '../src/sources/index.js';
import type { SourceMessage, SourceSpec } from '../src/sources/index.js';

const demoSpec = (over: Partial<SourceSpec> = {}): SourceSpec => ({
  source: 'demo',
  exchange: 'binance',
  symbols: ['BTCUSDT'],
  dataTypes: ['trades', 'book_snapshot_5'],
  speed: 'max',
  seed: 7,
  demoMessagesPerSecond: 500,
  ...over
});
const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('demo source', () => {
  for (const exchange of ['binance', 'binance-futures']) {
    test(`${exchange}: trades and book snapshots through tardis-dev's live path; close stops it`, { timeout: 30_000 }, async () => {
      const realFeed = getRealTimeFeedFactory(exchange as never);
      const warnings: string[] = [];
      const source = await openSource(demoSpec({ exchange, symbols: ['btc-usdt', 'ETHUSDT'] }), { warn: (m) => void warnings.push(m) });
      assert.deepEqual(source.symbols, ['BTCUSDT', 'ETHUSDT']);
      assert.equal(source.live, true);
      assert.equal(source.finite, false);
      const seen: SourceMessage[] = [];
      const books = () => seen.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
      for await (const message of source.messages) {
        seen.push(message);
        const t = seen.filter((m) => m.type === 'trade');
        if (t.length >= 20 && books().length >= 20 && new Set(t.map((m) => m.type === 'trade' && m.symbol)).size === 2) break;
      }
      const started = Date.now();
      await source.close();
      assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
      assert.equal(getRealTimeFeedFactory(exchange as never), realFeed, 'tardis-dev feeds restored');
      assert.ok(seen.every((m) => ['trade', 'book_snapshot', 'disconnect'].includes(m.type)), 'only the requested kinds (no book_change)');
      for (const b of books()) assert.ok(b.bids[0]!.price! < b.asks[0]!.price!, 'bid < ask');
      assert.ok(books().every((b) => b.name === 'book_snapshot_5' && b.exchange === exchange));
      assert.deepEqual(warnings, []);
    });
  }

  test('close() while the consumer waits for the next message', { timeout: 10_000 }, async () => {
    const source = await openSource(demoSpec({ dataTypes: ['trades'], demoMessagesPerSecond: 1 }), { warn: () => {} });
    const consumed = (async () => {
      let n = 0;
      for await (const _ of source.messages) n++;
      return n;
    })();
    await source.close();
    assert.ok((await consumed) >= 0);
  });

  test('validation: demo exchanges and symbols', async () => {
    const hooks = { warn: () => {} };
    await assert.rejects(openSource(demoSpec({ symbols: ['DOGEUSDT'] }), hooks), usage(/Unknown symbol "DOGEUSDT" on binance\. Available: BTCUSDT, ETHUSDT/));
    await assert.rejects(openSource(demoSpec({ symbols: ['ETHUSTD'] }), hooks), usage(/Did you mean ETHUSDT/));
    await assert.rejects(openSource(demoSpec({ exchange: 'kraken' }), hooks), usage(/demo source offers exchanges binance, binance-futures, not "kraken"/));
    await assert.rejects(openSource(demoSpec({ seed: 1.5 }), hooks), usage(/seed must be an integer/));
    await assert.rejects(openSource(demoSpec({ demoMessagesPerSecond: 0 }), hooks), usage(/messages per second/));
  });
});
