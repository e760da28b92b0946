/** Driving the VS Code workbench in a browser page: the command palette, the status bar, webviews. */
import type { FrameLocator, Page } from 'playwright-core';

/** Thrown from a `waitFor` check to stop waiting at once. */
export class FatalError extends Error {}

/** Waits for `check` to return a truthy value, polling; throws `what` with the last error on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      if (error instanceof FatalError) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function waitForWorkbench(page: Page, timeoutMs: number): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.editor').click({ position: { x: 10, y: 10 } });
}

/**
 * Runs a command by its palette title. The extension host starts after the workbench, so the
 * palette is reopened until the command is listed.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `command "${title}" in the palette`,
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 3000 });
      } catch {
        return false;
      }
      const label = (await row.getAttribute('aria-label')) ?? (await row.textContent()) ?? '';
      if (!label.includes(title)) return false;
      await input.press('Enter');
      return true;
    },
    timeoutMs,
    500
  );
}

/** The text of the status-bar item whose text matches `pattern`, or undefined. */
export async function statusBarText(page: Page, pattern: RegExp): Promise<string | undefined> {
  const texts = await page.locator('.statusbar-item').allInnerTexts();
  return texts.map((text) => text.trim()).find((text) => pattern.test(text));
}

/** The inner document of the extension's webview (a webview is two nested iframes). */
export function webviewFrame(page: Page, extensionId: string): FrameLocator {
  return page.frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`).frameLocator('iframe#active-frame');
}
