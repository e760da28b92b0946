// The faces' import boundaries, declared once and checked by each face's boundary test: every
// static, dynamic and re-export import of a source file, packages by name and relative imports by
// the repository path they reach.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

/** `from '…'`, `import '…'`, `import('…')`, `require('…')`; group 1 marks `import type` / `export type`. */
const IMPORT = /(?:^\s*(?:import|export)\s+(type)\s[^'"]*?\bfrom\s*|\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/gm;

export interface Import {
  readonly file: string;
  readonly spec: string;
  /** For a relative import: the repository path it reaches, without its extension. */
  readonly target?: string;
  /** `import type` / `export type`: erased by the build, no code crosses. */
  readonly typeOnly: boolean;
}

/** The .ts / .tsx files under a repository folder, as repository paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, dir), { recursive: true })
    .map(String)
    .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => join(dir, file));
}

export function importsOf(file: string): Import[] {
  const text = readFileSync(join(PACKAGE_ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => {
    const spec = match[2]!;
    const typeOnly = match[1] !== undefined;
    if (!spec.startsWith('.')) return { file, spec, typeOnly };
    const target = relative(PACKAGE_ROOT, join(PACKAGE_ROOT, dirname(file), spec)).replace(/\.(js|ts|tsx|mjs|cjs|json)$/, '');
    return { file, spec, target, typeOnly };
  });
}

const FACE_PACKAGES = /^(vscode|ink|react|ink-[^/]*|react-[^/]*|lightweight-charts)(\/|$)/;
const under = (path: string | undefined, folder: string) => path !== undefined && (path === folder || path.startsWith(`${folder}/`));
/** core's public API; tests may also share core's test helpers (test tooling, not the engine). */
const throughCoreIndex = (i: Import) => !under(i.target, 'core') || i.target === 'core/index' || (under(i.file, `${i.file.split('/')[0]}/test`) && under(i.target, 'core/test/helpers'));

/** A rule: what a file under `folders` may not import; returns why, or undefined. */
interface Rule {
  readonly folders: readonly string[];
  readonly check: (i: Import) => string | undefined;
}

export const BOUNDARIES: Record<'core' | 'cli' | 'tui' | 'extension' | 'webview', Rule> = {
  core: {
    folders: ['core'],
    check: (i) =>
      FACE_PACKAGES.test(i.spec) ? 'core imports no face package (vscode, ink, react, lightweight-charts)'
        : ['tui', 'extension', 'cli'].some((face) => under(i.target, face)) ? 'core imports no face' : undefined
  },
  cli: {
    folders: ['cli'],
    check: (i) => (i.target === 'core/src/cli/program' || i.target === 'tui/main' || i.target === undefined && i.spec.startsWith('node:') ? undefined : 'the bin wires core/src/cli/program.ts to tui/main.ts only')
  },
  tui: {
    folders: ['tui'],
    check: (i) =>
      i.spec === 'vscode' || i.spec.startsWith('lightweight-charts') ? 'the TUI imports no VS Code package'
        : under(i.target, 'extension') || under(i.target, 'cli') ? 'the TUI imports neither the extension nor the bin'
        : throughCoreIndex(i) ? undefined : 'the TUI reaches core only through core/index.ts'
  },
  extension: {
    folders: ['extension/src', 'extension/test'],
    check: (i) =>
      /^(ink|react)(\/|$)|^(ink|react)-/.test(i.spec) ? 'the extension imports no Ink or React'
        : under(i.target, 'tui') || under(i.target, 'cli') ? 'the extension imports neither the TUI nor the bin'
        : throughCoreIndex(i) ? undefined : 'the extension reaches core only through core/index.ts'
  },
  webview: {
    folders: ['extension/webview', 'extension/shared'],
    check: (i) =>
      i.target === undefined
        ? i.spec === 'lightweight-charts' ? undefined : 'the webview and the shared messages import no package but lightweight-charts (no node, no vscode)'
        : under(i.target, 'extension/webview') || under(i.target, 'extension/shared') || (i.typeOnly && i.target === 'core/index') ? undefined
        : 'the webview and the shared messages import nothing outside them (from core: types of core/index.ts only)'
  }
};

/** `file imports spec: why` for every import that crosses the boundary. */
export function crossings(rule: Rule): string[] {
  return rule.folders.flatMap((folder) => sourceFiles(folder)).flatMap((file) =>
    importsOf(file).flatMap((i) => {
      const why = rule.check(i);
      return why === undefined ? [] : [`${i.file} imports ${i.spec}: ${why}`];
    })
  );
}
