/**
 * `stream`, `start` and `run`: start the engine and one stream, print its events, and end on
 * Ctrl-C / SIGTERM (flushing first), after --duration, or when a finite source is exhausted.
 */
import { Engine, type EngineOptions } from '../../engine/engine.js';
import type { EngineEvent, StreamRequest } from '../../engine/types.js';
import { formatCandle, formatLog, formatStats, jsonLine } from '../output.js';

export interface FollowOptions {
  engine: EngineOptions;
  request: StreamRequest;
  json: boolean;
  closedOnly: boolean;
  durationMs?: number;
  /** Human output: print a stats line every this many stats events. */
  statsEvery?: number;
}

type EndReason = 'finished' | 'duration' | 'signal' | 'failed';

export async function follow(options: FollowOptions): Promise<number> {
  const engine = await Engine.start(options.engine);
  let statsSeen = 0;
  const print = options.json ? printJson : printHuman;
  engine.subscribe((event) => print(event));

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
  const ended = await new Promise<EndReason>((resolve) => {
    engine.whenDone(id).then((info) => resolve(info.status === 'failed' ? 'failed' : 'finished'));
    if (options.durationMs !== undefined) setTimeout(() => resolve('duration'), options.durationMs).unref();
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
  });
  const info = engine.streamInfo(id);
  await engine.close(true);
  const stats = engine.stats();
  if (options.json) process.stdout.write(`${JSON.stringify({ type: 'end', reason: ended, stats })}\n`);
  else console.log(formatStats(stats));
  if (ended === 'failed') {
    const usage = info?.failure?.usage === true;
    console.error(usage ? `tickbridge: ${info?.failure?.message}` : `tickbridge: stream ${id} failed: ${info?.detail ?? 'unknown error'}`);
    return usage ? 2 : 1;
  }
  return 0;
}
