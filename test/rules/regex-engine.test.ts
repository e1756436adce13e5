/**
 * The bounded regex engine (src/rules/regex-engine.ts) must find exactly what V8 finds, since regex.ts runs one or
 * the other depending on the input's size: V8 (Node's own RegExp, the engine the rules ran on before) is the
 * reference here, on hand-picked ECMAScript edge cases and on generated patterns and inputs (a fixed seed).
 */
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import { runPlain } from '../../src/rules/index.ts';
import { compileRegexProgram, execRegex, isSpace, worstCaseWork } from '../../src/rules/regex-engine.ts';

/** What V8 finds from `from` (only at `from` when sticky), as [groups..]@index. */
function v8(source: string, flags: string, input: string, from: number, sticky: boolean): string {
  const re = new RegExp(source, flags + (sticky ? 'y' : 'g'));
  re.lastIndex = from;
  const m = re.exec(input);
  return m ? `${JSON.stringify([...m].map((x) => x ?? null))}@${m.index}` : 'null';
}

function engine(source: string, flags: string, input: string, from: number, sticky: boolean): string {
  const slots = execRegex(compileRegexProgram(source, flags), input, from, sticky);
  if (!slots) return 'null';
  const groups: (string | null)[] = [];
  for (let g = 0; g < slots.length / 2; g++) {
    const s = slots[2 * g] as number;
    const e = slots[2 * g + 1] as number;
    groups.push(s < 0 || e < 0 ? null : input.slice(s, e));
  }
  return `${JSON.stringify(groups)}@${slots[0]}`;
}

describe('the bounded regex engine matches like V8', () => {
  const cases: [string, string, string][] = [
    // captures reset at each iteration; an empty iteration past the minimum fails (ECMA-262 RepeatMatcher)
    ['(a)|b', '', 'b'],
    ['(?:(a)|b)+', '', 'ab'],
    ['(a*)*b', '', 'aab'],
    ['(a*)+', '', 'b'],
    ['(?:a|())*', '', 'aa'],
    ['()*', '', 'a'],
    ['(?:)*', '', 'a'],
    ['(a?)*?b', '', 'aab'],
    ['(a|)*?b', '', 'aab'],
    ['(?:(a)b)*', '', 'ababa'],
    ['(z)((a+)?(b+)?(c))*', '', 'zaacbbbcac'],
    // Annex B syntax: octal and identity escapes, \c, braces that are not quantifiers
    ['\\18', '', '\x018'],
    ['\\8', '', '8'],
    ['\\c', '', '\\c'],
    ['[\\c1]', '', '\x11'],
    ['\\k', '', 'k'],
    ['a{,2}', '', 'a{,2}'],
    ['\\u{41}', '', 'u'.repeat(41)],
    ['\\x4', '', 'x4'],
    ['[\\w-a]', '', '-'],
    ['\\0', '', '\0'],
    ['\\012', '', '\n'],
    ['[\\b]', '', '\b'],
    // backreferences, lookaround (lookbehind matches right to left)
    ['(a)|\\1b', '', 'b'],
    ['(?:(a)|(b))\\1\\2', '', 'b'],
    ['(?<=(a+))b', '', 'aaab'],
    ['(?<=\\1(a))b', '', 'aab'],
    ['(?<!a)b', '', 'ab'],
    ['(?=(a))*a', '', 'a'],
    ['(?=(\\w+))\\1:', '', 'abc:'],
    ['(?!(a))\\1b', '', 'b'],
    ['(?<a>x)\\k<a>', '', 'xx'],
    // case-insensitive matching compares Canonicalize (the Kelvin sign and the long s stay apart from k and s)
    ['k', 'i', '\u212a'],
    ['[a-z]', 'i', 'K'],
    ['\\w', 'i', '\u017f'],
    ['[^k]', 'i', 'K'],
    ['\\W', 'i', 'k'],
    ['ß', 'i', 'SS'],
    ['(a)\\1', 'i', 'aA'],
    ['[\u00e0-\u00ff]+', 'i', '\u00c0\u00c9x'],
    // flags m and s, word boundaries
    ['$', 'm', 'a\nb'],
    ['^b', 'm', 'a\u2028b'],
    ['a.c', 's', 'a\nc'],
    ['a.c', '', 'a\u2029c'],
    ['\\bfoo\\b', 'i', 'a FOO b'],
    ['\\B', '', 'ab'],
    // lazy and counted quantifiers
    ['a{2,3}?', '', 'aaaa'],
    ['(?:ab){2}', '', 'abababab'],
    ['x{0}y', '', 'y'],
    ['^(?:(a)|b)*?c', '', 'abac'],
    ['(x+x+)+y', '', 'xxxy'],
  ];
  it.each(cases)('/%s/%s on %j', (source, flags, input) => {
    for (let from = 0; from <= input.length; from++)
      for (const sticky of [false, true])
        expect(engine(source, flags, input, from, sticky), `from ${from}${sticky ? ' sticky' : ''}`).toBe(
          v8(source, flags, input, from, sticky),
        );
  });

  it('\\s, \\w, \\d and case-insensitive letters agree with V8 on every UTF-16 code unit', () => {
    const space = /\s/;
    for (let c = 0; c < 65536; c++) expect(isSpace(c), `U+${c.toString(16)}`).toBe(space.test(String.fromCharCode(c)));
    const sets = compileRegexProgram('[\\s\\w\\d]', 'i');
    const letters = compileRegexProgram('[a-z\u00e0-\u00fe\u0430-\u044f]', 'i');
    const mine = (p: typeof sets, s: string) => execRegex(p, s, 0, true) !== null;
    const setsV8 = /[\s\w\d]/iy;
    const lettersV8 = /[a-z\u00e0-\u00fe\u0430-\u044f]/iy;
    for (let c = 0; c < 65536; c += 1) {
      const s = String.fromCharCode(c);
      setsV8.lastIndex = 0;
      lettersV8.lastIndex = 0;
      if (mine(sets, s) !== setsV8.test(s) || mine(letters, s) !== lettersV8.test(s))
        throw new Error(`U+${c.toString(16)} differs from V8`);
    }
  });

  it('generated patterns and inputs: every match and group is the same as V8', () => {
    let seed = 20_240_518;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const atoms = [
      'a',
      'b',
      'c',
      'A',
      '.',
      '\\d',
      '\\w',
      '\\s',
      '\\W',
      '[ab]',
      '[^a]',
      '[a-c]',
      '[\\s\\d]',
      '\\n',
      ' ',
      'x',
      '\\.',
      '[\\w-]',
      '\\B',
      '\\b',
      '^',
      '$',
      '\u00e9',
      '\\u00c9',
    ];
    const generate = (depth: number, groups: { n: number }): string => {
      const r = random();
      if (depth > 3 || r < 0.3) return pick(atoms);
      if (r < 0.45) return generate(depth + 1, groups) + generate(depth + 1, groups);
      if (r < 0.55) {
        groups.n++;
        return `(${generate(depth + 1, groups)}|${generate(depth + 1, groups)})`;
      }
      if (r < 0.62) return `(?:${generate(depth + 1, groups)}|${generate(depth + 1, groups)})`;
      if (r < 0.8) {
        const quantifier = pick(['*', '+', '?', '*?', '+?', '??', '{2}', '{1,3}', '{0,2}?', '{2,}']);
        if (random() < 0.5) return pick(atoms.slice(0, 12)) + quantifier;
        groups.n++;
        return `(${generate(depth + 1, groups)})${quantifier}`;
      }
      if (r < 0.86) return `${pick(['(?=', '(?!', '(?<=', '(?<!'])}${generate(depth + 1, groups)})`;
      if (r < 0.92 && groups.n > 0) return `\\${1 + Math.floor(random() * groups.n)}`;
      groups.n++;
      return `(${generate(depth + 1, groups)})`;
    };
    const alphabet = [...'aabbcA 1\n.x-_\u00e9\u00c9'];
    let compared = 0;
    for (let t = 0; t < 3000; t++) {
      const source = generate(0, { n: 0 });
      const flags = pick(['', '', 'i', 'm', 's', 'im']);
      try {
        new RegExp(source, flags);
      } catch {
        continue;
      }
      for (let k = 0; k < 4; k++) {
        const length = Math.floor(random() * 12);
        let input = '';
        for (let i = 0; i < length; i++) input += pick(alphabet);
        const from = Math.floor(random() * (length + 1));
        const sticky = random() < 0.2;
        expect(
          engine(source, flags, input, from, sticky),
          `/${source}/${flags} on ${JSON.stringify(input)} from ${from}`,
        ).toBe(v8(source, flags, input, from, sticky));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(8000);
  });
});

function failure(script: string): DomainError {
  try {
    runPlain(script);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected the script to be stopped');
}

describe('regular expressions in scripts', () => {
  it('long inputs (the bounded engine) and short ones (V8) give the same groups, offsets and names', () => {
    let out = '';
    const script = [
      'def check(String text) {',
      '  def m = text =~ /(?<word>[a-z]+)-(\\d+)(x)?/',
      '  def found = []',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Groovy GString in the script, not a JS template
      '  while (m.find()) found << "${m.group("word")}:${m.group(2)}@${m.start(2)}-${m.end(2)} ${m.start(3)}"',
      "  found.take(2) + [found.size(), text.replaceAll(/(\\d)(\\d)/, '$2$1').take(12)]",
      '}',
      'def short = "ab-12 cd-345x"',
      'println check(short)',
      'println check(short + " zz" * 40000)',
    ].join('\n');
    // the short text is within V8's budget (regex.ts: 1,000,000 worst-case instructions), the long one is not
    const program = compileRegexProgram('(?<word>[a-z]+)-(\\d+)(x)?', '');
    expect(worstCaseWork(program, 13, false)).toBeLessThanOrEqual(1_000_000);
    expect(worstCaseWork(program, 120_013, false)).toBeGreaterThan(1_000_000);
    runPlain(script, { print: (t) => (out += t) });
    const [small, large] = out.trim().split('\n');
    expect(small).toBe('[ab:12@3-5 -1, cd:345@9-12 12, 2, ab-21 cd-435]');
    expect(large).toBe(small);
  });

  it('a match whose backtracking needs more positions than the engine keeps stops with the memory limit', () => {
    // (?:a|b)* keeps a choice point for every character: two million of them
    const e = failure('("ab" * 500000).matches(/(?:a|b)*c/)');
    expect(e.code).toBe('limit_exceeded');
    expect(e.details).toMatchObject({ kind: 'memory', line: 1 });
    expect(e.message).toContain('the regular expression needs more than 1048576 backtracking positions');
  });

  it('patterns that repeat what can match the empty string are refused with the reason', () => {
    for (const pattern of ['(a?a?)+b', '(?:a?b?)*c', '(?:x?)*y', '(\\b)+'])
      expect(failure(`"aaa" =~ /${pattern}/`).message, pattern).toContain(
        'repeats a group that can match the empty string, which can take exponential time; simplify it',
      );
  });
});
