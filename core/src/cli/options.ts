/**
 * The stream and source flags shared by `stream`, `start`, `run` and `tui`, with the
 * seed's names and defaults, turned into an engine StreamRequest.
 */
import { type Command, Option } from 'commander';
import { join } from 'node:path';
import type { BridgeTuning } from '../bridge/link.js';
import { UsageError } from '../errors.js';
import { SOURCE_KINDS, type SourceKind } from '../contract/vocabulary.js';
import { DEFAULT_TIMEFRAMES, parseTimeframes } from '../engine/timeframes.js';
import type { StreamRequest } from '../engine/types.js';
import { validateRequest } from '../engine/validate.js';
import type { TickWriter } from '../persist/types.js';
import { bigQueryTickWriter } from '../persist/writer.js';

export const DEFAULT_DATA_TYPES = 'trades,book_snapshot_5,derivative_ticker,liquidations';
export const DEFAULT_PROCESSOR_URL = 'ws://localhost:8765';

export interface StreamFlags {
  symbol: string;
  exchange: string;
  mode: 'candles' | 'ticks';
  dataTypes: string;
  /** Validated and ordered by parseTimeframes. */
  timeframes: string[];
  pythonWebSocketUrl: string;
  bigqueryEnabled: string;
  source: SourceKind;
  from?: string;
  to?: string;
  cacheDir?: string;
  file?: string;
  record?: string;
  storeDir: string;
  redisUrl?: string;
  /** Whole milliseconds, as the processor's flag takes them. */
  latenessMs: string;
  warmup?: number;
  speed: 'max' | number;
  seed: number;
  demoRate?: number;
  batchSize: number;
  flushDelayMs: number;
  window: number;
  logDir: string;
  logLevel: 'debug' | 'info' | 'warning' | 'error';
  /** Milliseconds. */
  stallAfter: number;
}

// Each flag's value is parsed and checked by commander (argParser/choices) as it is read: a bad
// value is a UsageError (one line, exit 2) before anything starts.

function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
    return parsed;
  };
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new UsageError(`--seed must be a whole number, got "${value}"`);
  return parsed;
}

function parseSpeed(value: string): 'max' | number {
  if (value === 'max') return 'max';
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`--speed must be "max" or a positive number (1 = real time, 10 = ten times faster), got "${value}"`);
  return parsed;
}

function parseFlushDelay(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new UsageError(`--flushDelayMs must be 0 or more, got "${value}"`);
  return parsed;
}

function parseLateness(value: string): string {
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--latenessMs must be a whole number of milliseconds >= 0, got "${value}"`);
  return value;
}

/** Adds the stream flags; `env` supplies SYMBOL/EXCHANGE defaults for `start`. */
export function addStreamFlags(command: Command, env: NodeJS.ProcessEnv = {}): Command {
  return command
    .option('--symbol <symbol>', 'instrument: native id (BTCUSDT) or BASE-QUOTE', env.SYMBOL ?? 'BTC-USDT')
    .option('--exchange <exchange>', 'Tardis exchange id', env.EXCHANGE ?? 'binance')
    .addOption(new Option('--mode <mode>', 'candles with features, or raw ticks').choices(['candles', 'ticks']).default('candles'))
    .option('--dataTypes <list>', 'comma-separated data types', DEFAULT_DATA_TYPES)
    .addOption(
      new Option('--timeframes <list>', 'comma-separated candle timeframes')
        .argParser((value: string) => parseTimeframes(value.split(/[,\s]+/)))
        .default([...DEFAULT_TIMEFRAMES], DEFAULT_TIMEFRAMES.join(','))
    )
    .option('--pythonWebSocketUrl <url>', 'the Python processor', DEFAULT_PROCESSOR_URL)
    .addOption(new Option('--bigqueryEnabled <bool>', 'persist ticks to BigQuery').choices(['true', 'false']).default('false'))
    .addOption(new Option('--source <source>', 'where data comes from').choices(SOURCE_KINDS).default('live'))
    .option('--from <iso>', 'replay start (ISO-8601)')
    .option('--to <iso>', 'replay end, exclusive (ISO-8601)')
    .option('--cacheDir <dir>', 'replay cache directory')
    .option('--file <path>', 'recorded capture file (.gz or plain); csv: Tardis CSV files, comma-separated, or a folder')
    .option('--record <path>', 'live/demo: also write the raw messages received to this capture file (.gz: gzipped)')
    .option('--storeDir <dir>', 'local store of closed candles (<dir>/candles.sqlite)', process.env.TICKBRIDGE_STORE_DIR ?? join(process.cwd(), 'data'))
    .option('--redisUrl <url>', 'publish candles to Redis (redis://host:6379/0)', process.env.REDIS_URL)
    .option('--latenessMs <ms>', "time bars: how much later (exchange time) than its symbol's newest message a message may be and still count in its bar", parseLateness, '250')
    .option('--warmup <depth>', 'first show the stored candles of the last <depth> (2h; 0: none; tui default 2h)', (value: string) => parseDuration(value, '--warmup'))
    .addOption(new Option('--speed <speed>', 'replay/file pacing: max, or a multiple of real time').argParser(parseSpeed).default('max'))
    .addOption(new Option('--seed <n>', 'demo exchange random seed').argParser(wholeNumber).default(1))
    .addOption(new Option('--demoRate <msgsPerSecond>', 'demo exchange message rate').argParser(positiveInt('--demoRate')))
    .addOption(new Option('--batchSize <n>', 'most messages per bridge frame').argParser(positiveInt('--batchSize')).default(100))
    .addOption(new Option('--flushDelayMs <ms>', 'bridge flush delay; 0 flushes when the source pauses').argParser(parseFlushDelay).default(0))
    .addOption(new Option('--window <n>', 'most unacknowledged messages before the source is paused').argParser(positiveInt('--window')).default(20_000))
    .option('--logDir <dir>', 'log directory', env.TICKBRIDGE_LOG_DIR ?? join(process.cwd(), 'logs'))
    .addOption(new Option('--logLevel <level>', 'log level').choices(['debug', 'info', 'warning', 'error']).default('info'))
    .addOption(
      new Option('--stallAfter <duration>', 'live and demo: a stream with no market message this long is "stalled"')
        .argParser((value: string) => parseDuration(value, '--stallAfter'))
        .default(30_000, '30s')
    );
}

/** The stream request of the flags, validated before anything starts (UsageError: exit 2). */
export function toStreamRequest(flags: StreamFlags): StreamRequest {
  if (flags.source === 'csv' && !flags.file) throw new UsageError('--source csv needs --file PATH (Tardis CSV files, .csv or .csv.gz, comma-separated, or a folder)');
  if (flags.record !== undefined && flags.source !== 'live' && flags.source !== 'demo') {
    throw new UsageError(`--record records the live and demo sources; --source ${flags.source} is already recorded data`);
  }
  if (flags.source === 'file' && !flags.file) throw new UsageError('--source file needs --file PATH (a recorded capture, plain or .gz)');
  if (flags.source === 'replay' && (!flags.from || !flags.to)) throw new UsageError('--source replay needs --from and --to (ISO-8601, e.g. 2024-08-08T00:00:00Z)');
  return validateRequest({
    source: flags.source,
    exchange: flags.exchange,
    symbols: flags.symbol.split(',').map((symbol) => symbol.trim()).filter(Boolean),
    dataTypes: flags.dataTypes.split(',').map((type) => type.trim()).filter(Boolean),
    timeframes: flags.timeframes,
    mode: flags.mode,
    ...(flags.from !== undefined && { from: flags.from }),
    ...(flags.to !== undefined && { to: flags.to }),
    ...(flags.cacheDir !== undefined && { cacheDir: flags.cacheDir }),
    ...(flags.file !== undefined && { file: flags.file }),
    ...(flags.record !== undefined && { record: flags.record }),
    ...(process.env.TARDIS_API_KEY && { apiKey: process.env.TARDIS_API_KEY }),
    // The Tardis HTTP API base URL (default https://api.tardis.dev/v1); tests use a local one.
    ...(process.env.TICKBRIDGE_TARDIS_ENDPOINT && { endpoint: process.env.TICKBRIDGE_TARDIS_ENDPOINT }),
    speed: flags.speed,
    seed: flags.seed,
    ...(flags.demoRate !== undefined && { demoMessagesPerSecond: flags.demoRate })
  });
}

export function toTuning(flags: StreamFlags): Partial<BridgeTuning> {
  return { maxBatchMessages: flags.batchSize, flushDelayMs: flags.flushDelayMs, window: flags.window };
}

/**
 * `--bigqueryEnabled true`: the tick writer, configured from GCP_PROJECT_ID, BIGQUERY_* and
 * GOOGLE_APPLICATION_CREDENTIALS (a UsageError names what is missing); dead letters go to
 * `<logDir>/bigquery-ticks.dead-letter.ndjson`.
 */
export function tickWriterFromFlags(flags: StreamFlags, env: NodeJS.ProcessEnv = process.env): TickWriter | undefined {
  if (flags.bigqueryEnabled !== 'true') return undefined;
  return bigQueryTickWriter(env, '--bigqueryEnabled true', flags.logDir);
}

/** Processor flags for a processor the engine starts: the local store folder and the lateness. */
export function processorArgs(flags: StreamFlags): string[] {
  return ['--storeDir', flags.storeDir, '--latenessMs', flags.latenessMs];
}

/** Processor environment: Redis by REDIS_URL, never on the command line (it may hold a password). */
export function processorEnv(flags: StreamFlags): NodeJS.ProcessEnv {
  return flags.redisUrl ? { REDIS_URL: flags.redisUrl } : {};
}

/** `ws://host:port` → the host and port to run the processor on. */
export function processorAddress(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--pythonWebSocketUrl "${url}" is not a URL; use e.g. ${DEFAULT_PROCESSOR_URL}`);
  }
  if (parsed.protocol !== 'ws:') throw new UsageError(`--pythonWebSocketUrl must start with ws://, got "${url}"`);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : 80 };
}

/** `20s`, `5m`, `1h`, `500ms` or plain seconds → milliseconds. */
export function parseDuration(value: string, flag = '--duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" is not a duration: use e.g. 20s, 5m, 1h or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] as number;
  return Number(match[1]) * unit;
}
