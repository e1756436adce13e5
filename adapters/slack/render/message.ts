import type { KnownBlock } from '@slack/types';
import type { Home, Message } from '../../../src/ui/model.ts';
import type { HomeView } from '@slack/types';
import { contentBlocks } from './blocks.ts';
import { escapeMrkdwn, slackLimits, truncate } from './text.ts';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function renderMessage(message: Message): SlackMessage {
  return {
    text: truncate(escapeMrkdwn(message.text), slackLimits.messageText),
    blocks: message.items.flatMap(contentBlocks).slice(0, slackLimits.messageBlocks),
  };
}

export function renderHome(home: Home): HomeView {
  return { type: 'home', blocks: home.items.flatMap(contentBlocks).slice(0, slackLimits.viewBlocks) };
}
