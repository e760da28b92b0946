/**
 * One running stream: pulls normalized messages from its source, encodes them and pushes them
 * through its bridge link, pausing the source while the in-flight window is full.
 */
import { BridgeLink, DEFAULT_TUNING, type BridgeTuning, type LinkHandlers, type LinkStatus } from '../bridge/link.js';
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
import { isActive, type StreamInfo, type StreamRequest, type StreamStatus } from './types.js';

/** How long a stop with flush waits for the processor to take what was read (the link may be down). */
const FLUSH_DEADLINE_MS = 2_000;
/** Default for `stallAfterMs`: a live stream with no market message this long is `stalled`. */
export const DEFAULT_STALL_AFTER_MS = 30_000;

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
  /** Processor log frames (the same line reaches every stream's link: the engine shows it once). */
  onProcessorLog: LinkHandlers['log'];
  /** Live sources: no market message for this long makes the stream `stalled`. */
  stallAfterMs?: number;
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
  private detail = 'opening the source';
  /** Set when the stream must end as failed (the processor refused it); the pump stops. */
  private halt: Error | undefined;
  /** Why the exchange connection is down (a disconnect was read), or null while it is up. */
  private sourceDown: string | null = null;
  private flushAbandoned = false;
  private lastProgress = { messages: 0, at: performance.now() };
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
      link: this.link?.status ?? (this.active ? 'connecting' : 'closed'),
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
      stalled: this.status === 'stalled',
      reconnecting: this.status === 'reconnecting'
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
    return isActive(this.status);
  }

  /** Samples messages/s and checks for a stall; the engine calls it about once a second. */
  tick(now = performance.now()): void {
    this.rate.sample(this.messages, now);
    if (this.messages !== this.lastProgress.messages) {
      this.lastProgress = { messages: this.messages, at: now };
      if (this.status === 'stalled') {
        this.context.logger.info(`${this.id}: market messages flowing again`);
        this.refreshStatus('market messages flowing again');
      }
      return;
    }
    const stallAfterMs = this.context.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    const quietMs = now - this.lastProgress.at;
    if (this.status === 'running' && this.source?.live === true && quietMs >= stallAfterMs) {
      this.setStatus('stalled', `no market message for ${Math.round(quietMs / 1000)} s from ${this.request.exchange} (stalled after ${stallAfterMs / 1000} s)`);
      this.context.logger.warn(`${this.id}: stalled: ${this.detail}`);
    }
  }

  /**
   * Stops the source. With `flush`, what was read is processed first and open bars are
   * emitted as final; the promise resolves when that is done.
   */
  async stop(flush = false): Promise<void> {
    if (!this.active) return;
    this.stopRequested = true;
    this.flushOnStop = flush;
    // The processor may be unreachable: a flush never waits longer than this.
    const deadline = setTimeout(
      () => {
        if (flush) this.flushAbandoned = true;
        this.link?.close();
      },
      flush ? FLUSH_DEADLINE_MS : 0
    );
    await this.source?.close();
    await this.done;
    clearTimeout(deadline);
  }

  /** Ends the stream as failed with this message (e.g. the processor refused it). */
  private fail(error: Error): void {
    if (this.halt || !this.active) return;
    this.halt = error;
    void this.source?.close();
  }

  /**
   * The status from the source and the link: reconnecting while either is down (the link's own
   * detail first), running once both are up, else still starting.
   */
  private refreshStatus(detail: string): void {
    const link = this.link?.status;
    if (!this.active || link === 'reconnecting') return;
    if (this.sourceDown !== null) this.setStatus('reconnecting', this.sourceDown);
    else if (link === 'connected') this.setStatus('running', detail);
    else this.setStatus('starting', `connecting to the processor at ${this.context.processorUrl}`);
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
      this.setStatus('starting', `${this.request.source} source open; connecting to the processor at ${this.context.processorUrl}`);
      await this.pump(this.source, this.link);
      if (this.halt) throw this.halt;
      if (this.stopRequested && !this.flushOnStop) {
        this.setStatus('stopped', 'stopped');
      } else {
        await this.link.finish();
        if (this.halt) throw this.halt;
        const failure = this.stopRequested ? undefined : this.source.report.failure;
        if (failure !== undefined) {
          // what was read is processed; the run is still not a success (no data, a truncated file)
          logger.warn(`${this.id}: ${failure}`);
          this.failure = { message: failure, usage: false };
          this.setStatus('failed', failure);
        } else if (!this.stopRequested) this.setStatus('finished', 'source exhausted, all candles processed');
        else if (this.flushAbandoned) this.setStatus('stopped', `stopped; the processor did not take the last messages within ${FLUSH_DEADLINE_MS / 1000} s`);
        else this.setStatus('stopped', 'stopped after flushing');
      }
    } catch (error) {
      const message = (error as Error).message;
      const usage = error instanceof UsageError;
      // A refused request is reported through the stream status (the CLI prints it once).
      logger.log(usage ? 'info' : 'error', `${this.id} ${usage ? 'refused' : 'failed'}: ${message}`);
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
          const mine = stats.streams?.[this.id];
          if (mine !== undefined) this.late = mine.late;
          context.onProcessorStats(stats);
        },
        ...(context.onTick && { tick: context.onTick }),
        log: context.onProcessorLog,
        error: (error) =>
          context.logger.warn(`${this.id}: processor rejected ${error.seq === null ? 'a frame' : `message ${error.seq}`}: ${error.code}: ${error.message}`),
        status: (status, detail) => this.onLinkStatus(status, detail)
      },
      context.tuning,
      context.token
    );
  }

  private onLinkStatus(status: LinkStatus, detail: string): void {
    const { logger } = this.context;
    switch (status) {
      case 'refused':
        this.fail(new Error(detail));
        return;
      case 'reconnecting':
        // once per cause, not once per attempt
        logger.log(this.detail === detail ? 'debug' : 'warning', `${this.id}: processor link: ${detail}`);
        if (this.active) this.setStatus('reconnecting', detail);
        return;
      case 'connected':
        logger.info(`${this.id}: processor link connected: ${detail}`);
        this.refreshStatus(`streaming into the processor at ${this.context.processorUrl}`);
        return;
      default:
        logger.debug(`${this.id}: processor link ${status}: ${detail}`);
    }
  }

  private async pump(source: OpenedSource, link: BridgeLink): Promise<void> {
    const tickWriter = this.context.tickWriter;
    for await (const message of source.messages) {
      if (this.stopRequested || this.halt) break;
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
          this.sourceDown = `${this.request.exchange} cannot be reached (offline?); tardis-dev keeps retrying`;
          this.context.logger.warn(`${this.id}: ${this.sourceDown}. Without internet, try --source demo`);
        } else {
          this.sourceDown = `the ${this.request.exchange} connection dropped; reconnecting`;
        }
        this.refreshStatus('');
      } else if (this.sourceDown !== null) {
        this.sourceDown = null;
        this.refreshStatus(`the ${this.request.exchange} connection is back`);
      }
      const full = link.push(encodeMessage(message));
      if (full) {
        this.health.backpressurePause();
        await full;
      }
    }
  }
}
