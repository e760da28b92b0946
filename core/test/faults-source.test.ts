// The exchange drops the connection, and later stalls without closing: tardis-dev reconnects,
// candles across each hole carry gap: true, messages/s recovers, and nothing hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type Candle, type EngineStats, type StreamInfo } from '../index.js';
import { startDemoExchange } from '../src/sources/demo/index.js';
import { until } from './helpers/until.js';

test('a dropped and a stalled exchange connection: reconnect, gap-marked candles, rate recovers', { timeout: 150_000 }, async (t) => {
  const demo = await startDemoExchange({ seed: 7, messagesPerSecond: 400 });
  demo.useForTardis(); // the live source (tardis-dev's real Binance feed) now talks to the demo
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-faults-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } }, logDir });
  t.after(async () => {
    await engine.close();
    await demo.close();
  });

  const candles: Candle[] = [];
  let stats: EngineStats | undefined;
  const statuses: StreamInfo['status'][] = [];
  engine.subscribe((event) => {
    if (event.type === 'candle' && event.candle.closed) candles.push(event.candle);
    else if (event.type === 'stats') stats = event.stats;
    else if (event.type === 'stream' && statuses.at(-1) !== event.stream.status) statuses.push(event.stream.status);
  });
  engine.startStream({
    source: 'live', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades', 'book_snapshot_5'],
    timeframes: ['2s'], mode: 'candles', speed: 'max'
  });
  const rate = () => stats?.messagesPerSecond ?? 0;
  await until(() => rate() > 100 && candles.length >= 2, 60_000);
  const steadyRate = rate();

  // 1. The exchange drops every connection.
  const gapsBefore = candles.filter((c) => c.gap).length;
  demo.dropConnections();
  await until(() => statuses.includes('reconnecting'), 10_000);
  const droppedAt = Date.now();
  await until(() => rate() > steadyRate / 2 && statuses.at(-1) === 'running', 15_000);
  assert.ok(Date.now() - droppedAt <= 15_000, 'messages/s recovered within 15 s');
  await until(() => candles.filter((c) => c.gap).length > gapsBefore, 15_000);

  // 2. The exchange stalls without closing. tardis-dev checks for silence every 10 s, so a
  //    stall is noticed after 10–20 s; it then reconnects.
  const reconnectsBefore = statuses.filter((s) => s === 'reconnecting').length;
  const gapsAfterDrop = candles.filter((c) => c.gap).length;
  demo.stall(25_000);
  await until(() => statuses.filter((s) => s === 'reconnecting').length > reconnectsBefore, 30_000);
  const stallDetected = Date.now();
  await until(() => rate() > steadyRate / 2 && statuses.at(-1) === 'running', 15_000);
  assert.ok(Date.now() - stallDetected <= 15_000, 'messages/s recovered within 15 s of the reconnect');
  await until(() => candles.filter((c) => c.gap).length > gapsAfterDrop, 15_000);

  // Bars away from the holes are not marked.
  assert.ok(candles.some((c) => !c.gap && c.trades > 0));
});
