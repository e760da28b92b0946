/** The Streams view: one item per stream with its status icon, msg/s and inline stop/restart. */
import * as vscode from 'vscode';
import type { StreamView } from '../shared/messages.js';
import type { EngineHost } from './engineHost.js';
import { statusIcon, streamDescription, streamTooltip } from './presentation.js';

export class StreamsTree implements vscode.TreeDataProvider<StreamView>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StreamView | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly host: EngineHost) {
    this.disposables.push(
      host.onChange((change) => {
        if (change.kind === 'streams') this.changed.fire(undefined);
      })
    );
  }

  getTreeItem(view: StreamView): vscode.TreeItem {
    const item = new vscode.TreeItem(view.stream, vscode.TreeItemCollapsibleState.None);
    const { icon, color } = statusIcon(view.status);
    item.id = view.id;
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = streamDescription(view);
    item.tooltip = streamTooltip(view);
    item.contextValue = view.active ? 'tickbridgeStream.active' : 'tickbridgeStream.inactive';
    item.command = { command: 'tickbridge.openMonitor', title: 'Open Monitor', arguments: [view] };
    return item;
  }

  getChildren(element?: StreamView): StreamView[] {
    return element ? [] : this.host.store.streamViews();
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
