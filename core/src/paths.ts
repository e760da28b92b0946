/** Where the package's own files are, from source (tsx) or from dist/ alike. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tickbridge') {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`tickbridge package.json not found above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const PYTHON_DIR = join(PACKAGE_ROOT, 'python');
/** The processor's virtual environment made by `npm run setup`. */
export const VENV_PYTHON = join(PYTHON_DIR, '.venv', 'bin', 'python');
