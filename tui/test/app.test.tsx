// The whole screen through ink-testing-library, driven by a fake engine: waits for content, never sleeps.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { render } from 'ink-testing-library';
import { App } from '../app/App.js';
import { DEMO_REQUEST, FakeEngine, candle, candleSeries, stream } from './helpers/fixtures.js';
import { waitFor, waitForFrame } from './helpers/wait.js';

const ESC = '\u001b';
const instances: { unmount(): void }[] = [];
afterEach(() => {
  for (const instance of instances.splice(0)) instance.unmount();
});

function mount(engine = new FakeEngine(), size = { columns: 100, rows: 30 }) {
  let quits = 0;
  const app = render(<App engine={engine} baseRequest={DEMO_REQUEST} onQuit={() => quits++} size={size} theme={{ color: true }} />);
  instances.push(app);
  const frame = () => app.lastFrame() ?? '';
  const press = async (keys: string, expect: string[], absent: string[] = []) => {
    app.stdin.write(keys);
    return waitForFrame(app.lastFrame, expect, absent);
  };
  return { app, engine, frame, press, quits: () => quits };
}

function feedCandles(engine: FakeEngine, id = 'binance:BTCUSDT', timeframe = '15s', count = 24) {
  for (const candle of candleSeries(count, timeframe)) engine.emit({ type: 'candle', streamId: id, runId: id, candle });
}

test('header, streams, chart, features and logs appear from engine events', async () => {
  const { app, engine } = mount();
  feedCandles(engine);
  engine.emit({ type: 'log', entry: { time: '2024-08-08T23:54:00.000Z', level: 'info', origin: 'processor', message: 'engine stream connected' } });
  const screen = await waitForFrame(app.lastFrame, ['TICKBRIDGE', 'DEMO EXCHANGE', 'binance:BTCUSDT', '● running', '98 msg/s', '60,012.50', 'binance:BTCUSDT · 15s', '┤', 'spread bps', 'OBI 5', 'engine stream connected']);
  assert.match(screen, /[█▀▄]/, 'candle bodies');
  assert.match(screen, /msgs 12\.3k/);
  assert.match(screen, /up 0:01:23/);
  const lines = screen.split('\n');
  assert.ok(lines.length <= 29, `fits the terminal (${lines.length} lines)`);
  assert.ok(lines.every((line) => line.length <= 100), 'no line wider than the terminal');
});

test('fits 80×24', async () => {
  const { app, engine } = mount(new FakeEngine(), { columns: 80, rows: 24 });
  feedCandles(engine);
  const screen = await waitForFrame(app.lastFrame, ['binance:BTCUSDT · 15s', '? help', 'q quit']);
  assert.ok(screen.split('\n').length <= 23);
  assert.ok(screen.split('\n').every((line) => line.length <= 80));
});

test('the open bar updates live', async () => {
  const { app, engine } = mount();
  feedCandles(engine);
  await waitForFrame(app.lastFrame, ['·open']);
  const open = candleSeries(24).at(-1)!;
  engine.emit({ type: 'candle', streamId: 'binance:BTCUSDT', runId: 'binance:BTCUSDT', candle: { ...open, close: 60123.25, high: 60130 } });
  await waitForFrame(app.lastFrame, ['C 60,123.25', '60123']);
});

test('1–4 and [ ] switch the timeframe', async () => {
  const { engine, press } = mount();
  feedCandles(engine, 'binance:BTCUSDT', '1m', 5);
  await press('2', ['binance:BTCUSDT · 1m', '[1m]']);
  await press(']', ['binance:BTCUSDT · 5m', 'waiting for the first trade']);
  await press('[', ['binance:BTCUSDT · 1m']);
  await press('4', ['binance:BTCUSDT · 15m']);
  await press('1', ['binance:BTCUSDT · 15s']);
});

test('? shows every key of the keymap; Esc closes it', async () => {
  const { press } = mount();
  const help = await press('?', ['Keys', 'previous stream / scroll up', 'add a stream', 'stop the selected stream', 'quit (stops streams, processor)']);
  assert.match(help, /Tab/);
  await press(ESC, ['Streams'], ['? or Esc closes']);
});

test('a adds a stream through the form, x stops it, r restarts it', async () => {
  const { engine, press } = mount();
  await press('a', ['Add stream', 'exchange', 'data types', 'demo']);
  await press('ETHUSDT', ['ETHUSDT▏']);
  await press('\r', ['▸ binance:ETHUSDT', 'starting binance:ETHUSDT…'], ['Add stream']);
  assert.deepEqual(engine.started.map((r) => [r.source, r.exchange, r.symbols, r.dataTypes, r.timeframes]), [
    ['demo', 'binance', ['ETHUSDT'], ['trades', 'book_snapshot_5'], ['15s', '1m', '5m', '15m']]
  ]);
  await press('x', ['binance:ETHUSDT stopped', '● stopped']);
  assert.deepEqual(engine.stopped, ['binance:ETHUSDT']);
  await press('r', ['binance:ETHUSDT restarted']);
  assert.deepEqual(engine.restarted, ['binance:ETHUSDT']);
  await press('\u001b[A', ['▸ binance:BTCUSDT']);
});

test('the form reports a missing symbol and an engine refusal without closing', async () => {
  const { engine, press } = mount();
  await press('a', ['Add stream']);
  await press('\r', ['type a symbol']);
  await press('\u001b[Z', ['▸ exchange']);
  for (let i = 0; i < 7; i++) await press('\u007f', ['▸ exchange']);
  await press('nowhere', ['nowhere▏']);
  await press('\t', ['▸ symbol']);
  await press('X', ['X▏']);
  await press('\r', ['unknown exchange "nowhere"', 'Add stream']);
  assert.equal(engine.started.length, 0);
  await press(ESC, ['Features', 'waiting for the first trade'], ['Add stream']);
});

test('the form shows the engine\'s one-line message for a bad data type inline, and stays open', async () => {
  const { engine, press } = mount();
  await press('a', ['Add stream']);
  await press('ETHUSDT', ['ETHUSDT▏']);
  await press('\t', ['▸ data types']);
  await press(',quotes', ['quotes▏']);
  await press('\r', ['Unknown data type "quotes". Accepted: trades', 'Add stream']);
  assert.equal(engine.started.length, 0);
});

test('p pauses the display while the engine keeps going', async () => {
  const { engine, press, frame } = mount();
  await press('p', ['PAUSED']);
  const listed = engine.listings;
  engine.emit({ type: 'stream', stream: stream('binance:SOLUSDT') });
  // The feed has handed the event to the reducer (it lists the streams when it does)...
  await waitFor(() => engine.listings > listed, 'the feed to hand the event over');
  // ...and a redraw after that (the log level changes) still shows the paused streams.
  await press('l', ['≥warning']);
  assert.doesNotMatch(frame(), /SOLUSDT/);
  await press('p', ['binance:SOLUSDT', 'display resumed'], ['PAUSED']);
});

test('/ filters the logs, l changes the level, Tab + ↑ scrolls them', async () => {
  const { engine, press } = mount();
  const log = (level: 'info' | 'warning', origin: 'engine' | 'processor', message: string) =>
    engine.emit({ type: 'log', entry: { time: '2024-08-08T23:54:00.000Z', level, origin, message } });
  for (let i = 0; i < 20; i++) log('info', 'engine', `older line ${i}`);
  log('info', 'engine', 'alpha line');
  log('warning', 'processor', 'beta line');
  await press('/', ['filter logs /']);
  await press('beta', ['/beta']);
  await press('\r', ['beta line'], ['alpha line', 'filter logs /']);
  await press('/', ['filter logs /beta']);
  await press(ESC, ['alpha line', 'beta line']);
  await press('l', ['≥warning', 'beta line'], ['alpha line']);
  await press('lll', ['≥info', 'alpha line']);
  for (let i = 0; i < 3; i++) await press('\t', []);
  await press('\u001b[A', ['↑1', 'older line'], ['beta line']);
});

test('offline: says the exchange cannot be reached and suggests a demo stream from inside the monitor', async () => {
  const { engine, app } = mount(new FakeEngine([stream('binance:BTCUSDT', { request: { ...DEMO_REQUEST, source: 'live' }, status: 'starting' })]));
  engine.emit({ type: 'log', entry: { time: '2024-08-08T23:54:00.000Z', level: 'warning', origin: 'engine', message: 'binance:BTCUSDT: binance cannot be reached (offline?); tardis-dev keeps retrying. Without internet, try --source demo' } });
  await waitForFrame(app.lastFrame, ['binance cannot be reached (offline?)', 'add a demo stream (a, source demo)', 'LIVE'], ['npm start']);
});

test('q asks to quit once (the caller stops the engine)', async () => {
  const { app, press, quits } = mount();
  await press('q', ['stopping the streams and the processor']);
  assert.equal(quits(), 1);
  // Again, alone and in a burst: nothing shows, so wait until Ink has read (and handled) the keys.
  for (const keys of ['q', 'qq']) {
    app.stdin.write(keys);
    await waitFor(() => app.stdin.data === null, 'Ink to read the keys');
  }
  assert.equal(quits(), 1);
});

test('redraws are throttled however fast events come', async () => {
  const { app, engine } = mount();
  await waitForFrame(app.lastFrame, ['binance:BTCUSDT']);
  const before = app.frames.length;
  const series = candleSeries(400);
  const started = Date.now();
  let sent = 0;
  // 1.5 s of a fast stream: bursts of candle updates every millisecond.
  while (Date.now() - started < 1500) {
    for (let i = 0; i < 20; i++) engine.emit({ type: 'candle', streamId: 'binance:BTCUSDT', runId: 'binance:BTCUSDT', candle: series[sent++ % series.length]! });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await waitForFrame(app.lastFrame, ['binance:BTCUSDT']);
  const frames = app.frames.length - before;
  assert.ok(sent > 1000, `sent ${sent}`);
  // One batch every 250 ms: about 6 redraws in 1.5 s (15 would be the most allowed).
  assert.ok(frames >= 2 && frames <= 9, `${frames} redraws for ${sent} events in 1.5 s`);
});

test('Tab moves the focus and every pane keeps its first line', async () => {
  const { engine, press } = mount();
  for (const message of ['first line', 'second line']) engine.emit({ type: 'log', entry: { time: '2024-08-08T23:54:00.000Z', level: 'info', origin: 'engine', message } });
  await press('\t', ['┏━ binance:BTCUSDT · 15s', '▸ binance:BTCUSDT', 'first line']);
  await press('\t', ['┏━ Features', 'spread bps', '▸ binance:BTCUSDT']);
  await press('\t', ['┏━ Logs', 'first line', 'second line', 'spread bps']);
  await press('\t', ['┏━ Streams', '▸ binance:BTCUSDT', 'first line']);
});

test('at 60×16 the monitor says the terminal is too small instead of a cut screen; q still quits', async () => {
  const { app, press, quits } = mount(new FakeEngine(), { columns: 60, rows: 16 });
  await waitForFrame(app.lastFrame, ['the terminal is too small (60×16)', 'at least 60×21'], ['TICKBRIDGE']);
  await press('q', []);
  assert.equal(quits(), 1);
});

test('at 120 columns a feature label and its value are apart (realized vol)', async () => {
  const { app, engine } = mount(new FakeEngine(), { columns: 120, rows: 40 });
  engine.emit({ type: 'candle', streamId: 'binance:BTCUSDT', runId: 'binance:BTCUSDT', candle: candle(0, { open: 60000, close: 60001 }, { closed: false, features: { realized_vol: 0.0010884 } }) });
  const screen = await waitForFrame(app.lastFrame, ['realized vol', '·open']);
  assert.match(screen, /realized vol +0\.0010884/, 'a value as wide as its column still has a space before it');
});

test('Space, s and . drive the replay controls of the selected stream; the health line shows its state', async () => {
  const file = stream('binance:BTCUSDT', { request: { ...DEMO_REQUEST, source: 'file' }, playback: { paused: false, speed: 10, stepping: false } });
  const { app, engine, press } = mount(new FakeEngine([file]));
  await waitForFrame(app.lastFrame, ['▶ 10×', 'lag p50 12ms', 'p99 40ms', 'window 0%']);
  await press(' ', ['binance:BTCUSDT paused']);
  await press('s', ['binance:BTCUSDT speed 100×']);
  await press('.', ['binance:BTCUSDT stepping one bar']);
  assert.deepEqual(engine.controls, [
    ['binance:BTCUSDT', { action: 'pause' }],
    ['binance:BTCUSDT', { action: 'speed', speed: 100 }],
    ['binance:BTCUSDT', { action: 'step' }]
  ]);
});

test('the form asks per source: replay from/to, file a path (Tab completes) and a speed; checked inline before start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-form-'));
  writeFileSync(join(dir, 'capture-one.raw.gz'), '');
  const { engine, press } = mount();
  await press('a', ['Add stream']);
  await press('ETHUSDT', ['ETHUSDT▏']);
  await press('\t\t', ['▸ source']);
  await press('\u001b[C', ['from (UTC)', 'to (UTC)', 'speed']); // → replay
  await press('\t', ['▸ from (UTC)']);
  await press('2024-08-02', ['2024-08-02▏']);
  await press('\t', ['▸ to (UTC)']);
  await press('2024-08-01', ['2024-08-01▏']);
  await press('\r', ['✗ to (2024-08-01) must be after from (2024-08-02)', 'Add stream']);
  assert.equal(engine.started.length, 0, 'nothing started while a field is wrong');
  await press('\u0015', ['▸ to (UTC)'], ['2024-08-01▏']); // Ctrl-U clears the field
  await press('\u001b[Z\u001b[Z', ['▸ source']);
  await press('\u001b[C', ['file', 'path of a capture']); // → file
  await press('\t', ['▸ file']);
  await press(`${dir}/capt`, [`${dir}/capt▏`]);
  await press('\t', [`${dir}/capture-one.raw.gz▏`]);
  await press('\t', ['▸ speed']);
  await press('\u0015fast', ['fast▏']);
  await press('\r', ['✗ Invalid speed "fast"']);
  await press('\u00157', ['7▏']);
  await press('\r', ['starting binance:ETHUSDT…'], ['Add stream']);
  assert.deepEqual(engine.started.map((r) => [r.source, r.file, r.speed]), [['file', `${dir}/capture-one.raw.gz`, 7]]);
  rmSync(dir, { recursive: true, force: true });
});

test('a start the source refuses is an error in the status line and in the logs, not "started"', async () => {
  const { engine, app } = mount();
  engine.emit({ type: 'stream', stream: stream('binance:NOPE', { status: 'starting' }) });
  engine.emit({ type: 'stream', stream: stream('binance:NOPE', { status: 'failed', failure: { message: 'Unknown symbol NOPE for binance.', usage: true } }) });
  await waitForFrame(app.lastFrame, ['error: binance:NOPE refused: Unknown symbol NOPE', 'ERR tui       binance:NOPE refused'], ['started']);
});

test('the focused features pane defines its first feature (unit and formula from docs/features.md)', async () => {
  const { press } = mount(new FakeEngine(), { columns: 120, rows: 30 });
  await press('\t\t', ['▲ spread_bps: basis points (1 bp =', '0.01%) · 10⁴ · (ask1 − bid1) / mid']);
  await press('j', ['▲ mid: price, in the quote currency', '(ask1 + bid1) / 2']);
});
