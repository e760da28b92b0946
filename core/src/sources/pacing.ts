import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';

/** Below this lead no timer is set: pacing costs one clock read per message. */
export const MIN_SLEEP_MS = 5;

/** Given a message's local timestamp (ms), how long to wait before yielding it. */
export type Pacer = (localTimestampMs: number) => number;

/** A jump in local time that would make pacing wait longer than this is skipped, not slept. */
export const MAX_PACING_WAIT_MS = 10_000;

/**
 * Paces by local timestamps at `speed`× real time, anchored at the first message. Late messages are
 * not delayed (a slow consumer makes the source catch up, it never drifts further behind). A jump
 * between consecutive messages (forward or back) worth more than MAX_PACING_WAIT_MS of waiting is
 * taken out of the timeline: one bad timestamp a day ahead neither stalls the run nor makes the rest
 * of it unpaced. The first such skip is reported through `warn`.
 */
export function createPacer(speed: number, warn: (message: string) => void = () => {}, now: () => number = () => performance.now()): Pacer {
  let startLocal = NaN;
  let startWall = 0;
  let previous = 0;
  let skipped = 0; // local time taken out of the timeline
  let reported = false;
  return (localTimestampMs) => {
    const wall = now();
    if (Number.isNaN(startLocal)) {
      startLocal = previous = localTimestampMs;
      startWall = wall;
      return 0;
    }
    const jump = localTimestampMs - previous;
    previous = localTimestampMs;
    if (Math.abs(jump) / speed > MAX_PACING_WAIT_MS) {
      skipped += jump;
      if (!reported) {
        reported = true;
        warn(
          `Pacing: the local time jumps ${jump > 0 ? 'ahead' : 'back'} by ${formatSpan(Math.abs(jump))} at ${new Date(localTimestampMs).toISOString()}; ` +
            `jumps worth more than ${MAX_PACING_WAIT_MS / 1000} s of waiting at --speed ${speed} are skipped, not slept (further skips are not reported).`
        );
      }
    }
    const ahead = startWall + (localTimestampMs - skipped - startLocal) / speed - wall;
    return ahead > MIN_SLEEP_MS ? Math.min(ahead, MAX_PACING_WAIT_MS) : 0;
  };
}

function formatSpan(ms: number): string {
  if (ms >= 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 1000).toFixed(1)} s`;
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
