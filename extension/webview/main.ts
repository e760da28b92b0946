/**
 * The monitor webview: says `ready` (with its persisted selection), then renders what the host
 * sends. Talks to the host only through the messages in shared/messages.ts.
 */
import { MAX_BARS_PER_TIMEFRAME, upsertBar } from '../shared/bars.js';
import type { Bar, HostToWebview, ReplayControl, StreamView, Totals, WebviewPersistedState, WebviewToHost } from '../shared/messages.js';
import { renderHealth } from './health.js';
import { CandleChart } from './chart.js';
import { FeaturesTable } from './features.js';
import { LogView } from './logView.js';
import { watchTheme } from './theme.js';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): WebviewPersistedState | undefined;
  setState(state: WebviewPersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the element type it expects
const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const streamSelect = byId<HTMLSelectElement>('stream-select');
const timeframeSelect = byId<HTMLSelectElement>('timeframe-select');
const status = byId<HTMLElement>('stream-status');
const startButton = byId<HTMLButtonElement>('start-button');
const stopButton = byId<HTMLButtonElement>('stop-button');
const chartEmpty = byId<HTMLElement>('chart-empty');
const replayControls = byId<HTMLElement>('replay-controls');
const pauseButton = byId<HTMLButtonElement>('pause-button');
const stepButton = byId<HTMLButtonElement>('step-button');
const speedSelect = byId<HTMLSelectElement>('speed-select');
const health = byId<HTMLElement>('health');
const logFilter = byId<HTMLInputElement>('log-filter');

const chart = new CandleChart(byId('candle-chart'));
const features = new FeaturesTable(byId<HTMLTableElement>('features-table').tBodies[0]!, byId('features-caption'));
const logs = new LogView(byId('log-view'), byId('log-empty'));

let persisted: WebviewPersistedState = vscode.getState() ?? { selected: null, timeframe: null, logFilter: '' };
let streams: readonly StreamView[] = [];
let featureNames: readonly string[] = [];
let speeds: readonly ('max' | number)[] = [];
let bars: Bar[] = [];
let featuresFrame = 0;

function save(patch: Partial<WebviewPersistedState>): void {
  persisted = { ...persisted, ...patch };
  vscode.setState(persisted);
}

function options(select: HTMLSelectElement, values: readonly { value: string; label: string }[], selected: string | null): void {
  const same = select.options.length === values.length && values.every((v, i) => select.options.item(i)?.value === v.value && select.options.item(i)?.text === v.label);
  if (!same) {
    select.replaceChildren(
      ...values.map((v) => {
        const option = document.createElement('option');
        option.value = v.value;
        option.text = v.label;
        return option;
      })
    );
  }
  if (selected !== null) select.value = selected;
  select.disabled = values.length === 0;
}

function rate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

function renderStreams(totals: Totals): void {
  options(streamSelect, streams.map((s) => ({ value: s.id, label: `${s.label} (${s.status})` })), persisted.selected);
  const current = streams.find((s) => s.id === persisted.selected);
  logs.setScope(persisted.selected, streams.map((s) => s.id));
  status.dataset.status = current?.status ?? 'none';
  status.textContent = current
    ? `${current.status}${current.active ? ` · ${rate(current.messagesPerSecond)} msg/s` : ''} · ${current.messages.toLocaleString('en-US')} msgs · ${current.candles} closed candles`
    : 'no stream';
  status.title = current?.detail ?? `processor ${totals.processor}`;
  stopButton.disabled = !current?.active;
  renderHealth(health, current);
  const playback = current?.active ? current.playback : null;
  replayControls.hidden = !playback;
  if (playback) {
    pauseButton.textContent = playback.paused ? 'Resume' : 'Pause';
    pauseButton.dataset.paused = String(playback.paused);
    stepButton.disabled = playback.stepping;
    options(speedSelect, speeds.map((speed) => ({ value: String(speed), label: speed === 'max' ? 'max' : `${speed}×` })), String(playback.speed));
  }
}

function control(replay: ReplayControl): void {
  if (persisted.selected) vscode.postMessage({ type: 'control', streamId: persisted.selected, control: replay });
}

function renderFeatures(): void {
  if (featuresFrame) return;
  featuresFrame = requestAnimationFrame(() => {
    featuresFrame = 0;
    features.render(featureNames, bars);
  });
}

function receive(message: HostToWebview): void {
  switch (message.type) {
    case 'snapshot': {
      const s = message.snapshot;
      streams = s.streams;
      featureNames = s.featureNames;
      features.tooltips = s.featureTooltips;
      speeds = s.speeds;
      bars = [...s.bars];
      save({ selected: s.selected, timeframe: s.timeframe });
      options(timeframeSelect, s.timeframes.map((tf) => ({ value: tf, label: tf })), s.timeframe);
      renderStreams(s.totals);
      chart.setBars(bars);
      chartEmpty.hidden = s.selected !== null;
      features.render(featureNames, bars);
      logs.set(s.logs);
      return;
    }
    case 'bar':
      if (message.streamId !== persisted.selected || message.timeframe !== persisted.timeframe) return;
      upsertBar(bars, message.bar, MAX_BARS_PER_TIMEFRAME);
      chart.update(message.bar);
      renderFeatures();
      return;
    case 'streams':
      streams = message.streams;
      renderStreams(message.totals);
      return;
    case 'logs':
      logs.append(message.lines);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => receive(event.data));
streamSelect.addEventListener('change', () => vscode.postMessage({ type: 'select', streamId: streamSelect.value }));
timeframeSelect.addEventListener('change', () => vscode.postMessage({ type: 'timeframe', timeframe: timeframeSelect.value }));
startButton.addEventListener('click', () => vscode.postMessage({ type: 'start' }));
stopButton.addEventListener('click', () => {
  if (persisted.selected) vscode.postMessage({ type: 'stop', streamId: persisted.selected });
});
pauseButton.addEventListener('click', () => control({ action: pauseButton.dataset.paused === 'true' ? 'resume' : 'pause' }));
stepButton.addEventListener('click', () => control({ action: 'step' }));
speedSelect.addEventListener('change', () => control({ action: 'speed', speed: speedSelect.value === 'max' ? 'max' : Number(speedSelect.value) }));
logFilter.value = persisted.logFilter;
logs.setFilter(persisted.logFilter);
logFilter.addEventListener('input', () => {
  logs.setFilter(logFilter.value);
  save({ logFilter: logFilter.value });
});
watchTheme(() => chart.applyTheme());

vscode.postMessage({ type: 'ready', selected: persisted.selected, timeframe: persisted.timeframe });
