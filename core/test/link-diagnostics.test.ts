// What profilers and the latency benchmark see of a link (core/src/bridge/diagnostics.ts): each
// pushed message and each candle update handed on, on node:diagnostics_channel, in order.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BridgeLink } from '../src/bridge/link.js';
import { LINK_CANDLE_CHANNEL, LINK_PUSH_CHANNEL, type LinkCandleEvent, type LinkPushEvent } from '../src/bridge/diagnostics.js';
import { Candle } from '../src/bridge/protocol.js';
import { ProtocolPeer } from './helpers/protocolPeer.js';

const hello = { stream_id: 's1', exchange: 'binance', symbols: ['BTCUSDT'], timeframes: ['1m'], mode: 'candles' as const, live: false, run_id: 'r1', source: 'file' as const, dataset: null };
const trade = (n: number) => `{"type":"trade","symbol":"BTCUSDT","price":${n},"amount":1,"side":"buy","ts":${n}}`;
const fixture = Candle.parse(JSON.parse(readFileSync(new URL('../../../docs/protocol-fixtures/candle.json', import.meta.url), 'utf8')));

test('a subscriber sees every pushed message and every candle update handed on, in order', async (t) => {
  const peer = await ProtocolPeer.start();
  const handed: number[] = [];
  const link = new BridgeLink(peer.url, hello, { candle: (c) => handed.push(c.trades), stats: () => {}, log: () => {}, error: () => {}, status: () => {} });
  const pushed: string[] = [];
  const candles: number[] = [];
  const onPush = (event: unknown) => pushed.push((event as LinkPushEvent).encoded);
  const onCandle = (event: unknown) => candles.push((event as LinkCandleEvent).candle.trades);
  subscribe(LINK_PUSH_CHANNEL, onPush);
  subscribe(LINK_CANDLE_CHANNEL, onCandle);
  t.after(async () => {
    unsubscribe(LINK_PUSH_CHANNEL, onPush);
    unsubscribe(LINK_CANDLE_CHANNEL, onCandle);
    link.close();
    await peer.close();
  });
  for (let n = 1; n <= 3; n++) void link.push(trade(n));
  assert.deepEqual(pushed, [trade(1), trade(2), trade(3)]);
  await peer.until(() => peer.connections.length === 1);
  for (const trades of [1, 2, 3]) peer.connections[0]!.socket.send(JSON.stringify({ ...fixture, closed: false, trades }));
  await peer.until(() => handed.length === 3);
  assert.deepEqual(candles, [1, 2, 3]);
});
