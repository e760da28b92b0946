// Kraken spot WS v1 sends JSON arrays: the file source hands them to tardis-dev's Kraken mappers
// like objects, and the candles that come back equal tardis-dev's own trade bars and book
// snapshots on the same capture (core/test/fixtures/kraken_xbtusd_ws_v1.raw.gz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candle } from '../src/bridge/protocol.js';
import { assertClose } from './helpers/approx.js';
import { runCli } from './helpers/cli.js';
import { bookFeatures, referenceFor } from './helpers/reference.js';
import { ROOT } from './sources-helpers.js';

const KRAKEN = join(ROOT, 'core/test/fixtures/kraken_xbtusd_ws_v1.raw.gz');

test('file replay of a Kraken WS v1 capture (array messages): candles equal computeTradeBars and computeBookSnapshots', { timeout: 60_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-kraken-'));
  const [result, reference] = await Promise.all([
    runCli(['run', '--source', 'file', '--file', KRAKEN, '--exchange', 'kraken', '--symbol', 'XBT/USD', '--dataTypes', 'trades,book_snapshot_5', '--timeframes', '15s,1m', '--json', '--closedOnly', '--logDir', logDir]),
    referenceFor(KRAKEN, 'kraken', 'XBT/USD', 15_000)
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /malformed|not a JSON object/, 'no line is rejected');
  assert.equal((result.lines.at(-1) as { reason: string }).reason, 'finished');
  const closed15s = (result.lines.filter((l) => l.type === 'candle') as unknown as Candle[]).filter((c) => c.closed && c.timeframe === '15s');
  assert.ok(reference.bars.length >= 10, `reference bars: ${reference.bars.length}`);
  assert.ok(reference.books.length >= 50, `reference books: ${reference.books.length}`);
  // tardis-dev gives no bar for an interval without trades; ours carries the close forward
  const traded = closed15s.filter((c) => c.trades > 0);
  assert.equal(traded.length, reference.bars.length, `closed 15s bars with trades: ${traded.map((c) => c.start).join(' ')}`);
  for (const [i, bar] of reference.bars.entries()) {
    const candle = traded[i]!;
    const start = new Date(bar.timestamp.valueOf() - 15_000).toISOString();
    assert.equal(candle.start, start);
    assert.equal(candle.symbol, 'XBT/USD');
    assert.equal(candle.trades, bar.trades, `${start} trades`);
    for (const [ours, theirs] of [['open', 'open'], ['high', 'high'], ['low', 'low'], ['close', 'close'], ['volume', 'volume'], ['buy_volume', 'buyVolume'], ['sell_volume', 'sellVolume'], ['vwap', 'vwap']] as const) {
      assertClose(candle[ours], bar[theirs], `${start} ${ours}`);
    }
    const expected = bookFeatures(reference.books, Date.parse(candle.start), Date.parse(candle.end));
    for (const [name, value] of Object.entries(expected)) assertClose(candle.features[name], value, `${start} ${name}`);
  }
});
