/**
 * SIGINT (Ctrl-C) and SIGTERM for a run: the first asks it to stop, a second ends it at once.
 * Exit codes (docs/events.md): 0 done, 1 the stream failed, 2 a wrong request, 130 Ctrl-C.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface StopSignals {
  /** Resolves with the first signal. */
  readonly received: Promise<NodeJS.Signals>;
  /** 130 after Ctrl-C, else 0. */
  exitCode(): number;
  /** Runs on a second signal. */
  onRepeat(handler: () => void): void;
  dispose(): void;
}

export function stopSignals(): StopSignals {
  let first: NodeJS.Signals | undefined;
  let repeat: () => void = () => {};
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      resolve(signal);
    } else {
      repeat();
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    exitCode: () => (first === 'SIGINT' ? EXIT.interrupted : EXIT.ok),
    onRepeat: (handler) => {
      repeat = handler;
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    }
  };
}
