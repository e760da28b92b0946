// Real SQLite stores in the v2 schema for TypeScript tests, written by python/tests/store_v2.py
// (the one builder of test stores) with the processor's Python.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT, VENV_PYTHON } from '../../src/paths.js';

/** Writes `<dir>/candles.sqlite` with the runs given as Python `Run(...)` expressions (store_v2.Run). */
export function makeStoreV2(dir: string, runs: string[]): void {
  execFileSync(VENV_PYTHON, ['-c', [
    'import sys; from datetime import datetime; from pathlib import Path',
    `sys.path.insert(0, ${JSON.stringify(join(PACKAGE_ROOT, 'python', 'tests'))})`,
    'from store_v2 import Run, make_store',
    `make_store(Path(${JSON.stringify(dir)}), [${runs.join(', ')}])`
  ].join('\n')]);
}

/** A Python `datetime` expression for `date` (UTC). */
export const pyTime = (date: Date): string => `datetime.fromisoformat(${JSON.stringify(date.toISOString().replace('Z', '+00:00'))})`;

/** How many candle rows the store at `file` holds (0 when it does not exist yet). */
export function storedRows(file: string): number {
  const code = `import sqlite3, os, sys\nf = sys.argv[1]\nprint(sqlite3.connect(f).execute("SELECT count(*) FROM candles").fetchone()[0] if os.path.exists(f) else 0)`;
  return Number(execFileSync(VENV_PYTHON, ['-c', code, file]).toString().trim());
}

/** How many rows the Parquet file at `file` holds, read with pyarrow. */
export function parquetRows(file: string): number {
  return Number(execFileSync(VENV_PYTHON, ['-c', 'import sys, pyarrow.parquet as pq; print(pq.read_table(sys.argv[1]).num_rows)', file]).toString().trim());
}
