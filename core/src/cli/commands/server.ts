/** `tickbridge server [flags]`: the Python processor in the foreground, with its own flags. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { VENV_PYTHON } from '../../paths.js';

/** Runs `python <args>` with the processor's environment in the foreground; resolves to its exit code. */
export function runPython(args: string[]): Promise<number> {
  const python = process.env.TICKBRIDGE_PYTHON ?? VENV_PYTHON;
  if (!existsSync(python)) throw new UsageError(`Python processor environment not found at ${python}: run \`npm run setup\` first`);
  const child = spawn(python, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));
}

export function runServer(args: string[]): Promise<number> {
  return runPython(['-m', 'market_data_tick_handler', ...args]);
}
