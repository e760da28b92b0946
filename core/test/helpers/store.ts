// Reads a local candle store (SQLite) with the processor's Python, as a user's script would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { VENV_PYTHON } from '../../src/paths.js';

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
