// Ticks mode through processor crashes: kill -9 of the processor mid-replay; the restarted one
// processes the unacknowledged messages again, and the engine still hands on every tick exactly
// once, equal to an undisturbed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../index.js';
import { FUTURES_CAPTURE, NO_CAPTURES } from './helpers/cli.js';

async function ticks(crashAt: number[], speed: 'max' | number) {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-ticks-restart-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } }, logDir });
  const out: string[] = [];
  engine.subscribe((event) => {
    if (event.type !== 'tick') return;
    out.push(JSON.stringify(event.tick));
    if (crashAt.includes(out.length)) engine.processor?.crash();
  });
  const id = engine.startStream({
    source: 'file', file: FUTURES_CAPTURE, exchange: 'binance-futures', symbols: ['BTCUSDT'],
    dataTypes: ['trades', 'book_snapshot_5'], timeframes: ['1m'], mode: 'ticks', speed
  });
  const info = await engine.whenDone(id);
  const restarts = engine.processor?.restarts ?? 0;
  await engine.close();
  return { out, info, restarts };
}

test('three processor crashes in ticks mode lose no tick and double none', { skip: NO_CAPTURES, timeout: 240_000 }, async () => {
  const undisturbed = await ticks([], 'max');
  assert.equal(undisturbed.info.status, 'finished', undisturbed.info.detail);
  assert.equal(undisturbed.out.length, undisturbed.info.messages);
  const crashed = await ticks([2_000, 9_000, 16_000], 40);
  assert.equal(crashed.info.status, 'finished', crashed.info.detail);
  assert.equal(crashed.restarts, 3);
  assert.equal(crashed.out.length, undisturbed.out.length, 'as many ticks as messages');
  assert.deepEqual(crashed.out, undisturbed.out);
});
