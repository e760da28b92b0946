import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_NAMES } from '../../core/index.js';
import { LOG_FLUSH_MS, MonitorSession } from '../src/monitorSession.js';
import { MonitorStore } from '../src/monitorStore.js';
import type { HostToWebview } from '../shared/messages.js';
import { candle, candleEvent, streamInfo } from './fakes.js';

function setup(restored?: { selected?: string; timeframe?: string }) {
  const store = new MonitorStore(FEATURE_NAMES);
  const posted: HostToWebview[] = [];
  const commands: unknown[][] = [];
  const session = new MonitorSession({ store, post: (m) => posted.push(m), command: (...args) => commands.push(args) }, restored);
  const apply = (event: Parameters<MonitorStore['apply']>[0]) => session.forward(store.apply(event));
  return { store, posted, commands, session, apply };
}

test('nothing is sent before ready; ready gets the buffered state as one snapshot', () => {
  const { posted, session, apply } = setup();
  apply({ type: 'stream', stream: streamInfo('s1') });
  apply(candleEvent('s1', candle('2024-08-08T00:00:15.000Z')));
  apply({ type: 'log', entry: { time: 't', level: 'info', origin: 'engine', message: 'hello' } });
  assert.equal(posted.length, 0);
  session.receive({ type: 'ready', selected: null, timeframe: null });
  assert.equal(posted.length, 1);
  const first = posted[0]!;
  assert.equal(first.type, 'snapshot');
  if (first.type !== 'snapshot') return;
  assert.equal(first.snapshot.selected, 's1');
  assert.equal(first.snapshot.timeframe, '15s');
  assert.equal(first.snapshot.bars.length, 1);
  assert.deepEqual(first.snapshot.logs.map((l) => l.message), ['hello']);
});

test('live bars are forwarded for the selected stream and timeframe only', () => {
  const { posted, session, apply } = setup();
  apply({ type: 'stream', stream: streamInfo('s1') });
  apply({ type: 'stream', stream: streamInfo('s2', 'stopped') });
  session.receive({ type: 'ready', selected: null, timeframe: null });
  posted.length = 0;
  apply(candleEvent('s1', candle('2024-08-08T00:00:15.000Z')));
  apply(candleEvent('s1', candle('2024-08-08T00:00:00.000Z', '1m')));
  apply(candleEvent('s2', candle('2024-08-08T00:00:15.000Z')));
  assert.deepEqual(posted.map((m) => m.type), ['bar']);
  session.receive({ type: 'timeframe', timeframe: '1m' });
  assert.equal(posted[1]?.type === 'snapshot' && posted[1].snapshot.bars.length, 1);
});

test('a hidden webview gets nothing; shown again it says ready and the state is replayed', () => {
  const { posted, session, apply } = setup({ timeframe: '1m' });
  apply({ type: 'stream', stream: streamInfo('s1') });
  session.receive({ type: 'ready', selected: null, timeframe: null });
  session.hidden();
  posted.length = 0;
  apply(candleEvent('s1', candle('2024-08-08T00:00:00.000Z', '1m')));
  apply({ type: 'stream', stream: streamInfo('s1', 'running', { messages: 99 }) });
  assert.equal(posted.length, 0);
  session.receive({ type: 'ready', selected: 's1', timeframe: '1m' });
  const replay = posted[0];
  assert.ok(replay?.type === 'snapshot');
  assert.equal(replay.snapshot.timeframe, '1m');
  assert.equal(replay.snapshot.bars.length, 1);
  assert.equal(replay.snapshot.streams[0]?.messages, 99);
});

test('the first stream of an empty monitor triggers a snapshot; later changes only stream updates', () => {
  const { posted, session, apply } = setup();
  session.receive({ type: 'ready', selected: null, timeframe: null });
  apply({ type: 'stream', stream: streamInfo('s1', 'starting') });
  apply({ type: 'stream', stream: streamInfo('s1', 'running') });
  assert.deepEqual(posted.map((m) => m.type), ['snapshot', 'snapshot', 'streams']);
});

test('logs are batched; start and stop run the commands', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { posted, session, apply, commands } = setup();
  session.receive({ type: 'ready', selected: null, timeframe: null });
  posted.length = 0;
  for (const message of ['a', 'b']) apply({ type: 'log', entry: { time: 't', level: 'warning', origin: 'processor', message } });
  t.mock.timers.tick(LOG_FLUSH_MS - 1);
  assert.deepEqual(posted, [], 'held until the batch is due');
  t.mock.timers.tick(1);
  assert.deepEqual(posted, [{ type: 'logs', lines: [{ time: 't', level: 'warning', origin: 'processor', message: 'a' }, { time: 't', level: 'warning', origin: 'processor', message: 'b' }] }]);
  session.receive({ type: 'start' });
  session.receive({ type: 'stop', streamId: 's1' });
  assert.deepEqual(commands, [['tickbridge.startStream'], ['tickbridge.stopStream', 's1']]);
  session.dispose();
});

test('the replay buttons run the control command for the stream; streams carry health and playback', () => {
  const { posted, commands, session, apply } = setup();
  apply({ type: 'stream', stream: streamInfo('s1', 'running', { playback: { paused: true, speed: 10, stepping: false } }) });
  session.receive({ type: 'ready', selected: null, timeframe: null });
  const snapshot = posted[0];
  assert.ok(snapshot?.type === 'snapshot');
  assert.deepEqual(snapshot.snapshot.streams[0]?.playback, { paused: true, speed: 10, stepping: false });
  assert.equal(snapshot.snapshot.streams[0]?.health.lagP99Ms, 40);
  assert.deepEqual(snapshot.snapshot.speeds, [1, 10, 100, 'max']);
  session.receive({ type: 'control', streamId: 's1', control: { action: 'resume' } });
  assert.deepEqual(commands, [['tickbridge.controlStream', 's1', { action: 'resume' }]]);
});
