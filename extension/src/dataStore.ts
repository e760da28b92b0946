/**
 * Where the extension keeps its data, and exporting it. The candle store lives in the
 * extension's global storage (`<globalStorage>/data/candles.sqlite`), never in the folder
 * VS Code was started from. "Export Candles…" runs the processor's Python
 * (`python -m tickbridge export`, the store's one reader); no `vscode` here, so tests drive it.
 */
import { join } from 'node:path';
import type { EngineOptions, StreamRequest } from '../../core/index.js';
import type { Runner } from './pythonEnv.js';

/** The store folder and the engine settings that use it (processor `--storeDir`, warm start). */
export function storeSettings(storageDir: string, warmupDepth = '7200s'): { storeDir: string; processorArgs: string[]; warmup: NonNullable<EngineOptions['warmup']> } {
  const storeDir = join(storageDir, 'data');
  return { storeDir, processorArgs: ['--storeDir', storeDir], warmup: { storeDir, depth: warmupDepth } };
}

/** What to export: everything in the store, or the candles of one stream's venue and symbols. */
export type ExportScope = { readonly kind: 'all' } | { readonly kind: 'stream'; readonly request: StreamRequest };

export function exportArgs(storeDir: string, scope: ExportScope, target: string): string[] {
  const args = ['-m', 'tickbridge', 'export', '--storeDir', storeDir, '--out', target];
  if (scope.kind === 'all') return [...args, '--include-demo'];
  const { request } = scope;
  return [...args, '--exchange', request.exchange, '--symbol', request.symbols.join(','), '--source', request.source];
}

export interface ExportOutcome {
  readonly ok: boolean;
  /** The exporter's own last line: `N candles written to …`, or why nothing was written. */
  readonly message: string;
}

export async function exportCandles(run: Runner, python: string, storeDir: string, scope: ExportScope, target: string): Promise<ExportOutcome> {
  const result = await run(python, exportArgs(storeDir, scope, target));
  const last = (result.spawnError ?? result.stderr).trim().split('\n').pop() ?? '';
  return { ok: result.code === 0, message: last.replace(/^tickbridge export: /, '') || `exit code ${String(result.code)}` };
}
