import type { Message } from '../ui/model.ts';

export const commandName = '/bridge';

/** The subcommands, as `/bridge help` lists them; also the manifest's usage hint. */
export const subcommands: { usage: string; summary: string }[] = [
  { usage: 'help', summary: 'This list.' },
  { usage: 'setup', summary: "Register this workspace's helpdesk (Freshdesk, Freshservice or Xurrent)." },
  { usage: 'connect', summary: 'Initiate a connection with a partner instance.' },
  { usage: 'accept [code]', summary: 'Accept an invitation code from a partner.' },
  { usage: 'list', summary: 'The connections of this workspace.' },
  { usage: 'status <connection>', summary: 'Status and recent events of a connection.' },
  { usage: 'deactivate <connection>', summary: 'Pause a connection; changes queue until it is activated.' },
  { usage: 'activate <connection>', summary: 'Resume a paused connection.' },
  { usage: 'delete <connection>', summary: 'Delete a connection (asks for confirmation).' },
  {
    usage: 'admins add|remove|list [@user]',
    summary: 'Manage who besides workspace admins administers DeskBridge here.',
  },
  {
    usage: 'rules <connection>',
    summary:
      'Edit, test run and request publish of the sync rules; history and rollback. `rules upload <connection>` takes a script as a file.',
  },
  { usage: 'triggers <connection>', summary: 'Add, edit, activate or delete triggers; sync existing matches.' },
  { usage: 'errors <connection>', summary: 'Blocked entities and their errors, with Retry and Resolve.' },
  {
    usage: 'approvers add|remove|list|channel|self-approval',
    summary: 'Who approves rule publishes, where approval cards go, and whether authors may approve their own.',
  },
  {
    usage: 'subscribe <connection|all> [--digest]',
    summary: 'Post status changes (and a daily digest) of a connection, or all, to this channel.',
  },
  { usage: 'unsubscribe [<connection|all>]', summary: 'Stop posting status changes to this channel.' },
  { usage: 'digest on|off', summary: "Switch this channel's daily digest." },
];

export function helpMessage(prefix?: string): Message {
  const lines = subcommands.map((s) => `\`${commandName} ${s.usage}\` ${s.summary}`);
  return {
    kind: 'message',
    text: `${prefix ? `${prefix} ` : ''}DeskBridge commands`,
    items: [
      ...(prefix ? [{ kind: 'markdown' as const, text: prefix }] : []),
      { kind: 'heading', text: 'DeskBridge' },
      { kind: 'markdown', text: lines.join('\n') },
      {
        kind: 'note',
        text: 'Only DeskBridge admins (workspace admins and owners, and users added with `admins add`) can change anything.',
      },
    ],
  };
}
