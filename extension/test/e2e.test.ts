/**
 * End to end in a real VS Code (code-server 4.100.3 + headless Chromium via playwright-core):
 * packages and installs the .vsix, starts a demo stream from the command palette (first use sets
 * up the Python venv in global storage), opens the monitor and checks the chart draws candles and
 * their count grows, features show values, logs appear, the status bar shows msg/s, and Stop
 * Stream stops it. Saves test-artifacts/vscode-monitor.png. Skips when code-server or Chromium is
 * missing (scripts/install-code-server.sh installs code-server).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath, missingPrerequisite, startCodeServer, type CodeServer } from './e2e/codeServer.js';
import { diagnostics, errorNotification } from './e2e/diagnostics.js';
import { FatalError, runCommand, statusBarText, waitFor, waitForWorkbench, webviewFrame } from './e2e/workbench.js';
import { findRoot } from './helpers.js';
import { parquetRowCount, storeRows, writeStore } from './stores.js';

const root = findRoot(dirname(new URL(import.meta.url).pathname));
const skip = missingPrerequisite(root);
const EXTENSION_ID = 'tickbridge.tickbridge';

function packageVsix(): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const pack = spawnSync(process.execPath, [join(root, 'extension', 'package.mjs')], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  assert.equal(pack.status, 0, `${pack.stdout}${pack.stderr}`);
  const vsix = join(root, `tickbridge-${version}.vsix`);
  assert.ok(existsSync(vsix), `${vsix} not built`);
  return vsix;
}

test('VS Code: demo stream, monitor, status bar, stop', { skip: skip ? `skipped: ${skip}` : false, timeout: 300_000 }, async (t) => {
  const vsix = packageVsix();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  server = await startCodeServer({
    root,
    vsix,
    timeoutMs: 60_000,
    settings: {
      'tickbridge.defaultSource': 'demo',
      'tickbridge.defaultExchange': 'binance',
      'tickbridge.defaultSymbol': 'BTCUSDT',
      'tickbridge.timeframes': ['15s', '1m'],
      'tickbridge.demoRate': 100,
      ...(process.env.TICKBRIDGE_E2E_PYTHON ? { 'tickbridge.pythonPath': process.env.TICKBRIDGE_E2E_PYTHON } : {}),
      'workbench.colorTheme': process.env.TICKBRIDGE_E2E_THEME ?? 'Default Dark Modern'
    }
  });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(server.url);
    await waitForWorkbench(page, 60_000);

    // Candles of an earlier demo run in the extension's store: the chart starts with them (warm start).
    const storeDir = join(server.dir, 'user-data', 'User', 'globalStorage', EXTENSION_ID, 'data');
    writeStore(storeDir, ['Run("before", source="demo", timeframes=("15s",), bars=8, first=ago(minutes=5))']);

    // Start a demo stream: no questions with tickbridge.defaultSource set. The first start creates
    // the Python venv and pip-installs the processor.
    await runCommand(page, 'Tickbridge: Start Stream');
    const rate = await waitFor(
      'the status bar to show msg/s',
      async () => {
        const failure = await errorNotification(page);
        if (failure) throw new FatalError(failure);
        return statusBarText(page, /1 stream · [\d.k]+ msg\/s/);
      },
      180_000
    );
    assert.match(rate, /msg\/s/);

    await runCommand(page, 'Tickbridge: Open Monitor');
    const view = webviewFrame(page, EXTENSION_ID);
    const chart = view.locator('[data-testid="candle-chart"]');
    await chart.waitFor({ state: 'attached', timeout: 30_000 });
    await waitFor('the stream status to say running', async () => (await view.locator('[data-testid="stream-status"]').getAttribute('data-status')) === 'running', 30_000);
    assert.equal(await view.locator('[data-testid="timeframe-select"]').inputValue(), '15s');

    // The 8 stored bars and the open one, long before a second 15 s bar could close live.
    const firstCount = await waitFor('the stored candles and the open one', async () => {
      const count = Number((await chart.getAttribute('data-candles')) ?? 0);
      return count >= 9 ? count : undefined;
    }, 10_000);
    const grown = await waitFor('the number of candles to grow', async () => {
      const count = Number((await chart.getAttribute('data-candles')) ?? 0);
      return count > firstCount ? count : undefined;
    }, 40_000);
    assert.ok(grown > firstCount);

    const candlePixels = await chart.evaluate((element) => {
      // No named inner functions: the test may run through a transpiler that adds helpers to them.
      const style = getComputedStyle(document.body);
      const colors = ['--vscode-charts-green', '--vscode-charts-red'].map((name) => {
        const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(style.getPropertyValue(name).trim());
        return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [38, 166, 154];
      });
      let hits = 0;
      for (const canvas of Array.from(element.querySelectorAll('canvas'))) {
        if (canvas.width === 0 || canvas.height === 0) continue;
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        if (!data) continue;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 200) continue;
          if (colors.some(([r, g, b]) => Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 24)) hits++;
        }
      }
      return hits;
    });
    assert.ok(candlePixels > 20, `the chart canvas shows candles (${candlePixels} candle-coloured pixels)`);

    const values = await waitFor('feature values', async () => {
      const cells = await view.locator('[data-testid="features-table"] td.num').allInnerTexts();
      const numbers = cells.filter((text) => /\d/.test(text));
      return numbers.length >= 3 ? numbers : undefined;
    }, 30_000);
    assert.ok(values.length >= 3);
    await waitFor('log lines', async () => (await view.locator('[data-testid="log-view"] .log-line').count()) > 0, 30_000);

    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', process.env.TICKBRIDGE_E2E_THEME ? 'vscode-monitor-theme.png' : 'vscode-monitor.png') });

    // Hidden and shown again: the webview is rebuilt and the host replays its state.
    const beforeHide = Number(await chart.getAttribute('data-candles'));
    await view.locator('[data-testid="log-filter"]').fill('engine');
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).dblclick();
    await waitFor('the monitor to be hidden', async () => (await page.locator('.tab.active', { hasText: 'README.md' }).count()) > 0, 15_000);
    await page.locator('.tab', { hasText: 'Tickbridge Monitor' }).click();
    await waitFor('the chart restored after hide/show', async () => Number((await chart.getAttribute('data-candles')) ?? 0) >= beforeHide, 30_000);
    assert.equal(await view.locator('[data-testid="log-filter"]').inputValue(), 'engine');

    await runCommand(page, 'Tickbridge: Stop Stream');
    await waitFor('the stream status to say stopped', async () => (await view.locator('[data-testid="stream-status"]').getAttribute('data-status')) === 'stopped', 30_000);
    await waitFor('the status bar to drop msg/s', async () => (await statusBarText(page, /msg\/s/)) === undefined, 15_000);
    // The candles went to the extension's global storage, not the folder code-server started in.
    const storeFile = join(storeDir, 'candles.sqlite');
    await waitFor(`the candles of this run in ${storeFile}`, async () => (storeRows(storeFile) > 8 ? true : undefined), 30_000);

    // Export Candles…: all stored candles, to a Parquet file chosen in the save dialog.
    await runCommand(page, 'Tickbridge: Export Candles…');
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'All stored candles' }).first();
    await pick.waitFor({ state: 'visible', timeout: 15_000 });
    await pick.click();
    const target = join(server.workspace, 'exported.parquet');
    const pathInput = page.locator('.quick-input-widget .quick-input-box input');
    await waitFor('the save dialog', async () => ((await pathInput.inputValue()).endsWith('.parquet') ? true : undefined), 15_000);
    await pathInput.fill(target);
    await pathInput.press('Enter');
    await waitFor('the export notification', async () => (await page.locator('.notification-toast', { hasText: 'candles written to' }).count()) > 0 || undefined, 60_000);
    assert.ok(parquetRowCount(target) > 8, `${target} holds the stored and the new candles`);

    // After a window reload the monitor comes back (panel serializer) with its persisted state.
    await runCommand(page, 'Developer: Reload Window');
    await waitForWorkbench(page, 60_000);
    await waitFor('the monitor restored after the reload', async () => (await view.locator('[data-testid="log-filter"]').inputValue({ timeout: 1000 })) === 'engine', 60_000);
    await view.locator('[data-testid="candle-chart"]').waitFor({ state: 'attached', timeout: 10_000 });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnostics(page, server)}`, { cause: error });
  }
});
