// Engine-shaped test data: streams, candles, stats and a fake engine the App can drive.
import { FEATURE_NAMES, isActive, validateRequest, type Candle, type PlaybackControl, type EngineEvent, type EngineStats, type StreamInfo, type StreamRequest } from '../../../core/index.js';
import type { EngineControl } from '../../engineApi.js';

export const DEMO_REQUEST: StreamRequest = {
  source: 'demo',
  exchange: 'binance',
  symbols: ['BTCUSDT'],
  dataTypes: ['trades', 'book_snapshot_5'],
  timeframes: ['15s', '1m', '5m', '15m'],
  mode: 'candles',
  speed: 'max',
  seed: 1
};

export function stream(id: string, overrides: Partial<StreamInfo> = {}): StreamInfo {
  const [exchange = 'binance', symbol = 'BTCUSDT'] = id.split(':');
  return {
    id,
    runId: id,
    request: { ...DEMO_REQUEST, exchange, symbols: [symbol] },
    status: 'running',
    detail: 'demo source open',
    failure: null,
    link: 'connected',
    messages: 100,
    messagesPerSecond: 98,
    trades: 90,
    candles: 0,
    lastPrice: 60012.5,
    inFlight: 0,
    startedAt: '2024-08-08T23:54:00.000Z',
    health: { lagP50Ms: 12, lagP99Ms: 40, windowFill: 0, backpressurePauses: 0, reconnects: 0, gaps: 0, late: 0, skipped: 0, messagesPerSecond: 98, warning: null },
    ...overrides
  };
}

export function candle(index: number, prices: { open: number; close: number; high?: number; low?: number }, overrides: Partial<Candle> = {}): Candle {
  const start = new Date(Date.UTC(2024, 7, 8, 23, 0, 0) + index * 15_000).toISOString();
  const end = new Date(Date.UTC(2024, 7, 8, 23, 0, 0) + (index + 1) * 15_000).toISOString();
  const features = Object.fromEntries(FEATURE_NAMES.map((name, n) => [name, n % 5 === 4 ? null : (index + 1) * (n + 1) * 0.01]));
  return {
    type: 'candle',
    exchange: 'binance',
    symbol: 'BTCUSDT',
    timeframe: '15s',
    start,
    end,
    closed: true,
    final: false,
    open: prices.open,
    high: prices.high ?? Math.max(prices.open, prices.close) + 2,
    low: prices.low ?? Math.min(prices.open, prices.close) - 2,
    close: prices.close,
    volume: 1 + (index % 3),
    buy_volume: 0.5,
    sell_volume: 0.5,
    trades: 10,
    vwap: prices.close,
    gap: false,
    partial: false,
    features,
    ...overrides
  };
}

/** A zig-zag series of closed bars and an open one. */
export function candleSeries(count: number, timeframe = '15s'): Candle[] {
  let price = 60000;
  return Array.from({ length: count }, (_, index) => {
    const open = price;
    price += index % 3 === 2 ? -6 : 5;
    return candle(index, { open, close: price }, { timeframe, closed: index < count - 1 });
  });
}

export function stats(overrides: Partial<EngineStats> = {}): EngineStats {
  return {
    uptimeS: 83,
    messages: 12345,
    messagesPerSecond: 98.5,
    trades: 11000,
    candles: 31,
    streams: 1,
    processor: { url: 'ws://127.0.0.1:1', status: 'running', restarts: 0, stats: null },
    health: {},
    ...overrides
  };
}

/** Implements what the TUI uses of the engine; records the commands it receives. */
export class FakeEngine implements EngineControl {
  readonly streams = new Map<string, StreamInfo>();
  readonly started: StreamRequest[] = [];
  readonly stopped: string[] = [];
  readonly restarted: string[] = [];
  /** listStreams calls: the monitor's feed lists the streams each time it hands events over. */
  listings = 0;
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  constructor(initial: StreamInfo[] = [stream('binance:BTCUSDT')]) {
    for (const info of initial) this.streams.set(info.runId, info);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    if (event.type === 'stream') this.streams.set(event.stream.runId, event.stream);
    for (const listener of this.listeners) listener(event);
  }

  listStreams(): StreamInfo[] {
    this.listings++;
    return [...this.streams.values()];
  }

  stats(): EngineStats {
    return stats();
  }

  startStream(request: StreamRequest): string {
    if (request.exchange === 'nowhere') throw new Error('unknown exchange "nowhere"');
    validateRequest(request); // the engine's own checks, as Engine.startStream runs them
    this.started.push(request);
    const id = `${request.exchange}:${request.symbols.join(',')}`;
    this.emit({ type: 'stream', stream: { ...stream(id), request } });
    return id;
  }

  async stopStream(id: string): Promise<void> {
    this.stopped.push(id);
    const info = this.streams.get(id);
    if (info) this.emit({ type: 'stream', stream: { ...info, status: 'stopped', detail: 'stopped' } });
  }

  async restartStream(id: string): Promise<string> {
    this.restarted.push(id);
    return id;
  }

  clearFinished(): string[] {
    const ended = [...this.streams.values()].filter((info) => !isActive(info.status)).map((info) => info.runId);
    for (const runId of ended) this.streams.delete(runId);
    if (ended.length > 0) this.emit({ type: 'cleared', runIds: ended });
    return ended;
  }

  readonly controls: [string, PlaybackControl][] = [];

  controlStream(id: string, control: PlaybackControl): void {
    this.controls.push([id, control]);
  }
}
