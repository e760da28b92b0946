/** The `tickbridge.*` commands. */
import * as vscode from 'vscode';
import { isReplayControl, type StreamView } from '../shared/messages.js';
import { readConfig } from './config.js';
import { streamPickDescription } from './presentation.js';
import type { EngineHost } from './engineHost.js';
import { PythonSetupError } from './pythonEnv.js';
import { pickStep, quickInputSteps } from './quickInputSteps.js';
import { buildRequest, chooseStream, type PickItem, type StartUi } from './startFlow.js';

export const API_KEY_SECRET = 'tickbridge.tardisApiKey';

export interface CommandDeps {
  readonly context: vscode.ExtensionContext;
  readonly host: EngineHost;
  readonly output: vscode.LogOutputChannel;
  readonly openMonitor: (streamId?: string) => void;
}

export const settingsGetter = (section: string): unknown => vscode.workspace.getConfiguration('tickbridge').get(section);

/** Start Stream's UI: one multi-step input (Step n/N, Back) when the flow says the step. */
const quickPickUi: StartUi = {
  async pick(title: string, items: readonly PickItem[], many: boolean, at) {
    if (at) return pickStep(title, at.step, at.steps, items, many);
    const options = { title, ignoreFocusOut: true, matchOnDescription: true };
    if (many) {
      const chosen = await vscode.window.showQuickPick([...items], { ...options, canPickMany: true });
      return chosen?.map((item) => item.label);
    }
    const chosen = await vscode.window.showQuickPick([...items], options);
    return chosen ? [chosen.label] : undefined;
  },
  input(title, value, validate, at) {
    if (at) return quickInputSteps.input(title, at.step, at.steps, value, '', validate);
    return Promise.resolve(vscode.window.showInputBox({ title, value, ignoreFocusOut: true, validateInput: validate }));
  },
  async openFile(title) {
    const files = await vscode.window.showOpenDialog({
      title,
      canSelectMany: false,
      openLabel: 'Stream this file',
      filters: { 'Captures and Tardis CSV': ['gz', 'raw', 'csv', 'txt', 'capture', 'ndjson', 'jsonl'], 'All files': ['*'] }
    });
    return files?.[0]?.fsPath;
  }
};

function streamIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as StreamView).id === 'string') return (arg as StreamView).id;
  return undefined;
}

/** Shows an error; Python problems get their fix and a button to the setting. */
export async function reportError(error: unknown, output: vscode.LogOutputChannel): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  output.error(message);
  if (error instanceof PythonSetupError) {
    output.error(`fix: ${error.fix}`);
    const choice = await vscode.window.showErrorMessage(`Tickbridge: ${message} Fix: ${error.fix}`, 'Open Settings', 'Show Logs');
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'tickbridge.pythonPath');
    if (choice === 'Show Logs') output.show(true);
    return;
  }
  const choice = await vscode.window.showErrorMessage(`Tickbridge: ${message}`, 'Show Logs');
  if (choice === 'Show Logs') output.show(true);
}

async function pickActiveStream(host: EngineHost, action: string): Promise<string | undefined> {
  const ids = host.activeIds();
  if (ids.length <= 1) {
    if (ids.length === 0) void vscode.window.showInformationMessage('Tickbridge: no stream is running.');
    return ids[0];
  }
  const items = ids.flatMap((id) => {
    const view = host.store.stream(id);
    return view ? [{ label: id, description: streamPickDescription(view), id }] : [];
  });
  return (await vscode.window.showQuickPick(items, { title: `Tickbridge: ${action}`, matchOnDescription: true }))?.id;
}

/** Starts a stream; the first start prepares Python (up to ~30 s) under a progress notification. */
export async function startWithProgress(host: EngineHost, request: Parameters<EngineHost['start']>[0]): Promise<string> {
  if (host.running) return host.start(request);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Tickbridge: preparing Python and starting the processor (the first start takes up to a minute)…' },
    () => host.start(request)
  );
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { context, host, output } = deps;
  const guarded =
    (run: (...args: unknown[]) => Promise<void>) =>
    (...args: unknown[]) =>
      run(...args).catch((error: unknown) => reportError(error, output));

  return [
    vscode.commands.registerCommand(
      'tickbridge.startStream',
      guarded(async () => {
        const config = readConfig(settingsGetter);
        const choices = await chooseStream(config, quickPickUi, context.globalState);
        if (!choices) return;
        const apiKey = await context.secrets.get(API_KEY_SECRET);
        const id = await startWithProgress(host, buildRequest(choices, config, apiKey));
        output.info(`started ${id}`);
        vscode.window.setStatusBarMessage(`Tickbridge: started ${id}`, 4000);
      })
    ),
    vscode.commands.registerCommand(
      'tickbridge.stopStream',
      guarded(async (arg) => {
        const id = streamIdOf(arg) ?? (await pickActiveStream(host, 'stop which stream?'));
        if (id) await host.stop(id);
      })
    ),
    vscode.commands.registerCommand(
      'tickbridge.restartStream',
      guarded(async (arg) => {
        const id = streamIdOf(arg) ?? (await pickActiveStream(host, 'restart which stream?'));
        if (id) await host.restart(id);
      })
    ),
    vscode.commands.registerCommand(
      'tickbridge.controlStream',
      guarded(async (id, control) => {
        if (typeof id === 'string' && isReplayControl(control)) host.control(id, control);
      })
    ),
    vscode.commands.registerCommand(
      'tickbridge.stopAll',
      guarded(async () => host.stopAll())
    ),
    // from a tree item's inline action: that run; from the palette or the view title: every ended run
    vscode.commands.registerCommand(
      'tickbridge.clearFinished',
      guarded(async (arg) => {
        const cleared = host.clearFinished(streamIdOf(arg));
        vscode.window.setStatusBarMessage(`Tickbridge: cleared ${cleared.length} ended run${cleared.length === 1 ? '' : 's'}`, 4000);
      })
    ),
    vscode.commands.registerCommand('tickbridge.openMonitor', (arg: unknown) => deps.openMonitor(streamIdOf(arg))),
    vscode.commands.registerCommand('tickbridge.showLogs', () => output.show(true)),
    vscode.commands.registerCommand(
      'tickbridge.setTardisApiKey',
      guarded(async () => {
        const key = await vscode.window.showInputBox({
          title: 'Tardis.dev API key',
          prompt: 'Stored in VS Code secret storage; leave empty to remove it.',
          password: true,
          ignoreFocusOut: true
        });
        if (key === undefined) return;
        if (key.trim() === '') {
          await context.secrets.delete(API_KEY_SECRET);
          void vscode.window.showInformationMessage('Tickbridge: Tardis API key removed.');
        } else {
          await context.secrets.store(API_KEY_SECRET, key.trim());
          void vscode.window.showInformationMessage('Tickbridge: Tardis API key saved in secret storage.');
        }
      })
    )
  ];
}
