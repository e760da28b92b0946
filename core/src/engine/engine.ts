/**
 * The engine: one object the CLI, the TUI and the VS Code extension all drive.
 * It owns the processor (supervised, or an external one by URL), the streams, the log and the
 * stats, and fans everything out as `EngineEvent`s to subscribers.
 */
import { randomBytes } from 'node:crypto';
import type { BridgeTuning } from '../bridge/link.js';
import type { ProcessorStats } from '../bridge/protocol.js';
import { RATE } from '../contract/limits.js';
import { UsageError } from '../errors.js';
import { Logger, type LogLevel } from '../logs/logger.js';
import type { TickWriter } from '../persist/types.js';
import { secretRedactor } from '../logs/redact.js';
import { toNativeSymbol } from '../sources/index.js';
import { ProcessorSupervisor, type ProcessorLaunch } from '../supervisor/processorSupervisor.js';
import type { PlaybackControl } from './playback.js';
import { ProcessorLog } from '../logs/processorLog.js';
import { runIdentity } from '../persist/run.js';
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
  /** Every run by its run id, in start order; finished ones stay until `clearFinished`. */
  private readonly streams = new Map<string, StreamRunner>();
  /** Run ids handed out by this engine: never handed out twice. */
  private readonly runIds = new Set<string>();
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
    engine.statsTimer = setInterval(() => engine.tick(), options.statsIntervalMs ?? RATE.sampleIntervalMs);
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

  /**
   * Starts a run of a stream and returns the stream's id (`exchange:SYMBOL`, with a suffix while
   * another run of it is active). Each run also has a run id (`StreamInfo.runId`, the store's
   * `run_id`) that this engine never hands out again: faces key what they show by it.
   */
  startStream(request: StreamRequest): string {
    if (this.closed) throw new Error('the engine is closed');
    const normalized = validateRequest(request);
    const id = this.freeId(`${request.exchange}:${request.symbols.map((symbol) => toNativeSymbol(request.exchange, symbol)).join(',')}`);
    let run = runIdentity(normalized);
    while (this.runIds.has(run.run_id)) run = runIdentity(normalized);
    this.runIds.add(run.run_id);
    const runId = run.run_id;
    const warm = this.warmStart(id, runId, normalized);
    const runner = new StreamRunner(id, run, normalized, {
      processorUrl: this.processorUrl,
      token: this.writerToken,
      tuning: this.options.tuning ?? {},
      logger: this.logger,
      ...(this.options.tickWriter && { tickWriter: this.options.tickWriter }),
      onChange: (stream) => this.emit({ type: 'stream', stream: stream.info() }),
      onCandle: (candle) => {
        if (candle.closed) this.candles++;
        if (warm) warm.live(candle);
        else this.emit({ type: 'candle', streamId: id, runId, candle });
      },
      onTick: (tick) => this.emit({ type: 'tick', streamId: id, runId, tick }),
      onProcessorStats: (stats) => {
        this.processorStats = stats;
      },
      onProcessorLog: (level, message) => this.processorLog.frame(level, message),
      ...(this.options.stallAfterMs !== undefined && { stallAfterMs: this.options.stallAfterMs })
    });
    this.streams.set(runId, runner);
    this.emit({ type: 'stream', stream: runner.info() });
    this.logger.info(`${id}: starting ${request.source} stream (${request.dataTypes.join(', ')}; ${normalized.timeframes.join(' ')})`);
    return id;
  }

  private warmStart(id: string, runId: string, request: StreamRequest): WarmStart | undefined {
    const options = this.options.warmup;
    // Finite sources (file, replay, csv) start their dataset from its beginning: no warm start.
    if (!options || request.mode !== 'candles' || (request.source !== 'live' && request.source !== 'demo')) return undefined;
    const warm = new WarmStart((candle, marks) => this.emit({ type: 'candle', streamId: id, runId, candle, ...marks }));
    const python = 'launch' in this.options.processor ? this.options.processor.launch.python : undefined;
    warm.begin(loadStoredCandles({ ...(python && { python }), ...options }, request), (error) =>
      this.logger.warn(`${id}: warm start skipped: cannot read the store ${options.storeDir} (${error.message})`));
    return warm;
  }

  /** A run by its run id, or a stream's latest run by the stream id. */
  private run(id: string): StreamRunner {
    const byRun = this.streams.get(id);
    if (byRun) return byRun;
    const latest = [...this.streams.values()].filter((runner) => runner.id === id).pop();
    if (latest) return latest;
    const active = [...this.streams.values()].filter((runner) => runner.active).map((runner) => runner.id);
    throw new Error(`no stream "${id}"; running: ${active.join(', ') || 'none'}`);
  }

  /**
   * Replay controls of a replay, file or csv run (by run id, or a stream's latest run): pause,
   * resume, speed (`max`, 1, 10, 100 …) or one bar; the candles stay those of an uninterrupted run.
   * A UsageError says why it cannot apply.
   */
  controlStream(id: string, control: PlaybackControl): void {
    let runner: StreamRunner;
    try {
      runner = this.run(id);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    runner.control(control);
    this.logger.info(`${runner.id}: ${control.action === 'speed' ? `speed ${control.speed}` : control.action}`);
  }

  /** Stops a run (by run id, or a stream's latest run); with `flush`, its open bars are emitted as final first. */
  async stopStream(id: string, flush = false): Promise<void> {
    await this.run(id).stop(flush);
  }

  /**
   * Stops a run and starts a new run of the same request; returns the stream id. The stopped run
   * stays listed (until `clearFinished`); the new run has a new run id.
   */
  async restartStream(id: string): Promise<string> {
    const runner = this.run(id);
    await runner.stop();
    return this.startStream(runner.request);
  }

  /**
   * Forgets the runs that have ended (finished, stopped, failed), or only the one with this run id;
   * returns their run ids. Until then an ended run stays listed with its counts.
   */
  clearFinished(runId?: string): string[] {
    const cleared = [...this.streams.values()].filter((runner) => !runner.active && (runId === undefined || runner.runId === runId)).map((runner) => runner.runId);
    for (const runId of cleared) this.streams.delete(runId);
    if (cleared.length > 0) this.emit({ type: 'cleared', runIds: cleared });
    return cleared;
  }

  async stopAll(flush = false): Promise<void> {
    await Promise.all([...this.streams.values()].map((runner) => runner.stop(flush)));
  }

  /** Resolves when the stream ends (finished, stopped or failed). */
  async whenDone(id: string): Promise<StreamInfo> {
    const runner = this.run(id);
    await runner.done;
    return runner.info();
  }

  /** A run (by run id), or a stream's latest run (by stream id). */
  streamInfo(id: string): StreamInfo {
    return this.run(id).info();
  }

  /** Every run, oldest first: the ended ones too, until `clearFinished`. */
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
      this.options.tickWriter?.close().catch((error: unknown) => this.logger.error(`persist: ${(error as Error).message}`)),
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
    const taken = (candidate: string) => [...this.streams.values()].some((runner) => runner.active && runner.id === candidate);
    for (let n = 2; taken(id); n++) id = `${base}#${n}`;
    return id;
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
