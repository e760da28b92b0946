/** The status-bar item: streams running and msg/s; a click opens the monitor. */
import * as vscode from 'vscode';
import type { EngineHost } from './engineHost.js';
import { statusBarText, statusBarTooltip } from './presentation.js';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tickbridge.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: { dispose(): void };

  constructor(private readonly host: EngineHost) {
    this.item.name = 'Tickbridge';
    this.item.command = 'tickbridge.openMonitor';
    this.update();
    this.item.show();
    this.subscription = host.onChange((change) => {
      if (change.kind === 'streams') this.update();
    });
  }

  private update(): void {
    const totals = this.host.store.totals();
    this.item.text = statusBarText(totals);
    this.item.tooltip = statusBarTooltip(totals);
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
