/**
 * One stream's data path, run inside its worker: the source, the encoding and the batched,
 * acknowledged link to the processor, pausing the source while the in-flight window is full.
 * It reports to the engine only through its mailbox (protocol.ts).
 */
import { BridgeLink } from '../../bridge/link.js';
import { encodeMessage } from '../../bridge/encode.js';
import { UsageError } from '../../errors.js';
import { HealthMeter } from '../../engine/health.js';
import { openSource } from '../index.js';
import type { OpenedSource } from '../types.js';
import type { Mailbox } from './mailbox.js';
import { forwardMessage, type ForwardedMessage, type FromWorker, type PlaybackCommand, type ToWorker, type WorkerOutcome, type WorkerProgress, type WorkerStart } from './protocol.js';

/** How often counters go to the engine (its stats tick is 1 s; the faces redraw a few times a second). */
const PROGRESS_MS = 100;
/** Forwarded messages (tick writer) are sent in groups of this many, or at each progress tick. */
const FORWARD_BATCH = 500;

export class StreamPump {
  private source: OpenedSource | undefined;
  private link: BridgeLink | undefined;
  private stopRequested = false;
  private flushOnStop = false;
  private messages = 0;
  private trades = 0;
  private lastPrice: number | null = null;
  private forwarded: ForwardedMessage[] = [];
  private readonly health = new HealthMeter();
  private playbackSeq = 0;
  private readonly timer: NodeJS.Timeout;
  /** Resolves once `ended` has been posted. */
  readonly done: Promise<void>;

  private readonly post: (message: FromWorker) => void;

  constructor(
    private readonly start: WorkerStart,
    private readonly mailbox: Mailbox
  ) {
    this.post = (message) => mailbox.post(message);
    this.timer = setInterval(() => this.report(), PROGRESS_MS);
    this.done = this.run();
  }

  receive(message: ToWorker): void {
    switch (message.type) {
      case 'stop':
        this.stopRequested = true;
        this.flushOnStop = message.flush;
        void this.source?.close();
        return;
      case 'close-link':
        this.link?.close();
        return;
      case 'playback':
        this.playbackSeq = message.seq;
        this.control(message.command);
        this.report();
        return;
    }
  }

  /** Applies a replay control (checked by the engine before it was sent) to the source's Playback. */
  private control(command: PlaybackCommand): void {
    try {
      this.source?.playback?.apply(command);
    } catch (error) {
      this.post({ type: 'warn', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private progress(): WorkerProgress {
    const report = this.source?.report;
    return {
      messages: this.messages,
      trades: this.trades,
      lastPrice: this.lastPrice,
      inFlight: this.link?.inFlight ?? 0,
      skipped: { duplicates: report?.duplicates ?? 0, malformed: report?.malformed ?? 0, oversized: report?.oversized ?? 0 },
      health: this.health.measure(this.link?.reconnects ?? 0),
      playback: this.source?.playback?.state ?? null,
      playbackSeq: this.playbackSeq
    };
  }

  private report(): void {
    this.sendForwarded();
    this.post({ type: 'progress', progress: this.progress() });
  }

  private sendForwarded(): void {
    if (this.forwarded.length === 0) return;
    this.post({ type: 'messages', messages: this.forwarded });
    this.forwarded = [];
  }

  private async run(): Promise<void> {
    let outcome: WorkerOutcome;
    try {
      outcome = await this.stream();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { kind: 'failed', message, usage: error instanceof UsageError };
      await this.source?.close().catch(() => {});
    } finally {
      this.link?.close();
      clearInterval(this.timer);
    }
    this.sendForwarded();
    this.post({ type: 'ended', outcome, progress: this.progress() });
  }

  private async stream(): Promise<WorkerOutcome> {
    const { spec } = this.start;
    const source = await openSource(spec, { warn: (message) => this.post({ type: 'warn', message }) });
    this.source = source;
    if (this.stopRequested) {
      await source.close();
      return { kind: 'stopped', flushed: false, beforeOpen: true };
    }
    this.post({ type: 'opened', symbols: source.symbols, live: source.live });
    source.playback?.onChange(() => this.report());
    this.report(); // the engine learns at once whether the source has playback controls
    const link = this.openLink(source);
    await this.pump(source, link);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may set it during the await above
    if (this.stopRequested && !this.flushOnStop) return { kind: 'stopped', flushed: false, beforeOpen: false };
    await link.finish();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may set it during the awaits above
    if (this.stopRequested) return { kind: 'stopped', flushed: true, beforeOpen: false };
    return { kind: 'exhausted', failure: source.report.failure ?? null };
  }

  private openLink(source: OpenedSource): BridgeLink {
    const { start, post, mailbox } = this;
    this.link = new BridgeLink(
      start.processorUrl,
      {
        stream_id: start.streamId,
        exchange: start.spec.exchange,
        symbols: source.symbols,
        timeframes: start.spec.timeframes,
        mode: start.spec.mode,
        live: source.live,
        ...start.run
      },
      {
        candle: (candle) => mailbox.candle(candle),
        stats: (stats) => post({ type: 'processor-stats', stats }),
        tick: (tick) => post({ type: 'tick', tick }),
        log: (level, message) => post({ type: 'processor-log', level, message }),
        error: (error) => post({ type: 'processor-error', error }),
        status: (status, detail) => post({ type: 'link-status', status, detail })
      },
      start.tuning,
      start.token
    );
    return this.link;
  }

  private async pump(source: OpenedSource, link: BridgeLink): Promise<void> {
    const forward = this.start.forwardMessages;
    let down = false;
    for await (const message of source.messages) {
      if (this.stopRequested) break;
      this.messages++;
      if (message.type !== 'disconnect') this.health.lag(message.localTimestamp.valueOf(), message.timestamp.valueOf());
      if (forward) {
        this.forwarded.push(forwardMessage(message));
        if (this.forwarded.length >= FORWARD_BATCH) this.sendForwarded();
      }
      if (message.type === 'trade') {
        this.trades++;
        this.lastPrice = message.price;
      }
      if (message.type === 'disconnect') {
        down = true;
        this.health.gap();
        this.post({ type: 'source-down', first: this.messages === 1 });
      } else if (down) {
        down = false;
        this.post({ type: 'source-up' });
      }
      const full = link.push(encodeMessage(message));
      if (full) {
        this.health.backpressurePause();
        await full;
      }
    }
  }
}
