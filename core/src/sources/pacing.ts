import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';

/** Below this lead no timer is set: pacing costs one clock read per message. */
export const MIN_SLEEP_MS = 5;

/** Given a message's local timestamp (ms), how long to wait before yielding it. */
export type Pacer = (localTimestampMs: number) => number;

/**
 * Paces by local timestamps at `speed`× real time, anchored at the first message. Late messages are
 * not delayed (a slow consumer makes the source catch up, it never drifts further behind).
 */
export function createPacer(speed: number, now: () => number = () => performance.now()): Pacer {
  let startLocal = NaN;
  let startWall = 0;
  return (localTimestampMs) => {
    const wall = now();
    if (Number.isNaN(startLocal)) {
      startLocal = localTimestampMs;
      startWall = wall;
      return 0;
    }
    const ahead = startWall + (localTimestampMs - startLocal) / speed - wall;
    return ahead > MIN_SLEEP_MS ? ahead : 0;
  };
}

/** Sleeps `ms`; false when aborted first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Parses a --speed value: 'max' (no pacing) or a positive multiple of real time. */
export function parseSpeed(value: string | number): 'max' | number {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'max') return 'max';
  const speed = typeof value === 'number' ? value : Number(value.trim().replace(/x$/i, ''));
  if (!Number.isFinite(speed) || speed <= 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(`Invalid speed "${value}": use max (no pacing) or a positive number such as 1 or 10 (times real time).`);
  }
  return speed;
}
