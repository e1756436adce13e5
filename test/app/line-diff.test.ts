import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from '../../src/domain/line-diff.ts';

describe('line diff', () => {
  it('marks kept, removed and added lines in order', () => {
    expect(diffLines('a\nb\nc\n', 'a\nx\nc\nd\n')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
  });

  it('writes unified hunks with three lines of context and correct ranges', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const after = before.replace('line 10', 'line ten').concat('\nline 21');
    expect(unifiedDiff(before, after, { from: 'v1', to: 'v2' })).toBe(
      [
        '--- v1',
        '+++ v2',
        '@@ -7,7 +7,7 @@',
        ' line 7',
        ' line 8',
        ' line 9',
        '-line 10',
        '+line ten',
        ' line 11',
        ' line 12',
        ' line 13',
        '@@ -18,3 +18,4 @@',
        ' line 18',
        ' line 19',
        ' line 20',
        '+line 21',
      ].join('\n'),
    );
  });

  it('is empty for equal texts and handles empty sides', () => {
    expect(unifiedDiff('a\n', 'a', { from: 'x', to: 'y' })).toBe('');
    expect(unifiedDiff('', 'a\nb', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b');
    expect(unifiedDiff('a', '', { from: 'x', to: 'y' })).toBe('--- x\n+++ y\n@@ -1,1 +0,0 @@\n-a');
  });
});
