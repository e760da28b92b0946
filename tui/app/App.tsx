/** The monitor's screen: header, streams + features | chart, logs, footer. Top level: owns the store and the engine feed. */
import { Box } from 'ink';
import { Text } from 'ink';
import { useEffect, useMemo } from 'react';
import type { LogLevel, StreamRequest } from '../../core/index.js';
import { AddStreamForm } from '../components/AddStreamForm.js';
import { ChartPane } from '../components/ChartPane.js';
import { FeaturesPane } from '../components/FeaturesPane.js';
import { Footer } from '../components/Footer.js';
import { Header } from '../components/Header.js';
import { HelpPane } from '../components/HelpPane.js';
import { LogsPane } from '../components/LogsPane.js';
import { Notice } from '../components/Notice.js';
import { StreamList } from '../components/StreamList.js';
import type { EngineControl } from '../engineApi.js';
import { MIN_COLUMNS, MIN_ROWS, computeLayout } from '../layout.js';
import { visibleLogs } from '../state/logs.js';
import { offlineText, selectedCandles, selectedStream, selectedTimeframe, viewData } from '../state/reducer.js';
import { ThemeContext, themeFromEnv, type Theme } from '../theme.js';
import { useEngineFeed, type LogFeed } from './useEngineFeed.js';
import { useKeys } from './useKeys.js';
import { useStore } from './useStore.js';
import { useTerminalSize, type Size } from './useTerminalSize.js';

export interface AppProps {
  readonly engine: EngineControl;
  /** The stream the monitor was started with: defaults for the add-stream form. */
  readonly baseRequest: StreamRequest;
  readonly onQuit: () => void;
  readonly logFeed?: LogFeed;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  readonly size?: Size;
  readonly theme?: Theme;
  /** --logLevel: debug shows debug lines in the logs pane from the start. */
  readonly logLevel?: LogLevel;
}

export function App({ engine, baseRequest, onQuit, logFeed, size, theme, logLevel }: AppProps) {
  const [state, dispatch, ref] = useStore(logLevel);
  useEngineFeed(engine, dispatch, logFeed);
  useKeys({ engine, dispatch, state: ref, baseRequest, onQuit });
  const { columns, rows } = useTerminalSize(size);
  const themeValue = useMemo(() => theme ?? themeFromEnv(), [theme]);

  const data = viewData(state);
  const stream = selectedStream(state);
  const timeframe = selectedTimeframe(state);
  const candles = selectedCandles(state);
  const offline = offlineText(state);
  const layout = computeLayout(columns, rows, data.streams.length, offline !== null);
  const logs = useMemo(() => visibleLogs(data.logs, state.logFilter), [data.logs, state.logFilter]);
  const featureRows = Math.max(1, layout.featuresHeight - 2);
  const logRows = Math.max(1, layout.logsHeight - 2);
  useEffect(() => dispatch({ type: 'viewport', featureRows, logRows }), [dispatch, featureRows, logRows]);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Text wrap="wrap">
        Tickbridge: the terminal is too small ({columns}×{rows}); it needs at least {MIN_COLUMNS}×{MIN_ROWS}. Enlarge it, or press q to quit.
      </Text>
    );
  }

  return (
    <ThemeContext.Provider value={themeValue}>
      <Box flexDirection="column" width={layout.columns} height={layout.rows}>
        <Header stats={data.stats} stream={stream} processor={data.stats?.processor.status ?? data.processor?.status} paused={state.frozen !== null} width={layout.columns} />
        {offline !== null && <Notice text={offline} />}
        <Box flexDirection="row" height={state.help ? layout.mainHeight + layout.logsHeight : layout.mainHeight}>
          {state.help ? (
            <HelpPane width={layout.columns} height={layout.mainHeight + layout.logsHeight} />
          ) : (
            <>
              <Box flexDirection="column" width={layout.leftWidth}>
                <StreamList streams={data.streams} selectedId={stream?.runId} focused={state.focus === 'streams'} width={layout.leftWidth} height={layout.streamsHeight} />
                <FeaturesPane candles={candles} scroll={state.featureScroll} focused={state.focus === 'features'} width={layout.leftWidth} height={layout.featuresHeight} />
              </Box>
              {state.form ? (
                <AddStreamForm form={state.form} width={layout.chartWidth} height={layout.mainHeight} />
              ) : (
                <ChartPane
                  streamId={stream?.id}
                  timeframe={timeframe}
                  timeframes={stream?.request.timeframes ?? []}
                  candles={candles}
                  status={stream && { status: stream.status, detail: stream.detail }}
                  focused={state.focus === 'chart'}
                  width={layout.chartWidth}
                  height={layout.mainHeight}
                />
              )}
            </>
          )}
        </Box>
        {!state.help && <LogsPane lines={logs} filter={state.logFilter} scroll={state.logScroll} focused={state.focus === 'logs'} width={layout.columns} height={layout.logsHeight} />}
        <Footer flash={state.flash} filterEditing={state.logFilter.editing} filterText={state.logFilter.text} width={layout.columns} />
      </Box>
    </ThemeContext.Provider>
  );
}
