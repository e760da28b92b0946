/**
 * One running stream: pulls normalized messages from its source, encodes them and pushes them
 * through its bridge link, pausing the source while the in-flight window is full.
 */
import { BridgeLink, DEFAULT_TUNING, type BridgeTuning, type LinkHandlers } from '../bridge/link.js';
import { encodeMessage } from '../bridge/encode.js';
import type { Tick } from '../bridge/protocol.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logs/logger.js';
import { runIdentity, type RunIdentity } from '../persist/run.js';
import type { TickWriter } from '../persist/types.js';
import { openSource, type OpenedSource, type SourceCounts } from '../sources/index.js';
import { HealthMeter, type StreamHealth } from './health.js';
import { applyControl, type PlaybackControl } from './playback.js';
import { RateMeter } from './rate.js';
import type { StreamInfo, StreamRequest, StreamStatus } from './types.js';

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
  private source: OpenedSource | undefined;
  private link: BridgeLink | undefined;
  private stopRequested = false;
  private flushOnStop = false;
  private readonly rate = new RateMeter();
  private readonly health = new HealthMeter();
  /** The processor's count of this stream's late messages (its stats frames). */
  private late: number | null = null;
  private status: StreamStatus = 'starting';
  private detail = 'opening source';
  private messages = 0;
  private trades = 0;
  private candles = 0;
  private lastPrice: number | null = null;
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
    return {
      id: this.id,
      request: this.request,
      status: this.status,
      detail: this.detail,
      failure: this.failure,
      link: this.link?.status ?? 'connecting',
      messages: this.messages,
      messagesPerSecond: this.rate.rate,
      trades: this.trades,
      candles: this.candles,
      lastPrice: this.lastPrice,
      inFlight: this.link?.inFlight ?? 0,
      skipped: this.skipped(),
      startedAt: this.startedAt,
      health: this.healthNow(),
      ...(this.source?.playback && { playback: this.source.playback.state })
    };
  }

  private healthNow(): StreamHealth {
    const skipped = this.skipped();
    return this.health.snapshot({
      inFlight: this.link?.inFlight ?? 0,
      window: this.context.tuning.window ?? DEFAULT_TUNING.window,
      reconnects: this.link?.reconnects ?? 0,
      late: this.late,
      skipped: skipped.duplicates + skipped.malformed + skipped.oversized,
      messagesPerSecond: this.rate.rate,
      stalled: String(this.status) === 'stalled',
      reconnecting: this.link?.status === 'reconnecting' || this.status === 'source-reconnecting'
    });
  }

  /** Pause, resume, speed or step (replay, file and csv sources); throws when it cannot apply. */
  control(control: PlaybackControl): void {
    applyControl(this.id, this.request, this.active ? this.source : undefined, control, this.active);
  }

  private skipped(): SourceCounts {
    const report = this.source?.report;
    return { duplicates: report?.duplicates ?? 0, malformed: report?.malformed ?? 0, oversized: report?.oversized ?? 0 };
  }

  get active(): boolean {
    return this.status === 'starting' || this.status === 'running' || this.status === 'source-reconnecting';
  }

  /** Samples messages/s; the engine calls it once a second. */
  sampleRate(): number {
    return this.rate.sample(this.messages);
  }

  /**
   * Stops the source. With `flush`, what was read is processed first and open bars are
   * emitted as final; the promise resolves when that is done.
   */
  async stop(flush = false): Promise<void> {
    if (!this.active) return;
    this.stopRequested = true;
    this.flushOnStop = flush;
    await this.source?.close();
    await this.done;
  }

  private setStatus(status: StreamStatus, detail: string): void {
    if (status === this.status && detail === this.detail) return;
    this.status = status;
    this.detail = detail;
    this.context.onChange(this);
  }

  private async run(): Promise<void> {
    const { logger } = this.context;
    try {
      this.source = await openSource(this.request, { warn: (message) => logger.warn(`${this.id}: ${message}`) });
      if (this.stopRequested) {
        await this.source.close();
        this.setStatus('stopped', 'stopped before the source opened');
        return;
      }
      this.source.playback?.onChange(() => this.context.onChange(this));
      this.link = this.openLink(this.source);
      this.setStatus('running', `${this.request.source} source open`);
      await this.pump(this.source, this.link);
      if (this.stopRequested && !this.flushOnStop) {
        this.setStatus('stopped', 'stopped');
      } else {
        await this.link.finish();
        const failure = this.stopRequested ? undefined : this.source.report.failure;
        if (failure !== undefined) {
          // what was read is processed; the run is still not a success (no data, a truncated file)
          logger.warn(`${this.id}: ${failure}`);
          this.failure = { message: failure, usage: false };
          this.setStatus('failed', failure);
        } else {
          this.setStatus(this.stopRequested ? 'stopped' : 'finished', this.stopRequested ? 'stopped after flushing' : 'source exhausted, all candles processed');
        }
      }
    } catch (error) {
      const message = (error as Error).message;
      const usage = error instanceof UsageError;
      // A refused request is reported through the stream status (the CLI prints it once).
      logger.log(usage ? 'info' : 'error', `${this.id}: ${usage ? 'refused: ' : ''}${message}`);
      this.failure = { message, usage };
      this.setStatus('failed', message);
      await this.source?.close().catch(() => {});
    } finally {
      this.link?.close();
    }
  }

  private openLink(source: OpenedSource): BridgeLink {
    const { context, request } = this;
    return new BridgeLink(
      context.processorUrl,
      {
        stream_id: this.id,
        exchange: request.exchange,
        symbols: source.symbols,
        timeframes: request.timeframes,
        mode: request.mode,
        live: source.live,
        ...this.runInfo
      },
      {
        candle: (candle) => {
          if (candle.closed) this.candles++;
          context.onCandle(candle);
        },
        stats: (stats) => {
          const mine = (stats as { streams?: Record<string, { late?: number }> }).streams?.[this.id];
          if (mine?.late !== undefined) this.late = mine.late;
          context.onProcessorStats(stats);
        },
        ...(context.onTick && { tick: context.onTick }),
        log: (level, message) => context.logger.log(level, message, 'processor'),
        error: (error) =>
          context.logger.warn(`${this.id}: processor rejected ${error.seq === null ? 'a frame' : `message ${error.seq}`}: ${error.code}: ${error.message}`),
        status: (status, detail) => {
          context.logger.log(status === 'reconnecting' ? 'warning' : 'info', `${this.id}: processor link ${status}: ${detail}`);
          context.onChange(this);
        }
      },
      context.tuning,
      context.token
    );
  }

  private async pump(source: OpenedSource, link: BridgeLink): Promise<void> {
    const tickWriter = this.context.tickWriter;
    for await (const message of source.messages) {
      if (this.stopRequested) break;
      this.messages++;
      tickWriter?.push(message);
      if (message.type !== 'disconnect') this.health.lag(message.localTimestamp.valueOf(), message.timestamp.valueOf());
      if (message.type === 'trade') {
        this.trades++;
        this.lastPrice = message.price;
      } else if (message.type === 'disconnect') {
        this.health.gap();
        if (this.messages === 1 && this.request.source === 'live') {
          // The very first message is a disconnect: the exchange was never reached.
          this.context.logger.warn(`${this.id}: ${this.request.exchange} cannot be reached (offline?); tardis-dev keeps retrying. Without internet, try --source demo`);
        }
        this.setStatus('source-reconnecting', 'the exchange connection dropped; reconnecting');
      } else if (this.status === 'source-reconnecting') {
        this.setStatus('running', 'exchange connection restored');
      }
      const full = link.push(encodeMessage(message));
      if (full) {
        this.health.backpressurePause();
        await full;
      }
    }
  }
}
