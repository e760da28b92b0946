/**
 * The processor's log lines, each shown once at its own level. The processor sends every line to
 * each connected stream (as `log` frames) and its warnings also to stderr, so the same line
 * arrives several times: a line seen in the last few seconds is dropped.
 */
import type { LogLevel, Logger } from './logger.js';

const REPEAT_WINDOW_MS = 3_000;
const STDERR_RECORD = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: (.*)$/;
const STDERR_LEVEL: Record<string, LogLevel> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warning', ERROR: 'error', CRITICAL: 'error' };

export class ProcessorLog {
  private readonly recent = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  /** A `log` frame from any stream's link. */
  frame(level: LogLevel, message: string, now = Date.now()): void {
    if (this.seen(message, now)) return;
    this.logger.log(level, message, 'processor');
  }

  /**
   * A stderr line: a log record (`WARNING name: message`) at its level; anything else
   * (a traceback, an interpreter error) as a warning.
   */
  stderr(line: string, now = Date.now()): void {
    const record = STDERR_RECORD.exec(line);
    const message = record ? (record[2] as string) : line;
    if (this.seen(message, now)) return;
    this.logger.log(record ? (STDERR_LEVEL[record[1] as string] as LogLevel) : 'warning', message, 'processor');
  }

  private seen(message: string, now: number): boolean {
    for (const [text, at] of this.recent) {
      if (now - at <= REPEAT_WINDOW_MS) break; // insertion order: the rest is newer
      this.recent.delete(text);
    }
    const last = this.recent.get(message);
    if (last !== undefined && now - last <= REPEAT_WINDOW_MS) return true;
    this.recent.delete(message);
    this.recent.set(message, now);
    return false;
  }
}
