/**
 * Binance combined-stream WebSocket connections: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS
 * requests, `?streams=a/b` in the URL, and `{"stream":...,"data":...}` envelopes sent to the
 * subscribers of each stream. Spot connections opened with `timeUnit=microsecond` get
 * microsecond times.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { TimeUnit } from './binanceFormat.js';
import type { Render } from './feed.js';
import { DEMO_EXCHANGES, type DemoExchangeId } from './instruments.js';

interface Client {
  readonly ws: WebSocket;
  /** The connection under `ws`: corked while a tick's messages are written. */
  readonly socket: Duplex;
  corked: boolean;
  readonly exchange: DemoExchangeId;
  readonly unit: TimeUnit;
  readonly streams: Set<string>;
}

/** A client this far behind is cut off, as Binance does with slow consumers. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** `BTCUSDT@bookTicker` -> `btcusdt@bookTicker`: symbols are lower case, channels keep their case. */
function normalizeStream(stream: string): string {
  const at = stream.indexOf('@');
  return at < 0 ? stream.toLowerCase() : stream.slice(0, at).toLowerCase() + stream.slice(at);
}

function symbolOf(stream: string): string {
  const at = stream.indexOf('@');
  return at < 0 ? stream : stream.slice(0, at);
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly subscribers = new Map<DemoExchangeId, Map<string, Set<Client>>>();
  /** Subscriptions per exchange and lower-case symbol, to know which instruments are watched. */
  private readonly watched = new Map<DemoExchangeId, Map<string, number>>();
  private sent = 0;

  constructor() {
    for (const exchange of DEMO_EXCHANGES) {
      this.subscribers.set(exchange, new Map());
      this.watched.set(exchange, new Map());
    }
  }

  /** Takes over a freshly opened connection. */
  accept(ws: WebSocket, socket: Duplex, exchange: DemoExchangeId, url: URL): void {
    const timeUnit = url.searchParams.get('timeUnit')?.toLowerCase();
    const unit: TimeUnit = exchange === 'binance' && timeUnit === 'microsecond' ? 'us' : 'ms';
    const client: Client = { ws, socket, corked: false, exchange, unit, streams: new Set() };
    this.clients.add(client);
    const initial = url.searchParams.get('streams');
    if (initial) this.subscribe(client, initial.split('/').filter((s) => s.length > 0));
    ws.on('message', (data, isBinary) => this.onRequest(client, isBinary ? '' : String(data)));
    ws.on('close', () => this.remove(client));
    ws.on('error', () => ws.terminate());
  }

  connectedClients(): number {
    return this.clients.size;
  }

  messagesSent(): number {
    return this.sent;
  }

  isWatched(exchange: DemoExchangeId, symbol: string): boolean {
    return (this.watched.get(exchange)?.get(symbol.toLowerCase()) ?? 0) > 0;
  }

  publish(exchange: DemoExchangeId, stream: string, render: Render): void {
    const clients = this.subscribers.get(exchange)?.get(stream);
    if (clients === undefined || clients.size === 0) return;
    let ms: string | undefined;
    let us: string | undefined;
    for (const client of clients) {
      const text = client.unit === 'us'
        ? (us ??= JSON.stringify({ stream, data: render('us') }))
        : (ms ??= JSON.stringify({ stream, data: render('ms') }));
      if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        client.ws.terminate();
        continue;
      }
      this.cork(client);
      client.ws.send(text);
      this.sent += 1;
    }
  }

  /**
   * The messages of one tick leave in one write, as a network would coalesce them: a write per
   * message (a system call waking the reader each time) was ~8% of the demo stream's worker
   * thread at 10k messages/s (docs/benchmarks.md).
   */
  private cork(client: Client): void {
    if (client.corked) return;
    client.corked = true;
    client.socket.cork();
    process.nextTick(() => {
      client.corked = false;
      client.socket.uncork();
    });
  }

  /** Terminates every connection (no close handshake), like a network failure. */
  dropAll(): void {
    for (const client of [...this.clients]) {
      client.ws.terminate();
      this.remove(client);
    }
  }

  private onRequest(client: Client, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      this.reply(client, { error: { code: 3, msg: 'Invalid JSON' }, id: null });
      return;
    }
    const { method, params, id } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const requestId = typeof id === 'number' || typeof id === 'string' ? id : null;
    const streams = Array.isArray(params) && params.every((p) => typeof p === 'string') ? params : undefined;
    switch (method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        if (streams === undefined) break;
        if (method === 'SUBSCRIBE') this.subscribe(client, streams);
        else this.unsubscribe(client, streams);
        this.reply(client, { result: null, id: requestId });
        return;
      case 'LIST_SUBSCRIPTIONS':
        this.reply(client, { result: [...client.streams], id: requestId });
        return;
      case 'SET_PROPERTY':
        this.reply(client, { result: null, id: requestId });
        return;
      case 'GET_PROPERTY':
        this.reply(client, { result: true, id: requestId });
        return;
    }
    this.reply(client, { error: { code: 2, msg: 'Invalid request: unknown method or params' }, id: requestId });
  }

  private reply(client: Client, message: object): void {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(message));
  }

  private subscribe(client: Client, streams: readonly string[]): void {
    const byStream = this.subscribers.get(client.exchange) as Map<string, Set<Client>>;
    for (const raw of streams) {
      const stream = normalizeStream(raw);
      if (client.streams.has(stream)) continue;
      client.streams.add(stream);
      let set = byStream.get(stream);
      if (set === undefined) byStream.set(stream, (set = new Set()));
      set.add(client);
      this.watch(client.exchange, symbolOf(stream), 1);
    }
  }

  private unsubscribe(client: Client, streams: readonly string[]): void {
    const byStream = this.subscribers.get(client.exchange) as Map<string, Set<Client>>;
    for (const raw of streams) {
      const stream = normalizeStream(raw);
      if (!client.streams.delete(stream)) continue;
      byStream.get(stream)?.delete(client);
      this.watch(client.exchange, symbolOf(stream), -1);
    }
  }

  private watch(exchange: DemoExchangeId, symbol: string, delta: number): void {
    const counts = this.watched.get(exchange) as Map<string, number>;
    counts.set(symbol, (counts.get(symbol) ?? 0) + delta);
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.unsubscribe(client, [...client.streams]);
  }
}
