// Symbols as users type them, per venue (docs/symbols.md): a BASE-QUOTE pair becomes the venue's
// native id; a pair naming several instruments is a clear error; the bitmex capture runs with BTC-USD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../src/errors.js';
import { resolveSymbols, toNativeSymbol } from '../src/sources/symbols.js';
import { SHARED_DATA, runCli } from './helpers/cli.js';

test('pairs map to each venue\'s native id; native ids pass through', () => {
  const cases: [string, string, string][] = [
    ['bitmex', 'BTC-USD', 'XBTUSD'], ['bitmex', 'eth/usd', 'ETHUSD'], ['bitmex', 'XBTUSD', 'XBTUSD'],
    ['binance-delivery', 'BTC-USD', 'BTCUSD_PERP'], ['binance-delivery', 'BTCUSD_240927', 'BTCUSD_240927'],
    ['okex-swap', 'BTC-USDT', 'BTC-USDT-SWAP'], ['okex-swap', 'BTC-USD-SWAP', 'BTC-USD-SWAP'],
    ['deribit', 'BTC-USD', 'BTC-PERPETUAL'], ['deribit', 'BTC-27SEP24', 'BTC-27SEP24'],
    ['cryptofacilities', 'ETH-USD', 'PI_ETHUSD'], ['hyperliquid', 'BTC-USD', 'BTC'],
    ['binance', 'BTC-USDT', 'BTCUSDT'], ['coinbase', 'BTC/USD', 'BTC-USD'], ['kraken', 'BTC-USD', 'BTC/USD']
  ];
  for (const [exchange, input, native] of cases) assert.equal(toNativeSymbol(exchange, input), native, `${exchange} ${input}`);
});

test('a pair naming several instruments, or none, is a one-line error', () => {
  assert.throws(() => toNativeSymbol('okex-futures', 'BTC-USD'), (e: Error) => e instanceof UsageError && /several instruments.*BTC-USD-240927/.test(e.message));
  assert.throws(() => toNativeSymbol('hyperliquid', 'BTC-USDT'), /quoted in USDC: use BTC or BTC-USD/);
  assert.throws(() => resolveSymbols('bitmex', ['BTC-USDX'], ['XBTUSD', 'XBTUSDT', 'ETHUSD']), /Unknown symbol "XBTUSDX" on bitmex\. Did you mean XBTUSD/);
});

const BITMEX = join(SHARED_DATA, 'bitmex_all_20210722.raw.gz');
test('the bitmex capture streams XBTUSD for --symbol BTC-USD', { skip: existsSync(BITMEX) ? false : `no ${BITMEX}` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-symbols-'));
  const result = await runCli(['run', '--source', 'file', '--file', BITMEX, '--exchange', 'bitmex', '--symbol', 'BTC-USD', '--timeframes', '5s', '--json', '--logDir', dir, '--storeDir', dir]);
  assert.equal(result.code, 0, result.stderr);
  const candles = result.lines.filter((line) => line.type === 'candle' && line.trades !== 0);
  assert.ok(candles.length > 0 && candles.every((c) => c.symbol === 'XBTUSD'));
});

test('okex-futures BTC-USD on the command line: exit code 2 and one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-symbols-'));
  const result = await runCli(['run', '--source', 'file', '--file', BITMEX, '--exchange', 'okex-futures', '--symbol', 'BTC-USD', '--json', '--logDir', dir]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /"BTC-USD" names several instruments/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
