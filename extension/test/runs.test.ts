// After a restart the VS Code monitor shows only the new run's candles: a real engine (demo
// exchange, processor) behind the extension's EngineHost and MonitorStore.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, type StreamRequest } from '../../core/index.js';
import { EngineHost } from '../src/engineHost.js';
import { waitFor } from './e2e/workbench.js';

const DEMO: StreamRequest = { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', seed: 11, demoMessagesPerSecond: 200, timeframes: ['1s'], mode: 'candles' };

test("VS Code monitor: a restarted stream shows the new run's candles only; the ended run is listed until cleared", { timeout: 60_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-ext-runs-'));
  const host = new EngineHost(() => Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } } }));
  // every bar the engine produced, by the run it came from
  const barTimes = new Map<string, Set<number>>();
  host.onChange((change) => {
    if (change.kind !== 'bar') return;
    const times = barTimes.get(change.streamId) ?? new Set<number>();
    times.add(change.bar.time);
    barTimes.set(change.streamId, times);
  });
  try {
    await host.start(DEMO);
    const first = () => host.store.snapshot(null, null);
    await waitFor('two bars of the first run', async () => first().bars.length >= 2, 20_000);
    const oldRun = first().selected!;

    await host.restart(oldRun);
    // the monitor still asks for the run it showed: it follows the stream to its new run
    const shown = () => host.store.snapshot(oldRun, '1s');
    await waitFor('the new run with a bar', async () => shown().selected !== oldRun && shown().bars.length > 0, 20_000);
    const { selected: newRun, bars, streams } = shown();
    assert.notEqual(newRun, oldRun);
    const own = barTimes.get(newRun!)!;
    const foreign = bars.filter((bar) => !own.has(bar.time));
    assert.deepEqual(foreign, [], 'no bar of the earlier run under the new one');
    assert.deepEqual(streams.map((view) => [view.stream, view.status]), [['binance:BTCUSDT', 'stopped'], ['binance:BTCUSDT', 'running']]);

    assert.deepEqual(host.clearFinished(oldRun), [oldRun]);
    assert.deepEqual(host.store.streamViews().map((view) => view.id), [newRun]);
  } finally {
    await host.dispose();
  }
});
