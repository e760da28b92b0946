/**
 * Feature definitions and units read from docs/features.md, the one text that defines them:
 * each table row whose first cell names features in backticks gives their formula (second
 * cell); the "Units" table gives their unit. The TUI shows them in the features pane, the VS Code
 * monitor as tooltips (the .vsix carries the file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

export interface FeatureDoc {
  readonly formula: string;
  readonly unit: string;
}

const ROW = /^\|\s*((?:`[a-z0-9_]+`(?:,\s*)?)+)\s*\|\s*(.+?)\s*\|/;

export function parseFeatureDocs(markdown: string): Record<string, FeatureDoc> {
  const formulas = new Map<string, string>();
  const units = new Map<string, string>();
  let inUnits = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) inUnits = line.trim() === '## Units';
    const row = ROW.exec(line);
    if (!row) continue;
    const names = [...row[1]!.matchAll(/`([a-z0-9_]+)`/g)].map((match) => match[1]!);
    const text = row[2]!.replace(/`/g, '').replace(/\*\*/g, '');
    for (const name of names) (inUnits ? units : formulas).set(name, text);
  }
  const docs: Record<string, FeatureDoc> = {};
  for (const [name, formula] of formulas) docs[name] = { formula, unit: units.get(name) ?? '' };
  return docs;
}

/** The tooltip of a feature: its name, unit and formula. */
export function featureTooltip(name: string, doc: FeatureDoc | undefined): string {
  if (!doc) return name;
  return `${name}${doc.unit ? ` — ${doc.unit}` : ''}\n${doc.formula}`;
}

let loaded: Record<string, FeatureDoc> | undefined;

/** The definitions of docs/features.md (read once); none when the file is missing. */
export function featureDocs(): Record<string, FeatureDoc> {
  if (loaded === undefined) {
    try {
      loaded = parseFeatureDocs(readFileSync(join(PACKAGE_ROOT, 'docs', 'features.md'), 'utf8'));
    } catch {
      loaded = {};
    }
  }
  return loaded;
}
