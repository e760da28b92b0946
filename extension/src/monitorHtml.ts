/** The monitor webview's whole HTML: strict CSP, one nonce'd external script, a themed stylesheet. */

export interface HtmlParts {
  /** `webview.cspSource` */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** Fresh per render, from a cryptographic random source. */
  readonly nonce: string;
}

export function monitorHtml({ cspSource, scriptUri, styleUri, nonce }: HtmlParts): string {
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${styleUri}">
  <title>Tickbridge Monitor</title>
</head>
<body>
  <header class="toolbar">
    <label class="field">Stream <select id="stream-select" data-testid="stream-select"></select></label>
    <span id="stream-status" data-testid="stream-status" class="status" data-status="none">no stream</span>
    <label class="field">Timeframe <select id="timeframe-select" data-testid="timeframe-select"></select></label>
    <span id="replay-controls" class="replay" data-testid="replay-controls" hidden>
      <button id="pause-button" data-testid="pause-button" type="button" class="secondary">Pause</button>
      <button id="step-button" data-testid="step-button" type="button" class="secondary" title="Step one bar of the shortest timeframe, then pause">Step bar</button>
      <label class="field">Speed <select id="speed-select" data-testid="speed-select"></select></label>
    </span>
    <span class="actions">
      <button id="start-button" data-testid="start-button" type="button">Start stream…</button>
      <button id="stop-button" data-testid="stop-button" type="button" class="secondary">Stop</button>
    </span>
  </header>
  <div id="health" class="health" data-testid="health" data-warning="none" aria-label="Pipeline health"></div>
  <main class="layout">
    <section class="panel chart-panel" aria-label="Candles">
      <div id="candle-chart" data-testid="candle-chart" data-candles="0"></div>
      <div id="chart-empty" data-testid="chart-empty" class="empty">No stream yet. Start one with “Start stream…”, or right-click a capture in the Explorer: “Tickbridge: Stream This Capture”.</div>
    </section>
    <section class="panel features-panel" aria-label="Features">
      <h2>Features <span id="features-caption" class="caption"></span></h2>
      <table id="features-table" data-testid="features-table">
        <thead><tr><th>feature</th><th class="num">value</th><th class="trend">trend</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section class="panel logs-panel" aria-label="Logs">
      <h2>Logs <input id="log-filter" data-testid="log-filter" type="search" placeholder="Filter" aria-label="Filter logs"></h2>
      <div id="log-view" data-testid="log-view" role="log" aria-live="polite"></div>
      <div id="log-empty" data-testid="log-empty" class="log-empty" hidden></div>
    </section>
  </main>
  <script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
