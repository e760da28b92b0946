/**
 * The `tickbridge` command line: its commands, flags and exit codes. The bin (cli/main.ts, outside
 * core/) runs it with the faces it wires in; core/ never imports a face.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { follow } from './commands/follow.js';
import { runServer } from './commands/server.js';
import { addExportCommand } from './commands/export.js';
import { TUI_WARMUP_MS, warmupOptions } from './warmup.js';
import { addStreamFlags, parseDuration, processorAddress, toStreamRequest, toTuning, type StreamFlags, processorArgs, processorEnv, tickWriterFromFlags } from './options.js';
import { bqReplayCommand } from '../persist/replay.js';
import type { EngineOptions } from '../engine/engine.js';
import type { StreamRequest } from '../engine/types.js';

/** What the bin wires in: the terminal monitor behind `tickbridge tui` (tui/main.ts). */
export interface Faces {
  readonly runMonitor: (options: { engine: EngineOptions; request: StreamRequest }) => Promise<number>;
}

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function engineOptions(flags: StreamFlags, processor: 'external' | { port: number; host: string }) {
  const common = {
    logDir: flags.logDir,
    logLevel: flags.logLevel,
    tuning: toTuning(flags),
    stallAfterMs: flags.stallAfter,
    token: process.env.TICKBRIDGE_TOKEN ?? null,
    tickWriter: tickWriterFromFlags(flags),
    warmup: warmupOptions(flags.warmup, flags.storeDir)
  };
  if (processor === 'external') return { ...common, processor: { url: flags.pythonWebSocketUrl } };
  return {
    ...common,
    processor: { launch: { ...processor, logDir: flags.logDir, args: processorArgs(flags), env: processorEnv(flags), ...(process.env.TICKBRIDGE_PYTHON && { python: process.env.TICKBRIDGE_PYTHON }) } }
  };
}

function buildProgram(faces: Faces): Command {
  const program = new Command('tickbridge')
    .description('Live or replayed crypto market data from Tardis.dev, bridged into a Python processor that builds candles and features.')
    .version(version)
    .showSuggestionAfterError()
    .exitOverride();

  addStreamFlags(program.command('stream').description('stream market data into a running Python processor (--pythonWebSocketUrl)'))
    .action(async (flags: StreamFlags) => {
      process.exitCode = await follow({ engine: engineOptions(flags, 'external'), request: toStreamRequest(flags), json: false, closedOnly: true });
    });

  addStreamFlags(program.command('start').description('start the Python processor and stream into it (SYMBOL and EXCHANGE env vars honoured)'), process.env)
    .action(async (flags: StreamFlags) => {
      const request = toStreamRequest(flags);
      process.exitCode = await follow({
        engine: engineOptions(flags, processorAddress(flags.pythonWebSocketUrl)),
        request,
        json: false,
        closedOnly: true,
        storeDir: flags.storeDir
      });
    });

  addStreamFlags(program.command('run').description('headless: start both and write one JSON event per line to stdout (docs/events.md)'))
    .option('--json', 'one JSON event per line (the scripting interface)', false)
    .option('--duration <duration>', 'stop after this long (20s, 5m, 1h); finite sources also end by themselves', (value: string) => parseDuration(value))
    .option('--closedOnly', 'print only closed (and final) candles', false)
    .addOption(new Option('--closed-only', 'the spelling of earlier versions').hideHelp())
    .action(async (flags: StreamFlags & { json: boolean; duration?: number; closedOnly: boolean }, command: Command) => {
      const request = toStreamRequest(flags);
      const durationMs = flags.duration;
      // Headless runs get a private processor on a free port unless a URL is given.
      const explicitUrl = command.getOptionValueSource('pythonWebSocketUrl') !== 'default';
      const address = explicitUrl ? processorAddress(flags.pythonWebSocketUrl) : { host: '127.0.0.1', port: 0 };
      process.exitCode = await follow({
        engine: engineOptions(flags, address),
        request,
        json: flags.json,
        closedOnly: flags.closedOnly,
        ...(durationMs !== undefined && { durationMs })
      });
    });

  addStreamFlags(program.command('tui').description('terminal monitor: start both and watch and steer the streams full-screen (tui/)'))
    .action(async (flags: StreamFlags) => {
      const request = toStreamRequest(flags);
      flags.warmup ??= TUI_WARMUP_MS;
      process.exitCode = await faces.runMonitor({ engine: engineOptions(flags, processorAddress(flags.pythonWebSocketUrl)), request });
    });

  program
    .command('bq-replay')
    .description('send the rows of a BigQuery dead-letter file (logs/bigquery-*.dead-letter.ndjson) again')
    .argument('<file>', 'dead-letter NDJSON file')
    .action(async (file: string) => {
      process.exitCode = await bqReplayCommand(file);
    });

  program
    .command('server')
    .description('run the Python processor in the foreground (--host --port --symbol --exchange --timeframes --noServe --noPersist ...; --help lists them)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (args: string[]) => {
      process.exitCode = await runServer(args);
    });

  addExportCommand(program);
  return program;
}

/** Parses `argv`, runs the command and sets the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[], faces: Faces): Promise<void> {
  try {
    await buildProgram(faces).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the message (help and version exit 0)
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof UsageError) {
      console.error(`tickbridge: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(`tickbridge: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
  // Whatever keeps the event loop alive (tardis-dev timers, sockets) must not keep us running.
  setTimeout(() => process.exit(), 200).unref();
}
