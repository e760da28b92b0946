#!/usr/bin/env node
// `npm run package`: bundles the extension, puts tardis-dev and its run-time dependencies (real
// files: tardis-dev starts a worker from dist/worker.js, so it cannot be bundled) next to the host
// bundle in dist/vscode/node_modules, then packs tickbridge-<version>.vsix with vsce, files chosen
// by the allow-list in .vscodeignore. `--list` prints the files instead (`vsce ls`). Runs hold a
// lock (.tmp/package.lock), so concurrent tests never see a half-built dist/vscode.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });

/** tardis-dev and the packages it needs at run time (type packages aside), as node_modules folders. */
export function tardisClosure() {
  const seen = new Set();
  const visit = (name, from) => {
    for (let dir = from; ; dir = dirname(dir)) {
      const manifest = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(manifest)) {
        const pkgDir = dirname(manifest);
        if (seen.has(pkgDir)) return;
        seen.add(pkgDir);
        for (const dep of Object.keys(JSON.parse(readFileSync(manifest, 'utf8')).dependencies ?? {})) {
          if (!dep.startsWith('@types/')) visit(dep, pkgDir);
        }
        return;
      }
      if (dirname(dir) === dir) throw new Error(`${name} is not installed (npm ci)`);
    }
  };
  visit('tardis-dev', root);
  return [...seen].map((dir) => relative(root, dir));
}

const SKIP = /(^|\/)(test|tests|example|examples|docs|benchmark|\.github)(\/|$)|\.(d\.ts|ts|map|md|markdown)$|(^|\/)\.[^/]+$/;

function stageDependencies() {
  const target = join(root, 'dist', 'vscode');
  rmSync(join(target, 'node_modules'), { recursive: true, force: true });
  for (const pkg of tardisClosure()) {
    const dest = join(target, pkg);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(join(root, pkg), dest, {
      recursive: true,
      // Nested node_modules are packages of their own, copied when visited.
      filter: (src) => {
        const rel = relative(join(root, pkg), src).replaceAll('\\', '/');
        return rel === '' || (!SKIP.test(rel) && !rel.startsWith('node_modules'));
      }
    });
  }
}

/** Runs `action` holding a lock directory; waits up to 5 minutes for another run to finish. */
function withLock(action) {
  const lock = join(root, '.tmp', 'package.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${lock} held for 5 minutes: remove it if no packaging runs`, { cause: error });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  withLock(() => {
    run([join(root, 'extension', 'build.mjs')]);
    stageDependencies();
    const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    if (process.argv.includes('--list')) {
      run([vsce, 'ls', '--no-dependencies']);
      return;
    }
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    run([vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', join(root, `tickbridge-${version}.vsix`)]);
  });
}
