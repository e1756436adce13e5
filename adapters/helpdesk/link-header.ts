/**
 * Parses an RFC 8288 Link header into rel -> URL (`<https://...?page=2>; rel="next"`). Blanks inside the brackets are
 * dropped: Freshdesk's and Freshservice's documented examples write `< https://...>;rel="next"`.
 */
export function parseLinkHeader(value: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  if (!value) return links;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (!match) continue;
    const rel = /rel="?([^";]+)"?/.exec(match[2] ?? '');
    if (!rel?.[1]) continue;
    for (const name of rel[1].split(/\s+/)) links[name] = match[1]!.trim();
  }
  return links;
}

export function formatLinkHeader(links: Record<string, string>): string {
  return Object.entries(links)
    .map(([rel, url]) => `<${url}>; rel="${rel}"`)
    .join(', ');
}
