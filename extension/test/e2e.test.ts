/**
 * End to end in a real VS Code (code-server 4.100.3 + headless Chromium via playwright-core):
 * packages and installs the .vsix, starts a demo stream from the command palette (first use sets
 * up the Python venv in global storage), opens the monitor and checks the chart draws candles and
 * their count grows, features show values, logs appear, the status bar shows msg/s, and Stop
 * Stream stops it. Saves test-artifacts/vscode-monitor.png. A second run streams a capture from the
 * Explorer's context menu, pauses, resumes and speeds it up from the monitor, reads a feature's
 * tooltip and writes the README's screenshot (docs/screenshots/vscode-monitor.png). Skips when
 * code-server or Chromium is missing (scripts/install-code-server.sh installs code-server).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
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

/** code-server with the packaged extension and these settings, and a Chromium page on it; both end with the test. */
async function openWorkbench(t: TestContext, settings: Record<string, unknown>, prepare: (server: CodeServer) => void = () => {}): Promise<{ server: CodeServer; page: Page }> {
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
      ...settings,
      ...(process.env.TICKBRIDGE_E2E_PYTHON ? { 'tickbridge.pythonPath': process.env.TICKBRIDGE_E2E_PYTHON } : {}),
      'workbench.colorTheme': process.env.TICKBRIDGE_E2E_THEME ?? 'Default Dark Modern'
    }
  });
  prepare(server);
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  });
  return { server, page: await browser.newPage({ viewport: { width: 1440, height: 900 } }) };
}

test('VS Code: demo stream, monitor, status bar, stop', { skip: skip ? `skipped: ${skip}` : false, timeout: 300_000 }, async (t) => {
  const { server, page } = await openWorkbench(t, {
    'tickbridge.defaultSource': 'demo',
    'tickbridge.defaultExchange': 'binance',
    'tickbridge.defaultSymbol': 'BTCUSDT',
    'tickbridge.timeframes': ['15s', '1m'],
    'tickbridge.demoRate': 100
  });
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

const CAPTURE = join(root, '..', 'shared', 'data', 'binance-futures_btcusdt_20240808.raw.gz');

test('VS Code: Stream This Capture from the Explorer, pause, resume and speed from the monitor, a feature\'s tooltip', { skip: skip ? `skipped: ${skip}` : !existsSync(CAPTURE) ? `capture not found: ${CAPTURE}` : false, timeout: 300_000 }, async (t) => {
  const { server, page } = await openWorkbench(t, { 'tickbridge.timeframes': ['15s', '1m'] }, (started) =>
    copyFileSync(CAPTURE, join(started.workspace, basename(CAPTURE))) // a temporary workspace, not the project
  );
  try {
    await page.goto(server.url);
    await waitForWorkbench(page, 60_000);

    // The file first: its context menu in the Explorer.
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: basename(CAPTURE) });
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Tickbridge: Stream This Capture' }).first();
    // the menu has the extension's entry once the workbench has read its contributions
    await waitFor('the Explorer context menu entry', async () => {
      await row.click({ button: 'right', timeout: 5_000 });
      const shown = await item.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
      if (!shown) await page.keyboard.press('Escape');
      return shown || undefined;
    }, 60_000, 1000);
    await item.hover();
    await page.keyboard.press('Enter');

    // One multi-step input: venue and symbol read from the file, then the speed.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const title = page.locator('.quick-input-widget .quick-input-title');
    await waitFor('step 1: the exchange read from the file', async () => ((await input.inputValue()) === 'binance-futures' && (await title.innerText()).includes('exchange') ? true : undefined), 30_000);
    assert.match(await page.locator('.quick-input-widget').innerText(), /1\s*\/\s*3/);
    await input.press('Enter');
    await waitFor('step 2: the symbol read from the file', async () => ((await input.inputValue()) === 'BTCUSDT' && (await title.innerText()).includes('symbol') ? true : undefined), 15_000);
    await input.press('Enter');
    const realTime = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'real time' }).first();
    await realTime.waitFor({ state: 'visible', timeout: 15_000 });
    await realTime.click();

    // The first start prepares Python; then the monitor opens on the new stream.
    const view = webviewFrame(page, EXTENSION_ID);
    const status = view.locator('[data-testid="stream-status"]');
    await waitFor(
      'the capture stream running in the monitor',
      async () => {
        const failure = await errorNotification(page);
        if (failure) throw new FatalError(failure);
        return (await status.getAttribute('data-status', { timeout: 1000 }).catch(() => null)) === 'running' ? true : undefined;
      },
      180_000
    );
    const chart = view.locator('[data-testid="candle-chart"]');
    await waitFor('candles from the capture', async () => (Number((await chart.getAttribute('data-candles')) ?? 0) >= 2 ? true : undefined), 60_000);
    const health = view.locator('[data-testid="health"]');
    await waitFor('the health panel', async () => ((await health.innerText()).includes('lag p50') ? true : undefined), 15_000);

    // Pause at the source: no message is read any more; resume: they flow again.
    const messages = async () => Number(/([\d,]+) msgs/.exec(await status.innerText())?.[1]?.replace(/,/g, '') ?? NaN);
    const pause = view.locator('[data-testid="pause-button"]');
    await pause.click();
    await waitFor('the replay paused', async () => ((await health.locator('[data-metric="replay"]').innerText()).includes('paused') ? true : undefined), 15_000);
    assert.equal(await pause.innerText(), 'Resume');
    const pausedAt = await messages();
    await waitFor('a stats refresh while paused', async () => (/0(\.0)? msg\/s/.test(await status.innerText()) || !(await status.innerText()).includes('msg/s') ? true : undefined), 15_000);
    assert.ok((await messages()) <= pausedAt + 1, 'no message read while paused');
    await pause.click();
    await waitFor('the replay playing again', async () => ((await health.locator('[data-metric="replay"]').innerText()).includes('playing') ? true : undefined), 15_000);
    await waitFor('messages flowing again', async () => ((await messages()) > pausedAt ? true : undefined), 30_000);

    // A feature's tooltip: its unit and formula from docs/features.md.
    const spread = view.locator('[data-testid="features-table"] tr[data-feature="spread_bps"] td.name');
    assert.match((await spread.getAttribute('title')) ?? '', /^spread_bps — basis points \(1 bp = 0\.01%\)\n10⁴ · \(ask1 − bid1\) \/ mid$/);
    assert.equal(await view.locator('[data-testid="features-table"] tr[data-feature="open_interest_change"] td.name').innerText(), 'open_interest_change', 'names are whole');
    await spread.hover();

    // Speed from the monitor: 100×, then enough bars for the README's screenshot.
    await view.locator('[data-testid="speed-select"]').selectOption('100');
    await waitFor('the replay at 100×', async () => ((await health.locator('[data-metric="replay"]').innerText()).includes('100×') ? true : undefined), 15_000);
    await waitFor('a dozen candles', async () => (Number((await chart.getAttribute('data-candles')) ?? 0) >= 12 ? true : undefined), 60_000);
    mkdirSync(join(root, 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'vscode-monitor.png') });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnostics(page, server)}`, { cause: error });
  }
});
