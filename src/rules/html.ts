/**
 * HTML to plain text and to Markdown, for nodeHelper.stripHtml / stripHtmlFromComments / toMarkDownFromHtml /
 * toMarkDownComments. Each step gives exactly what a regular-expression replace gave before (the pattern is named
 * at each step), but in linear time: the regex forms scan to the end of the text from every `<` that has no closing
 * `>` or end tag, so 150,000 `<` took minutes. Here every search for "the next `>`" or "the next `</b>`" resumes
 * where the previous one stopped (Finder), and no character is looked at more than a few times.
 */
import { isSpace } from './regex-engine.ts';

/**
 * The first occurrence of `needle` at or after `from`, for queries whose `from` only grows: a result stays valid
 * until a query starts past it, so the searches cover the text once in all.
 */
class Finder {
  private from = -1;
  private at = -1;
  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}
  next(from: number): number {
    if (this.from >= 0 && from >= this.from && (this.at < 0 || this.at >= from)) return this.at;
    this.from = from;
    this.at = this.text.indexOf(this.needle, from);
    return this.at;
  }
}

/** The text with A-Z lowered and everything else as is (the same length): what an `i` regex compares ASCII tags by. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** `text.replace(/<[^>]*>/g, '')`: a `<` with no `>` after it, and everything after it, stays. */
function removeTags(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (;;) {
    const lt = text.indexOf('<', last);
    if (lt < 0) break;
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) break;
    parts.push(text.slice(last, lt));
    last = gt + 1;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

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

/** nodeHelper.stripHtml: line breaks for <br>, </p>, </div> and </li>, other tags dropped, entities decoded. */
export function stripHtmlText(text: string): string {
  // `<(br|\/p|\/div|\/li)\s*\/?>` looks past each `<` only through one run of spaces: linear as a regex
  return decodeEntities(removeTags(text.replace(/<(br|\/p|\/div|\/li)\s*\/?>/gi, '\n'))).trim();
}

interface Element {
  /** Where the replaced text starts and ends (after the end tag). */
  start: number;
  end: number;
  /** The content between the start tag and the end tag. */
  content: string;
}

/**
 * Replaces, left to right, each element `match` finds at a position where the folded text has `open`;
 * `match` returns null when the element does not complete there (the scan then moves on by one character).
 */
function replaceElements(
  text: string,
  open: string,
  match: (folded: string, at: number) => Element | null,
  render: (e: Element, at: number) => string,
): string {
  const folded = foldAscii(text);
  const parts: string[] = [];
  let last = 0;
  for (let at = folded.indexOf(open); at >= 0; at = folded.indexOf(open, at)) {
    const e = match(folded, at);
    if (e === null) {
      at++;
      continue;
    }
    parts.push(text.slice(last, e.start), render(e, at));
    last = e.end;
    at = e.end;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/** `<h([1-6])[^>]*>([\s\S]*?)<\/h\1>` (i) → `\n# title\n\n`. */
function headings(text: string): string {
  let gts: Finder | null = null;
  const closes = new Map<string, Finder>();
  return replaceElements(
    text,
    '<h',
    (folded, at) => {
      const level = folded.charAt(at + 2);
      if (level < '1' || level > '6') return null;
      gts ??= new Finder(folded, '>');
      const gt = gts.next(at + 3);
      if (gt < 0) return null;
      let close = closes.get(level);
      if (!close) {
        close = new Finder(folded, `</h${level}>`);
        closes.set(level, close);
      }
      const end = close.next(gt + 1);
      return end < 0 ? null : { start: at, end: end + 5, content: text.slice(gt + 1, end) };
    },
    (e, at) => `\n${'#'.repeat(Number(text.charAt(at + 2)))} ${e.content}\n\n`,
  );
}

/**
 * `<(NAME)(\s[^>]*)?>([\s\S]*?)<\/\1>` (i) for names that cannot start one another (strong|b, em|i): the start tag
 * is the name followed by `>`, or by a space and anything up to the first `>`.
 */
function inlineElements(text: string, names: readonly string[], render: (content: string) => string): string {
  let gts: Finder | null = null;
  const closes = new Map<string, Finder>();
  return replaceElements(
    text,
    '<',
    (folded, at) => {
      const name = names.find((n) => folded.startsWith(n, at + 1));
      if (name === undefined) return null;
      const after = at + 1 + name.length;
      let tagEnd: number;
      if (folded.charAt(after) === '>') tagEnd = after;
      else if (after < folded.length && isSpace(folded.charCodeAt(after))) {
        gts ??= new Finder(folded, '>');
        tagEnd = gts.next(after + 1);
        if (tagEnd < 0) return null;
      } else return null;
      let close = closes.get(name);
      if (!close) {
        close = new Finder(folded, `</${name}>`);
        closes.set(name, close);
      }
      const end = close.next(tagEnd + 1);
      return end < 0 ? null : { start: at, end: end + name.length + 3, content: text.slice(tagEnd + 1, end) };
    },
    (e) => render(e.content),
  );
}

/** `<code[^>]*>([\s\S]*?)<\/code>` (i) → `` `code` ``. */
function codeElements(text: string): string {
  let gts: Finder | null = null;
  let closes: Finder | null = null;
  return replaceElements(
    text,
    '<code',
    (folded, at) => {
      gts ??= new Finder(folded, '>');
      const gt = gts.next(at + 5);
      if (gt < 0) return null;
      closes ??= new Finder(folded, '</code>');
      const end = closes.next(gt + 1);
      return end < 0 ? null : { start: at, end: end + 7, content: text.slice(gt + 1, end) };
    },
    (e) => `\`${e.content}\``,
  );
}

interface Href {
  /** Where `href` starts, the link's text bounds, and the end of `</a>`. */
  at: number;
  url: string;
  contentStart: number;
  contentEnd: number;
}

/**
 * `<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>` (i) → `[text](url)`. The greedy `[^>]*` before
 * `href` makes the regex take, within the start tag, the last `href` from which the rest matches; whether the
 * rest matches from a given `href` does not depend on where the tag starts, so every such `href` is found once, in
 * order, and each `<a` takes the last one before its first `>`.
 */
function links(text: string): string {
  const folded = foldAscii(text);
  const quote1 = new Finder(folded, '"');
  const quote2 = new Finder(folded, "'");
  const valueEnds = new Finder(folded, '>');
  const closes = new Finder(folded, '</a>');
  const hrefs: Href[] = [];
  for (let k = folded.indexOf('href'); k >= 0; k = folded.indexOf('href', k + 1)) {
    let j = k + 4;
    while (j < folded.length && isSpace(folded.charCodeAt(j))) j++;
    if (folded.charAt(j) !== '=') continue;
    j++;
    while (j < folded.length && isSpace(folded.charCodeAt(j))) j++;
    const q = folded.charAt(j);
    if (q !== '"' && q !== "'") continue;
    const a = quote1.next(j + 1);
    const b = quote2.next(j + 1);
    const valueEnd = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    if (valueEnd < 0) continue;
    const gt = valueEnds.next(valueEnd + 1);
    if (gt < 0) continue;
    const end = closes.next(gt + 1);
    if (end < 0) continue;
    hrefs.push({ at: k, url: text.slice(j + 1, valueEnd), contentStart: gt + 1, contentEnd: end });
  }
  if (hrefs.length === 0) return text;
  const tagEnds = new Finder(folded, '>');
  let best = -1;
  return replaceElements(
    text,
    '<a',
    (f, at) => {
      if (!(at + 2 < f.length && isSpace(f.charCodeAt(at + 2)))) return null;
      const gt = tagEnds.next(at + 3);
      const limit = gt < 0 ? f.length : gt;
      while (best + 1 < hrefs.length && (hrefs[best + 1] as Href).at < limit) best++;
      const h = hrefs[best];
      if (h === undefined || h.at < at + 3) return null;
      return { start: at, end: h.contentEnd + 4, content: `[${text.slice(h.contentStart, h.contentEnd)}](${h.url})` };
    },
    (e) => e.content,
  );
}

/** `<li[^>]*>` (i) → `\n- `: the start tag runs to the first `>`. */
function listItems(text: string): string {
  let gts: Finder | null = null;
  return replaceElements(
    text,
    '<li',
    (folded, at) => {
      gts ??= new Finder(folded, '>');
      const gt = gts.next(at + 3);
      return gt < 0 ? null : { start: at, end: gt + 1, content: '' };
    },
    () => '\n- ',
  );
}

/** `text.replace(/[ \t]+\n/g, '\n')`: spaces and tabs before a line end go. */
function trimLineEnds(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
    let s = nl;
    while (s > last && (text.charAt(s - 1) === ' ' || text.charAt(s - 1) === '\t')) s--;
    if (s === nl) continue;
    parts.push(text.slice(last, s));
    last = nl;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * HTML to Markdown (nodeHelper.toMarkDownFromHtml, docs.exalate.com/docs/tomarkdownfromhtml: "Converts issue
 * fields from HTML to Markdown"): headings, bold, italics, code, links, list items, paragraphs and line breaks;
 * other tags are dropped.
 */
export function htmlToMarkdown(html: string): string {
  let md = html.replace(/\r\n?/g, '\n');
  md = headings(md);
  md = inlineElements(md, ['strong', 'b'], (t) => `**${t}**`);
  md = inlineElements(md, ['em', 'i'], (t) => `*${t}*`);
  md = codeElements(md);
  md = links(md);
  md = listItems(md);
  // one run of spaces past each `<br`, and fixed end tags: linear as regexes
  md = md.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|ul|ol|blockquote)>/gi, '\n');
  md = removeTags(md);
  return trimLineEnds(decodeEntities(md))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
