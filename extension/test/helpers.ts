/** Shared by the extension tests. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder of the tickbridge package.json) above `from`. */
export function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tickbridge') return dir;
    if (dirname(dir) === dir) throw new Error(`tickbridge package.json not found above ${from}`);
  }
}
