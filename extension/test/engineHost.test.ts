import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineHost } from '../src/engineHost.js';
import type { StoreChange } from '../src/monitorStore.js';
import { redactor } from '../src/presentation.js';
import { FakeEngine, REQUEST, streamInfo } from './fakes.js';

test('the engine starts on the first stream only, once, even for concurrent starts', async () => {
  const engine = new FakeEngine();
  let created = 0;
  const host = new EngineHost(async () => {
    created++;
    return engine;
  });
  assert.equal(host.running, false);
  await Promise.all([host.start(REQUEST), host.start({ ...REQUEST, symbols: ['ETHUSDT'] })]);
  assert.equal(created, 1);
  assert.deepEqual(engine.calls, ['start binance:BTCUSDT', 'start binance:ETHUSDT']);
  assert.deepEqual(host.activeIds(), ['binance:BTCUSDT', 'binance:ETHUSDT']);
});

test('a wrong request (a bad tickbridge.timeframes) is refused with the engine\'s message before anything starts', async () => {
  let created = 0;
  const host = new EngineHost(async () => {
    created++;
    return new FakeEngine();
  });
  await assert.rejects(host.start({ ...REQUEST, timeframes: ['7x'] }), { name: 'UsageError', message: /^invalid timeframe "7x": use <N>s, <N>m, <N>h/ });
  assert.equal(created, 0, 'neither Python nor the engine was started');
});

test('a failed engine start is reported and retried on the next start', async () => {
  let attempts = 0;
  const engine = new FakeEngine();
  const host = new EngineHost(async () => {
    if (++attempts === 1) throw new Error('python missing');
    return engine;
  });
  await assert.rejects(host.start(REQUEST), /python missing/);
  assert.equal(await host.start(REQUEST), 'binance:BTCUSDT');
});

test('engine events reach the store and the listeners; logs are redacted', async () => {
  const engine = new FakeEngine();
  const host = new EngineHost(async () => engine, redactor(() => ['sekrit-key']));
  const changes: StoreChange[] = [];
  host.onChange((change) => changes.push(change));
  await host.start(REQUEST);
  engine.emit({ type: 'log', entry: { time: 't', level: 'info', origin: 'engine', message: 'using sekrit-key now' } });
  engine.streams = [streamInfo('binance:BTCUSDT', 'running', { messagesPerSecond: 77 })];
  engine.emit({ type: 'stats', stats: { messagesPerSecond: 77 } as never });
  const log = changes.find((c) => c.kind === 'log');
  assert.ok(log?.kind === 'log');
  assert.equal(log.line.message, 'using *** now');
  assert.equal(host.store.stream('binance:BTCUSDT')?.messagesPerSecond, 77);
  assert.equal(host.store.totals().messagesPerSecond, 77);
});

test('stop, restart and stopAll go to the engine; dispose closes it (streams and processor)', async () => {
  const engine = new FakeEngine();
  const host = new EngineHost(async () => engine);
  await host.stop('x'); // no engine yet: nothing to do
  await host.start(REQUEST);
  await host.stop('binance:BTCUSDT');
  await host.restart('binance:BTCUSDT');
  await host.stopAll();
  await host.dispose();
  assert.deepEqual(engine.calls, ['start binance:BTCUSDT', 'stop binance:BTCUSDT', 'restart binance:BTCUSDT', 'stopAll', 'close']);
  await assert.rejects(host.start(REQUEST), /shutting down/);
});

test('dispose while the engine is still starting closes it when it arrives', async () => {
  const engine = new FakeEngine();
  let release!: () => void;
  const host = new EngineHost(() => new Promise((resolve) => (release = () => resolve(engine))));
  const starting = host.start(REQUEST).catch(() => undefined);
  const disposing = host.dispose();
  release();
  await Promise.all([starting, disposing]);
  assert.equal(engine.closed, true);
});
