import { describe, expect, it } from 'vitest';
import { exactIds } from '../../../adapters/slack/listeners/exact-ids.ts';

describe('exactIds: one Bolt registration for many listener ids', () => {
  const pattern = exactIds(['connection.status', 'rules.test-run', 'home.accept']);

  it('matches each id whole, and nothing else', () => {
    for (const id of ['connection.status', 'rules.test-run', 'home.accept']) expect(pattern.test(id), id).toBe(true);
    // A dot is a dot, not any character; a prefix or suffix is another id.
    for (const id of [
      'connectionXstatus',
      'connection.status.extra',
      'x.connection.status',
      'home',
      '',
      'rules.test-run ',
    ]) {
      expect(pattern.test(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('names the ids it was built from, and splits like a plain regular expression', () => {
    expect(pattern.ids).toEqual(['connection.status', 'rules.test-run', 'home.accept']);
    expect(','.split(exactIds([',']))).toEqual(['', '']);
  });
});
