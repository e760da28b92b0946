/**
 * `stream`, `start` and `run`: start the engine and one stream, print its events, and end on
 * Ctrl-C / SIGTERM (flushing first), after --duration, or when a finite source is exhausted.
 * However the link or the processor behaves, the run ends within 5 s of being asked to.
 */
import { Engine, type EngineOptions } from '../../engine/engine.js';
import type { EngineEvent, StreamRequest } from '../../engine/types.js';
import { DEFAULT_RETRY } from '../../persist/policy.js';
import { formatCandle, formatLog, formatStats, jsonLine } from '../output.js';
import { EXIT, stopSignals, type StopSignals } from '../signals.js';

export interface FollowOptions {
  engine: EngineOptions;
  request: StreamRequest;
  json: boolean;
  closedOnly: boolean;
  durationMs?: number;
  /** Human output: print a stats line every this many stats events. */
  statsEvery?: number;
  /** Where the processor keeps its candle store, said once it listens (`start`). */
  storeDir?: string;
}

type EndReason = 'finished' | 'duration' | 'signal' | 'failed';

/** Stopping (flush, streams, processor) may take this long before the run exits regardless... */
const STOP_DEADLINE_MS = 4_500;
/** ...unless BigQuery is flushed at shutdown: then its budget (30 s) and a margin. */
const BIGQUERY_STOP_DEADLINE_MS = DEFAULT_RETRY.closeTimeoutMs + 6_000;

export async function follow(options: FollowOptions): Promise<number> {
  const signals = stopSignals();
  try {
    return await followWith(options, signals);
  } finally {
    signals.dispose();
  }
}

async function followWith(options: FollowOptions, signals: StopSignals): Promise<number> {
  // A signal while the processor starts ends the run at once: the CLI exits, and the processor,
  // whose stdin was ours, exits with it.
  const engine = await Promise.race([Engine.start(options.engine), signals.received.then(() => undefined)]);
  if (engine === undefined) return signals.exitCode();
  let statsSeen = 0;
  const print = options.json ? printJson : printHuman;
  engine.subscribe((event) => print(event));
  if (!options.json) announce(engine, options.storeDir);

  function printJson(event: EngineEvent): void {
    if (event.type === 'log') {
      if (event.entry.level === 'warning' || event.entry.level === 'error') process.stderr.write(`${formatLog(event.entry)}\n`);
      return;
    }
    const line = jsonLine(event, options.closedOnly);
    if (line !== undefined) process.stdout.write(`${line}\n`);
  }

  function printHuman(event: EngineEvent): void {
    if (event.type === 'candle' && (event.candle.closed || event.candle.final)) console.log(formatCandle(event.streamId, event.candle));
    else if (event.type === 'stats' && statsSeen++ % (options.statsEvery ?? 5) === 0) console.log(formatStats(event.stats));
    else if (event.type === 'log' && event.entry.level !== 'debug') console.error(formatLog(event.entry));
  }

  const id = engine.startStream(options.request);
  let durationTimer: NodeJS.Timeout | undefined;
  const ended = await Promise.race<EndReason>([
    engine.whenDone(id).then((info) => (info.status === 'failed' ? 'failed' : 'finished')),
    signals.received.then(() => 'signal' as const),
    ...(options.durationMs === undefined ? [] : [new Promise<EndReason>((resolve) => (durationTimer = setTimeout(() => resolve('duration'), options.durationMs)))])
  ]);
  clearTimeout(durationTimer);

  const info = engine.streamInfo(id);
  const code = ended === 'failed' ? (info.failure?.usage ? EXIT.usage : EXIT.failed) : signals.exitCode();
  // A second signal, or a stop that takes too long, ends the run at once (the processor with it).
  const forceExit = () => {
    engine.processor?.crash();
    process.exit(code);
  };
  signals.onRepeat(forceExit);
  const flushesBigQuery = options.engine.tickWriter !== undefined || (engine.processor?.stopGraceMs ?? 0) > STOP_DEADLINE_MS;
  const deadlineMs = flushesBigQuery ? BIGQUERY_STOP_DEADLINE_MS : STOP_DEADLINE_MS;
  const notice = setTimeout(() => {
    process.stderr.write(`tickbridge: still flushing BigQuery, for at most ${deadlineMs / 1000} s in all; press Ctrl-C again to exit now\n`);
  }, STOP_DEADLINE_MS);
  notice.unref();
  if (!flushesBigQuery) clearTimeout(notice);
  const deadline = setTimeout(() => {
    process.stderr.write(`tickbridge: could not stop cleanly within ${deadlineMs / 1000} s; exiting\n`);
    forceExit();
  }, deadlineMs);
  deadline.unref();
  await engine.close(true);
  clearTimeout(deadline);
  clearTimeout(notice);

  const stats = engine.stats();
  if (options.json) process.stdout.write(`${JSON.stringify({ type: 'end', reason: ended, stats })}\n`);
  else console.log(formatStats(stats));
  // The last line says why the run failed (a refused request was only logged at info).
  if (ended === 'failed') {
    console.error(info.failure?.usage ? `tickbridge: ${info.failure.message}` : `tickbridge: stream ${id} failed: ${info.detail}`);
  }
  return code;
}

/** `start` and `stream`: where the processor listens and keeps its data. */
function announce(engine: Engine, storeDir: string | undefined): void {
  const supervisor = engine.processor;
  if (supervisor) {
    console.error(`tickbridge: processor listening on ${supervisor.url} (health: ${supervisor.healthUrl})`);
    if (storeDir !== undefined) console.error(`tickbridge: closed candles are stored in ${storeDir}/candles.sqlite`);
  } else {
    console.error(`tickbridge: streaming into the processor at ${engine.stats().processor.url}`);
  }
}
