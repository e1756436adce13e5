/** Wire formats of timestamps: Freshdesk/Freshservice `2016-05-18T04:36:04Z`, Xurrent `2016-03-14T02:56:11-06:00`. */

export function formatUtcSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `offset` like `-06:00`. */
export function formatWithOffset(ms: number, offset: string): string {
  const minutes = offsetMinutes(offset);
  const local = new Date(ms + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${local}${offset}`;
}

export function offsetMinutes(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new Error(`Not a UTC offset: ${offset}`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** Any ISO-8601 timestamp as the hub's UTC form; null for a missing or unreadable one. */
export function toHubTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
