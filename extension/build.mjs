#!/usr/bin/env node
// Bundles the VS Code extension with esbuild: the host into dist/vscode/extension.cjs, each stream's
// worker thread into dist/vscode/streamWorker.cjs (vscode and
// tardis-dev external: tardis-dev loads a worker file and ships as a real dependency) and the
// monitor webview into dist/vscode/webview/. Type-checking is tsc's job (npm run build).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'dist', 'vscode');
const production = !process.argv.includes('--dev');
rmSync(out, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, logLevel: 'warning' };
const sourcemap = production ? false : 'linked';

await Promise.all([
  // the host, and each stream's worker thread (core/src/sources/worker/host.ts starts the file
  // streamWorker.cjs beside the bundle)
  ...[
    ['extension/src/extension.ts', 'extension.cjs'],
    ['core/src/sources/worker/main.ts', 'streamWorker.cjs']
  ].map(([entry, file]) =>
    build({
      ...common,
      entryPoints: [entry],
      outfile: join(out, file),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // ws probes these optional native add-ons inside try/catch.
      external: ['vscode', 'tardis-dev', 'bufferutil', 'utf-8-validate'],
      // core finds its package root from import.meta.url, which CommonJS lacks.
      define: { 'import.meta.url': '__tickbridgeImportMetaUrl' },
      banner: { js: "const __tickbridgeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      sourcemap
    })
  ),
  // the monitor webview: its script and its style sheet
  build({ ...common, entryPoints: { main: 'extension/webview/main.ts' }, outdir: join(out, 'webview'), platform: 'browser', format: 'iife', target: 'es2022', minify: production, sourcemap }),
  build({ ...common, entryPoints: { main: 'extension/webview/main.css' }, outdir: join(out, 'webview'), minify: production })
]);
console.error(`extension: bundled into ${out}`);
