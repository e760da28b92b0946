/** `--warmup <depth>`: a starting stream first shows this much of the stored candles (engine/warmup.ts). */
import { UsageError } from '../errors.js';
import type { WarmupOptions } from '../engine/warmup.js';
import { parseDuration } from './options.js';

/** The engine's warm-start options for `--warmup` (`0` or absent: none) and `--storeDir`. */
export function warmupOptions(depth: string | undefined, storeDir: string): WarmupOptions | undefined {
  if (depth === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(depth);
  } catch {
    throw new UsageError(`--warmup "${depth}" is not a duration: use e.g. 2h, 90m or 0 (none)`);
  }
  return ms >= 1000 ? { storeDir, depth: `${Math.round(ms / 1000)}s` } : undefined;
}
