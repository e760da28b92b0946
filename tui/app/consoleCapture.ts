/**
 * While the monitor runs, console.* and stray stderr writes (tardis-dev's DEBUG output, library
 * warnings) become lines of the logs pane instead of breaking the layout.
 */
import { format, stripVTControlCharacters } from 'node:util';
import type { LogLevel } from '../../core/index.js';
import type { LogFeed } from './useEngineFeed.js';

export interface ConsoleCapture extends LogFeed {
  restore(): void;
}

export function captureConsole(): ConsoleCapture {
  const listeners = new Set<(level: LogLevel, message: string) => void>();
  const pending: [LogLevel, string][] = [];
  const emit = (level: LogLevel, text: string) => {
    for (const line of text.split(/\r?\n/)) {
      const clean = stripVTControlCharacters(line).trimEnd();
      if (!clean) continue;
      if (listeners.size === 0) {
        if (pending.length < 500) pending.push([level, clean]);
      } else for (const listener of listeners) listener(level, clean);
    }
  };
  // the originals, to put back as they were
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored onto the same objects, never called unbound
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, write: process.stderr.write };
  console.log = (...args: unknown[]) => emit('info', format(...args));
  console.info = (...args: unknown[]) => emit('info', format(...args));
  console.warn = (...args: unknown[]) => emit('warning', format(...args));
  console.error = (...args: unknown[]) => emit('error', format(...args));
  console.debug = (...args: unknown[]) => emit('debug', format(...args));
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    emit('warning', typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    callback?.();
    return true;
  });

  return {
    subscribe(listener) {
      listeners.add(listener);
      for (const [level, message] of pending.splice(0)) listener(level, message);
      return () => listeners.delete(listener);
    },
    restore() {
      Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error, debug: saved.debug });
      process.stderr.write = saved.write;
    }
  };
}
