// The whole pipeline on a real capture: tardis-dev file source → bridge → Python processor →
// candles back in the engine, checked against tardis-dev's own computations on the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candle } from '../src/bridge/protocol.js';
import { assertClose } from './helpers/approx.js';
import { NO_CAPTURES, SPOT_CAPTURE, runCli } from './helpers/cli.js';
import { bookFeatures, referenceFor } from './helpers/reference.js';

test('file replay of the spot capture: 1m candles equal computeTradeBars, book features equal computeBookSnapshots', { skip: NO_CAPTURES, timeout: 180_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-logs-'));
  const [result, reference] = await Promise.all([
    runCli(['run', '--source', 'file', '--file', SPOT_CAPTURE, '--exchange', 'binance', '--symbol', 'BTCUSDT', '--timeframes', '15s,1m', '--json', '--logDir', logDir]),
    referenceFor(SPOT_CAPTURE, 'binance', 'BTCUSDT', 60_000)
  ]);
  assert.equal(result.code, 0, result.stderr);
  const last = result.lines.at(-1);
  assert.equal(last?.type, 'end');
  assert.equal(last?.reason, 'finished', 'the file source ends by itself');

  const candles = result.lines.filter((line) => line.type === 'candle') as unknown as Candle[];
  const closed1m = candles.filter((c) => c.closed && c.timeframe === '1m');
  assert.ok(candles.some((c) => c.closed && c.timeframe === '15s'), 'closed 15s candles too');
  assert.ok(candles.some((c) => c.final && !c.closed), 'open bars are flushed as final at the end');

  // tardis-dev emits a bar only when a later trade arrives and never flushes the last one:
  // exactly the bars that are closed when the file ends.
  assert.equal(closed1m.length, reference.bars.length, `closed 1m candles: ${closed1m.map((c) => c.start).join(' ')}`);
  assert.ok(reference.bars.length >= 4);
  for (const [i, bar] of reference.bars.entries()) {
    const candle = closed1m[i]!;
    const start = new Date(bar.timestamp.valueOf() - 60_000).toISOString();
    assert.equal(candle.start, start);
    assert.equal(candle.trades, bar.trades, `${start} trades`);
    for (const [ours, theirs] of [['open', 'open'], ['high', 'high'], ['low', 'low'], ['close', 'close'], ['volume', 'volume'], ['buy_volume', 'buyVolume'], ['sell_volume', 'sellVolume'], ['vwap', 'vwap']] as const) {
      assertClose(candle[ours], bar[theirs], `${start} ${ours}`);
    }
    const expected = bookFeatures(reference.books, Date.parse(candle.start), Date.parse(candle.end));
    for (const [name, value] of Object.entries(expected)) assertClose(candle.features[name], value, `${start} ${name}`);
  }
});
