import type { ChatPlatform } from '../domain/chat-actor.ts';
import { suggest } from '../domain/suggest.ts';
import type { Message } from '../ui/model.ts';

export const commandName = '/bridge';

/**
 * Where a command was typed: the platform, and what the bot is called there (Teams: the activity's recipient, e.g.
 * "Test Bot" in the Agents Playground; Slack: the app's bot user).
 */
export interface ChatSurface {
  platform: ChatPlatform;
  botName: string;
}

/**
 * A command as a person types it here: `/bridge connect` in Slack; `connect` in Teams, where the help says once to
 * @mention the bot first in a channel (the personal chat needs no mention).
 */
export function typedCommand(surface: ChatSurface, command: string): string {
  return surface.platform === 'slack' ? `\`${commandName} ${command}\`` : `\`${command}\``;
}

/** The subcommands, as help lists them; also the manifest's usage hint. `teams` words it for Teams where it differs. */
export const subcommands: { usage: string; summary: string; teams?: string }[] = [
  { usage: 'help', summary: 'This list.' },
  { usage: 'setup', summary: "Register this workspace's helpdesk (Freshdesk, Freshservice or Xurrent)." },
  { usage: 'connect', summary: 'Initiate a connection with a partner instance.' },
  { usage: 'accept [code]', summary: 'Accept an invitation code from a partner.' },
  {
    usage: 'check',
    summary: "Pre-flight of this workspace's helpdesk: what would make syncs fail, and how to fix it.",
  },
  {
    usage: 'list',
    summary: 'The connections of this workspace (also on my App Home tab).',
    teams: 'The connections of this workspace.',
  },
  { usage: 'status <connection>', summary: 'Status and recent events of a connection.' },
  { usage: 'deactivate <connection>', summary: 'Pause a connection; changes queue until it is activated.' },
  { usage: 'activate <connection>', summary: 'Resume a paused connection.' },
  { usage: 'delete <connection>', summary: 'Delete a connection (asks for confirmation).' },
  {
    usage: 'admins add|remove|list [@user|me]',
    summary: 'Who besides workspace admins and owners administers DeskBridge here.',
    teams: 'Who besides the first person to add me to a team administers DeskBridge here.',
  },
  {
    usage: 'rules <connection>',
    summary: 'Edit, test run and request publish of the sync rules; history and rollback.',
  },
  { usage: 'rules upload <connection>', summary: 'Send a script longer than the editor takes as a file.' },
  { usage: 'triggers <connection>', summary: 'Add, edit, activate or delete triggers; sync existing matches.' },
  { usage: 'errors <connection>', summary: 'Blocked entities and their errors, with Retry and Resolve.' },
  {
    usage: 'ticket <connection> <key>',
    summary: 'One ticket: its twin, last sync each way, what waits or blocks it, and which trigger selects it.',
  },
  {
    usage: 'queue <connection>',
    summary:
      'What waits on this node per stage, the last acknowledgement, the slowest; Retry now for items on a backoff.',
  },
  {
    usage: 'approvers add|remove @user|me',
    summary: 'Who approves rule publishes: mention them, type their full name, or `me` for yourself.',
  },
  {
    usage: 'approvers list|channel|self-approval',
    summary: 'The approvers, the channel approval cards go to, and whether authors may approve their own.',
  },
  {
    usage: 'subscribe <connection|all> [--digest]',
    summary: 'Post status changes (and a daily digest) of a connection, or all, to this channel.',
  },
  { usage: 'unsubscribe [<connection|all>]', summary: 'Stop posting status changes to this channel.' },
  { usage: 'digest on|off', summary: "Switch this channel's daily digest." },
];

/** The words a command starts with (`connect`, `approvers`), for "did you mean". */
const commandWords = [...new Set(subcommands.map((s) => s.usage.split(' ')[0]!))];

/** How to reach DeskBridge, in the platform's own words. */
function whereToType(surface: ChatSurface): string {
  if (surface.platform === 'slack')
    return `Type ${typedCommand(surface, '<command>')} in any channel or direct message; invite me (\`/invite @${surface.botName}\`) to the channels I should post to.`;
  return `In a channel, @mention me first: \`@${surface.botName} connect\`. In our personal chat, type the command alone: \`connect\`.`;
}

function whoMayChange(surface: ChatSurface): string {
  return surface.platform === 'slack'
    ? 'Only DeskBridge admins (workspace admins and owners, and users added with `admins add`) can change anything. Partners accept invitations with one click in a Slack Connect channel.'
    : 'Only DeskBridge admins (the first person to add me to a team, and users added with `admins add`) can change anything. Partners accept invitations with one click in a Teams shared channel.';
}

/** Help: one item per command, with the bot's name and the words of the platform it is read on. */
export function helpMessage(surface: ChatSurface): Message {
  const items = subcommands.map(
    (s) => `${typedCommand(surface, s.usage)} ${surface.platform === 'teams' ? (s.teams ?? s.summary) : s.summary}`,
  );
  return {
    kind: 'message',
    text: `${surface.botName} commands`,
    items: [
      { kind: 'heading', text: `${surface.botName} commands` },
      { kind: 'markdown', text: whereToType(surface) },
      { kind: 'list', items },
      { kind: 'note', text: whoMayChange(surface) },
    ],
  };
}

/** A word that is no command: the closest commands when there are some, otherwise where the list is. */
export function unknownCommandMessage(surface: ChatSurface, word: string): Message {
  const shown = word.replace(/[`*_~<>]/g, '').slice(0, 40);
  const close = suggest(word.toLowerCase(), commandWords).map((c) => typedCommand(surface, c));
  const text = close.length
    ? `I don't know \`${shown}\`. Did you mean ${orList(close)}?`
    : `I don't know \`${shown}\`. ${typedCommand(surface, 'help')} lists what I can do.`;
  return { kind: 'message', text, items: [{ kind: 'markdown', text }] };
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
