// Reads a local candle store (SQLite) with the processor's Python, as a user's script would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, type StreamRequest } from '../../index.js';
import { VENV_PYTHON } from '../../src/paths.js';
import { SPOT_CAPTURE } from './cli.js';

const DUMP = `import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
rows = [dict(r) for r in db.execute("SELECT * FROM candles ORDER BY exchange, symbol, timeframe, start")] if "candles" in tables else []
runs = [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY run_id")] if "runs" in tables else []
print(json.dumps({"rows": rows, "runs": runs}))`;

export interface StoreContent {
  rows: Record<string, unknown>[];
  runs: Record<string, unknown>[];
}

/** Every row of `<dir>/candles.sqlite` (an empty store when the file is missing). */
export function readStore(dir: string): StoreContent {
  const result = spawnSync(VENV_PYTHON, ['-c', DUMP, join(dir, 'candles.sqlite')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot read the store in ${dir}: ${result.stderr}`);
  return JSON.parse(result.stdout) as StoreContent;
}

/** The candle rows without what differs between two runs of the same data (the run id). */
export function candleRows(dir: string): Record<string, unknown>[] {
  return readStore(dir).rows.map(({ run_id: _run, ...row }) => row);
}

/** A candles stream (15s, 1m) of BTCUSDT trades and books from a capture file. */
export function captureReplay(file: string, exchange: string, speed: 'max' | number): StreamRequest {
  return { source: 'file', file, exchange, symbols: ['BTCUSDT'], dataTypes: ['trades', 'book_snapshot_5'], timeframes: ['15s', '1m'], mode: 'candles', speed };
}

/**
 * Replays the spot capture at full speed through a real engine and processor writing the store
 * in a fresh folder; kills the processor (kill -9) when the engine has seen `crashAtCandles`
 * closed candles; `afterStream` runs once the stream is done, before the engine closes.
 */
export async function replayIntoStore(crashAtCandles: number[] = [], afterStream?: (engine: Engine) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-store-'));
  const engine = await Engine.start({ processor: { launch: { host: '127.0.0.1', port: 0, logDir: dir, args: ['--storeDir', dir] } }, logDir: dir });
  let candles = 0;
  const pending = [...crashAtCandles];
  const killed = new Set<number | undefined>();
  engine.subscribe((event) => {
    if (event.type !== 'candle' || !event.candle.closed) return;
    candles++;
    // Kill each processor once, at the first candle past the next mark it delivers (candles
    // already on their way from a killed one do not count as a new kill).
    const pid = engine.processor?.pid;
    if (pending.length && candles >= (pending[0] as number) && engine.processor?.status === 'running' && !killed.has(pid)) {
      pending.shift();
      killed.add(pid);
      engine.processor?.crash();
    }
  });
  const id = engine.startStream(captureReplay(SPOT_CAPTURE, 'binance', 'max'));
  const info = await engine.whenDone(id);
  const restarts = engine.processor?.restarts ?? 0;
  await afterStream?.(engine);
  await engine.close();
  return { dir, info, restarts };
}
