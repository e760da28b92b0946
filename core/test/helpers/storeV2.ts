// Real SQLite stores in the v2 schema for TypeScript tests: python/tests/store_v2.py (the one
// builder of test stores) run with the processor's Python.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT, VENV_PYTHON } from '../../src/paths.js';

const storeV2 = (...args: string[]): string => execFileSync(VENV_PYTHON, [join(PACKAGE_ROOT, 'python', 'tests', 'store_v2.py'), ...args]).toString().trim();

/** Writes `<dir>/candles.sqlite` with runs given as Python `Run(...)` expressions (`ago(minutes=5)` for times). */
export const makeStoreV2 = (dir: string, runs: string[]): void => void storeV2('make', dir, ...runs);
