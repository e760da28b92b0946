import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureProcessorPython, PythonSetupError, venvPythonPath, type RunResult, type Runner } from '../src/pythonEnv.js';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'tickbridge-pyenv-'));
  const processorDir = join(dir, 'python');
  mkdirSync(join(processorDir, 'market_data_tick_handler'), { recursive: true });
  mkdirSync(join(processorDir, 'tests'));
  mkdirSync(join(processorDir, '.venv'));
  writeFileSync(join(processorDir, 'pyproject.toml'), '[project]\nname = "market_data_tick_handler"\n');
  writeFileSync(join(processorDir, 'market_data_tick_handler', '__init__.py'), '');
  return { dir, processorDir, storageDir: join(dir, 'storage'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fake Python: answers version checks, "creates" venvs and records pip installs. */
function fakePython(version = '3.11', options: { missing?: boolean; hasProcessor?: boolean; venvFails?: string } = {}) {
  const calls: string[] = [];
  const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
  const runner: Runner = async (command, args) => {
    calls.push([command, ...args].join(' '));
    if (options.missing) return { code: null, stdout: '', stderr: '', spawnError: `spawn ${command} ENOENT` };
    if (args[1] === 'import market_data_tick_handler') return options.hasProcessor ? ok() : { code: 1, stdout: '', stderr: 'ModuleNotFoundError' };
    if (args[0] === '-c') return ok(`${version}\n`);
    if (args[0] === '-m' && args[1] === 'venv') {
      if (options.venvFails) return { code: 1, stdout: '', stderr: options.venvFails };
      const python = venvPythonPath(args[2]!);
      mkdirSync(join(python, '..'), { recursive: true });
      writeFileSync(python, '');
      return ok();
    }
    if (args[1] === 'pip') return ok();
    return { code: 2, stdout: '', stderr: 'unexpected' };
  };
  return { runner, calls };
}

test('first use: venv in global storage from python3, processor pip-installed from a clean copy; then reused', async () => {
  const f = fixture();
  try {
    const fake = fakePython();
    const python = await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: fake.runner });
    assert.equal(python, venvPythonPath(join(f.storageDir, 'python-venv')));
    assert.match(fake.calls[0]!, /^python3 -c /);
    assert.equal(fake.calls[1], `python3 -m venv ${join(f.storageDir, 'python-venv')}`);
    assert.match(fake.calls[2]!, /-m pip install .*processor-src$/);
    const copy = join(f.storageDir, 'processor-src');
    assert.ok(existsSync(join(copy, 'pyproject.toml')));
    assert.equal(existsSync(join(copy, 'tests')), false);
    assert.equal(existsSync(join(copy, '.venv')), false);

    const again = fakePython();
    assert.equal(await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: again.runner }), python);
    assert.deepEqual(again.calls, []);

    // A changed processor is re-installed into the same venv.
    writeFileSync(join(f.processorDir, 'pyproject.toml'), '[project]\nname = "market_data_tick_handler"\nversion = "2"\n');
    const update = fakePython();
    await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: update.runner });
    assert.equal(update.calls.filter((c) => c.includes('-m venv')).length, 0);
    assert.equal(update.calls.filter((c) => c.includes('pip install')).length, 1);

    // So is a change to any module of the package; Python's byte-code cache is not a change.
    writeFileSync(join(f.processorDir, 'market_data_tick_handler', 'features.py'), 'WINDOW = 20\n');
    const features = fakePython();
    await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: features.runner });
    assert.equal(features.calls.filter((c) => c.includes('pip install')).length, 1, 'a new features.py is installed');
    mkdirSync(join(f.processorDir, 'market_data_tick_handler', '__pycache__'));
    writeFileSync(join(f.processorDir, 'market_data_tick_handler', '__pycache__', 'features.cpython-312.pyc'), 'x');
    const cached = fakePython();
    await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: cached.runner });
    assert.deepEqual(cached.calls, []);
  } finally {
    f.cleanup();
  }
});

test('a configured Python that already has the processor is used as it is', async () => {
  const f = fixture();
  try {
    const fake = fakePython('3.12', { hasProcessor: true });
    assert.equal(await ensureProcessorPython({ configuredPython: '/opt/py', storageDir: f.storageDir, processorDir: f.processorDir, runner: fake.runner }), '/opt/py');
    assert.equal(existsSync(f.storageDir), false);
  } finally {
    f.cleanup();
  }
});

test('missing or old Python, or no venv module: a clear error with a fix', async () => {
  const f = fixture();
  try {
    const base = { configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir };
    await assert.rejects(ensureProcessorPython({ ...base, runner: fakePython('3.11', { missing: true }).runner }), (error: unknown) => {
      assert.ok(error instanceof PythonSetupError);
      assert.match(error.message, /Python not found: cannot run "python3"/);
      assert.match(error.fix, /tickbridge\.pythonPath/);
      return true;
    });
    await assert.rejects(ensureProcessorPython({ ...base, runner: fakePython('3.9').runner }), /Python 3\.9; the processor needs 3\.11/);
    await assert.rejects(
      ensureProcessorPython({ ...base, runner: fakePython('3.11', { venvFails: 'The virtual environment was not created successfully because ensurepip is not available' }).runner }),
      (error: unknown) => error instanceof PythonSetupError && error.fix.includes('python3-venv')
    );
    assert.equal(existsSync(join(f.storageDir, 'python-venv')), false);
  } finally {
    f.cleanup();
  }
});

test('the stamp records the installed processor', async () => {
  const f = fixture();
  try {
    await ensureProcessorPython({ configuredPython: null, storageDir: f.storageDir, processorDir: f.processorDir, runner: fakePython().runner });
    assert.match(readFileSync(join(f.storageDir, 'python-venv', '.tickbridge-processor'), 'utf8'), /^[0-9a-f]{64}$/);
  } finally {
    f.cleanup();
  }
});
