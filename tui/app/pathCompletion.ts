/** Tab completion of a file path in the form: the longest common continuation, like a shell. */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The completed text, or the same text when nothing (or nothing more) matches. */
export function completePath(text: string, cwd = process.cwd()): string {
  const expanded = text.startsWith('~/') ? join(homedir(), text.slice(2)) : text;
  const folder = expanded === '' || expanded.endsWith('/') ? expanded : dirname(expanded);
  const stem = expanded === '' || expanded.endsWith('/') ? '' : basename(expanded);
  let names: string[];
  try {
    names = readdirSync(resolve(cwd, folder || '.')).filter((name) => name.startsWith(stem) && (stem.startsWith('.') || !name.startsWith('.')));
  } catch {
    return text;
  }
  if (names.length === 0) return text;
  let common = names[0]!;
  for (const name of names) while (!name.startsWith(common)) common = common.slice(0, -1);
  const prefix = text.slice(0, text.length - stem.length);
  const completed = prefix + common;
  if (names.length === 1) {
    try {
      if (statSync(resolve(cwd, folder || '.', common)).isDirectory()) return `${completed}/`;
    } catch {
      // a name that went away: as typed
    }
  }
  return completed;
}
