#!/usr/bin/env node
// Bundles the VS Code extension with esbuild: the host into dist/vscode/extension.cjs (vscode and
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

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: ['extension/src/extension.ts'],
    outfile: join(out, 'extension.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ws probes these optional native add-ons inside try/catch.
    external: ['vscode', 'tardis-dev', 'bufferutil', 'utf-8-validate'],
    // core finds its package root from import.meta.url, which CommonJS lacks.
    define: { 'import.meta.url': '__tickbridgeImportMetaUrl' },
    banner: { js: "const __tickbridgeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    sourcemap: production ? false : 'linked',
    logLevel: 'warning'
  }),
  build({
    absWorkingDir: root,
    entryPoints: { main: 'extension/webview/main.ts' },
    outdir: join(out, 'webview'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning'
  }),
  build({
    absWorkingDir: root,
    entryPoints: { main: 'extension/webview/main.css' },
    outdir: join(out, 'webview'),
    bundle: true,
    minify: production,
    logLevel: 'warning'
  })
]);
console.error(`extension: bundled into ${out}`);
