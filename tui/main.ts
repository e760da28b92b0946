/**
 * `tickbridge tui`: the entry the CLI loads with a dynamic import (core/ never imports Ink).
 * Without a terminal it says what to use instead and returns 2.
 */
import type { TuiOptions } from './monitor.js';

export type { TuiOptions };

export const NO_TTY_MESSAGE = 'tickbridge tui needs an interactive terminal; for scripts and pipes use `tickbridge run --json` instead.';

export async function runTui(options: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(`${NO_TTY_MESSAGE}\n`);
    return 2;
  }
  // React's development build costs several times the CPU of the production one; it is chosen
  // when React is first loaded, so this must precede importing the monitor.
  process.env.NODE_ENV ??= 'production';
  const { runMonitor } = await import('./monitor.js');
  return runMonitor(options);
}
