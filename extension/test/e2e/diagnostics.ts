/** What the e2e prints when it fails: a screenshot, the notifications and the Tickbridge logs. */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CodeServer } from './codeServer.js';

/** The text of a visible Tickbridge error notification, if any. */
export async function errorNotification(page: Page): Promise<string | undefined> {
  const toasts = await page.locator('.notifications-toasts .notification-toast:has(.codicon-error)').allInnerTexts();
  return toasts.map((text) => text.replace(/\s+/g, ' ').trim()).find((text) => /tickbridge/i.test(text));
}

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => /(node_streamer|python_server)\.log$|Tickbridge\.log$|exthost\.log$/.test(file))
    .map((file) => join(dir, file));
}

export async function diagnostics(page: Page, server: CodeServer | undefined): Promise<string> {
  const parts: string[] = [];
  try {
    const dir = join(process.cwd(), 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'vscode-failure.png') });
    parts.push(`screenshot: ${join(dir, 'vscode-failure.png')}`);
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    parts.push(`notifications: ${JSON.stringify(toasts)}`);
  } catch (error) {
    parts.push(`(no screenshot: ${(error as Error).message})`);
  }
  for (const file of server ? logFiles(server.dir) : []) {
    const all = readFileSync(file, 'utf8').trim().split('\n');
    const errors = all.filter((line) => /error|exception|cannot find/i.test(line)).slice(0, 10);
    const lines = [...errors, '…', ...all.slice(-15)].join('\n');
    parts.push(`--- ${file}\n${lines}`);
  }
  if (server) parts.push(`--- code-server output\n${server.log().split('\n').slice(-15).join('\n')}`);
  return parts.join('\n');
}
