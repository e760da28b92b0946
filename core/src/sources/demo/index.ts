/**
 * Offline demo exchange: a local server that speaks enough Binance spot and USD-M futures
 * (WebSocket combined streams + REST) for tardis-dev's real live feeds to stream from it.
 * Prices, sizes and sides follow a seeded simulation; event times come from the wall clock.
 */
export { DEMO_EXCHANGES, DEMO_SYMBOLS, type DemoExchangeId } from './instruments.js';
export { startDemoExchange } from './server.js';
export { demoUrls, routeTardisTo } from './tardis.js';

export interface DemoExchangeOptions {
  /** Seed of the simulation: the same seed (and rate) gives the same prices, sizes and sides. Default 42. */
  seed?: number;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Messages per second generated per instrument while it has subscribers (all its streams). Default 200. */
  messagesPerSecond?: number;
}

export interface DemoExchange {
  readonly port: number;
  /** Routes tardis-dev's binance + binance-futures live feeds here. */
  useForTardis(): void;
  /** Puts back the feeds that were registered before `useForTardis`. */
  restoreTardis(): void;
  /** Terminates every WebSocket client (no close handshake). */
  dropConnections(): void;
  /** Sends nothing for `ms` without closing anything; the market is frozen meanwhile. */
  stall(ms: number): void;
  connectedClients(): number;
  /** WebSocket data messages sent so far, over all clients. */
  messagesSent(): number;
  /** REST requests received so far for an endpoint (`exchangeInfo`, `depth`, `openInterest`, ...). */
  requestCount(endpoint: string): number;
  close(): Promise<void>;
}
