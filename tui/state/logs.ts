/** The logs pane's buffer and its filter. */
import type { LogLevel } from '../../core/index.js';
import type { LogFilter, LogLine } from './types.js';

export const MAX_LOG_LINES = 2000;
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warning', 'error'];
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export function appendLogs(logs: readonly LogLine[], added: readonly LogLine[]): readonly LogLine[] {
  if (added.length === 0) return logs;
  const next = logs.concat(added);
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next;
}

export function visibleLogs(logs: readonly LogLine[], filter: LogFilter): LogLine[] {
  const text = filter.text.toLowerCase();
  return logs.filter(
    (line) => RANK[line.level] >= RANK[filter.level] && (text === '' || `${line.origin} ${line.message}`.toLowerCase().includes(text))
  );
}

export function nextLevel(level: LogLevel): LogLevel {
  return LOG_LEVELS[(LOG_LEVELS.indexOf(level) + 1) % LOG_LEVELS.length] as LogLevel;
}
