import type { Form, Home, Message } from './model.ts';

/**
 * What a flow asks the chat surface to do in answer to one event: the reply to the acting user, and effects
 * elsewhere (a channel, another user). Adapters carry them out with their platform's calls.
 */
export type Reply =
  /** Open a form (from a command or a button). */
  | { kind: 'open-form'; form: Form }
  /** Replace the form being submitted or clicked in with this one (the next or previous step). */
  | { kind: 'show-form'; form: Form }
  /** Keep the submitted form open and show these messages next to its fields. */
  | { kind: 'field-errors'; errors: Record<string, string> }
  /** Close the whole form. */
  | { kind: 'close' }
  /** A message only the acting user sees. */
  | { kind: 'private-message'; message: Message }
  /** The acting user's dashboard, refreshed. */
  | { kind: 'home'; home: Home }
  | { kind: 'none' };

export type Effect =
  /** Post the invitation of `connectionId` to a channel, then tell the flow where it went (to record it). */
  | { kind: 'post-invitation'; channelId: string; connectionId: string; message: Message; code: string }
  | { kind: 'update-message'; channelId: string; messageRef: string; message: Message }
  /** A direct, private notice to a user of our workspace. */
  | { kind: 'notify-user'; userId: string; message: Message }
  | { kind: 'refresh-home'; userId: string }
  /** Post an approval card to the approvers channel, then tell the flow where it went (to update it on a decision). */
  | { kind: 'post-approval-card'; channelId: string; requestId: string; message: Message }
  /** Send a text file to a user of our workspace (a script too long for a modal input). */
  | { kind: 'send-file'; userId: string; filename: string; content: string; title: string }
  /**
   * Post a progress message (to a channel, or to the user's DM when channelId is null) and update it in place with
   * what `poll` says every `intervalMs`, until it says done (or `timeoutMs` passes).
   */
  | {
      kind: 'track-progress';
      channelId: string | null;
      userId: string;
      poll: () => Progress;
      intervalMs: number;
      timeoutMs: number;
    };

/** One reading of a long-running job, as its progress message shows it. */
export interface Progress {
  message: Message;
  done: boolean;
}

export interface FlowResult {
  reply: Reply;
  effects: Effect[];
}

export function reply(r: Reply, effects: Effect[] = []): FlowResult {
  return { reply: r, effects };
}
