/** "Tickbridge: Stream This Capture" (Explorer context menu on capture and Tardis CSV files). */
import * as vscode from 'vscode';
import { proposeStream } from '../../core/index.js';
import { buildCaptureRequest, chooseCapture } from './captureFlow.js';
import { readConfig } from './config.js';
import type { EngineHost } from './engineHost.js';
import { quickInputSteps } from './quickInputSteps.js';

export interface CaptureCommandDeps {
  readonly host: EngineHost;
  readonly output: vscode.LogOutputChannel;
  readonly settings: Parameters<typeof readConfig>[0];
  readonly start: (request: Parameters<EngineHost['start']>[0]) => Promise<string>;
  readonly openMonitor: (streamId?: string) => void;
  readonly report: (error: unknown) => unknown;
}

export function registerCaptureCommand(deps: CaptureCommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand('tickbridge.streamCapture', async (uri: unknown) => {
    try {
      const path = uri instanceof vscode.Uri ? uri.fsPath : (await vscode.window.showOpenDialog({ title: 'A capture or Tardis CSV file to stream', canSelectMany: false }))?.[0]?.fsPath;
      if (!path) return;
      const proposal = await proposeStream(path);
      const choices = await chooseCapture(path, proposal, quickInputSteps);
      if (!choices) return;
      const id = await deps.start(buildCaptureRequest(path, proposal, choices, readConfig(deps.settings)));
      deps.output.info(`started ${id} from ${path}`);
      deps.openMonitor(id);
    } catch (error) {
      await deps.report(error);
    }
  });
}
