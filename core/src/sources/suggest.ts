/** Edit distance with adjacent transpositions (optimal string alignment), for short names and symbols. */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(row[j - 1]! + 1, prev[j]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** Up to `max` candidates close to `input` (case-insensitive): small edit distance, or containing it. */
export function closeMatches(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return candidates
    .map((candidate) => {
      const c = candidate.toLowerCase();
      const distance = editDistance(needle, c);
      const contains = needle.length >= 3 && (c.includes(needle) || needle.includes(c));
      return { candidate, distance, score: contains ? Math.min(distance, 1.5) : distance };
    })
    .filter((x) => x.score <= limit)
    .sort((x, y) => x.score - y.score || x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, max)
    .map((x) => x.candidate);
}

/** " Did you mean a, b?" or "" — to append to an error message. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const matches = closeMatches(input, candidates);
  return matches.length > 0 ? ` Did you mean ${matches.join(', ')}?` : '';
}
