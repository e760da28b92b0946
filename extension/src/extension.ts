/**
 * Entry point: builds the engine host and the faces (Streams tree, status bar, Output channel,
 * monitor panel, commands) and wires them. Deactivation stops every stream and the processor.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine, bigQueryTickWriter } from '../../core/index.js';
import type { WebviewPersistedState } from '../shared/messages.js';
import { registerCaptureCommand } from './captureCommand.js';
import { API_KEY_SECRET, registerCommands, reportError, settingsGetter, startWithProgress } from './commands.js';
import { readConfig } from './config.js';
import { registerDataCommands } from './dataCommands.js';
import { storeSettings } from './dataStore.js';
import { EngineHost, type EngineLike } from './engineHost.js';
import { MONITOR_VIEW_TYPE, MonitorPanel, webviewOptions } from './monitorPanel.js';
import { formatLogLine, redactor } from './presentation.js';
import { ensureProcessorPython } from './pythonEnv.js';
import { StatusBar } from './statusBar.js';
import { StreamsTree } from './streamsTree.js';

let host: EngineHost | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Tickbridge', { log: true });
  let apiKey: string | undefined = await context.secrets.get(API_KEY_SECRET);
  context.subscriptions.push(
    output,
    context.secrets.onDidChange(async (event) => {
      if (event.key === API_KEY_SECRET) apiKey = await context.secrets.get(API_KEY_SECRET);
    })
  );

  const storageDir = context.globalStorageUri.fsPath;
  const logDir = join(storageDir, 'logs');
  const store = storeSettings(storageDir);
  const processorPython = (report: (message: string) => void = () => {}): Promise<string> =>
    ensureProcessorPython({
      configuredPython: readConfig(settingsGetter).pythonPath,
      storageDir,
      processorDir: join(context.extensionPath, 'python'),
      progress: (message) => {
        output.info(`python: ${message}`);
        report(`${message}…`);
      }
    });

  const createEngine = (): Promise<EngineLike> => {
    const config = readConfig(settingsGetter);
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Tickbridge' }, async (progress) => {
        const python = await processorPython((message) => progress.report({ message }));
        progress.report({ message: 'starting the processor…' });
        output.info(`starting the processor with ${python}; logs in ${logDir}; candles in ${store.storeDir}`);
        // BigQuery settings apply when the engine starts (the first stream of a window).
        const { bigquery } = config;
        const tickWriter = bigquery.enabled
          ? bigQueryTickWriter(
              { ...process.env, ...(bigquery.projectId !== null && { GCP_PROJECT_ID: bigquery.projectId }), BIGQUERY_DATASET: bigquery.dataset },
              'tickbridge.bigquery.enabled',
              logDir
            )
          : undefined;
        return Engine.start({
          processor: { launch: { python, host: '127.0.0.1', port: config.processorPort, logDir, args: store.processorArgs } },
          warmup: { ...store.warmup, python },
          logDir,
          logLevel: config.logLevel,
          ...(tickWriter && { tickWriter })
        });
      })
    );
  };

  const engineHost = new EngineHost(createEngine, redactor(() => [apiKey]));
  host = engineHost;

  let monitor: MonitorPanel | undefined;
  const openPanel = (panel: vscode.WebviewPanel, state: Partial<WebviewPersistedState> | undefined): MonitorPanel => {
    monitor = new MonitorPanel(panel, context.extensionUri, engineHost, state, () => (monitor = undefined));
    return monitor;
  };
  const openMonitor = (streamId?: string): void => {
    if (monitor) {
      monitor.reveal(streamId);
      return;
    }
    const panel = vscode.window.createWebviewPanel(MONITOR_VIEW_TYPE, 'Tickbridge Monitor', vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    openPanel(panel, streamId ? { selected: streamId } : undefined);
  };

  // Streams that fail say so once, with the reason.
  const reported = new Set<string>();
  const failures = engineHost.onChange((change) => {
    if (change.kind === 'log') {
      const line = formatLogLine(change.line);
      if (change.line.level === 'warning') output.warn(line);
      else output[change.line.level](line);
      return;
    }
    if (change.kind !== 'streams') return;
    for (const view of engineHost.store.streamViews()) {
      const key = `${view.id}@${view.status}`;
      if (view.status === 'failed' && !reported.has(key)) {
        reported.add(key);
        void reportError(new Error(`${view.stream} failed: ${view.detail}`), output);
      }
      if (view.status !== 'failed') reported.delete(`${view.id}@failed`);
    }
  });

  context.subscriptions.push(
    failures,
    new StatusBar(engineHost),
    ...registerCommands({ context, host: engineHost, output, openMonitor }),
    registerCaptureCommand({ host: engineHost, output, settings: settingsGetter, start: (request) => startWithProgress(engineHost, request), openMonitor, report: (error) => reportError(error, output) }),
    ...registerDataCommands({ host: engineHost, storeDir: store.storeDir, output, python: () => processorPython(), report: (error) => reportError(error, output) }),
    vscode.window.registerWebviewPanelSerializer(MONITOR_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        if (monitor) {
          panel.dispose();
          return;
        }
        openPanel(panel, typeof state === 'object' && state !== null ? state : undefined);
      }
    }),
    { dispose: () => monitor?.dispose() }
  );
  const tree = new StreamsTree(engineHost);
  context.subscriptions.push(tree, vscode.window.createTreeView('tickbridge.streams', { treeDataProvider: tree, showCollapseAll: false }));
  output.info('Tickbridge ready');
}

export async function deactivate(): Promise<void> {
  const current = host;
  host = undefined;
  await current?.dispose();
}
