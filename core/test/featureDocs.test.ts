// Feature definitions (VS Code tooltips, the TUI's features pane) come from docs/features.md itself: every feature has a formula and a unit there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FEATURE_NAMES, PACKAGE_ROOT, featureTooltip } from '../index.js';
import { parseFeatureDocs } from '../src/contract/featureDocs.js';

test('docs/features.md gives every feature a formula and a unit; the tooltip shows both', () => {
  const docs = parseFeatureDocs(readFileSync(join(PACKAGE_ROOT, 'docs', 'features.md'), 'utf8'));
  for (const name of FEATURE_NAMES) {
    assert.ok(docs[name]?.formula, `${name}: no formula row in docs/features.md`);
    assert.ok(docs[name]?.unit, `${name}: no unit in the Units table of docs/features.md`);
  }
  assert.equal(docs.spread_bps?.unit, 'basis points (1 bp = 0.01%)');
  assert.equal(featureTooltip('spread_bps', docs.spread_bps), 'spread_bps — basis points (1 bp = 0.01%)\n10⁴ · (ask1 − bid1) / mid');
  assert.equal(docs.funding_rate?.formula, docs.open_interest?.formula, 'a row naming several features applies to each');
});
