/**
 * The engine's log: a size-capped file (`logs/node_streamer.log`, rotated as the processor's log
 * is: contract/limits.json, log_files) and live subscribers (the CLI, TUI and extension show
 * entries as they come).
 */
import { mkdirSync } from 'node:fs';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { LOG_FILES } from '../contract/limits.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogOrigin = 'engine' | 'processor';

export interface LogEntry {
  readonly time: string;
  readonly level: LogLevel;
  readonly origin: LogOrigin;
  readonly message: string;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export const ENGINE_LOG_FILE = LOG_FILES.engine;

export class Logger {
  private readonly file: RotatingFileStream | undefined;
  private readonly listeners = new Set<(entry: LogEntry) => void>();

  /** `logDir` undefined: no file (tests); `minLevel` applies to the file and subscribers. */
  constructor(
    logDir: string | undefined,
    private readonly minLevel: LogLevel = 'info',
    private readonly redact: (text: string) => string = (text) => text
  ) {
    if (logDir !== undefined) {
      mkdirSync(logDir, { recursive: true });
      this.file = createStream(ENGINE_LOG_FILE, { path: logDir, size: `${LOG_FILES.maxBytes}B`, rotate: LOG_FILES.backups });
      this.file.on('error', () => {
        /* a full disk must not take the stream down; entries still reach subscribers */
      });
    }
  }

  log(level: LogLevel, message: string, origin: LogOrigin = 'engine'): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const entry: LogEntry = { time: new Date().toISOString(), level, origin, message: this.redact(message) };
    this.file?.write(`${entry.time} ${level.toUpperCase().padEnd(7)} [${origin}] ${entry.message}\n`);
    for (const listener of this.listeners) listener(entry);
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warning', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    return new Promise((resolve) => file.end(resolve));
  }
}
