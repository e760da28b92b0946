/** Reads the VS Code theme from its `--vscode-*` CSS variables and reports theme changes. */

export interface ChartTheme {
  readonly background: string;
  readonly text: string;
  readonly grid: string;
  readonly border: string;
  readonly up: string;
  readonly down: string;
  readonly fontFamily: string;
  readonly fontSize: number;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export function readTheme(): ChartTheme {
  const dark = !document.body.classList.contains('vscode-light');
  return {
    background: cssVar('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    text: cssVar('--vscode-editor-foreground', dark ? '#cccccc' : '#333333'),
    grid: cssVar('--vscode-editorIndentGuide-background1', dark ? '#2b2b2b' : '#e5e5e5'),
    border: cssVar('--vscode-panel-border', dark ? '#3c3c3c' : '#d4d4d4'),
    up: cssVar('--vscode-charts-green', '#26a69a'),
    down: cssVar('--vscode-charts-red', '#ef5350'),
    fontFamily: cssVar('--vscode-font-family', 'sans-serif'),
    fontSize: Number.parseFloat(cssVar('--vscode-font-size', '12')) || 12
  };
}

/** Calls `onChange` when VS Code switches theme (it changes the body's class and style). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}
