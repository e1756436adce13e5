/**
 * "Did you mean ...?": the closest names to a mistyped one, for rule scripts (a property or method), chat commands
 * and CLI commands alike.
 */

/** Up to three names closest to `wanted` (edit distance, case-insensitive), for "did you mean ...?". */
export function suggest(wanted: string, candidates: Iterable<string>): string[] {
  const w = wanted.toLowerCase();
  const scored: { name: string; d: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c) || c === wanted) continue;
    seen.add(c);
    const d = editDistance(w, c.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(wanted.length, c.length) / 3));
    if (d <= limit || (w.length >= 3 && c.toLowerCase().startsWith(w))) scored.push({ name: c, d });
  }
  scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  return scored.slice(0, 3).map((s) => s.name);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps (summary). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const d = (i: number, j: number): number => (rows[i] as number[])[j] as number;
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = v;
    }
  }
  return d(a.length, b.length);
}
