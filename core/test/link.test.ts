// The engine side of the bridge against a protocol peer: batching, back-pressure, resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeLink, type LinkHandlers } from '../src/bridge/link.js';
import type { Candle } from '../src/bridge/protocol.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ProtocolPeer } from './helpers/protocolPeer.js';

const hello = { stream_id: 's1', exchange: 'binance', symbols: ['BTCUSDT'], timeframes: ['1m'], mode: 'candles' as const, live: false, run_id: 'r1', source: 'file' as const, dataset: null };
const msg = (n: number) => `{"type":"trade","symbol":"BTCUSDT","price":${n},"amount":1,"side":"buy","ts":${n}}`;

function handlers(candles: Candle[] = []): LinkHandlers {
  return { candle: (c) => candles.push(c), stats: () => {}, log: () => {}, error: () => {}, status: () => {} };
}

test('messages go in batches of at most the configured size, in order, each numbered once', async (t) => {
  const peer = await ProtocolPeer.start();
  const link = new BridgeLink(peer.url, hello, handlers(), { maxBatchMessages: 50 });
  t.after(async () => { link.close(); await peer.close(); });
  for (let n = 1; n <= 1000; n++) void link.push(msg(n));
  await peer.until(() => peer.connections[0] !== undefined && peer.received(peer.connections[0]).length === 1000);
  const connection = peer.connections[0]!;
  assert.deepEqual(peer.received(connection), Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.ok(connection.batches.every((batch) => batch.msgs.length <= 50));
  assert.ok(connection.batches.length <= 25, `1000 messages took ${connection.batches.length} frames`);
});

test('a full in-flight window pauses the producer until the processor acknowledges', async (t) => {
  const peer = await ProtocolPeer.start();
  const link = new BridgeLink(peer.url, hello, handlers(), { window: 100 });
  t.after(async () => { link.close(); await peer.close(); });
  let paused: Promise<void> | undefined;
  for (let n = 1; n <= 100 && !paused; n++) paused = link.push(msg(n));
  assert.ok(paused, 'the 100th message fills the window');
  let resumed = false;
  void paused.then(() => { resumed = true; });
  await peer.until(() => peer.connections[0] !== undefined && peer.received(peer.connections[0]).length === 100);
  assert.equal(resumed, false);
  peer.connections[0]!.socket.send(JSON.stringify({ type: 'ack', seq: 60, state: { next_seq: 61 } }));
  await paused;
  assert.equal(link.inFlight, 40);
});

test('after a lost connection it resumes from the last ack with that ack\'s state and resends the rest', async (t) => {
  const peer = await ProtocolPeer.start();
  const link = new BridgeLink(peer.url, hello, handlers(), { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await peer.close(); });
  for (let n = 1; n <= 300; n++) void link.push(msg(n));
  await peer.until(() => peer.connections[0] !== undefined && peer.received(peer.connections[0]).length === 300);
  const first = peer.connections[0]!;
  first.socket.send(JSON.stringify({ type: 'ack', seq: 120, state: { next_seq: 121, marker: 'after-120' } }));
  await peer.until(() => link.lastAcked === 120);
  first.socket.terminate();
  await peer.until(() => peer.connections[1] !== undefined && peer.received(peer.connections[1]).length === 180);
  const second = peer.connections[1]!;
  assert.equal(second.hello.next_seq, 121);
  assert.deepEqual(second.hello.state, { next_seq: 121, marker: 'after-120' });
  assert.deepEqual(peer.received(second), Array.from({ length: 180 }, (_, i) => i + 121));
  assert.equal(link.reconnects, 1);
});

test('a closed candle sent again after a restart is delivered once; open updates pass', async (t) => {
  const peer = await ProtocolPeer.start();
  const candles: Candle[] = [];
  const link = new BridgeLink(peer.url, hello, handlers(candles));
  t.after(async () => { link.close(); await peer.close(); });
  await peer.until(() => peer.connections.length === 1);
  const candle = (start: string, closed: boolean) => ({
    type: 'candle', exchange: 'binance', symbol: 'BTCUSDT', timeframe: '1m', start, end: start, closed, final: false,
    open: 1, high: 1, low: 1, close: 1, volume: 1, buy_volume: 1, sell_volume: 0, trades: 1, vwap: 1, gap: false, features: {}
  });
  const socket = peer.connections[0]!.socket;
  for (const [start, closed] of [['2024-01-01T00:00:00.000Z', true], ['2024-01-01T00:01:00.000Z', false], ['2024-01-01T00:00:00.000Z', true], ['2024-01-01T00:01:00.000Z', true]] as const) {
    socket.send(JSON.stringify(candle(start, closed)));
  }
  socket.send(JSON.stringify({ type: 'ack', seq: 0, state: {} }));
  await peer.until(() => candles.length >= 3);
  assert.deepEqual(candles.map((c) => [c.start.slice(14, 16), c.closed]), [['00', true], ['01', false], ['01', true]]);
  assert.equal(link.duplicateCandles, 1);
});

test('candles sent again follow the shared resend rule (docs/protocol-fixtures/sequences/candle_resend.json)', async (t) => {
  interface Step { symbol: string; timeframe: string; start: string; closed: boolean; final: boolean; delivered: boolean; why: string }
  const fixture = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'docs/protocol-fixtures/sequences/candle_resend.json'), 'utf8')) as { base: object; steps: Step[] };
  const peer = await ProtocolPeer.start();
  const candles: Candle[] = [];
  const link = new BridgeLink(peer.url, hello, handlers(candles));
  t.after(async () => { link.close(); await peer.close(); });
  await peer.until(() => peer.connections.length === 1);
  const socket = peer.connections[0]!.socket;
  for (const { delivered: _delivered, why: _why, ...step } of fixture.steps) socket.send(JSON.stringify({ ...fixture.base, ...step }));
  const expected = fixture.steps.filter((step) => step.delivered);
  await peer.until(() => link.duplicateCandles + candles.length === fixture.steps.length);
  const key = (c: Pick<Step, 'symbol' | 'timeframe' | 'start' | 'closed' | 'final'>) => `${c.symbol} ${c.timeframe} ${c.start} ${c.closed ? 'closed' : c.final ? 'final' : 'open'}`;
  assert.deepEqual(candles.map(key), expected.map(key));
  assert.equal(link.duplicateCandles, fixture.steps.length - expected.length);
});
