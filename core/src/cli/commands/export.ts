/**
 * `tickbridge export [flags]`: candles from the local store to CSV, Parquet or NDJSON.
 * The store has one reader: the processor's Python (`python -m tickbridge export`), which owns
 * the flags, the typing of the columns and the exit codes (docs/data.md).
 */
import type { Command } from 'commander';
import { runPython } from './server.js';

export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description('export stored candles to CSV, Parquet or NDJSON (--out FILE --exchange --symbol --timeframes --from --to --source --run; --help for all)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (args: string[]) => {
      process.exitCode = await runPython(['-m', 'tickbridge', 'export', ...args]);
    });
}
