/**
 * The monitor webview panel: owns its disposables and builds its HTML in `html()`; the
 * conversation with the webview (ready handshake, snapshot replay, live updates) is MonitorSession.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isWebviewMessage, type WebviewPersistedState } from '../shared/messages.js';
import type { EngineHost } from './engineHost.js';
import { monitorHtml } from './monitorHtml.js';
import { MonitorSession } from './monitorSession.js';

export const MONITOR_VIEW_TYPE = 'tickbridge.monitor';

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'vscode', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)] };
}

export class MonitorPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly session: MonitorSession;
  private disposed = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    host: EngineHost,
    restored: Partial<WebviewPersistedState> | undefined,
    private readonly onDisposed: () => void
  ) {
    this.session = new MonitorSession(
      {
        store: host.store,
        post: (message) => void panel.webview.postMessage(message),
        command: (id, ...args) => void vscode.commands.executeCommand(id, ...args)
      },
      restored
    );
    const media = vscode.Uri.joinPath(extensionUri, 'extension', 'media');
    panel.iconPath = { light: vscode.Uri.joinPath(media, 'tickbridge-light.svg'), dark: vscode.Uri.joinPath(media, 'tickbridge-dark.svg') };
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewMessage(message)) this.session.receive(message);
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.session.hidden();
      }),
      panel.onDidDispose(() => this.dispose()),
      host.onChange((change) => this.session.forward(change))
    );
  }

  /** Shows the panel, switching to `streamId` when given. */
  reveal(streamId?: string): void {
    if (streamId !== undefined) this.session.select(streamId);
    this.panel.reveal(undefined, false);
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = webviewRoot(this.extensionUri);
    return monitorHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
      nonce: randomBytes(18).toString('base64')
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.onDisposed();
  }
}
