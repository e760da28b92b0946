// Kill -9 the Python processor mid-replay: the supervisor restarts it, the bridge resumes from
// the last ack with the processor's state, and the candles equal those of an undisturbed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../index.js';
import type { Candle } from '../index.js';
import { FUTURES_CAPTURE, NO_CAPTURES } from './helpers/cli.js';
import { candleRows, captureReplay } from './helpers/store.js';

/** Replays the futures capture; `speed` paces it so that kills land while data still flows. */
async function replay(crashAtCandles: number[], speed: 'max' | number) {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-restart-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir, args: ['--storeDir', logDir] } }, logDir });
  const candles: Candle[] = [];
  const pids = new Set<number | undefined>([engine.processor?.pid]);
  engine.subscribe((event) => {
    if (event.type !== 'candle' || !(event.candle.closed || event.candle.final)) return;
    candles.push(event.candle);
    if (crashAtCandles.includes(candles.length)) {
      engine.processor?.crash();
    }
  });
  engine.subscribe((event) => {
    if (event.type === 'processor' && event.status === 'running') pids.add(engine.processor?.pid);
  });
  const id = engine.startStream(captureReplay(FUTURES_CAPTURE, 'binance-futures', speed));
  const info = await engine.whenDone(id);
  const restarts = engine.processor?.restarts ?? 0;
  await engine.close();
  return { candles, info, restarts, pids, stored: candleRows(logDir) };
}

test('three processor crashes mid-replay lose no candle and double none', { skip: NO_CAPTURES, timeout: 240_000 }, async () => {
  const undisturbed = await replay([], 'max');
  assert.equal(undisturbed.info.status, 'finished', undisturbed.info.detail);
  assert.ok(undisturbed.candles.length > 20, `only ${undisturbed.candles.length} candles`);

  const crashed = await replay([3, 9, 15], 40); // ~9 s for the 6 minutes of data
  assert.equal(crashed.info.status, 'finished', crashed.info.detail);
  assert.equal(crashed.restarts, 3, 'the supervisor restarted the processor after each kill');
  assert.equal(crashed.pids.size, 4, 'four different processor processes ran');

  const key = (c: Candle) => `${c.timeframe} ${c.start}`;
  assert.deepEqual(crashed.candles.map(key), undisturbed.candles.map(key), 'same candles, none missing, none twice');
  assert.deepEqual(crashed.candles, undisturbed.candles, 'same prices, volumes and features');
  assert.ok(undisturbed.stored.length > 20, `only ${undisturbed.stored.length} rows stored`);
  assert.deepEqual(crashed.stored, undisturbed.stored, 'the local store holds the same rows too');
});
