// Venue and symbol proposed from a file before any question: the capture's messages through
// tardis-dev's mappers, the name breaking ties; Tardis CSV from its exchange and symbol columns.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { proposeStream } from '../index.js';
import { FUTURES_CAPTURE, NO_CAPTURES, SHARED_DATA } from './helpers/cli.js';

test('a capture proposes the venue its messages read as (the file name first among equals) and its symbols', { skip: NO_CAPTURES }, async () => {
  const futures = await proposeStream(FUTURES_CAPTURE);
  assert.equal(futures.source, 'file');
  assert.equal(futures.exchanges[0], 'binance-futures');
  assert.deepEqual(futures.symbols, ['BTCUSDT']);
  const coinbase = await proposeStream(join(SHARED_DATA, 'coinbase_all_20210417.raw.gz'));
  assert.equal(coinbase.exchanges[0], 'coinbase');
  assert.ok(coinbase.symbols.includes('SKL-USD'), coinbase.symbols.join(' '));
});

test('a Tardis CSV proposes its exchange and most frequent symbol; an unreadable file proposes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-propose-'));
  const csv = join(dir, 'trades.csv');
  writeFileSync(csv, 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nbybit,ETHUSDT,1,2,a,buy,1,1\nbybit,BTCUSDT,1,2,b,buy,1,1\nbybit,BTCUSDT,1,2,c,sell,1,1\n');
  assert.deepEqual(await proposeStream(csv), { source: 'csv', exchanges: ['bybit'], symbols: ['BTCUSDT', 'ETHUSDT'], symbolsByExchange: { bybit: ['BTCUSDT', 'ETHUSDT'] } });
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'hello\nworld\n');
  assert.deepEqual((await proposeStream(text)).exchanges, []);
});
