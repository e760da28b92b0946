/**
 * The engine: one object the CLI, the TUI and the VS Code extension all drive.
 * It owns the processor (supervised, or an external one by URL), the streams, the log and the
 * stats, and fans everything out as `EngineEvent`s to subscribers.
 */
import { randomBytes } from 'node:crypto';
import type { BridgeTuning } from '../bridge/link.js';
import type { ProcessorStats } from '../bridge/protocol.js';
import { UsageError } from '../errors.js';
import { Logger, type LogLevel } from '../logs/logger.js';
import type { TickWriter } from '../persist/types.js';
import { secretRedactor } from '../logs/redact.js';
import { toNativeSymbol } from '../sources/index.js';
import { ProcessorSupervisor, type ProcessorLaunch } from '../supervisor/processorSupervisor.js';
import type { PlaybackControl } from './playback.js';
import { ProcessorLog } from '../logs/processorLog.js';
import { StreamRunner } from './stream.js';
import { validateRequest } from './validate.js';
import type { EngineEvent, EngineStats, StreamInfo, StreamRequest } from './types.js';
import { loadStoredCandles, WarmStart, type WarmupOptions } from './warmup.js';

export interface EngineOptions {
  /** Run and supervise the Python processor, or connect to one already running at `url`. */
  processor: { launch: ProcessorLaunch } | { url: string };
  /** Directory of node_streamer.log; undefined writes no file. */
  logDir?: string;
  logLevel?: LogLevel;
  /** Shared secret for the processor (TICKBRIDGE_TOKEN). */
  token?: string | null;
  tuning?: Partial<BridgeTuning>;
  /** How often `stats` events are emitted. */
  statsIntervalMs?: number;
  /** Persists every normalized message (BigQuery); opened at start, flushed at close. */
  tickWriter?: TickWriter;
  /** A live stream with no market message this long is `stalled` (default 30 s). */
  stallAfterMs?: number;
  /** Show each new stream's stored candles first (warmup.ts). */
  warmup?: WarmupOptions;
}

type Listener = (event: EngineEvent) => void;

export class Engine {
  readonly logger: Logger;
  private readonly supervisor: ProcessorSupervisor | undefined;
  private readonly processorLog: ProcessorLog;
  private readonly streams = new Map<string, StreamRunner>();
  private readonly listeners = new Set<Listener>();
  private readonly startedAt = Date.now();
  private processorUrl = '';
  private processorStats: ProcessorStats | null = null;
  private statsTimer: NodeJS.Timeout | undefined;
  private candles = 0;
  private closed = false;
  /** The secret engines send in hello: a fresh one for a processor this engine starts. */
  private readonly writerToken: string | null;

  private constructor(private readonly options: EngineOptions) {
    // 256 random bits per processor, passed by environment (never on a command line or in a log).
    this.writerToken = 'launch' in options.processor ? randomBytes(32).toString('base64url') : (options.token ?? null);
    const secrets = [options.token, this.writerToken, process.env.TARDIS_API_KEY, process.env.TICKBRIDGE_TOKEN, process.env.REDIS_URL];
    this.logger = new Logger(options.logDir, options.logLevel ?? 'info', secretRedactor(secrets));
    this.logger.subscribe((entry) => this.emit({ type: 'log', entry }));
    this.processorLog = new ProcessorLog(this.logger);
    if ('launch' in options.processor) {
      const launch = options.processor.launch;
      const env = { ...launch.env, TICKBRIDGE_WRITER_TOKEN: this.writerToken as string };
      this.supervisor = new ProcessorSupervisor({ ...launch, env }, this.logger, (status, detail) => {
        this.logger.info(`processor ${status}: ${detail}`);
        this.emit({ type: 'processor', status, detail });
      }, this.processorLog);
    } else {
      this.processorUrl = options.processor.url;
    }
  }

  /** Creates the engine and, when it manages the processor, starts it and waits until it is healthy. */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    if (options.tickWriter) {
      try {
        await options.tickWriter.open((level, message) => engine.logger.log(level, message));
      } catch (error) {
        await engine.close();
        throw error;
      }
    }
    if (engine.supervisor) {
      try {
        engine.processorUrl = await engine.supervisor.start();
      } catch (error) {
        await engine.close();
        throw error;
      }
    }
    engine.statsTimer = setInterval(() => engine.tick(), options.statsIntervalMs ?? 1000);
    engine.statsTimer.unref();
    return engine;
  }

  get processor(): ProcessorSupervisor | undefined {
    return this.supervisor;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a stream and returns its id (`exchange:SYMBOL`, with a suffix when taken). */
  startStream(request: StreamRequest): string {
    if (this.closed) throw new Error('the engine is closed');
    const normalized = validateRequest(request);
    const id = this.freeId(`${request.exchange}:${request.symbols.map((symbol) => toNativeSymbol(request.exchange, symbol)).join(',')}`);
    const warm = this.warmStart(id, normalized);
    const runner = new StreamRunner(id, normalized, {
      processorUrl: this.processorUrl,
      token: this.writerToken,
      tuning: this.options.tuning ?? {},
      logger: this.logger,
      ...(this.options.tickWriter && { tickWriter: this.options.tickWriter }),
      onChange: (stream) => this.emit({ type: 'stream', stream: stream.info() }),
      onCandle: (candle) => {
        if (candle.closed) this.candles++;
        if (warm) warm.live(candle);
        else this.emit({ type: 'candle', streamId: id, candle });
      },
      onTick: (tick) => this.emit({ type: 'tick', streamId: id, tick }),
      onProcessorStats: (stats) => {
        this.processorStats = stats;
      },
      onProcessorLog: (level, message) => this.processorLog.frame(level, message),
      ...(this.options.stallAfterMs !== undefined && { stallAfterMs: this.options.stallAfterMs })
    });
    this.streams.set(id, runner);
    this.emit({ type: 'stream', stream: runner.info() });
    this.logger.info(`${id}: starting ${request.source} stream (${request.dataTypes.join(', ')}; ${normalized.timeframes.join(' ')})`);
    return id;
  }

  private warmStart(id: string, request: StreamRequest): WarmStart | undefined {
    const options = this.options.warmup;
    // Finite sources (file, replay, csv) start their dataset from its beginning: no warm start.
    if (!options || request.mode !== 'candles' || (request.source !== 'live' && request.source !== 'demo')) return undefined;
    const warm = new WarmStart((candle, marks) => this.emit({ type: 'candle', streamId: id, candle, ...marks }));
    const python = 'launch' in this.options.processor ? this.options.processor.launch.python : undefined;
    warm.begin(loadStoredCandles({ ...(python && { python }), ...options }, request), (error) =>
      this.logger.warn(`${id}: warm start skipped: cannot read the store ${options.storeDir} (${error.message})`));
    return warm;
  }

  /** Stops a stream; with `flush`, its open bars are emitted as final first. */
  async stopStream(id: string, flush = false): Promise<void> {
    const runner = this.streams.get(id);
    if (!runner) throw new Error(`no stream "${id}"; running: ${[...this.streams.keys()].join(', ') || 'none'}`);
    await runner.stop(flush);
  }

  /**
   * Replay controls of a replay, file or csv stream: pause, resume, speed (`max`, 1, 10, 100 …) or
   * one bar; the candles stay those of an uninterrupted run. A UsageError says why it cannot apply.
   */
  controlStream(id: string, control: PlaybackControl): void {
    const runner = this.streams.get(id);
    if (!runner) throw new UsageError(`no stream "${id}"; streams: ${[...this.streams.keys()].join(', ') || 'none'}`);
    runner.control(control);
    this.logger.info(`${id}: ${control.action === 'speed' ? `speed ${control.speed}` : control.action}`);
  }

  /** Stops a stream and starts it again with the same request; returns the new id. */
  async restartStream(id: string): Promise<string> {
    const runner = this.streams.get(id);
    if (!runner) throw new Error(`no stream "${id}"`);
    await runner.stop();
    this.streams.delete(id);
    return this.startStream(runner.request);
  }

  async stopAll(flush = false): Promise<void> {
    await Promise.all([...this.streams.values()].map((runner) => runner.stop(flush)));
  }

  /** Resolves when the stream ends (finished, stopped or failed). */
  async whenDone(id: string): Promise<StreamInfo> {
    const runner = this.streams.get(id);
    if (!runner) throw new Error(`no stream "${id}"`);
    await runner.done;
    return runner.info();
  }

  listStreams(): StreamInfo[] {
    return [...this.streams.values()].map((runner) => runner.info());
  }

  stats(): EngineStats {
    let messages = 0;
    let trades = 0;
    let messagesPerSecond = 0;
    const skipped = { duplicates: 0, malformed: 0, oversized: 0 };
    for (const info of this.listStreams()) {
      skipped.duplicates += info.skipped?.duplicates ?? 0;
      skipped.malformed += info.skipped?.malformed ?? 0;
      skipped.oversized += info.skipped?.oversized ?? 0;
      messages += info.messages;
      trades += info.trades;
      messagesPerSecond += info.messagesPerSecond;
    }
    return {
      uptimeS: (Date.now() - this.startedAt) / 1000,
      messages,
      messagesPerSecond,
      trades,
      candles: this.candles,
      streams: [...this.streams.values()].filter((runner) => runner.active).length,
      skipped,
      processor: {
        url: this.processorUrl,
        status: this.supervisor?.status ?? 'external',
        restarts: this.supervisor?.restarts ?? 0,
        stats: this.processorStats
      },
      ...(this.options.tickWriter && { persist: this.options.tickWriter.stats() }),
      health: Object.fromEntries(this.listStreams().map((info) => [info.id, info.health]))
    };
  }

  /** Stops every stream (flushing when asked), then the processor; idempotent. */
  async close(flush = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    await this.stopAll(flush);
    // Both flush BigQuery within their own shutdown budget: side by side, not one after the other.
    await Promise.all([
      this.options.tickWriter?.close().catch((error: Error) => this.logger.error(`persist: ${error.message}`)),
      this.supervisor?.stop()
    ]);
    await this.logger.close();
  }

  private tick(): void {
    for (const runner of this.streams.values()) runner.tick();
    this.emit({ type: 'stats', stats: this.stats() });
  }

  private freeId(base: string): string {
    let id = base;
    for (let n = 2; this.streams.get(id)?.active; n++) id = `${base}#${n}`;
    return id;
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
