/**
 * One stream's connection to the processor: batches, acknowledgements, back-pressure and
 * reconnection with resume (docs/protocol.md, "Delivery guarantees").
 */
import WebSocket from 'ws';
import { Outbox } from './outbox.js';
import { END_MESSAGE } from './encode.js';
import {
  PROTOCOL_VERSION,
  decodeProcessorFrame,
  type Candle,
  type Hello,
  type LogLevel,
  type ProcessorError,
  type ProcessorState,
  type ProcessorStats,
  type Tick
} from './protocol.js';

export type LinkStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface LinkHandlers {
  candle(candle: Candle): void;
  stats(stats: ProcessorStats): void;
  log(level: LogLevel, message: string): void;
  error(error: ProcessorError): void;
  status(status: LinkStatus, detail: string): void;
  /** `mode: "ticks"`: each market message, as the processor processed it. */
  tick?(tick: Tick): void;
}

export interface BridgeTuning {
  /** Most messages in one frame. */
  maxBatchMessages: number;
  /** About the most bytes in one frame. */
  maxBatchBytes: number;
  /** 0 flushes as soon as the source pauses (setImmediate); more waits that many ms. */
  flushDelayMs: number;
  /** Most unacknowledged messages; the source is paused beyond it. */
  window: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
}

export const DEFAULT_TUNING: BridgeTuning = {
  maxBatchMessages: 100,
  maxBatchBytes: 256 * 1024,
  flushDelayMs: 0,
  window: 20_000,
  reconnectInitialMs: 100,
  reconnectMaxMs: 5_000
};

export type StreamHello = Pick<Hello, 'stream_id' | 'exchange' | 'symbols' | 'timeframes' | 'mode' | 'live' | 'run_id' | 'source' | 'dataset'>;

export class BridgeLink {
  private readonly outbox = new Outbox();
  private readonly tuning: BridgeTuning;
  private ws: WebSocket | undefined;
  private welcomed = false;
  private state: ProcessorState | null = null;
  private flushScheduled = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private windowWaiters: (() => void)[] = [];
  private finishWaiter: { seq: number; resolve: () => void } | undefined;
  private readonly lastClosedStart = new Map<string, string>();
  /** Sequence number of the last tick handed on (ticks mode). */
  private lastTickSeq = 0;
  private currentStatus: LinkStatus = 'connecting';
  /** Times the connection was re-established after a loss. */
  reconnects = 0;
  /** Closed candles dropped because they were already delivered (resent after a restart). */
  duplicateCandles = 0;

  constructor(
    private readonly url: string,
    private readonly hello: StreamHello,
    private readonly handlers: LinkHandlers,
    tuning: Partial<BridgeTuning> = {},
    private readonly token: string | null = null
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.connect();
  }

  get status(): LinkStatus {
    return this.currentStatus;
  }
  get inFlight(): number {
    return this.outbox.inFlight;
  }
  get lastAcked(): number {
    return this.outbox.lastAcked;
  }

  /**
   * Queues one encoded market message. Returns a promise when the in-flight window is full:
   * the caller must await it before pushing more (this is how the source is paused).
   */
  push(encoded: string): Promise<void> | undefined {
    this.outbox.push(encoded);
    this.scheduleFlush();
    if (this.outbox.inFlight < this.tuning.window) return undefined;
    return new Promise((resolve) => this.windowWaiters.push(resolve));
  }

  /** Sends `end` and resolves once the processor has acknowledged it (all events are in). */
  finish(): Promise<void> {
    const seq = this.outbox.push(END_MESSAGE);
    this.scheduleFlush();
    return new Promise((resolve) => {
      this.finishWaiter = { seq, resolve };
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.ws?.close(1000, 'stream stopped');
    this.ws = undefined;
    this.setStatus('closed', 'stream stopped');
    for (const wake of this.windowWaiters.splice(0)) wake();
    this.finishWaiter?.resolve();
    this.finishWaiter = undefined;
  }

  private setStatus(status: LinkStatus, detail: string): void {
    this.currentStatus = status;
    this.handlers.status(status, detail);
  }

  private connect(): void {
    const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    this.ws = ws;
    this.welcomed = false;
    ws.on('open', () => {
      const hello: Hello = {
        type: 'hello',
        v: PROTOCOL_VERSION,
        ...this.hello,
        next_seq: this.outbox.lastAcked + 1,
        state: this.state,
        token: this.token
      };
      ws.send(JSON.stringify(hello));
    });
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('error', () => {
      /* the close event that follows decides what to do */
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws || this.closed) return;
      this.ws = undefined;
      this.scheduleReconnect(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
    });
  }

  private scheduleReconnect(why: string): void {
    const delay = Math.min(this.tuning.reconnectMaxMs, this.tuning.reconnectInitialMs * 2 ** this.reconnectAttempt);
    this.reconnectAttempt++;
    this.setStatus('reconnecting', `${why}; retrying in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onFrame(text: string): void {
    let frame;
    try {
      frame = decodeProcessorFrame(text);
    } catch (error) {
      this.handlers.log('error', (error as Error).message);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        if (this.reconnectAttempt > 0) this.reconnects++;
        this.reconnectAttempt = 0;
        this.welcomed = true;
        this.outbox.rewind();
        this.setStatus('connected', `resumed after message ${this.outbox.lastAcked}`);
        this.flush();
        return;
      case 'ack':
        this.onAck(frame.seq, frame.state);
        return;
      case 'candle':
        if (this.isDuplicate(frame)) this.duplicateCandles++;
        else this.handlers.candle(frame);
        return;
      case 'stats':
        this.handlers.stats(frame);
        return;
      case 'log':
        this.handlers.log(frame.level, frame.message);
        return;
      case 'error':
        this.handlers.error(frame);
        return;
      case 'tick':
        if (typeof frame.seq === 'number') {
          if (frame.seq <= this.lastTickSeq) return; // had it before the processor restarted
          this.lastTickSeq = frame.seq;
        }
        this.handlers.tick?.(frame);
        return;
    }
  }

  private onAck(seq: number, state: ProcessorState): void {
    this.outbox.ack(seq);
    this.state = state;
    if (this.outbox.inFlight < this.tuning.window) {
      for (const wake of this.windowWaiters.splice(0)) wake();
    }
    if (this.finishWaiter && seq >= this.finishWaiter.seq) {
      this.finishWaiter.resolve();
      this.finishWaiter = undefined;
    }
  }

  /** A closed candle not after the last one delivered for its (symbol, timeframe) was already seen. */
  private isDuplicate(candle: Candle): boolean {
    if (!candle.closed) return false;
    const key = `${candle.symbol}|${candle.timeframe}`;
    const last = this.lastClosedStart.get(key);
    if (last !== undefined && Date.parse(candle.start) <= Date.parse(last)) return true;
    this.lastClosedStart.set(key, candle.start);
    return false;
  }

  private scheduleFlush(): void {
    if (this.outbox.unsent >= this.tuning.maxBatchMessages) {
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const run = () => {
      this.flushScheduled = false;
      this.flush();
    };
    if (this.tuning.flushDelayMs > 0) setTimeout(run, this.tuning.flushDelayMs);
    else setImmediate(run);
  }

  private flush(): void {
    const ws = this.ws;
    if (!ws || !this.welcomed || ws.readyState !== WebSocket.OPEN) return;
    for (;;) {
      const frame = this.outbox.takeBatch(this.tuning.maxBatchMessages, this.tuning.maxBatchBytes);
      if (frame === undefined) return;
      ws.send(frame);
    }
  }
}
