import { expect } from 'vitest';
import type { ConnectHelpdesk } from '../../src/app-deps.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import { checkView } from './block-kit.ts';
import { startChatAdminWithPartner, type ChatPartner } from './chat-partner.ts';
import { FakeSlack, type FakeUser } from './fake-slack.ts';
import { startTestNode, type TestClock, type TestNode } from './nodes.ts';
import {
  commandBody,
  interactionBody,
  nextTrigger,
  postSigned,
  type SignOptions,
  type SlackResponse,
} from './slack-requests.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

type View = Record<string, unknown> & {
  blocks: Record<string, unknown>[];
  callback_id?: string;
  private_metadata?: string;
};

/** The modal a user has open, as Slack would hold it: its id and its current view. */
export interface OpenModal {
  id: string;
  view: View;
}

export interface SlackNode extends TestNode {
  slackApi: FakeSlack;
  eventsUrl: string;
  command(user: FakeUser, text: string, options?: SignOptions & { channelId?: string }): Promise<SlackResponse>;
  /** The modal opened last by views.open (after a command or a click). */
  openedModal(after?: number): Promise<OpenModal>;
  submit(
    user: FakeUser,
    modal: OpenModal,
    values?: Record<string, string | string[] | null>,
    options?: SignOptions,
  ): Promise<SlackResponse>;
  click(
    user: FakeUser,
    action: { actionId: string; value?: string },
    where: { modal?: OpenModal; home?: boolean; channelId?: string; messageTs?: string },
  ): Promise<SlackResponse>;
  event(event: Record<string, unknown>, teamId: string): Promise<SlackResponse>;
}

/** A DeskBridge node with Slack enabled (single-workspace token), talking to its own fake Slack Web API. */
export async function startSlackNode(
  name: string,
  options: { clock?: TestClock; connectHelpdesk?: ConnectHelpdesk; env?: Record<string, string> } = {},
): Promise<SlackNode> {
  const slackApi = await new FakeSlack().start();
  const node = await startTestNode(name, {
    ...options,
    env: {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: `xoxb-${name}-test-token`,
      SLACK_API_URL: slackApi.apiUrl,
      LOG_LEVEL: 'debug',
      ...options.env,
    },
  });
  const eventsUrl = `${node.url}/slack/events`;
  const interact = (payload: unknown, sign?: SignOptions) =>
    postSigned(eventsUrl, SIGNING_SECRET, interactionBody(payload), 'application/x-www-form-urlencoded', sign);

  return {
    ...node,
    slackApi,
    eventsUrl,
    async stop() {
      await node.stop();
      await slackApi.stop();
    },
    command(user, text, opts = {}) {
      const body = commandBody({
        text,
        userId: user.id,
        teamId: user.team_id,
        responseUrl: slackApi.responseUrl(),
        ...(opts.channelId ? { channelId: opts.channelId } : {}),
      });
      return postSigned(eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded', opts);
    },
    async openedModal(after = 0) {
      const call = await slackApi.waitFor(
        'views.open',
        (c) => slackApi.calls.indexOf(c) >= after && (c.args['view'] as View).callback_id !== 'working',
      );
      return {
        id: String((call.result?.['view'] as Record<string, unknown> | undefined)?.['id']),
        view: call.args['view'] as View,
      };
    },
    async submit(user, modal, values = {}, sign) {
      const payload = {
        type: 'view_submission',
        team: { id: user.team_id, domain: user.team_id.toLowerCase() },
        user: { id: user.id, username: user.name, name: user.name, team_id: user.team_id },
        api_app_id: 'A_DESKBRIDGE',
        trigger_id: nextTrigger(),
        view: {
          ...modal.view,
          id: modal.id,
          team_id: user.team_id,
          hash: 'h0',
          state: { values: stateValues(modal.view, values) },
        },
      };
      const response = await interact(payload, sign);
      const ack = response.json as { response_action?: string; view?: View } | null;
      if (ack?.view) {
        expect(checkView(ack.view, 'response_action.view')).toEqual([]);
        if (ack.response_action === 'update') modal.view = ack.view;
      }
      return response;
    },
    click(user, action, where) {
      const base = {
        type: 'block_actions',
        team: { id: user.team_id, domain: user.team_id.toLowerCase() },
        user: { id: user.id, username: user.name, name: user.name, team_id: user.team_id },
        api_app_id: 'A_DESKBRIDGE',
        trigger_id: nextTrigger(),
        actions: [
          {
            type: 'button',
            action_id: action.actionId,
            block_id: 'b',
            ...(action.value !== undefined ? { value: action.value } : {}),
            action_ts: '1700000000.1',
          },
        ],
      };
      if (where.modal) {
        return interact({
          ...base,
          container: { type: 'view', view_id: where.modal.id },
          view: {
            ...where.modal.view,
            id: where.modal.id,
            hash: 'h0',
            state: { values: stateValues(where.modal.view, {}) },
          },
        });
      }
      if (where.home)
        return interact({
          ...base,
          container: { type: 'view', view_id: 'V_HOME' },
          view: { id: 'V_HOME', type: 'home', blocks: [], hash: 'h0' },
        });
      return interact({
        ...base,
        container: { type: 'message', message_ts: where.messageTs, channel_id: where.channelId, is_ephemeral: false },
        channel: { id: where.channelId, name: 'shared' },
        message: { ts: where.messageTs, type: 'message', text: '' },
        response_url: slackApi.responseUrl(),
      });
    },
    event(event, teamId) {
      const body = JSON.stringify({
        token: 'x',
        team_id: teamId,
        api_app_id: 'A_DESKBRIDGE',
        type: 'event_callback',
        event_id: `Ev${Date.now()}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
        authorizations: [{ team_id: teamId, user_id: 'U_BOT', is_bot: true }],
      });
      return postSigned(eventsUrl, SIGNING_SECRET, body, 'application/json');
    },
  };
}

/**
 * view.state.values as Slack sends them: every input block, with the given value or else what the view shows
 * initially (the user left it alone). A value of null clears the input.
 */
export function stateValues(
  view: View,
  given: Record<string, string | string[] | null>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks) {
    if (block['type'] !== 'input') continue;
    const blockId = String(block['block_id']);
    const element = block['element'] as Record<string, unknown>;
    const actionId = String(element['action_id']);
    const type = String(element['type']);
    const has = Object.hasOwn(given, blockId);
    const value = given[blockId];
    let state: Record<string, unknown>;
    switch (type) {
      case 'plain_text_input':
        state = { type, value: has ? (value ?? null) : (element['initial_value'] ?? null) };
        break;
      case 'static_select':
      case 'radio_buttons': {
        const initial = element['initial_option'] as { value: string } | undefined;
        state = { type, selected_option: has ? (value === null ? null : { value }) : (initial ?? null) };
        break;
      }
      case 'checkboxes': {
        const initial = (element['initial_options'] as { value: string }[] | undefined) ?? [];
        state = {
          type,
          selected_options: has
            ? value === null
              ? []
              : (Array.isArray(value) ? value : [value]).map((v) => ({ value: v }))
            : initial,
        };
        break;
      }
      case 'conversations_select':
        state = { type, selected_conversation: has ? value : (element['initial_conversation'] ?? null) };
        break;
      default:
        state = { type };
    }
    out[blockId] = { [actionId]: state };
  }
  return out;
}

/** Finds an input block of a view, or fails the test with the blocks it has. */
export function inputBlock(view: View, blockId: string): Record<string, unknown> {
  const block = view.blocks.find((b) => b['block_id'] === blockId);
  if (!block)
    throw new Error(
      `no block ${blockId} in ${view.callback_id}: ${view.blocks.map((b) => b['block_id'] ?? b['type']).join(', ')}`,
    );
  return block;
}

export function viewText(view: { blocks: Record<string, unknown>[] }): string {
  return JSON.stringify(view.blocks);
}

/**
 * A ChatPartner (test/support/chat-partner.ts) whose node A serves Slack: `users` are known to its fake Slack and
 * Acme's workspace (T_ACME) is linked to `acme`. `env` adds to A's settings.
 */
export function startSlackAdminWithConnection(options: {
  users: FakeUser[];
  env?: Record<string, string>;
}): Promise<ChatPartner<SlackNode>> {
  return startChatAdminWithPartner(
    {
      start: (nodeOptions) => startSlackNode('a', nodeOptions),
      checkProblems: (node) => expect(node.slackApi.problems).toEqual([]),
      prepare(node) {
        for (const user of options.users) node.slackApi.addUser(user);
        linkWorkspace(node.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
      },
    },
    options.env,
  );
}

/** `/bridge <text>` from `user`: the ephemeral answer posted to its response_url, as JSON. */
export async function ephemeralReply(node: SlackNode, user: FakeUser, text: string): Promise<string> {
  const before = node.slackApi.callsTo('response_url').length;
  await node.command(user, text);
  await node.slackApi.waitFor('response_url', () => node.slackApi.callsTo('response_url').length > before);
  return JSON.stringify(node.slackApi.callsTo('response_url').at(-1)!.args);
}

/** A click by `user` on a button of a message (in C_OPS unless `where` says): the answer posted to its response_url. */
export async function clickReply(
  node: SlackNode,
  user: FakeUser,
  action: { actionId: string; value: string },
  where: { channelId: string; messageTs: string } = { channelId: 'C_OPS', messageTs: '1.1' },
): Promise<Record<string, unknown>> {
  const before = node.slackApi.callsTo('response_url').length;
  await node.click(user, action, where);
  await node.slackApi.waitFor('response_url', () => node.slackApi.callsTo('response_url').length > before);
  return node.slackApi.callsTo('response_url').at(-1)!.args;
}

/** The buttons of a Block Kit message (its JSON): action id and value, in order. */
export function buttonsIn(json: string): string[][] {
  const found: string[][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o['type'] === 'button') found.push([String(o['action_id']), String(o['value'])]);
      Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(json));
  return found;
}
