/**
 * src/rules/html.ts: nodeHelper.stripHtml and toMarkDownFromHtml in linear time. The reference is the chain of
 * regular-expression replaces they used before (quadratic on a text of unclosed tags), kept here verbatim: on
 * generated tag soup the outputs must be identical, and hostile texts must take milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { htmlToMarkdown, stripHtmlText } from '../../src/rules/html.ts';

const entities: [RegExp, string][] = [
  [/&nbsp;/g, ' '],
  [/&lt;/g, '<'],
  [/&gt;/g, '>'],
  [/&quot;/g, '"'],
  [/&#39;/g, "'"],
  [/&amp;/g, '&'],
];

function decodeEntities(text: string): string {
  let out = text;
  for (const [re, to] of entities) out = out.replace(re, to);
  return out;
}

function regexStripHtml(text: string): string {
  return decodeEntities(text.replace(/<(br|\/p|\/div|\/li)\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '')).trim();
}

function regexMarkdown(html: string): string {
  const md = html
    .replace(/\r\n?/g, '\n')
    .replace(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/gi, (_m, n: string, t: string) => `\n${'#'.repeat(Number(n))} ${t}\n\n`)
    .replace(/<(strong|b)(\s[^>]*)?>([\s\S]*?)<\/\1>/gi, '**$3**')
    .replace(/<(em|i)(\s[^>]*)?>([\s\S]*?)<\/\1>/gi, '*$3*')
    .replace(/<code[^>]*>([\s\S]*?)<\/code>/gi, '`$1`')
    .replace(/<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>/gi, '[$2]($1)')
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|ul|ol|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(md)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

describe('HTML to text and Markdown', () => {
  it('gives what the regular-expression version gave, on generated tag soup', () => {
    let seed = 77;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const tokens = [
      '<',
      '>',
      '</',
      '<h1>',
      '</h1>',
      '<H2 class="x">',
      '</h2>',
      '<h3',
      '</H3>',
      '<b>',
      '</b>',
      '<B>',
      '</B>',
      '<strong>',
      '</strong>',
      '<strong x>',
      '<b\t',
      '<br>',
      '<br/>',
      '<BR />',
      '<i>',
      '</i>',
      '<em>',
      '</em>',
      '<EM\n>',
      '<img src=x>',
      '<code>',
      '</code>',
      '<CODE a>',
      '<a href="u">',
      "<a  HREF = 'v'>",
      '</a>',
      '</A>',
      '<a x href="w" y>',
      'href="z"',
      "'",
      '"',
      '<li>',
      '<LI class=y>',
      '<link>',
      '</p>',
      '</div>',
      '<p>',
      '</ul>',
      '<ol>',
      '</blockquote>',
      '&amp;',
      '&lt;',
      '&gt;',
      '&nbsp;',
      '&quot;',
      '&#39;',
      '&amp;lt;',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\r',
      'x',
      'text',
      'a',
      'h1',
      '=',
      '<a\thref=\'q">',
      '<hr>',
      '<head>',
      '\u00a0',
      '<a\u00a0href="n">',
    ];
    for (let t = 0; t < 20_000; t++) {
      let html = '';
      const length = Math.floor(random() * 25);
      for (let i = 0; i < length; i++) html += tokens[Math.floor(random() * tokens.length)];
      expect(htmlToMarkdown(html), JSON.stringify(html)).toBe(regexMarkdown(html));
      expect(stripHtmlText(html), JSON.stringify(html)).toBe(regexStripHtml(html));
    }
  });

  it('converts the usual markup', () => {
    const html =
      '<h2>Printer</h2><p>It <b>jams</b> on <em>every</em> page, see <a href="https://x.example/kb">the KB</a>:</p><ul><li>tray 1</li><li>tray 2</li></ul><p><code>E-42</code> &amp; more<br>next</p>';
    expect(htmlToMarkdown(html)).toBe(
      '## Printer\n\nIt **jams** on *every* page, see [the KB](https://x.example/kb):\n\n- tray 1\n- tray 2\n`E-42` & more\nnext',
    );
    expect(htmlToMarkdown(html)).toBe(regexMarkdown(html));
    expect(stripHtmlText(html)).toBe(regexStripHtml(html));
    expect(stripHtmlText(html)).toBe('PrinterIt jams on every page, see the KB:\ntray 1\ntray 2\nE-42 & more\nnext');
  });

  it('hostile texts take milliseconds, not minutes', () => {
    const hostile = [
      '<'.repeat(200_000),
      '<h1>'.repeat(100_000),
      '<b>'.repeat(60_000) + '</b>'.repeat(60_000),
      '<a href="x">'.repeat(30_000),
      `${'<a '.repeat(60_000)}${'href="u"'.repeat(10_000)}`,
      '<li'.repeat(60_000),
      `${' '.repeat(200_000)}x`,
      '<code'.repeat(40_000),
    ];
    for (const text of hostile) {
      const started = performance.now();
      htmlToMarkdown(text);
      stripHtmlText(text);
      expect(performance.now() - started, text.slice(0, 12)).toBeLessThan(500);
    }
  });
});
