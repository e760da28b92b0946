// Test stores and files read by the processor's Python (python/tests/store_v2.py), so these tests
// reach core only through core/index.ts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT, VENV_PYTHON } from '../../core/index.js';

const run = (...args: string[]): string => execFileSync(VENV_PYTHON, [join(PACKAGE_ROOT, 'python', 'tests', 'store_v2.py'), ...args]).toString().trim();

/** Writes `<dir>/candles.sqlite` (store schema v2) with runs given as Python `Run(...)` expressions. */
export const writeStore = (dir: string, runs: string[]): void => void run('make', dir, ...runs);
/** Candle rows in the store file (0 when it does not exist yet). */
export const storeRows = (file: string): number => Number(run('rows', file));
/** Rows of a Parquet file, read with pyarrow. */
export const parquetRowCount = (file: string): number => Number(run('parquet-rows', file));
