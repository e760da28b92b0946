/**
 * Runs the demo exchange as its own process:
 *   node dist/core/src/sources/demo/main.js [--port N] [--seed N] [--messages-per-second N]
 * Prints `{"event":"listening","port":N}` on stdout once it accepts connections; SIGINT or
 * SIGTERM closes it. Point a client at ws://127.0.0.1:N/spot/stream (spot, add
 * ?timeUnit=microsecond for microsecond times), ws://127.0.0.1:N/futures/stream,
 * http://127.0.0.1:N/api/v3 and http://127.0.0.1:N/fapi/v1.
 */
import { parseArgs } from 'node:util';
import { startDemoExchange } from './index.js';

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new RangeError(`--${name} must be a number, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      'messages-per-second': { type: 'string' },
    },
  });
  const port = integer('port', values.port);
  const seed = integer('seed', values.seed);
  const messagesPerSecond = integer('messages-per-second', values['messages-per-second']);
  const exchange = await startDemoExchange({
    ...(port !== undefined ? { port } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(messagesPerSecond !== undefined ? { messagesPerSecond } : {}),
  });
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: exchange.port })}\n`);
  const stop = (): void => {
    void exchange.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
