/** `--warmup <depth>`: a starting stream first shows this much of the stored candles (engine/warmup.ts). */
import type { WarmupOptions } from '../engine/warmup.js';

/** The tui's depth when `--warmup` is not given. */
export const TUI_WARMUP_MS = 2 * 3_600_000;

/** The engine's warm-start options for `--warmup` (parsed to ms; under 1 s or absent: none) and `--storeDir`. */
export function warmupOptions(depthMs: number | undefined, storeDir: string): WarmupOptions | undefined {
  return depthMs !== undefined && depthMs >= 1000 ? { storeDir, depth: `${Math.round(depthMs / 1000)}s` } : undefined;
}
