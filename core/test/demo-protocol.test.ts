// The demo exchange's wire protocol, checked with a plain WebSocket client and fetch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startDemoExchange, type DemoExchange } from '../src/sources/demo/index.js';

type Json = Record<string, unknown>;
interface Envelope extends Json { stream: string; data: Json }

/** WebSocket client whose messages are read in order with a deadline. */
class Client {
  private readonly queue: Json[] = [];
  private waiter: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.queue.push(JSON.parse(String(data)) as Json);
      this.waiter?.();
    });
  }

  static open(url: string): Promise<Client> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  async next(timeoutMs = 10_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift() as Json;
  }

  async subscribe(streams: string[], id = 1): Promise<void> {
    this.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id }));
    assert.deepEqual(await this.next(), { result: null, id });
  }

  /** Next data message (asserting the envelope shape), optionally of one stream only. */
  async data(stream?: string): Promise<Envelope> {
    for (;;) {
      const message = await this.next();
      assert.deepEqual(Object.keys(message), ['stream', 'data'], JSON.stringify(message));
      if (stream === undefined || message.stream === stream) return message as Envelope;
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

let demo: DemoExchange;
let http: string;
let ws: string;
const clients: Client[] = [];

async function open(path: string): Promise<Client> {
  const client = await Client.open(`${ws}${path}`);
  clients.push(client);
  return client;
}

async function getJson(path: string): Promise<{ status: number; body: Json; weight: string | null }> {
  const response = await fetch(`${http}${path}`);
  return { status: response.status, body: (await response.json()) as Json, weight: response.headers.get('x-mbx-used-weight-1m') };
}

before(async () => {
  demo = await startDemoExchange({ seed: 3, messagesPerSecond: 1000 });
  http = `http://127.0.0.1:${demo.port}`;
  ws = `ws://127.0.0.1:${demo.port}`;
});

after(async () => {
  for (const client of clients) client.close();
  await demo.close();
});

const PRICE8 = /^\d+\.\d{8}$/;
const keys = (value: unknown): string[] => Object.keys(value as Json);

test('spot: SUBSCRIBE ack, then envelopes with Binance spot fields; microsecond times on request', { timeout: 30_000 }, async () => {
  const client = await open('/spot/stream?timeUnit=microsecond');
  const streams = ['btcusdt@trade', 'btcusdt@depth@100ms', 'btcusdt@bookTicker', 'btcusdt@ticker'];
  await client.subscribe(streams, 7);
  const seen = new Map<string, Json>();
  while (seen.size < streams.length) {
    const { stream, data } = await client.data();
    assert.ok(streams.includes(stream), stream);
    seen.set(stream, data);
  }
  const trade = seen.get('btcusdt@trade') as Json;
  assert.deepEqual(keys(trade), ['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
  assert.equal(trade.e, 'trade');
  assert.equal(trade.s, 'BTCUSDT');
  assert.ok(PRICE8.test(trade.p as string) && PRICE8.test(trade.q as string));
  assert.equal(typeof trade.t, 'number');
  assert.equal(typeof trade.m, 'boolean');
  assert.ok(Math.abs((trade.E as number) / 1000 - Date.now()) < 10_000, 'E is wall-clock microseconds');
  assert.deepEqual(keys(seen.get('btcusdt@depth@100ms')), ['e', 'E', 's', 'U', 'u', 'b', 'a']);
  assert.deepEqual(keys(seen.get('btcusdt@bookTicker')), ['u', 's', 'b', 'B', 'a', 'A']);
  assert.equal((seen.get('btcusdt@ticker') as Json).e, '24hrTicker');
  client.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
  for (;;) {
    const message = await client.next();
    if (message.id !== 8) continue;
    assert.deepEqual(message, { result: streams, id: 8 });
    break;
  }

  const plain = await open('/spot/stream?streams=ethusdt@trade');
  const { data } = await plain.data('ethusdt@trade');
  assert.ok(Math.abs((data.T as number) - Date.now()) < 10_000, 'milliseconds without timeUnit');
});

test('futures: trade, depth (pu chain), bookTicker, markPrice and forceOrder fields', { timeout: 30_000 }, async () => {
  const client = await open('/futures/stream');
  const streams = ['btcusdt@trade', 'btcusdt@depth@0ms', 'btcusdt@bookTicker', 'btcusdt@markPrice@1s', 'btcusdt@forceOrder'];
  await client.subscribe(streams);
  const seen = new Map<string, Json>();
  let previousDepth: Json | undefined;
  while (seen.size < streams.length) {
    const { stream, data } = await client.data();
    if (stream === 'btcusdt@depth@0ms') {
      if (previousDepth !== undefined) assert.equal(data.pu, previousDepth.u);
      previousDepth = data;
    }
    seen.set(stream, data);
  }
  const trade = seen.get('btcusdt@trade') as Json;
  assert.deepEqual(keys(trade), ['e', 'E', 'T', 's', 't', 'p', 'q', 'X', 'm']);
  assert.match(trade.p as string, /^\d+\.\d0$/, 'BTC futures tick 0.1, two decimals');
  assert.match(trade.q as string, /^\d+\.\d{3}$/);
  assert.ok(Math.abs((trade.T as number) - Date.now()) < 10_000);
  assert.deepEqual(keys(seen.get('btcusdt@depth@0ms')), ['e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a']);
  assert.deepEqual(keys(seen.get('btcusdt@bookTicker')), ['e', 'u', 's', 'b', 'B', 'a', 'A', 'T', 'E']);
  const mark = seen.get('btcusdt@markPrice@1s') as Json;
  assert.deepEqual(keys(mark), ['e', 'E', 's', 'p', 'i', 'P', 'r', 'T']);
  assert.ok((mark.T as number) > Date.now(), 'next funding time');
  const liquidation = seen.get('btcusdt@forceOrder') as Json;
  assert.deepEqual(keys(liquidation), ['e', 'E', 'o']);
  assert.deepEqual(keys(liquidation.o), ['s', 'S', 'o', 'f', 'q', 'p', 'ap', 'X', 'l', 'z', 'T']);
});

test('REST: exchangeInfo with REQUEST_WEIGHT, depth snapshots, open interest, errors', async () => {
  for (const [prefix, limit] of [['/api/v1', 6000], ['/fapi/v1', 2400]] as const) {
    const info = await getJson(`${prefix}/exchangeInfo`);
    assert.equal(info.status, 200);
    assert.ok(Number(info.weight) > 0, 'x-mbx-used-weight-1m');
    const rateLimits = info.body.rateLimits as Json[];
    assert.deepEqual(rateLimits.find((r) => r.rateLimitType === 'REQUEST_WEIGHT'),
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit });
    assert.deepEqual((info.body.symbols as Json[]).map((s) => s.symbol), ['BTCUSDT', 'ETHUSDT']);
    const depth = await getJson(`${prefix}/depth?symbol=BTCUSDT&limit=1000`);
    const bids = (depth.body.bids as [string, string][]).map(([p]) => Number(p));
    const asks = (depth.body.asks as [string, string][]).map(([p]) => Number(p));
    assert.equal(bids.length, 1000);
    assert.equal(asks.length, 1000);
    assert.ok(bids.every((p, i) => i === 0 || p < (bids[i - 1] as number)));
    assert.ok(asks.every((p, i) => i === 0 || p > (asks[i - 1] as number)));
    assert.ok((bids[0] as number) < (asks[0] as number));
    assert.equal(typeof depth.body.lastUpdateId, 'number');
    assert.deepEqual((await getJson(`${prefix}/depth?symbol=DOGEUSDT`)).body, { code: -1121, msg: 'Invalid symbol.' });
  }
  const oi = await getJson('/fapi/v1/openInterest?symbol=ETHUSDT');
  assert.deepEqual(keys(oi.body), ['symbol', 'openInterest', 'time']);
  assert.ok(Number(oi.body.openInterest) > 0);
  assert.equal((await fetch(`${http}/nope`)).status, 404);
  assert.ok(demo.requestCount('depth') >= 4);
});

/** Applies `[price, size]` levels (size 0 removes) to one side of a book. */
function apply(side: Map<string, string>, levels: unknown): void {
  for (const [price, size] of levels as [string, string][]) {
    if (Number(size) === 0) side.delete(price);
    else side.set(price, size);
  }
}

function top(side: Map<string, string>, descending: boolean, n: number): [string, string][] {
  return [...side].sort((a, b) => (descending ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, n);
}

for (const [exchange, path, rest, stream] of [
  ['spot', '/spot/stream', '/api/v3', 'ethusdt@depth@100ms'],
  ['futures', '/futures/stream', '/fapi/v1', 'ethusdt@depth@0ms'],
] as const) {
  test(`${exchange}: snapshot + diffs reproduce a later snapshot exactly`, { timeout: 30_000 }, async () => {
    const client = await open(path);
    await client.subscribe([stream]);
    await client.data(stream);
    const s1 = (await getJson(`${rest}/depth?symbol=ETHUSDT&limit=1000`)).body;
    const l1 = s1.lastUpdateId as number;
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    apply(bids, s1.bids);
    apply(asks, s1.asks);
    let applied = 0;
    let lastU = l1;
    const step = async (): Promise<Json> => {
      const { data } = await client.data(stream);
      if ((data.u as number) <= l1) return data;
      // No gap: every diff starts right after what the book already has.
      assert.ok((data.U as number) <= lastU + 1, `gap: U ${data.U} after ${lastU}`);
      lastU = data.u as number;
      apply(bids, data.b);
      apply(asks, data.a);
      applied++;
      return data;
    };
    while (applied < 20) await step();
    const s2 = (await getJson(`${rest}/depth?symbol=ETHUSDT&limit=1000`)).body;
    let last: Json;
    do last = await step();
    while ((last.u as number) < (s2.lastUpdateId as number));
    // State after `last` = snapshot 2 with `last` applied (diffs carry absolute sizes).
    const bids2 = new Map<string, string>();
    const asks2 = new Map<string, string>();
    apply(bids2, s2.bids);
    apply(asks2, s2.asks);
    apply(bids2, last.b);
    apply(asks2, last.a);
    assert.deepEqual(top(bids, true, 200), top(bids2, true, 200));
    assert.deepEqual(top(asks, false, 200), top(asks2, false, 200));
  });
}

test('instruments nobody watches stay frozen; unknown WebSocket paths are refused', async () => {
  demo.dropConnections();
  assert.equal(demo.connectedClients(), 0);
  const depthId = async (path: string) => (await getJson(`${path}/depth?symbol=ETHUSDT&limit=5`)).body.lastUpdateId;
  const spotEth = await depthId('/api/v3');
  const futuresEth = await depthId('/fapi/v1');
  const spotBtc = (await getJson('/api/v3/depth?symbol=BTCUSDT&limit=5')).body.lastUpdateId;
  const client = await open('/spot/stream');
  await client.subscribe(['btcusdt@trade']);
  assert.equal(demo.connectedClients(), 1);
  for (let i = 0; i < 50; i++) await client.data();
  assert.notEqual((await getJson('/api/v3/depth?symbol=BTCUSDT&limit=5')).body.lastUpdateId, spotBtc);
  assert.equal(await depthId('/api/v3'), spotEth);
  assert.equal(await depthId('/fapi/v1'), futuresEth);
  await assert.rejects(Client.open(`${ws}/elsewhere`));
});
