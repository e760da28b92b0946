/** "Tickbridge: Export Candles…" (CSV or Parquet through a save dialog) and "Reveal Data Folder". */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { exportCandles, type ExportScope } from './dataStore.js';
import type { EngineHost } from './engineHost.js';
import { runProcess } from './pythonEnv.js';

export interface DataCommandDeps {
  readonly host: EngineHost;
  readonly storeDir: string;
  readonly output: vscode.LogOutputChannel;
  /** The processor's Python (set up on first use). */
  readonly python: () => Promise<string>;
  readonly report: (error: unknown) => Promise<void>;
}

async function chooseScope(host: EngineHost): Promise<ExportScope | undefined> {
  const streams = host.store.streamInfos();
  if (streams.length === 0) return { kind: 'all' };
  const items = [
    { label: 'All stored candles', description: 'every venue, symbol and source, demo included', scope: { kind: 'all' } as ExportScope },
    ...streams.map((info) => ({ label: info.id, description: `${info.request.source} candles of this venue and symbols`, scope: { kind: 'stream', request: info.request } satisfies ExportScope }))
  ];
  return (await vscode.window.showQuickPick(items, { title: 'Tickbridge: export which candles?' }))?.scope;
}

export function registerDataCommands(deps: DataCommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('tickbridge.exportCandles', async () => {
      try {
        const scope = await chooseScope(deps.host);
        if (!scope) return;
        const home = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(deps.storeDir);
        const target = await vscode.window.showSaveDialog({
          title: 'Export candles',
          defaultUri: vscode.Uri.joinPath(home, 'candles.parquet'),
          filters: { Parquet: ['parquet'], CSV: ['csv'] }
        });
        if (!target) return;
        const outcome = await exportCandles(runProcess, await deps.python(), deps.storeDir, scope, target.fsPath);
        deps.output[outcome.ok ? 'info' : 'warn'](`export: ${outcome.message}`);
        if (!outcome.ok) {
          void vscode.window.showWarningMessage(`Tickbridge: nothing exported: ${outcome.message}`);
          return;
        }
        const choice = await vscode.window.showInformationMessage(`Tickbridge: ${outcome.message}`, 'Reveal File');
        if (choice === 'Reveal File') await vscode.commands.executeCommand('revealFileInOS', target);
      } catch (error) {
        await deps.report(error);
      }
    }),
    vscode.commands.registerCommand('tickbridge.revealDataFolder', async () => {
      mkdirSync(deps.storeDir, { recursive: true });
      deps.output.info(`data folder: ${deps.storeDir} (candles.sqlite)`);
      try {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(join(deps.storeDir, 'candles.sqlite')));
      } catch {
        // No OS file manager (a remote or web VS Code): say where it is instead.
        const choice = await vscode.window.showInformationMessage(`Tickbridge data folder: ${deps.storeDir}`, 'Copy Path');
        if (choice === 'Copy Path') await vscode.env.clipboard.writeText(deps.storeDir);
      }
    })
  ];
}
