/** Test doubles for the host logic: engine events and a fake engine. */
import type { Candle, EngineEvent, PlaybackControl, StreamInfo, StreamRequest } from '../../core/index.js';
import type { EngineLike } from '../src/engineHost.js';

export const REQUEST: StreamRequest = { source: 'demo', exchange: 'binance', symbols: ['BTCUSDT'], dataTypes: ['trades'], timeframes: ['15s', '1m'], mode: 'candles', speed: 'max' };

export function streamInfo(id: string, status: StreamInfo['status'] = 'running', extra: Partial<StreamInfo> = {}): StreamInfo {
  return {
    id,
    runId: id,
    request: REQUEST,
    status,
    detail: '',
    failure: null,
    link: 'connected',
    messages: 10,
    messagesPerSecond: 5,
    trades: 3,
    candles: 0,
    lastPrice: 100,
    inFlight: 0,
    startedAt: '2024-08-08T00:00:00.000Z',
    health: { lagP50Ms: 12, lagP99Ms: 40, windowFill: 0, backpressurePauses: 0, reconnects: 0, gaps: 0, late: 0, skipped: 0, messagesPerSecond: 5, warning: null },
    ...extra
  };
}

export function candle(start: string, timeframe = '15s', extra: Partial<Candle> = {}): Candle {
  return {
    type: 'candle',
    exchange: 'binance',
    symbol: 'BTCUSDT',
    timeframe,
    start,
    end: start,
    closed: false,
    final: false,
    open: 100,
    high: 101,
    low: 99,
    close: 100.5,
    volume: 2,
    buy_volume: 1,
    sell_volume: 1,
    trades: 4,
    vwap: 100.2,
    gap: false,
    partial: false,
    features: { mid: 100.4, obi_5: 0.1 },
    ...extra
  };
}

export const candleEvent = (streamId: string, c: Candle, runId = streamId): EngineEvent => ({ type: 'candle', streamId, runId, candle: c });

/** An engine that records calls and lets the test emit events. */
export class FakeEngine implements EngineLike {
  readonly calls: string[] = [];
  private listener: ((event: EngineEvent) => void) | undefined;
  streams: StreamInfo[] = [];
  closed = false;

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  emit(event: EngineEvent): void {
    this.listener?.(event);
  }
  startStream(request: StreamRequest): string {
    const id = `${request.exchange}:${request.symbols[0]}`;
    this.calls.push(`start ${id}`);
    this.streams.push(streamInfo(id, 'starting'));
    return id;
  }
  async stopStream(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
  }
  async restartStream(id: string): Promise<string> {
    this.calls.push(`restart ${id}`);
    return id;
  }
  controlStream(id: string, control: PlaybackControl): void {
    this.calls.push(`${control.action}${control.action === 'speed' ? ` ${control.speed}` : ''} ${id}`);
  }
  async stopAll(): Promise<void> {
    this.calls.push('stopAll');
  }
  clearFinished(runId?: string): string[] {
    this.calls.push(runId === undefined ? 'clear' : `clear ${runId}`);
    return [];
  }
  listStreams(): StreamInfo[] {
    return this.streams;
  }
  async close(): Promise<void> {
    this.calls.push('close');
    this.closed = true;
  }
}
