import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, readConfig } from '../src/config.js';
import { findRoot } from './helpers.js';

const root = findRoot(dirname(fileURLToPath(import.meta.url)));
interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, { default: unknown; items?: { pattern?: string } }> };
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
  };
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;

test('unset settings give the defaults', () => {
  const config = readConfig(() => undefined);
  assert.equal(config.defaultSource, null);
  assert.equal(config.defaultExchange, 'binance');
  assert.deepEqual(config.timeframes, ['15s', '1m', '5m', '15m']);
  assert.equal(config.pythonPath, null);
  assert.equal(config.processorPort, 0);
  assert.equal(config.demoRate, null);
  assert.equal(config.bigquery.enabled, false);
});

test('settings are read and bad values fall back', () => {
  const values: Record<string, unknown> = {
    defaultSource: 'demo',
    defaultSymbol: ' ETHUSDT ',
    defaultDataTypes: ['trades', '', 7],
    timeframes: [],
    pythonPath: '/opt/py/bin/python',
    processorPort: 70000,
    demoRate: 50,
    logLevel: 'loud',
    'bigquery.enabled': true
  };
  const config = readConfig((key) => values[key]);
  assert.equal(config.defaultSource, 'demo');
  assert.equal(config.defaultSymbol, 'ETHUSDT');
  assert.deepEqual(config.defaultDataTypes, ['trades']);
  assert.deepEqual(config.timeframes, DEFAULTS.timeframes);
  assert.equal(config.pythonPath, '/opt/py/bin/python');
  assert.equal(config.processorPort, 0);
  assert.equal(config.demoRate, 50);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.bigquery.enabled, true);
  assert.equal(readConfig((key) => (key === 'defaultSource' ? 'bogus' : undefined)).defaultSource, null);
});

test('the manifest declares every setting the extension reads, with the same defaults', () => {
  const declared = manifest.contributes.configuration.properties;
  const read: string[] = [];
  readConfig((key) => {
    read.push(`tickbridge.${key}`);
    return undefined;
  });
  for (const key of read) assert.ok(key in declared, `${key} missing from contributes.configuration`);
  assert.equal(declared['tickbridge.defaultExchange']?.default, DEFAULTS.defaultExchange);
  assert.equal(declared['tickbridge.defaultSymbol']?.default, DEFAULTS.defaultSymbol);
  assert.deepEqual(declared['tickbridge.defaultDataTypes']?.default, DEFAULTS.defaultDataTypes);
  assert.deepEqual(declared['tickbridge.timeframes']?.default, DEFAULTS.timeframes);
  assert.equal(declared['tickbridge.processorPort']?.default, DEFAULTS.processorPort);
  for (const key of ['pythonPath', 'bigquery.enabled', 'bigquery.projectId', 'bigquery.dataset']) assert.ok(`tickbridge.${key}` in declared);
});

test('the timeframes setting accepts every bar spec of the contract, and its default is the contract\'s', () => {
  const grammar = JSON.parse(readFileSync(join(root, 'python/market_data_tick_handler/contract/bar_specs.json'), 'utf8')) as { default: string[]; examples: { valid: Record<string, unknown> } };
  const setting = manifest.contributes.configuration.properties['tickbridge.timeframes'];
  const pattern = new RegExp(setting?.items?.pattern ?? '^$');
  for (const label of Object.keys(grammar.examples.valid)) assert.match(label, pattern);
  assert.deepEqual(DEFAULTS.timeframes, grammar.default);
});

test('the manifest contributes the commands, the Streams view and points main at the bundle', () => {
  const commands = new Map(manifest.contributes.commands.map((c) => [c.command, c.title]));
  for (const [id, title] of [
    ['tickbridge.startStream', 'Start Stream'],
    ['tickbridge.stopStream', 'Stop Stream'],
    ['tickbridge.stopAll', 'Stop All Streams'],
    ['tickbridge.openMonitor', 'Open Monitor'],
    ['tickbridge.showLogs', 'Show Logs'],
    ['tickbridge.setTardisApiKey', 'Set Tardis API Key'],
    ['tickbridge.exportCandles', 'Export Candles…'],
    ['tickbridge.revealDataFolder', 'Reveal Data Folder']
  ]) {
    assert.equal(commands.get(id!), title, id);
  }
  assert.equal(manifest.main, 'dist/vscode/extension.cjs');
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:tickbridge.monitor'));
  assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => c.id), ['tickbridge']);
  assert.deepEqual(manifest.contributes.views.tickbridge?.map((v) => v.id), ['tickbridge.streams']);
});
