/**
 * A private code-server (installed by scripts/install-code-server.sh into .tmp/code-server) for the
 * end-to-end test: its own HOME, user data, extensions and workspace under one temp folder,
 * started detached so its whole process group (extension host, processor) is killed at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

export function codeServerBin(root: string): string {
  return join(root, '.tmp', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Why the e2e cannot run here, or undefined when it can. */
export function missingPrerequisite(root: string): string | undefined {
  if (!existsSync(codeServerBin(root))) return `code-server ${CODE_SERVER_VERSION} is not installed: run scripts/install-code-server.sh`;
  if (!existsSync(chromiumPath())) return `Chromium not found at ${chromiumPath()}: apt-get install chromium (or set CHROMIUM_PATH)`;
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  readonly url: string;
  readonly dir: string;
  readonly workspace: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  readonly root: string;
  readonly vsix: string;
  readonly settings: Record<string, unknown>;
  readonly timeoutMs: number;
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBin(options.root);
  mkdirSync(join(options.root, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(options.root, '.tmp', 'e2e-vscode-'));
  const paths = {
    home: join(dir, 'home'),
    userData: join(dir, 'user-data'),
    extensions: join(dir, 'extensions'),
    workspace: join(dir, 'workspace'),
    config: join(dir, 'config.yaml')
  };
  for (const path of [paths.home, join(paths.userData, 'User'), paths.extensions, paths.workspace]) mkdirSync(path, { recursive: true });
  writeFileSync(paths.config, 'auth: none\ncert: false\n');
  writeFileSync(
    join(paths.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'telemetry.telemetryLevel': 'off',
        'workbench.tips.enabled': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        ...options.settings
      },
      null,
      2
    )
  );
  writeFileSync(join(paths.workspace, 'README.md'), '# e2e workspace\n');
  const env = {
    ...process.env,
    HOME: paths.home,
    XDG_CONFIG_HOME: join(paths.home, '.config'),
    XDG_DATA_HOME: join(paths.home, '.local', 'share'),
    XDG_CACHE_HOME: join(paths.home, '.cache'),
    TMPDIR: dir
  };
  const common = ['--extensions-dir', paths.extensions, '--user-data-dir', paths.userData, '--config', paths.config];

  const install = spawnSync(process.execPath, [bin, ...common, '--install-extension', options.vsix], { env, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) throw new Error(`code-server --install-extension failed: ${install.stdout}${install.stderr}`);

  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      paths.workspace
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await waitForNoProcessUnder(dir, 10_000);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${options.timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url: `${url}/?folder=${encodeURIComponent(paths.workspace)}`, dir, workspace: paths.workspace, log: () => output, stop };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** Pids of processes whose command line mentions `dir` (the processor names its log folder there). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(join('/proc', entry, 'cmdline'), 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Waits until no process refers to `dir`; throws naming the survivors (orphans) after `timeoutMs`. */
async function waitForNoProcessUnder(dir: string, timeoutMs: number): Promise<void> {
  if (!existsSync('/proc')) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesUnder(dir);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      throw new Error(`processes outlived code-server (orphans): ${left.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
