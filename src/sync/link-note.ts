import type { Platform } from '../domain/instance.ts';

/** Text put into a Freshworks (HTML) note. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The private note a first sync leaves on the new twin: which ticket of the other side it came from, and its web
 * address, so agents see where it came from without asking an admin. The key, the name and the URL come from the
 * other side: Freshworks notes are HTML, so they are escaped there; Xurrent notes are plain text.
 */
export function linkNoteBody(
  platform: Platform,
  origin: { remoteName: string; entityKey: string; url: string },
): string {
  if (platform === 'xurrent') return `Synced with ${origin.remoteName} ticket ${origin.entityKey}: ${origin.url}`;
  const url = escapeHtml(origin.url);
  return `<div>Synced with ${escapeHtml(origin.remoteName)} ticket <a href="${url}">${escapeHtml(origin.entityKey)}</a> (${url})</div>`;
}
