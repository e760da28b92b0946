// After a restart the TUI shows only the new run's bars and counts: a real engine (demo exchange,
// processor) drives the TUI's reducer and its key commands (r restart, c clear).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine, type EngineEvent, type StreamRequest } from '../../core/index.js';
import { until } from '../../core/test/helpers/until.js';
import { runCommand } from '../app/useKeys.js';
import { initialState, reducer, selectedCandles, selectedStream } from '../state/reducer.js';
import { seriesKey } from '../state/series.js';
import type { Action, TuiState } from '../state/types.js';

const DEMO: StreamRequest = { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], speed: 'max', seed: 9, demoMessagesPerSecond: 200, timeframes: ['15s'], mode: 'candles' };

test('TUI: after a restart the chart and counts are the new run only; c clears the ended runs', { timeout: 60_000 }, async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tickbridge-tui-runs-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir } } });
  const state = { current: initialState() };
  const dispatch = (action: Action) => void (state.current = reducer(state.current, action));
  engine.subscribe((event: EngineEvent) => dispatch({ type: 'engine', events: [event], streams: engine.listStreams() }));
  const context = { engine, dispatch, state, baseRequest: DEMO, onQuit: () => {} };
  const shown = (s: TuiState) => ({ stream: selectedStream(s)!, bars: selectedCandles(s) });
  try {
    engine.startStream(DEMO);
    await until(() => shown(state.current).bars.length > 0 && shown(state.current).stream.trades > 0, 20_000);
    const before = shown(state.current);

    runCommand(context, { command: 'restartStream' });
    await until(() => shown(state.current).stream.runId !== before.stream.runId, 20_000, () => JSON.stringify(state.current.data.streams));
    const after = shown(state.current);
    assert.equal(after.stream.id, before.stream.id, 'the same stream, a new run');
    // the new run's bars only: none of the earlier run's updates carry over
    const bars = after.bars;
    assert.ok(bars.length <= 1, `a new run starts with its own open bar at most, got ${bars.length}`);
    assert.ok(after.stream.candles <= before.stream.candles);
    await until(() => shown(state.current).bars.length > 0, 20_000);
    await engine.stopStream(after.stream.runId);
    const final = shown(state.current);
    const barTrades = final.bars.reduce((sum, bar) => sum + bar.trades, 0);
    assert.ok(barTrades > 0 && barTrades <= final.stream.trades, `the run's bars count ${barTrades} trades, the run read ${final.stream.trades}`);

    // both runs listed until c clears them
    assert.deepEqual(state.current.data.streams.map((s) => s.status), ['stopped', 'stopped']);
    runCommand(context, { command: 'clearFinished' });
    assert.deepEqual(state.current.data.streams, []);
    assert.equal(state.current.data.series[seriesKey(before.stream.runId, '15s')], undefined, "the cleared runs' bars are gone");
  } finally {
    await engine.close();
  }
});
