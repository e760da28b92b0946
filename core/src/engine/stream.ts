/**
 * One running stream, as the engine sees it: its source, encoding and processor link run in a
 * worker thread of their own (core/src/sources/worker); this object keeps the status, the
 * counters and the events, from what the worker reports.
 */
import type { BridgeTuning, LinkHandlers, LinkStatus } from '../bridge/link.js';
import type { Tick } from '../bridge/protocol.js';
import type { Logger } from '../logs/logger.js';
import { runIdentity, type RunIdentity } from '../persist/run.js';
import type { TickWriter } from '../persist/types.js';
import type { FromWorker, WorkerOutcome, WorkerProgress } from '../sources/worker/protocol.js';
import { receiveMessage } from '../sources/worker/protocol.js';
import { startStreamWorker, type StreamWorker } from '../sources/worker/host.js';
import { RateMeter } from './rate.js';
import type { StreamInfo, StreamRequest, StreamStatus } from './types.js';

const NO_PROGRESS: WorkerProgress = { messages: 0, trades: 0, lastPrice: null, inFlight: 0, skipped: { duplicates: 0, malformed: 0, oversized: 0 } };

export interface StreamContext {
  processorUrl: string;
  token: string | null;
  tuning: Partial<BridgeTuning>;
  logger: Logger;
  /** Receives every normalized message (a buffer push: this is the hot path). */
  tickWriter?: TickWriter;
  /** Called on every status change and candle; the engine fans these out. */
  onChange(stream: StreamRunner): void;
  onCandle: LinkHandlers['candle'];
  /** `mode: "ticks"`: each tick the processor sends back. */
  onTick?: (tick: Tick) => void;
  onProcessorStats: LinkHandlers['stats'];
}

export class StreamRunner {
  private worker: StreamWorker | undefined;
  private stopRequested = false;
  private readonly rate = new RateMeter();
  private status: StreamStatus = 'starting';
  private detail = 'opening source';
  private linkStatus: LinkStatus = 'connecting';
  private progress = NO_PROGRESS;
  private candles = 0;
  private failure: StreamInfo['failure'] = null;
  private readonly startedAt = new Date().toISOString();
  /** This run's id, source and dataset: sent in every hello, the local store's key. */
  private readonly runInfo: RunIdentity;
  /** Resolves when the stream has ended, for whatever reason. */
  readonly done: Promise<void>;

  constructor(
    readonly id: string,
    readonly request: StreamRequest,
    private readonly context: StreamContext
  ) {
    this.runInfo = runIdentity(request);
    this.done = this.run();
  }

  info(): StreamInfo {
    const { progress } = this;
    return {
      id: this.id,
      request: this.request,
      status: this.status,
      detail: this.detail,
      failure: this.failure,
      link: this.linkStatus,
      messages: progress.messages,
      messagesPerSecond: this.rate.rate,
      trades: progress.trades,
      candles: this.candles,
      lastPrice: progress.lastPrice,
      inFlight: progress.inFlight,
      skipped: progress.skipped,
      startedAt: this.startedAt
    };
  }

  get active(): boolean {
    return this.status === 'starting' || this.status === 'running' || this.status === 'source-reconnecting';
  }

  /** Samples messages/s; the engine calls it once a second. */
  sampleRate(): number {
    return this.rate.sample(this.progress.messages);
  }

  /**
   * Stops the source. With `flush`, what was read is processed first and open bars are
   * emitted as final; the promise resolves when that is done.
   */
  async stop(flush = false): Promise<void> {
    if (!this.active) return;
    this.stopRequested = true;
    this.worker?.send({ type: 'stop', flush });
    await this.done;
  }

  private setStatus(status: StreamStatus, detail: string): void {
    if (status === this.status && detail === this.detail) return;
    this.status = status;
    this.detail = detail;
    this.context.onChange(this);
  }

  private async run(): Promise<void> {
    const { context, request } = this;
    this.worker = startStreamWorker(
      {
        streamId: this.id,
        spec: request,
        processorUrl: context.processorUrl,
        run: this.runInfo,
        token: context.token,
        tuning: context.tuning,
        forwardMessages: context.tickWriter !== undefined
      },
      (message) => this.receive(message)
    );
    const { outcome, progress } = await this.worker.ended;
    if (progress) this.progress = progress;
    this.linkStatus = 'closed';
    this.end(outcome);
  }

  private end(outcome: WorkerOutcome): void {
    const { logger } = this.context;
    switch (outcome.kind) {
      case 'exhausted':
        if (outcome.failure !== null) {
          // what was read is processed; the run is still not a success (no data, a truncated file)
          logger.warn(`${this.id}: ${outcome.failure}`);
          this.failure = { message: outcome.failure, usage: false };
          this.setStatus('failed', outcome.failure);
        } else this.setStatus('finished', 'source exhausted, all candles processed');
        return;
      case 'stopped':
        this.setStatus('stopped', outcome.beforeOpen ? 'stopped before the source opened' : outcome.flushed ? 'stopped after flushing' : 'stopped');
        return;
      case 'failed':
        // A refused request is reported through the stream status (the CLI prints it once).
        logger.log(outcome.usage ? 'info' : 'error', `${this.id}: ${outcome.usage ? 'refused: ' : ''}${outcome.message}`);
        this.failure = { message: outcome.message, usage: outcome.usage };
        this.setStatus('failed', outcome.message);
        return;
    }
  }

  private receive(message: Exclude<FromWorker, { type: 'ended' }>): void {
    const { context } = this;
    switch (message.type) {
      case 'opened':
        if (!this.stopRequested) this.setStatus('running', `${this.request.source} source open`);
        return;
      case 'warn':
        context.logger.warn(`${this.id}: ${message.message}`);
        return;
      case 'progress':
        this.progress = message.progress;
        return;
      case 'messages':
        for (const forwarded of message.messages) context.tickWriter?.push(receiveMessage(forwarded));
        return;
      case 'source-down':
        if (message.first && this.request.source === 'live') {
          // The very first message is a disconnect: the exchange was never reached.
          context.logger.warn(`${this.id}: ${this.request.exchange} cannot be reached (offline?); tardis-dev keeps retrying. Without internet, try --source demo`);
        }
        if (this.active) this.setStatus('source-reconnecting', 'the exchange connection dropped; reconnecting');
        return;
      case 'source-up':
        if (this.status === 'source-reconnecting') this.setStatus('running', 'exchange connection restored');
        return;
      case 'link-status':
        this.linkStatus = message.status;
        context.logger.log(message.status === 'reconnecting' ? 'warning' : 'info', `${this.id}: processor link ${message.status}: ${message.detail}`);
        context.onChange(this);
        return;
      case 'candle':
        if (message.candle.closed) this.candles++;
        context.onCandle(message.candle);
        return;
      case 'tick':
        context.onTick?.(message.tick);
        return;
      case 'processor-stats':
        context.onProcessorStats(message.stats);
        return;
      case 'processor-log':
        context.logger.log(message.level, message.message, 'processor');
        return;
      case 'processor-error': {
        const { error } = message;
        context.logger.warn(`${this.id}: processor rejected ${error.seq === null ? 'a frame' : `message ${error.seq}`}: ${error.code}: ${error.message}`);
        return;
      }
    }
  }
}
