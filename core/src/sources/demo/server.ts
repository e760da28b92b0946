/**
 * The demo exchange process: one HTTP server on 127.0.0.1 with the REST API, two WebSocket
 * endpoints (`/spot/stream`, `/futures/stream`) and a 1 ms timer that advances every watched
 * instrument. Instruments nobody subscribes to stay frozen.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { SymbolFeed, type Clock } from './feed.js';
import { StreamHub } from './hub.js';
import type { DemoExchange, DemoExchangeOptions } from './index.js';
import { DEMO_EXCHANGES, instrumentsOf, type DemoExchangeId } from './instruments.js';
import { RestApi } from './rest.js';
import { routeTardisTo } from './tardis.js';

/** A market emits continuously: at 10k messages/s a 5 ms tick sent bursts of ~50 that the engine
 * (in this process) had to work through before any reply could come in (bench: live latency p99
 * ~9 ms with 5 ms ticks, ~5 ms with 1 ms ticks). */
const TICK_MS = 1;
const DEFAULT_SEED = 42;
const DEFAULT_MESSAGES_PER_SECOND = 200;
const WS_PATHS: Record<string, DemoExchangeId> = { '/spot/stream': 'binance', '/futures/stream': 'binance-futures' };

/** Wall clock with microsecond resolution that never goes backwards. */
export function systemClock(): Clock {
  let offsetMs = Date.now() - performance.now();
  let lastUs = 0;
  let nextSyncMs = 0;
  return {
    nowUs() {
      const now = performance.now();
      if (now >= nextSyncMs) {
        offsetMs = Date.now() - now;
        nextSyncMs = now + 10_000;
      }
      lastUs = Math.max(lastUs, Math.floor((offsetMs + now) * 1000));
      return lastUs;
    },
  };
}

function validate(options: DemoExchangeOptions): Required<DemoExchangeOptions> {
  const { seed = DEFAULT_SEED, port = 0, messagesPerSecond = DEFAULT_MESSAGES_PER_SECOND } = options;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0-65535, got ${port}`);
  if (!(messagesPerSecond > 0 && messagesPerSecond <= 1_000_000)) {
    throw new RangeError(`messagesPerSecond must be in (0, 1000000], got ${messagesPerSecond}`);
  }
  return { seed, port, messagesPerSecond };
}

class LocalDemoExchange implements DemoExchange {
  private readonly feeds = new Map<string, SymbolFeed>();
  private readonly timer: NodeJS.Timeout;
  private stalledUntilMs = 0;
  private undoTardis: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly port: number,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly hub: StreamHub,
    private readonly rest: RestApi,
    private readonly clock: Clock,
    options: Required<DemoExchangeOptions>,
  ) {
    for (const exchange of DEMO_EXCHANGES) {
      for (const spec of instrumentsOf(exchange)) {
        const publish = (stream: string, render: Parameters<StreamHub['publish']>[2]) => hub.publish(exchange, stream, render);
        const feed = new SymbolFeed({ spec, seed: options.seed, messagesPerSecond: options.messagesPerSecond, clock, publish });
        this.feeds.set(`${exchange}:${spec.symbol}`, feed);
      }
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  feed(exchange: DemoExchangeId, symbol: string): SymbolFeed | undefined {
    return this.feeds.get(`${exchange}:${symbol.toUpperCase()}`);
  }

  useForTardis(): void {
    this.restoreTardis();
    this.undoTardis = routeTardisTo(this.port);
  }

  restoreTardis(): void {
    this.undoTardis?.();
    this.undoTardis = undefined;
  }

  dropConnections(): void {
    this.hub.dropAll();
  }

  stall(ms: number): void {
    this.stalledUntilMs = Math.max(this.stalledUntilMs, this.clock.nowUs() / 1000 + Math.max(0, ms));
  }

  connectedClients(): number {
    return this.hub.connectedClients();
  }

  messagesSent(): number {
    return this.hub.messagesSent();
  }

  requestCount(endpoint: string): number {
    return this.rest.requestCount(endpoint);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.timer);
      this.restoreTardis();
      this.hub.dropAll();
      this.wss.close();
      // Idle keep-alive sockets close now; a response being written gets a moment to finish.
      const force = setTimeout(() => this.server.closeAllConnections(), 1000);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private tick(): void {
    const nowMs = this.clock.nowUs() / 1000;
    const stalled = nowMs < this.stalledUntilMs;
    for (const feed of this.feeds.values()) {
      const { exchange, symbol } = feed.format.spec;
      if (!stalled && this.hub.isWatched(exchange, symbol)) feed.tick(nowMs);
      else feed.pause();
    }
  }
}

export async function startDemoExchange(options: DemoExchangeOptions = {}): Promise<DemoExchange> {
  const settings = validate(options);
  const clock = systemClock();
  const hub = new StreamHub();
  let exchange: LocalDemoExchange | undefined;
  const rest = new RestApi({ feed: (ex, symbol) => exchange?.feed(ex, symbol), nowMs: () => Math.floor(clock.nowUs() / 1000) });
  const server = createServer((request, response) => rest.handle(request, response));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const target = WS_PATHS[url.pathname];
    if (target === undefined || exchange === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => hub.accept(ws, socket, target, url));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  exchange = new LocalDemoExchange(port, server, wss, hub, rest, clock, settings);
  return exchange;
}
