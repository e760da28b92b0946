import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_NAMES } from '../../core/index.js';
import { MonitorStore, upsertBar } from '../src/monitorStore.js';
import type { Bar } from '../shared/messages.js';
import { candle, candleEvent, streamInfo } from './fakes.js';

const bar = (time: number, close = 1): Bar => ({ time, open: 1, high: 1, low: 1, close, volume: 0, closed: true, features: {} });

test('upsertBar appends, replaces the open bar, inserts late bars in order and stays bounded', () => {
  const bars: Bar[] = [];
  upsertBar(bars, bar(10), 3);
  upsertBar(bars, bar(20), 3);
  upsertBar(bars, bar(20, 2), 3);
  assert.deepEqual(bars.map((b) => [b.time, b.close]), [[10, 1], [20, 2]]);
  upsertBar(bars, bar(15), 3);
  assert.deepEqual(bars.map((b) => b.time), [10, 15, 20]);
  upsertBar(bars, bar(15, 3), 3);
  assert.equal(bars[1]!.close, 3);
  upsertBar(bars, bar(30), 3);
  assert.deepEqual(bars.map((b) => b.time), [15, 20, 30]);
});

test('candles become bars per stream and timeframe; the open bar updates in place', () => {
  const store = new MonitorStore(FEATURE_NAMES);
  store.apply({ type: 'stream', stream: streamInfo('binance:BTCUSDT') });
  const change = store.apply(candleEvent('binance:BTCUSDT', candle('2024-08-08T00:00:15.000Z')));
  assert.equal(change.kind, 'bar');
  store.apply(candleEvent('binance:BTCUSDT', candle('2024-08-08T00:00:15.000Z', '15s', { close: 102, closed: true })));
  store.apply(candleEvent('binance:BTCUSDT', candle('2024-08-08T00:00:30.000Z')));
  store.apply(candleEvent('binance:BTCUSDT', candle('2024-08-08T00:00:00.000Z', '1m')));
  const bars = store.barsOf('binance:BTCUSDT', '15s');
  assert.deepEqual(bars.map((b) => [b.time, b.close, b.closed]), [
    [Date.parse('2024-08-08T00:00:15Z') / 1000, 102, true],
    [Date.parse('2024-08-08T00:00:30Z') / 1000, 100.5, false]
  ]);
  assert.deepEqual(bars[0]!.features, { mid: 100.4, obi_5: 0.1 });
  assert.equal(store.barsOf('binance:BTCUSDT', '1m').length, 1);
});

test('snapshot: selection falls back to the newest active stream, timeframe to the first of the stream', () => {
  const store = new MonitorStore(FEATURE_NAMES);
  assert.deepEqual(store.snapshot(null, null).selected, null);
  store.apply({ type: 'stream', stream: streamInfo('a', 'stopped') });
  store.apply({ type: 'stream', stream: streamInfo('b', 'running') });
  store.apply({ type: 'stream', stream: streamInfo('c', 'failed') });
  assert.equal(store.resolveSelection(null), 'b');
  assert.equal(store.resolveSelection('gone'), 'b');
  assert.equal(store.resolveSelection('a'), 'a');
  const snapshot = store.snapshot('a', '4h');
  assert.equal(snapshot.timeframe, '15s');
  assert.deepEqual(snapshot.timeframes, ['15s', '1m']);
  assert.equal(store.snapshot('a', '1m').timeframe, '1m');
  assert.deepEqual(snapshot.featureNames, FEATURE_NAMES);
});

test('totals count active streams; msg/s is zero when nothing runs', () => {
  const store = new MonitorStore(FEATURE_NAMES);
  store.apply({ type: 'stream', stream: streamInfo('a', 'running') });
  store.apply({ type: 'stats', stats: { messagesPerSecond: 42 } as never });
  store.apply({ type: 'processor', status: 'running', detail: '' });
  assert.deepEqual(store.totals(), { running: 1, messagesPerSecond: 42, processor: 'running', attention: null });
  store.apply({ type: 'stream', stream: streamInfo('a', 'stopped') });
  assert.deepEqual(store.totals(), { running: 0, messagesPerSecond: 0, processor: 'running', attention: null });
});

test('totals name the newest stream that failed, stalled or reconnects, with its detail', () => {
  const store = new MonitorStore(FEATURE_NAMES);
  store.apply({ type: 'stream', stream: streamInfo('a', 'reconnecting', { detail: 'processor at ws://127.0.0.1:1 unreachable: connect ECONNREFUSED' }) });
  store.apply({ type: 'stream', stream: streamInfo('b', 'failed', { detail: 'missing or wrong token' }) });
  assert.deepEqual(store.totals().attention, { status: 'failed', text: 'b failed: missing or wrong token' });
  store.apply({ type: 'stream', stream: streamInfo('b', 'stopped') });
  assert.equal(store.totals().attention?.status, 'reconnecting');
  assert.equal(store.totals().running, 1, 'a reconnecting stream is still active');
});

test('logs are kept up to the limit', () => {
  const store = new MonitorStore(FEATURE_NAMES, { barsPerTimeframe: 10, logLines: 3 });
  for (let i = 0; i < 5; i++) store.apply({ type: 'log', entry: { time: 't', level: 'info', origin: 'engine', message: `m${i}` } });
  assert.deepEqual(store.snapshot(null, null).logs.map((l) => l.message), ['m2', 'm3', 'm4']);
});

test('the processor status also comes from stats (its first event may precede the subscription)', () => {
  const store = new MonitorStore(FEATURE_NAMES);
  assert.equal(store.totals().processor, 'not started');
  store.apply({ type: 'stats', stats: { uptimeS: 1, messages: 0, messagesPerSecond: 0, trades: 0, candles: 0, streams: 0, processor: { url: 'ws://x', status: 'running', restarts: 0, stats: null }, health: {} } });
  assert.equal(store.totals().processor, 'running');
});
