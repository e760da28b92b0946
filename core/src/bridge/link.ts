/**
 * One stream's connection to the processor: batches, acknowledgements, back-pressure and
 * reconnection with resume (docs/protocol.md, "Delivery guarantees").
 */
import pRetry from 'p-retry';
import WebSocket from 'ws';
import { FRAME_MAX_BYTES } from '../contract/limits.js';
import { Outbox } from './outbox.js';
import { END_MESSAGE } from './encode.js';
import { linkCandle, linkPush, type LinkCandleEvent, type LinkPushEvent } from './diagnostics.js';
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

export type LinkStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'closed';

/** Error codes with which the processor refuses a stream for good: reconnecting cannot help. */
const REFUSAL_CODES: ReadonlySet<string> = new Set(['bad_hello', 'unauthorized']);
/** Error codes that end a running stream: the processor can no longer keep what it acknowledges. */
const FATAL_CODES: ReadonlySet<string> = new Set(['store_failed']);
/** Close codes the processor refuses a hello with (1002 protocol error, 1008 policy: the token). */
const REFUSAL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1008]);

export interface LinkHandlers {
  candle(candle: Candle): void;
  stats(stats: ProcessorStats): void;
  log(level: LogLevel, message: string): void;
  error(error: ProcessorError): void;
  /** `detail` says why: for `reconnecting` the socket's error, for `refused` the processor's own message. */
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
  /** Ends the attempts to connect (closed or refused). */
  private readonly stopConnecting = new AbortController();
  /** Settles the connection attempt in progress: welcomed, or lost before that. */
  private attempt: { welcomed: () => void; lost: (error: Error) => void } | undefined;
  /** The connection failed or was lost since the last welcome: the next welcome is a reconnect. */
  private down = false;
  private closed = false;
  private windowWaiters: (() => void)[] = [];
  private finishWaiter: { seq: number; resolve: () => void } | undefined;
  private readonly lastClosedStart = new Map<string, string>();
  /** Sequence number of the last tick handed on (ticks mode). */
  private lastTickSeq = 0;
  private currentStatus: LinkStatus = 'connecting';
  private lastSocketError = '';
  /** Times the connection was re-established after a loss. */
  reconnects = 0;
  /** Candles dropped by the resend rule of `isDuplicate` (sent again after a restart). */
  duplicateCandles = 0;

  constructor(
    private readonly url: string,
    private readonly hello: StreamHello,
    private readonly handlers: LinkHandlers,
    tuning: Partial<BridgeTuning> = {},
    private readonly token: string | null = null
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.establish();
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
    if (this.closed) return undefined;
    if (linkPush.hasSubscribers) linkPush.publish({ encoded } satisfies LinkPushEvent);
    this.outbox.push(encoded);
    this.scheduleFlush();
    if (this.outbox.inFlight < this.tuning.window) return undefined;
    return new Promise((resolve) => this.windowWaiters.push(resolve));
  }

  /** Sends `end` and resolves once the processor has acknowledged it (all events are in). */
  finish(): Promise<void> {
    if (this.closed) return Promise.resolve(); // closed or refused: nothing more will be acknowledged
    const seq = this.outbox.push(END_MESSAGE);
    this.scheduleFlush();
    return new Promise((resolve) => {
      this.finishWaiter = { seq, resolve };
    });
  }

  close(): void {
    if (this.closed) return;
    this.shutDown();
    this.setStatus('closed', 'stream stopped');
  }

  /** The processor will never take this stream: stop for good and say why. */
  private refuse(reason: string): void {
    if (this.closed) return;
    this.shutDown();
    this.setStatus('refused', reason);
  }

  private shutDown(): void {
    this.closed = true;
    this.stopConnecting.abort();
    this.attempt?.lost(new Error('link closed'));
    this.ws?.close(1000, 'stream stopped');
    this.ws = undefined;
    for (const wake of this.windowWaiters.splice(0)) wake();
    this.finishWaiter?.resolve();
    this.finishWaiter = undefined;
  }

  private setStatus(status: LinkStatus, detail: string): void {
    this.currentStatus = status;
    this.handlers.status(status, detail);
  }

  private connect(): void {
    const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: FRAME_MAX_BYTES });
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
    ws.on('unexpected-response', (_request, response) => {
      // The processor's HTTP server answered the upgrade with an error status (e.g. 401).
      const status = response.statusCode ?? 0;
      const answer = `HTTP ${status} ${response.statusMessage ?? ''}`.trimEnd();
      if (status === 401 || status === 403) this.refuse(`the processor at ${this.url} refused the connection (${answer})`);
      else {
        this.lastSocketError = `answered ${answer} instead of a WebSocket`;
        ws.terminate();
      }
    });
    ws.on('error', (error) => {
      // the close event that follows decides what to do; the first error of the attempt explains it
      this.lastSocketError ||= error.message;
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws || this.closed) return;
      this.ws = undefined;
      const text = reason.toString();
      if (!this.welcomed && REFUSAL_CLOSE_CODES.has(code)) {
        this.refuse(`the processor refused the stream (close ${code}${text ? `: ${text}` : ''})`);
        return;
      }
      const cause = this.lastSocketError || `connection closed (${code}${text ? ` ${text}` : ''})`;
      this.lastSocketError = '';
      const lost = new Error(`processor at ${this.url} unreachable: ${cause}`);
      if (!this.welcomed) {
        this.attempt?.lost(lost);
        return;
      }
      this.setDown(lost); // an established connection: connect again
      this.establish();
    });
  }

  /**
   * Connects until the processor welcomes the link, again after each failed attempt with
   * exponential backoff and jitter (half to all of each step, so many streams do not reconnect in
   * lockstep), until the link is closed or refused.
   */
  private establish(): void {
    const attempt = () =>
      new Promise<void>((welcomed, lost) => {
        this.attempt = { welcomed, lost };
        this.connect();
      });
    pRetry(attempt, {
      retries: Infinity,
      factor: 2,
      minTimeout: this.tuning.reconnectInitialMs / 2,
      maxTimeout: this.tuning.reconnectMaxMs,
      randomize: true,
      signal: this.stopConnecting.signal,
      onFailedAttempt: ({ error }) => this.setDown(error)
    }).catch(() => {}); // closed or refused: no more attempts
  }

  private setDown(why: Error): void {
    if (this.closed) return;
    this.down = true;
    this.setStatus('reconnecting', `${why.message}; reconnecting`);
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
        if (frame.v !== PROTOCOL_VERSION) {
          // as the processor refuses a hello of another version (bad_hello, close 1002)
          this.refuse(`the processor at ${this.url} speaks protocol v${frame.v}; this engine speaks v${PROTOCOL_VERSION}: install the same version of both`);
          return;
        }
        if (this.down) this.reconnects++;
        this.down = false;
        this.welcomed = true;
        this.attempt?.welcomed();
        this.attempt = undefined;
        this.outbox.rewind();
        this.setStatus('connected', `resumed after message ${this.outbox.lastAcked}`);
        this.flush();
        return;
      case 'ack':
        this.onAck(frame.seq, frame.state);
        return;
      case 'candle':
        if (this.isDuplicate(frame)) this.duplicateCandles++;
        else {
          if (linkCandle.hasSubscribers) linkCandle.publish({ candle: frame } satisfies LinkCandleEvent);
          this.handlers.candle(frame);
        }
        return;
      case 'stats':
        this.handlers.stats(frame);
        return;
      case 'log':
        this.handlers.log(frame.level, frame.message);
        return;
      case 'error':
        if ((!this.welcomed && REFUSAL_CODES.has(frame.code)) || FATAL_CODES.has(frame.code)) this.refuse(frame.message);
        else this.handlers.error(frame);
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

  /**
   * The resend rule (docs/protocol.md, Delivery guarantees; python/.../candle_resend.py): a
   * candle, closed or not, whose start is not after the last closed or final candle delivered
   * for its (symbol, timeframe) was already seen; delivered closed and final candles move that mark.
   */
  private isDuplicate(candle: Candle): boolean {
    const key = `${candle.symbol}|${candle.timeframe}`;
    const last = this.lastClosedStart.get(key);
    if (last !== undefined && Date.parse(candle.start) <= Date.parse(last)) return true;
    if (candle.closed || candle.final) this.lastClosedStart.set(key, candle.start);
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
