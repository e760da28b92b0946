// Runs the built `tickbridge` CLI as a user would, collecting its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CLI = join(PACKAGE_ROOT, 'dist/cli/main.js');
export const SHARED_DATA = join(PACKAGE_ROOT, '..', 'shared', 'data');
export const SPOT_CAPTURE = join(SHARED_DATA, 'binance_spot_btcusdt_20240808.raw.gz');
export const FUTURES_CAPTURE = join(SHARED_DATA, 'binance-futures_btcusdt_20240808.raw.gz');
/** Why tests that need the real captures are skipped, or false when they can run. */
export const NO_CAPTURES = existsSync(SPOT_CAPTURE) && existsSync(FUTURES_CAPTURE) ? false : `real captures not found in ${SHARED_DATA}`;

export interface CliResult {
  code: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? PACKAGE_ROOT, env: { ...process.env, ...options.env } });
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines, stderr })));
}

/** A port nothing listens on (just released by a server of ours). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
