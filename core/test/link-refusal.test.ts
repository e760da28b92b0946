// A processor that refuses a stream (docs/protocol.md: an `error` frame and close 1002/1008, or an
// HTTP 401 on the upgrade) fails it at once with its own words; other losses reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { BridgeLink, type LinkHandlers, type LinkStatus } from '../src/bridge/link.js';
import { until } from './helpers/until.js';

const hello = { stream_id: 's1', exchange: 'binance', symbols: ['BTCUSDT'], timeframes: ['1m'], mode: 'candles' as const, live: false, run_id: 'r1', source: 'file' as const, dataset: null };

function recorder() {
  const statuses: [LinkStatus, string][] = [];
  const handlers: LinkHandlers = { candle: () => {}, stats: () => {}, log: () => {}, error: () => {}, status: (status, detail) => statuses.push([status, detail]) };
  return { statuses, handlers };
}

async function peer(onConnection: (socket: WebSocket) => void) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    onConnection(socket);
  });
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, connections: () => connections, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('an error frame refusing the hello ends the link with the processor\'s message, no reconnect', async (t) => {
  const server = await peer((socket) => socket.once('message', () => {
    socket.send(JSON.stringify({ type: 'error', code: 'bad_hello', message: "invalid timeframe '1d'", seq: null }));
    socket.close(1002, 'bad_hello');
  }));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(server.url, hello, handlers, { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await server.close(); });
  await until(() => link.status === 'refused');
  assert.deepEqual(statuses.at(-1), ['refused', "invalid timeframe '1d'"]);
  assert.equal(link.push('{}'), undefined, 'a refused link takes nothing more and never blocks');
  await link.finish();
  assert.equal(server.connections(), 1);
});

test('store_failed after the welcome ends a running stream with the processor\'s message', async (t) => {
  const server = await peer((socket) => socket.once('message', () => {
    socket.send(JSON.stringify({ type: 'welcome', v: 1, stream_id: 's1', server: 'test' }));
    socket.send(JSON.stringify({ type: 'error', code: 'store_failed', message: 'the local store cannot be written', seq: null }));
  }));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(server.url, hello, handlers, { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await server.close(); });
  await until(() => link.status === 'refused');
  assert.deepEqual(statuses.at(-1), ['refused', 'the local store cannot be written']);
});

test('a close 1008 before the welcome is a refusal; a drop after it reconnects with the socket\'s reason', async (t) => {
  let n = 0;
  const server = await peer((socket) => socket.once('message', () => {
    n++;
    if (n === 1) {
      socket.send(JSON.stringify({ type: 'welcome', v: 1, stream_id: 's1', server: 'test' }));
      setImmediate(() => socket.terminate());
    } else socket.close(1008, 'unauthorized');
  }));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(server.url, hello, handlers, { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await server.close(); });
  await until(() => link.status === 'refused');
  assert.deepEqual(statuses.map(([status]) => status), ['connected', 'reconnecting', 'refused']);
  assert.match(statuses[1]![1], /unreachable: .*; reconnecting$/);
  assert.equal(statuses[2]![1], 'the processor refused the stream (close 1008: unauthorized)');
});

test('an HTTP 401 on the upgrade is a refusal', async (t) => {
  const server = createServer((_request, response) => response.writeHead(401).end());
  server.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(`ws://127.0.0.1:${(server.address() as { port: number }).port}`, hello, handlers, { reconnectInitialMs: 10 });
  t.after(() => { link.close(); server.close(); });
  await until(() => link.status === 'refused');
  assert.match(statuses.at(-1)![1], /refused the connection \(HTTP 401 Unauthorized\)/);
});

test('reconnect delays are jittered within half to all of the backoff step; the detail is the socket error', async (t) => {
  const { handlers: a, statuses: sa } = recorder();
  const { handlers: b } = recorder();
  const delays: number[] = [];
  const original = global.setTimeout;
  // observe the delays the links choose (the timers still run)
  (global as any).setTimeout = ((fn: () => void, ms?: number) => {
    if (ms !== undefined && ms >= 50 && ms <= 100) delays.push(ms);
    return original(fn, ms);
  }) as typeof setTimeout;
  t.after(() => ((global as any).setTimeout = original));
  const links = [new BridgeLink('ws://127.0.0.1:1', hello, a, { reconnectInitialMs: 100 }), new BridgeLink('ws://127.0.0.1:1', hello, b, { reconnectInitialMs: 100 })];
  t.after(() => links.forEach((link) => link.close()));
  await until(() => delays.length >= 2);
  (global as any).setTimeout = original;
  assert.ok(delays.every((d) => d >= 50 && d <= 100), delays.join(','));
  assert.match(sa[0]![1], /connect ECONNREFUSED 127\.0\.0\.1:1; reconnecting$/);
});

test('an HTTP 500 on the upgrade is not a refusal: the link retries and says what it got', async (t) => {
  const server = createServer((_request, response) => response.writeHead(500).end());
  server.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(`ws://127.0.0.1:${(server.address() as { port: number }).port}`, hello, handlers, { reconnectInitialMs: 10 });
  t.after(() => { link.close(); server.close(); });
  await until(() => statuses.filter(([status]) => status === 'reconnecting').length >= 2);
  assert.equal(link.status === 'refused', false);
  assert.match(statuses[0]![1], /unreachable: answered HTTP 500 Internal Server Error instead of a WebSocket; reconnecting$/);
});

test('a welcome of another protocol version ends the link naming both versions, no reconnect', async (t) => {
  const server = await peer((socket) => socket.once('message', () => socket.send(JSON.stringify({ type: 'welcome', v: 2, stream_id: 's1', server: 'test' }))));
  const { statuses, handlers } = recorder();
  const link = new BridgeLink(server.url, hello, handlers, { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await server.close(); });
  await until(() => link.status === 'refused');
  assert.deepEqual(statuses, [['refused', `the processor at ${server.url} speaks protocol v2; this engine speaks v1: install the same version of both`]]);
  assert.equal(server.connections(), 1);
});

test('a tick with an implausible price from the processor is refused like the processor refuses it, naming the field', async (t) => {
  const trade = { type: 'trade', symbol: 'BTCUSDT', amount: 1, side: 'buy', ts: 1 };
  const server = await peer((socket) => socket.once('message', () => {
    socket.send(JSON.stringify({ type: 'welcome', v: 1, stream_id: 's1', server: 'test' }));
    socket.send(JSON.stringify({ type: 'tick', exchange: 'binance', msg: { ...trade, price: -5 }, seq: 1 }));
    socket.send(JSON.stringify({ type: 'tick', exchange: 'binance', msg: { ...trade, price: 61000 }, seq: 2 }));
  }));
  const logs: string[] = [];
  const ticks: number[] = [];
  const { handlers } = recorder();
  const link = new BridgeLink(server.url, { ...hello, mode: 'ticks' }, { ...handlers, log: (_level, message) => logs.push(message), tick: (tick) => ticks.push(tick.seq ?? 0) }, { reconnectInitialMs: 10 });
  t.after(async () => { link.close(); await server.close(); });
  await until(() => ticks.length > 0);
  assert.deepEqual(ticks, [2]);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^processor sent a bad frame \(msg\.price: /);
});
