/**
 * Runs the Python processor: starts it from the venv, waits until it listens and answers
 * /health, restarts it with backoff when it dies, and stops it (no orphans) on exit.
 *
 * The child keeps stdin as a pipe and is started with --exitOnStdinEof: if this process
 * dies without cleaning up (even kill -9), the pipe closes and the processor exits by itself.
 * It runs in its own process group, so a terminal's Ctrl-C reaches only the engine, which then
 * stops it (a processor that died on the user's Ctrl-C would be "restarted").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { UsageError } from '../errors.js';
import { ProcessorLog } from '../logs/processorLog.js';
import { DEFAULT_RETRY } from '../persist/policy.js';
import type { Logger } from '../logs/logger.js';
import { VENV_PYTHON } from '../paths.js';

export type ProcessorStatus = 'starting' | 'running' | 'restarting' | 'stopped';

export interface ProcessorLaunch {
  /** Python executable with the processor installed; default python/.venv. */
  python?: string;
  host: string;
  /** 0 picks a free port on the first start; restarts keep the port. */
  port: number;
  logDir: string;
  /** Extra processor flags (e.g. --noServe). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

const START_TIMEOUT_MS = 30_000;
/** SIGTERM, then SIGKILL after this long: a run ends within 5 s of being asked to. */
const STOP_GRACE_MS = 2_000;
/** A processor writing to BigQuery (GCP_PROJECT_ID) flushes for up to its shutdown budget (30 s). */
const BIGQUERY_STOP_GRACE_MS = DEFAULT_RETRY.closeTimeoutMs + 5_000;
/** After a death the processor is started again this much later... */
const RESTART_DELAY_MS = 250;
/** ...and, while starts fail, again after 500 ms, 1 s, 2 s ... up to 10 s. */
const RESTART_BACKOFF = { retries: Infinity, factor: 2, minTimeout: 2 * RESTART_DELAY_MS, maxTimeout: 10_000, randomize: false } as const;

export class ProcessorSupervisor {
  private child: ChildProcess | undefined;
  private port: number;
  private stopping = false;
  /** Cancels a pending restart (stop). */
  private restartAbort = new AbortController();
  private lastStderr: string[] = [];

  /** How long a stop waits for the processor: longer while it flushes BigQuery. */
  get stopGraceMs(): number {
    return (this.launch.env?.GCP_PROJECT_ID ?? process.env.GCP_PROJECT_ID) ? BIGQUERY_STOP_GRACE_MS : STOP_GRACE_MS;
  }
  status: ProcessorStatus = 'stopped';
  restarts = 0;

  constructor(
    private readonly launch: ProcessorLaunch,
    private readonly logger: Logger,
    private readonly onStatus: (status: ProcessorStatus, detail: string) => void = () => {},
    private readonly processorLog = new ProcessorLog(logger)
  ) {
    this.port = launch.port;
  }

  get url(): string {
    return `ws://${this.launch.host.includes(':') ? `[${this.launch.host}]` : this.launch.host}:${this.port}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  /** The processor's health endpoint (`GET` answers its counters as JSON). */
  get healthUrl(): string {
    return `${this.url.replace(/^ws:/, 'http:')}/health`;
  }

  /** Starts the processor and resolves with its WebSocket URL once /health answers. */
  async start(): Promise<string> {
    const python = this.launch.python ?? VENV_PYTHON;
    if (!existsSync(python)) {
      throw new UsageError(`Python processor environment not found at ${python}: run \`npm run setup\` first`);
    }
    this.stopping = false;
    this.restartAbort = new AbortController();
    await this.spawnOnce(python);
    return this.url;
  }

  /** Kills the processor with SIGKILL, as a crash would (for tests and fault drills). */
  crash(): void {
    this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.restartAbort.abort();
    const child = this.child;
    if (child?.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), this.stopGraceMs);
      await exited;
      clearTimeout(timer);
    }
    this.setStatus('stopped', 'processor stopped');
  }

  /** Signals the processor's process group (it leads its own), or the child alone. */
  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.child?.kill(signal);
    }
  }

  private setStatus(status: ProcessorStatus, detail: string): void {
    this.status = status;
    this.onStatus(status, detail);
  }

  private spawnOnce(python: string): Promise<void> {
    this.setStatus(this.restarts === 0 ? 'starting' : 'restarting', `starting ${python}`);
    const args = [
      '-m',
      'market_data_tick_handler',
      '--host',
      this.launch.host,
      '--port',
      String(this.port),
      '--logDir',
      this.launch.logDir,
      '--exitOnStdinEof',
      ...(this.launch.args ?? [])
    ];
    const child = spawn(python, args, {
      // The processor is installed in its environment: it runs where the user is, so its
      // relative defaults (logs/, the local store) land beside the engine's.
      cwd: process.cwd(),
      env: this.childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: the terminal's Ctrl-C is the engine's to handle
      detached: true
    });
    this.child = child;
    this.lastStderr = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.lastStderr = [...this.lastStderr.slice(-19), line];
      this.processorLog.stderr(line);
    });

    return new Promise<void>((resolve, reject) => {
      let listening = false;
      const fail = (why: string) => {
        clearTimeout(timeout);
        reject(new Error(`${why}${this.lastStderr.length ? `:\n${this.lastStderr.join('\n')}` : ''}`));
      };
      const timeout = setTimeout(() => {
        this.signal('SIGKILL');
        fail(`Python processor did not start within ${START_TIMEOUT_MS / 1000} s`);
      }, START_TIMEOUT_MS);

      createInterface({ input: child.stdout }).on('line', (line) => {
        if (listening) return;
        const port = parseListening(line);
        if (port === undefined) return;
        listening = true;
        this.port = port;
        waitForHealth(this.launch.host, port).then(
          () => {
            clearTimeout(timeout);
            this.setStatus('running', `processor listening on ${this.url} (pid ${child.pid})`);
            resolve();
          },
          (error: unknown) => fail((error as Error).message)
        );
      });

      child.on('error', (error) => fail(`cannot start the Python processor (${python}): ${error.message}`));
      child.on('exit', (code, signal) => {
        if (!listening) {
          fail(`Python processor exited during start (${signal ?? `code ${code}`})`);
          return;
        }
        if (this.stopping) return;
        this.restarts++;
        this.logger.warn(`Python processor died (${signal ?? `code ${code}`}); restarting in ${RESTART_DELAY_MS} ms`);
        this.setStatus('restarting', `processor died (${signal ?? `code ${code}`})`);
        void this.restart(python);
      });
    });
  }

  /** The processor's environment: ours, the launch's additions, unbuffered output. */
  private childEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.launch.env, PYTHONUNBUFFERED: '1' };
  }

  /** Starts the processor again after a death, with backoff while starts fail, until stopped. */
  private async restart(python: string): Promise<void> {
    const signal = this.restartAbort.signal;
    try {
      await sleep(RESTART_DELAY_MS, undefined, { signal });
      await pRetry(() => this.spawnOnce(python), {
        ...RESTART_BACKOFF,
        signal,
        shouldRetry: () => !this.stopping,
        onFailedAttempt: ({ error }) => this.logger.error(`Python processor restart failed: ${error.message}`)
      });
    } catch {
      // stopped meanwhile: nothing to restart
    }
  }
}

function parseListening(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const event = JSON.parse(line) as { event?: string; port?: number };
    return event.event === 'listening' && typeof event.port === 'number' ? event.port : undefined;
  } catch {
    return undefined;
  }
}

/** Polls /health every 100 ms until it answers 200, for up to 100 tries. */
async function waitForHealth(host: string, port: number): Promise<void> {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  try {
    await pRetry(
      async () => {
        const response = await fetch(`http://${hostPart}:${port}/health`);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
      { retries: 99, factor: 1, minTimeout: 100, randomize: false }
    );
  } catch (error) {
    throw new Error(`Python processor /health did not answer on port ${port} (${(error as Error).message})`, { cause: error });
  }
}
