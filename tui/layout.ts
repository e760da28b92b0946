/** Pane sizes from the terminal size: fits 80×24, grows with the terminal. */
export interface Layout {
  readonly columns: number;
  /** Rows drawn: one less than the terminal, so Ink updates in place instead of clearing the screen. */
  readonly rows: number;
  readonly leftWidth: number;
  readonly chartWidth: number;
  readonly mainHeight: number;
  readonly streamsHeight: number;
  readonly featuresHeight: number;
  readonly logsHeight: number;
}

/** Two header lines and the selected stream's health line. */
export const HEADER_ROWS = 3;
export const FOOTER_ROWS = 1;
/** Lines each stream takes in the streams pane. */
export const STREAM_LINES = 2;

/** Below this terminal size the monitor shows only a notice: the panes would not fit. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 21;

export function computeLayout(columns: number, terminalRows: number, streamCount: number, notice: boolean): Layout {
  const cols = Math.max(60, columns);
  const rows = Math.max(20, terminalRows - 1);
  const logsHeight = Math.max(5, Math.min(14, Math.round(rows * 0.24)));
  const mainHeight = rows - HEADER_ROWS - FOOTER_ROWS - (notice ? 1 : 0) - logsHeight;
  const leftWidth = cols >= 140 ? 44 : cols >= 110 ? 38 : 32;
  const wanted = Math.max(1, streamCount) * STREAM_LINES + 2;
  const streamsHeight = Math.max(4, Math.min(wanted, Math.floor(mainHeight * 0.5)));
  return {
    columns: cols,
    rows,
    leftWidth,
    chartWidth: cols - leftWidth,
    mainHeight,
    streamsHeight,
    featuresHeight: mainHeight - streamsHeight,
    logsHeight
  };
}
