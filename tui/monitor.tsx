/**
 * The monitor proper: starts the engine (and its processor) with one stream and runs the screen
 * full-size until `q` (or SIGINT/SIGTERM/SIGHUP). Loaded by main.ts once the terminal is known
 * to be interactive.
 */
import { render } from 'ink';
import { Engine, type EngineOptions, type StreamRequest } from '../core/index.js';
import { App } from './app/App.js';
import { captureConsole } from './app/consoleCapture.js';
import { themeFromEnv } from './theme.js';

export interface TuiOptions {
  readonly engine: EngineOptions;
  readonly request: StreamRequest;
}

const ENTER_SCREEN = '\u001b[?1049h\u001b[2J\u001b[H';
const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l';

export async function runMonitor(options: TuiOptions): Promise<number> {
  let screen = true;
  const leaveScreen = () => {
    if (!screen) return;
    screen = false;
    process.stdout.write(LEAVE_SCREEN);
  };
  process.stdout.write(`${ENTER_SCREEN}Tickbridge: starting the Python processor…\n`);
  process.once('exit', leaveScreen);

  const capture = captureConsole();
  let engine: Engine;
  try {
    engine = await Engine.start(options.engine);
  } catch (error) {
    capture.restore();
    leaveScreen();
    throw error;
  }

  let closing: Promise<void> | undefined;
  let closeError: unknown;
  let unmount = () => {};
  const quit = () => {
    closing ??= engine
      .close()
      .catch((error: unknown) => {
        closeError = error;
      })
      .finally(() => unmount());
    return closing;
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = () => void quit();
  for (const signal of signals) process.once(signal, onSignal);

  try {
    engine.startStream(options.request);
  } catch (error) {
    engine.logger.error(`cannot start ${options.request.exchange}:${options.request.symbols.join(',')}: ${(error as Error).message}`);
  }

  process.stdout.write('\u001b[2J\u001b[H'); // the "starting" line goes; Ink draws from the top
  const instance = render(<App engine={engine} baseRequest={options.request} onQuit={onSignal} logFeed={capture} theme={themeFromEnv()} {...(options.engine.logLevel && { logLevel: options.engine.logLevel })} />, {
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 10
  });
  unmount = () => instance.unmount();
  await instance.waitUntilExit();
  await quit();
  for (const signal of signals) process.removeListener(signal, onSignal);
  capture.restore();
  leaveScreen();
  if (closeError) {
    process.stderr.write(`tickbridge: stopping cleanly failed: ${(closeError as Error).message}\n`);
    return 1;
  }
  return 0;
}
