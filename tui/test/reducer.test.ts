// The reducer, without Ink: engine batches, selection, timeframes, pause, logs, form, offline notice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_NAMES, type EngineEvent } from '../../core/index.js';
import { initialState, offlineText, reducer, selectedStream, selectedTimeframe, viewData } from '../state/reducer.js';
import { MAX_BARS, seriesKey, upsertCandle } from '../state/series.js';
import { visibleLogs } from '../state/logs.js';
import type { Action, TuiState } from '../state/types.js';
import { candle, stats, stream } from './helpers/fixtures.js';

const run = (actions: Action[], state: TuiState = initialState()) => actions.reduce(reducer, state);
const engine = (...events: EngineEvent[]): Action => ({ type: 'engine', events });
const log = (level: 'info' | 'warning' | 'error' | 'debug', message: string, origin: 'engine' | 'processor' = 'engine'): EngineEvent => ({
  type: 'log',
  entry: { time: '2024-08-08T23:54:00.000Z', level, origin, message }
});

test('an engine batch updates stats, streams, candles and logs at once', () => {
  const state = run([
    engine(
      { type: 'stats', stats: stats({ messages: 7 }) },
      { type: 'stream', stream: stream('binance:BTCUSDT') },
      { type: 'candle', streamId: 'binance:BTCUSDT', runId: 'binance:BTCUSDT', candle: candle(0, { open: 1, close: 2 }) },
      log('info', 'hello')
    )
  ]);
  assert.equal(state.data.stats?.messages, 7);
  assert.deepEqual(state.data.streams.map((s) => s.id), ['binance:BTCUSDT']);
  assert.equal(state.data.series[seriesKey('binance:BTCUSDT', '15s')]?.length, 1);
  assert.deepEqual(state.data.logs.map((l) => l.message), ['hello']);
});

test('the open bar is updated in place, a new bar is appended, a closed bar is not reopened', () => {
  let series = upsertCandle(undefined, candle(0, { open: 1, close: 2 }, { closed: false }));
  series = upsertCandle(series, candle(0, { open: 1, close: 3 }, { closed: false }));
  assert.equal(series.length, 1);
  assert.equal(series[0]?.close, 3);
  series = upsertCandle(series, candle(0, { open: 1, close: 4 }, { closed: true }));
  series = upsertCandle(series, candle(0, { open: 1, close: 5 }, { closed: false }));
  assert.equal(series[0]?.close, 4, 'a late partial update must not reopen a closed bar');
  series = upsertCandle(series, candle(1, { open: 4, close: 6 }, { closed: false }));
  assert.deepEqual(series.map((c) => c.close), [4, 6]);
  for (let i = 2; i < MAX_BARS + 50; i++) series = upsertCandle(series, candle(i, { open: 1, close: 1 }));
  assert.equal(series.length, MAX_BARS);
});

test('the streams snapshot refreshes rates and prices; ↑/↓ select streams', () => {
  let state = run([engine(), { type: 'engine', events: [], streams: [stream('binance:BTCUSDT'), stream('binance:ETHUSDT', { lastPrice: 3000 })] }]);
  assert.equal(selectedStream(state)?.id, 'binance:BTCUSDT');
  state = run([{ type: 'command', command: 'down' }], state);
  assert.equal(selectedStream(state)?.id, 'binance:ETHUSDT');
  state = run([{ type: 'command', command: 'down' }], state);
  assert.equal(selectedStream(state)?.id, 'binance:ETHUSDT', 'stays on the last stream');
  state = run([{ type: 'command', command: 'up' }], state);
  assert.equal(selectedStream(state)?.id, 'binance:BTCUSDT');
  state = run([{ type: 'engine', events: [], streams: [stream('binance:BTCUSDT', { lastPrice: 61000 })] }], state);
  assert.equal(selectedStream(state)?.lastPrice, 61000);
});

test('timeframes: 1–4 pick, [ and ] step, out of range is ignored', () => {
  let state = run([{ type: 'engine', events: [{ type: 'stream', stream: stream('binance:BTCUSDT') }] }]);
  assert.equal(selectedTimeframe(state), '15s');
  state = run([{ type: 'command', command: 'timeframe', arg: 2 }], state);
  assert.equal(selectedTimeframe(state), '5m');
  state = run([{ type: 'command', command: 'nextTimeframe' }, { type: 'command', command: 'nextTimeframe' }], state);
  assert.equal(selectedTimeframe(state), '15m');
  state = run([{ type: 'command', command: 'prevTimeframe' }], state);
  assert.equal(selectedTimeframe(state), '5m');
  state = run([{ type: 'command', command: 'timeframe', arg: 7 }], state);
  assert.equal(selectedTimeframe(state), '5m');
});

test('Tab cycles the focus; ↑/↓ scroll the focused logs and features', () => {
  let state = initialState();
  const focuses = [];
  for (let i = 0; i < 4; i++) {
    state = reducer(state, { type: 'command', command: 'focusNext' });
    focuses.push(state.focus);
  }
  assert.deepEqual(focuses, ['chart', 'features', 'logs', 'streams']);
  state = reducer(state, { type: 'command', command: 'focusPrev' });
  assert.equal(state.focus, 'logs');
  state = run([engine(log('info', 'a'), log('info', 'b'), log('info', 'c')), { type: 'command', command: 'up' }, { type: 'command', command: 'up' }], state);
  assert.equal(state.logScroll, 2);
  state = run([{ type: 'command', command: 'up' }], state);
  assert.equal(state.logScroll, 2, 'cannot scroll past the oldest line');
  state = run([{ type: 'command', command: 'focusPrev' }, { type: 'command', command: 'pageDown' }], state);
  assert.equal(state.focus, 'features');
  assert.equal(state.featureScroll, 5);
});

test('pause freezes what is shown while the data keeps flowing; resume shows the latest', () => {
  let state = run([engine({ type: 'stats', stats: stats({ messages: 1 }) }), { type: 'command', command: 'togglePause' }]);
  state = run([engine({ type: 'stats', stats: stats({ messages: 2 }) })], state);
  assert.equal(viewData(state).stats?.messages, 1);
  assert.equal(state.data.stats?.messages, 2);
  state = run([{ type: 'command', command: 'togglePause' }], state);
  assert.equal(viewData(state).stats?.messages, 2);
});

test('logs: level filter cycles, text filter matches origin and message, Esc clears it', () => {
  let state = run([engine(log('debug', 'noise'), log('info', 'link connected'), log('warning', 'slow', 'processor'), log('error', 'boom'))]);
  assert.deepEqual(visibleLogs(state.data.logs, state.logFilter).map((l) => l.message), ['link connected', 'slow', 'boom']);
  state = run([{ type: 'command', command: 'cycleLogLevel' }], state);
  assert.equal(state.logFilter.level, 'warning');
  assert.deepEqual(visibleLogs(state.data.logs, state.logFilter).map((l) => l.message), ['slow', 'boom']);
  state = run([{ type: 'command', command: 'cycleLogLevel' }, { type: 'command', command: 'cycleLogLevel' }], state);
  assert.equal(state.logFilter.level, 'debug');
  state = run([{ type: 'command', command: 'filterLogs' }, { type: 'filter-text', text: 'proc' }, { type: 'filter-key', key: 'enter' }], state);
  assert.equal(state.logFilter.editing, false);
  assert.deepEqual(visibleLogs(state.data.logs, state.logFilter).map((l) => l.message), ['slow']);
  state = run([{ type: 'command', command: 'filterLogs' }, { type: 'filter-key', key: 'escape' }], state);
  assert.equal(state.logFilter.text, '');
});

test('the add-stream form edits text fields and cycles the source', () => {
  let state = run([{ type: 'form-open', defaults: { exchange: 'binance', symbol: '', dataTypes: 'trades', source: 'demo' } }]);
  assert.equal(state.form?.field, 'symbol');
  state = run([{ type: 'form-text', text: 'ETHUSDX' }, { type: 'form-key', key: 'backspace' }, { type: 'form-text', text: 'T' }], state);
  assert.equal(state.form?.values.symbol, 'ETHUSDT');
  state = run([{ type: 'form-key', key: 'next' }, { type: 'form-key', key: 'next' }, { type: 'form-key', key: 'right' }], state);
  assert.equal(state.form?.field, 'source');
  assert.equal(state.form?.values.source, 'replay');
  state = run([{ type: 'form-text', text: ' ' }, { type: 'form-text', text: ' ' }], state);
  assert.equal(state.form?.values.source, 'live');
  state = run([{ type: 'form-key', key: 'next' }], state);
  assert.equal(state.form?.field, 'exchange');
  state = run([{ type: 'form-close' }], state);
  assert.equal(state.form, null);
});

test('an unreachable live exchange raises the offline notice for its stream only, with in-monitor advice; data or its end clears it', () => {
  const live = stream('binance:BTCUSDT', { request: { ...stream('x:y').request, source: 'live', exchange: 'binance' } });
  const demo = stream('binance:ETHUSDT');
  let state = run([engine({ type: 'stream', stream: live }, { type: 'stream', stream: demo }), engine(log('warning', 'binance:BTCUSDT: binance cannot be reached (offline?); tardis-dev keeps retrying. Without internet, try --source demo'))]);
  assert.match(offlineText(state) ?? '', /binance cannot be reached.*add a demo stream \(a, source demo\)/);
  assert.doesNotMatch(offlineText(state) ?? '', /npm start/, 'no shell advice inside the running monitor');
  state = run([{ type: 'select', id: 'binance:ETHUSDT' }], state);
  assert.equal(offlineText(state), null, 'not shown over another stream');
  state = run([{ type: 'select', id: 'binance:BTCUSDT' }, engine({ type: 'stream', stream: { ...live, status: 'running', messages: 50 } })], state);
  assert.equal(state.data.offline, null);
  state = run([engine({ type: 'stream', stream: { ...live, status: 'reconnecting', link: 'connected' } })], state);
  assert.match(offlineText(state) ?? '', /cannot be reached/);
  state = run([engine({ type: 'stream', stream: { ...live, status: 'stopped' } })], state);
  assert.equal(state.data.offline, null, 'the notice ends with its stream');
});

test('scroll offsets stop at the ends of the panes', () => {
  let state = run([{ type: 'viewport', featureRows: 5, logRows: 3 }, { type: 'command', command: 'focusNext' }, { type: 'command', command: 'focusNext' }]);
  assert.equal(state.focus, 'features');
  for (let i = 0; i < 40; i++) state = run([{ type: 'command', command: 'down' }], state);
  assert.equal(state.featureScroll, FEATURE_NAMES.length - 5, 'the last page, not past it');
  state = run([{ type: 'command', command: 'up' }], state);
  assert.equal(state.featureScroll, FEATURE_NAMES.length - 6, 'one press up moves at once');
  state = run([{ type: 'command', command: 'focusNext' }, engine(...Array.from({ length: 5 }, (_, i) => log('info', `line ${i}`)))], state);
  for (let i = 0; i < 10; i++) state = run([{ type: 'command', command: 'up' }], state);
  assert.equal(state.logScroll, 2, '5 lines in a 3-row pane scroll by 2 at most');
});

test('--logLevel debug starts the logs pane at debug', () => {
  assert.equal(initialState('debug').logFilter.level, 'debug');
  assert.equal(initialState().logFilter.level, 'info');
});

test('stray console lines land in the logs pane', () => {
  const state = run([{ type: 'engine', events: [], console: [{ level: 'warning', message: 'DEBUG output' }] }]);
  assert.deepEqual(state.data.logs.map((l) => [l.origin, l.message]), [['console', 'DEBUG output']]);
});
