/**
 * A person named in the audit form (`slack:T1/U2`, `cli:ops`) as chat shows them: a Slack user as a mention (our
 * renderer keeps `<@U…>`), anyone else by the part after the platform.
 */
export function personLabel(ref: string): string {
  const slack = /^slack:[^/]+\/([UW][A-Z0-9_]+)$/.exec(ref);
  if (slack) return `<@${slack[1]}>`;
  const other = /^[a-z]+:(.*)$/.exec(ref);
  return other?.[1] ?? ref;
}
