// Stream This Capture: venue and symbol proposed from the file, speed chosen, Back goes one step
// back keeping the answers, and every answer is checked in plain words before launch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamProposal } from '../../core/index.js';
import { buildCaptureRequest, checkExchange, checkSymbol, chooseCapture } from '../src/captureFlow.js';
import { readConfig } from '../src/config.js';
import { BACK, type StepAnswer, type StepUi } from '../src/stepUi.js';

const PROPOSAL: StreamProposal = { source: 'file', exchanges: ['binance-futures', 'binance-delivery'], symbols: ['BTCUSDT'], symbolsByExchange: { 'binance-futures': ['BTCUSDT'], 'binance-delivery': ['BTCUSD_PERP'] } };

/** Answers from a script; records what each step showed. */
function scripted(answers: ((shown: { title: string; value: string; step: number; steps: number; problem?: string }) => StepAnswer)[]): { ui: StepUi; shown: string[] } {
  const shown: string[] = [];
  let next = 0;
  const answer = (title: string, step: number, steps: number, value: string, problem?: string) => {
    shown.push(`${step}/${steps} ${title} [${value}]`);
    return Promise.resolve(answers[next++]!({ title, value, step, steps, ...(problem !== undefined && { problem }) }));
  };
  return {
    shown,
    ui: {
      input: async (title, step, steps, value, _prompt, validate) => {
        const result = await answer(title, step, steps, value, validate(value));
        if (typeof result === 'string') assert.equal(validate(result), undefined, `the real input box would not accept ${result}`);
        return result;
      },
      pick: (title, step, steps, _items, active) => answer(title, step, steps, active ?? '')
    }
  };
}

test('the venue and symbol come proposed from the file; Back returns to the previous step with its answer', async () => {
  const { ui, shown } = scripted([
    ({ value }) => value, // exchange as proposed
    () => BACK, // back from the symbol
    () => 'binance-delivery',
    ({ value }) => value, // BTCUSD_PERP, proposed for binance-delivery
    () => '100×'
  ]);
  const choices = await chooseCapture('/data/binance-futures_btcusdt.raw.gz', PROPOSAL, ui);
  assert.deepEqual(choices, { exchange: 'binance-delivery', symbol: 'BTCUSD_PERP', speed: 100 });
  assert.deepEqual(shown, [
    '1/3 Stream binance-futures_btcusdt.raw.gz: exchange [binance-futures]',
    '2/3 Stream binance-futures_btcusdt.raw.gz: symbol [BTCUSDT]',
    '1/3 Stream binance-futures_btcusdt.raw.gz: exchange [binance-futures]',
    '2/3 Stream binance-futures_btcusdt.raw.gz: symbol [BTCUSD_PERP]',
    '3/3 Stream binance-futures_btcusdt.raw.gz: speed [10×]'
  ]);
  const request = buildCaptureRequest('/data/x.raw.gz', PROPOSAL, { exchange: 'binance-futures', symbol: 'BTCUSDT', speed: 10 }, readConfig(() => undefined));
  assert.equal(request.source, 'file');
  assert.equal(request.speed, 10);
  assert.equal(request.file, '/data/x.raw.gz');
});

test('answers the file cannot serve are refused in plain words, naming what it has', () => {
  assert.equal(checkExchange('deribit', PROPOSAL), 'The file does not read as deribit data; it reads as binance-futures, binance-delivery.');
  assert.match(checkExchange('Binance Futures', PROPOSAL) ?? '', /not an exchange id: lower-case letters, digits and dashes/);
  assert.equal(checkExchange('', PROPOSAL), 'Type the exchange the file was recorded from, e.g. binance-futures.');
  assert.equal(checkSymbol('ETHUSDT', 'binance-futures', PROPOSAL), 'The file has no binance-futures ETHUSDT data; it has BTCUSDT.');
  assert.equal(checkSymbol('btcusdt', 'binance-futures', PROPOSAL), undefined);
  assert.equal(checkExchange('bybit', { ...PROPOSAL, exchanges: [] }), undefined, 'a file that says nothing: any exchange id is tried');
});

test('Escape at any step cancels', async () => {
  const { ui } = scripted([({ value }) => value, () => undefined]);
  assert.equal(await chooseCapture('/f.raw', PROPOSAL, ui), undefined);
});
