// Every run has its own id, never reused within an engine; a restart is a new run of the same
// stream; ended runs stay listed until cleared. A real engine, processor and demo exchange.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, type EngineEvent, type StreamRequest } from '../index.js';
import { until } from './helpers/until.js';

const DEMO: StreamRequest = { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', seed: 5, demoMessagesPerSecond: 200, timeframes: ['15s'], mode: 'candles' };

test('a restart is a new run: a new run id, its own candles, the ended run listed until cleared', { timeout: 60_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-runs-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } } });
  try {
    const events: EngineEvent[] = [];
    engine.subscribe((event) => void events.push(event));
    const candlesOf = (runId: string) => events.filter((event) => event.type === 'candle' && event.runId === runId).length;

    const id = engine.startStream(DEMO);
    const first = engine.listStreams()[0]!;
    assert.equal(first.id, id);
    await until(() => candlesOf(first.runId) > 0, 20_000);

    assert.equal(await engine.restartStream(id), id, 'the same stream');
    const runs = engine.listStreams();
    assert.equal(runs.length, 2, 'the stopped run stays listed');
    const [old, next] = runs;
    assert.equal(old!.runId, first.runId);
    assert.equal(old!.status, 'stopped');
    assert.notEqual(next!.runId, old!.runId, 'a new run id');
    assert.equal(next!.id, id);
    const oldCandles = candlesOf(old!.runId);
    await until(() => candlesOf(next!.runId) > 0, 20_000);
    assert.equal(candlesOf(old!.runId), oldCandles, 'no candle under the stopped run after it stopped');

    // stop and start again: the stream id comes back, the run id never does
    await engine.stopStream(id);
    engine.startStream(DEMO);
    const ids = engine.listStreams().map((info) => info.runId);
    assert.equal(new Set(ids).size, 3, ids.join(' '));

    assert.deepEqual(engine.clearFinished().sort(), [old!.runId, next!.runId].sort());
    assert.deepEqual(engine.listStreams().map((info) => info.runId), [ids[2]]);
    const cleared = events.find((event) => event.type === 'cleared');
    assert.ok(cleared?.type === 'cleared' && cleared.runIds.length === 2);
  } finally {
    await engine.close();
  }
});
