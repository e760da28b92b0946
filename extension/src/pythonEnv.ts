/**
 * The Python that runs the processor: `tickbridge.pythonPath` when it already has the processor,
 * else a virtual environment in the extension's global storage, created from
 * `tickbridge.pythonPath` (or `python3`) with the processor shipped in the .vsix pip-installed
 * into it. Re-installed when the shipped processor changes. Process and file access are injected.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (ENOENT …). */
  readonly spawnError?: string;
}
export type Runner = (command: string, args: readonly string[]) => Promise<RunResult>;

export interface PythonEnvOptions {
  /** `tickbridge.pythonPath`, or null for `python3`. */
  readonly configuredPython: string | null;
  /** The extension's global storage folder. */
  readonly storageDir: string;
  /** The processor's sources shipped with the extension (`<extension>/python`). */
  readonly processorDir: string;
  readonly runner?: Runner;
  readonly progress?: (message: string) => void;
}

/** Python is missing or unusable; `fix` says what to do. */
export class PythonSetupError extends Error {
  constructor(
    message: string,
    readonly fix: string
  ) {
    super(message);
    this.name = 'PythonSetupError';
  }
}

export const MIN_PYTHON: readonly [number, number] = [3, 11];
const STAMP = '.tickbridge-processor';

export const runProcess: Runner = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stdout, stderr, spawnError: error.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

export function venvPythonPath(venvDir: string, platform = process.platform): string {
  return platform === 'win32' ? join(venvDir, 'Scripts', 'python.exe') : join(venvDir, 'bin', 'python');
}

/** What of the processor folder is not the processor: pip's copy and the digest both leave it out. */
const NOT_THE_PROCESSOR = /(^|[\\/])(\.venv|tests|__pycache__|build|[^\\/]*\.egg-info|\.pytest_cache)$/;

/** The processor's files (pyproject.toml and every package file), sorted, relative to the folder. */
function processorFiles(processorDir: string, under = ''): string[] {
  return readdirSync(join(processorDir, under), { withFileTypes: true })
    .filter((entry) => !NOT_THE_PROCESSOR.test(entry.name))
    .flatMap((entry) => {
      const path = join(under, entry.name);
      return entry.isDirectory() ? processorFiles(processorDir, path) : entry.isFile() ? [path] : [];
    })
    .sort();
}

/** Identifies the shipped processor: every file pip installs from it (a changed features.py too). */
export function processorDigest(processorDir: string): string {
  const hash = createHash('sha256');
  for (const path of processorFiles(processorDir)) hash.update(`${path}\0`).update(readFileSync(join(processorDir, path))).update('\0');
  return hash.digest('hex');
}

const tail = (text: string, lines = 12): string => text.trim().split('\n').slice(-lines).join('\n');

const INSTALL_FIX = `Install Python ${MIN_PYTHON.join('.')} or newer (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python), or set "tickbridge.pythonPath" to its executable.`;

async function checkVersion(python: string, run: Runner): Promise<void> {
  const result = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (result.spawnError !== undefined || result.code !== 0) {
    throw new PythonSetupError(`Python not found: cannot run "${python}" (${result.spawnError ?? tail(result.stderr, 2)}).`, INSTALL_FIX);
  }
  const [major = 0, minor = 0] = result.stdout.trim().split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new PythonSetupError(`"${python}" is Python ${result.stdout.trim()}; the processor needs ${MIN_PYTHON.join('.')} or newer.`, INSTALL_FIX);
  }
}

/** Returns the Python executable to launch the processor with, setting it up on first use. */
export async function ensureProcessorPython(options: PythonEnvOptions): Promise<string> {
  const run = options.runner ?? runProcess;
  const progress = options.progress ?? (() => {});
  const base = options.configuredPython ?? 'python3';

  if (options.configuredPython !== null) {
    const probe = await run(base, ['-c', 'import market_data_tick_handler']);
    if (probe.code === 0) return base;
  }

  const venvDir = join(options.storageDir, 'python-venv');
  const python = venvPythonPath(venvDir);
  const digest = processorDigest(options.processorDir);
  const stamp = join(venvDir, STAMP);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return python;

  progress(`checking ${base}`);
  await checkVersion(base, run);

  if (!existsSync(python)) {
    progress('creating a virtual environment');
    rmSync(venvDir, { recursive: true, force: true });
    mkdirSync(options.storageDir, { recursive: true });
    const venv = await run(base, ['-m', 'venv', venvDir]);
    if (venv.code !== 0) {
      rmSync(venvDir, { recursive: true, force: true });
      const why = tail(venv.stderr || venv.stdout || venv.spawnError || '');
      const fix = /ensurepip|venv/i.test(why)
        ? 'Install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv), or set "tickbridge.pythonPath" to a Python that has it.'
        : INSTALL_FIX;
      throw new PythonSetupError(`Could not create a virtual environment with "${base}": ${why}`, fix);
    }
  }

  progress('installing the Tickbridge processor (pip)');
  // pip builds in the source folder: install from a copy, the extension folder may be read-only.
  const source = join(options.storageDir, 'processor-src');
  rmSync(source, { recursive: true, force: true });
  cpSync(options.processorDir, source, {
    recursive: true,
    filter: (path) => !NOT_THE_PROCESSOR.test(path)
  });
  const pip = await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', source]);
  if (pip.code !== 0) {
    throw new PythonSetupError(
      `Installing the processor into ${venvDir} failed: ${tail(pip.stderr || pip.stdout || pip.spawnError || '')}`,
      'Check the network access to PyPI (or a proxy in PIP_INDEX_URL), then start the stream again.'
    );
  }
  writeFileSync(stamp, digest);
  return python;
}
