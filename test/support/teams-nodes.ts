import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ConnectHelpdesk } from '../../src/app-deps.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import { claimTeamsTenant } from '../../src/app/teams-users.ts';
import { checkAdaptiveCard } from './adaptive-cards.ts';
import { startChatAdminWithPartner, type ChatPartner } from './chat-partner.ts';
import { FakeBotConnector, type ConnectorCall, type ConnectorMember } from './fake-bot-connector.ts';
import { startTestNode, type TestClock, type TestNode } from './nodes.ts';
import type { TeamsSurface } from '../../adapters/teams/app.ts';

type Json = Record<string, unknown>;

/** A Teams user as activities name them. */
export interface TeamsTestUser {
  mri: string;
  name: string;
  aadObjectId: string;
  tenantId: string;
}

/** Where an activity happens: a channel (possibly shared with another tenant) or a personal chat. */
export type TeamsPlace =
  | { kind: 'channel'; teamId: string; channelId: string; name: string; hostTenantId: string; channelType?: string }
  | { kind: 'personal'; conversationId: string };

export interface TeamsResponse {
  status: number;
  json: Json | null;
  text: string;
}

export function teamsUser(key: string, tenantId: string, name: string): TeamsTestUser {
  return { mri: `29:${key}`, name, aadObjectId: `aad-${key}`, tenantId };
}

export function memberOf(user: TeamsTestUser): ConnectorMember {
  return { id: user.mri, name: user.name, aadObjectId: user.aadObjectId, tenantId: user.tenantId };
}

export function personalChat(user: TeamsTestUser): TeamsPlace {
  return { kind: 'personal', conversationId: `a:personal-${user.aadObjectId}` };
}

export const BOT = { id: '28:deskbridge-bot', name: 'DeskBridge' };

/** A channel place, so its `channelId` can be read without narrowing. */
export type TeamsChannel = Extract<TeamsPlace, { kind: 'channel' }>;

const ACME_TENANT = 'tenant-acme';
const ACME_TEAM = '19:acme-team@thread.tacv2';

/** A standard channel of Acme's team: `acmeChannel('ops')` is `19:ops@thread.tacv2`, named `ops`. */
export function acmeChannel(name: string): TeamsChannel {
  return { kind: 'channel', teamId: ACME_TEAM, channelId: `19:${name}@thread.tacv2`, name, hostTenantId: ACME_TENANT };
}

/** Acme's channel shared with a partner: `sharedWith('initech')` is `19:shared-initech@thread.tacv2`, `acme-initech`. */
export function sharedWith(partner: string): TeamsChannel {
  return {
    kind: 'channel',
    teamId: ACME_TEAM,
    channelId: `19:shared-${partner}@thread.tacv2`,
    name: `acme-${partner}`,
    hostTenantId: ACME_TENANT,
    channelType: 'shared',
  };
}

/** Links a Teams tenant to a registered instance on `deps`, as the set-up actor. */
export function linkTeamsTenant(deps: AppDeps, tenantId: string, instance: string): void {
  linkWorkspace(deps, { platform: 'teams', tenantId, instance, actor: 'test:setup' });
}

/** Makes `user` the DeskBridge admin of their tenant on `deps`. */
export function claimTenantFor(deps: AppDeps, user: TeamsTestUser): void {
  claimTeamsTenant(deps, { tenantId: user.tenantId, aadObjectId: user.aadObjectId, mri: user.mri, name: user.name });
}

/** Acme's tenant linked to `acme` and the partner's to `partnerInstance`, with `partnerAdmin` its tenant's admin. */
export function linkAcmeAndPartner(deps: AppDeps, partnerAdmin: TeamsTestUser, partnerInstance: string): void {
  linkTeamsTenant(deps, ACME_TENANT, 'acme');
  linkTeamsTenant(deps, partnerAdmin.tenantId, partnerInstance);
  claimTenantFor(deps, partnerAdmin);
}

/** Stops each node after checking its fake connector saw no malformed call. */
export async function stopTeamsNodes(...nodes: (TeamsNode | null | undefined)[]): Promise<void> {
  for (const node of nodes) {
    if (!node) continue;
    expect(node.connector.problems).toEqual([]);
    await node.stop();
  }
}

/** Every dialog and in-place card answer is checked as Adaptive Card 1.5 here; connector posts are checked there. */
export function answeredCard(response: TeamsResponse): Json {
  const body = response.json;
  const card = (body?.['task'] as Json | undefined)?.['value'] as Json | undefined;
  const fromDialog = (card?.['card'] as Json | undefined)?.['content'] as Json | undefined;
  const fromExecute =
    body?.['type'] === 'application/vnd.microsoft.card.adaptive' ? (body['value'] as Json) : undefined;
  const found = fromDialog ?? fromExecute;
  if (!found) throw new Error(`no card in the answer: ${response.status} ${response.text.slice(0, 500)}`);
  return found;
}

export interface TeamsNode extends TestNode {
  teams: TeamsSurface;
  connector: FakeBotConnector;
  messagesUrl: string;
  post(activity: Json, headers?: Record<string, string>): Promise<TeamsResponse>;
  /** `@DeskBridge <text>` (in a channel) or `<text>` (personal chat). */
  command(user: TeamsTestUser, place: TeamsPlace, text: string, extra?: Json): Promise<TeamsResponse>;
  taskFetch(user: TeamsTestUser, place: TeamsPlace, data: Json, replyToId?: string): Promise<TeamsResponse>;
  taskSubmit(user: TeamsTestUser, place: TeamsPlace, data: Json, replyToId?: string): Promise<TeamsResponse>;
  execute(
    user: TeamsTestUser,
    place: TeamsPlace,
    action: { verb: string; data: Json },
    replyToId: string,
  ): Promise<TeamsResponse>;
  installed(user: TeamsTestUser, place: TeamsPlace): Promise<TeamsResponse>;
  /** Waits for the effects of the last answers (channel posts, updates) to finish. */
  settled(): Promise<void>;
}

export async function startTeamsNode(
  name: string,
  options: { clock?: TestClock; connectHelpdesk?: ConnectHelpdesk; env?: Record<string, string> } = {},
): Promise<TeamsNode> {
  const connector = await new FakeBotConnector().start();
  const started = await startTestNode(name, options);
  const teams = started.teams;
  if (!teams) throw new Error('Teams is not served on this node: it needs MICROSOFT_APP_ID or local mode');
  const node = { ...started, teams };
  const messagesUrl = `${node.url}/api/messages`;

  const base = (user: TeamsTestUser, place: TeamsPlace): Json => {
    const conversation =
      place.kind === 'channel'
        ? {
            id: place.channelId,
            conversationType: 'channel',
            isGroup: true,
            tenantId: place.hostTenantId,
            name: place.name,
          }
        : { id: place.conversationId, conversationType: 'personal', tenantId: user.tenantId };
    const channelData: Json = { tenant: { id: user.tenantId } };
    if (place.kind === 'channel') {
      channelData['team'] = { id: place.teamId, name: `${place.name} team` };
      channelData['channel'] = {
        id: place.channelId,
        name: place.name,
        ...(place.channelType ? { membershipType: place.channelType } : {}),
      };
    }
    return {
      id: `act-in-${randomUUID().slice(0, 8)}`,
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      timestamp: node.clock.now().toISOString(),
      from: { id: user.mri, name: user.name, aadObjectId: user.aadObjectId },
      recipient: BOT,
      conversation,
      channelData,
      locale: 'en-US',
    };
  };

  const post = async (activity: Json, headers: Record<string, string> = {}): Promise<TeamsResponse> => {
    const res = await fetch(messagesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    let json: Json | null = null;
    try {
      json = text ? (JSON.parse(text) as Json) : null;
    } catch {
      json = null;
    }
    const response = { status: res.status, json, text };
    if (json && (json['task'] || json['type'] === 'application/vnd.microsoft.card.adaptive')) {
      const card = (() => {
        try {
          return answeredCard(response);
        } catch {
          return null;
        }
      })();
      if (card) expect(checkAdaptiveCard(card, 'invoke response')).toEqual([]);
    }
    return response;
  };

  const invoke = (user: TeamsTestUser, place: TeamsPlace, name: string, value: Json, replyToId?: string) =>
    post({ ...base(user, place), type: 'invoke', name, value, ...(replyToId ? { replyToId } : {}) });

  return {
    ...node,
    connector,
    messagesUrl,
    post,
    async stop() {
      await node.teams.settled();
      await node.stop();
      await connector.stop();
    },
    command(user, place, text, extra = {}) {
      const mentioned = place.kind === 'channel';
      return post({
        ...base(user, place),
        type: 'message',
        text: mentioned ? `<at>DeskBridge</at> ${text}` : text,
        textFormat: 'plain',
        entities: mentioned ? [{ type: 'mention', text: '<at>DeskBridge</at>', mentioned: BOT }] : [],
        ...extra,
      });
    },
    taskFetch: (user, place, data, replyToId) =>
      invoke(user, place, 'task/fetch', { data, context: { theme: 'default' } }, replyToId),
    taskSubmit: (user, place, data, replyToId) =>
      invoke(user, place, 'task/submit', { data, context: { theme: 'default' } }, replyToId),
    execute: (user, place, action, replyToId) =>
      invoke(
        user,
        place,
        'adaptiveCard/action',
        { action: { type: 'Action.Execute', ...action }, trigger: 'manual' },
        replyToId,
      ),
    installed: (user, place) => post({ ...base(user, place), type: 'installationUpdate', action: 'add' }),
    settled: () => node.teams.settled(),
  };
}

// ---- reading and filling cards, as a Teams client would ---------------------------------------------------------

export function walkCard(node: unknown, visit: (n: Json) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walkCard(n, visit);
  } else if (node && typeof node === 'object') {
    visit(node as Json);
    for (const value of Object.values(node as Json)) walkCard(value, visit);
  }
}

/** Every input of a card with the value it shows (what the client sends when the user changes nothing). */
export function cardInputs(card: Json): Record<string, string> {
  const values: Record<string, string> = {};
  walkCard(card['body'], (n) => {
    if (typeof n['type'] === 'string' && n['type'].startsWith('Input.') && typeof n['id'] === 'string') {
      const value = n['value'];
      values[n['id']] = typeof value === 'string' ? value : n['type'] === 'Input.Toggle' ? 'false' : '';
    }
  });
  return values;
}

export function findInput(card: Json, id: string): Json {
  let found: Json | null = null;
  walkCard(card['body'], (n) => {
    if (n['id'] === id && typeof n['type'] === 'string' && n['type'].startsWith('Input.')) found = n;
  });
  if (!found) throw new Error(`no input ${id} in the card: ${cardText(card).slice(0, 400)}`);
  return found;
}

/** All actions of a card (top level and in ActionSets), with their data. */
export function cardActions(card: Json): Json[] {
  const actions: Json[] = [];
  walkCard(card, (n) => {
    if (typeof n['type'] === 'string' && n['type'].startsWith('Action.') && n['type'] !== 'Action.ShowCard')
      actions.push(n);
  });
  return actions;
}

/** The action whose `db` data has this kind (and action id), or fails with the card's actions. */
export function findAction(card: Json, kind: 'submit' | 'action' | 'cancel' | 'command', actionId?: string): Json {
  const found = cardActions(card).find((a) => {
    const db = (a['data'] as Json | undefined)?.['db'] as Json | undefined;
    return db?.['kind'] === kind && (actionId === undefined || db['action'] === actionId);
  });
  if (!found)
    throw new Error(
      `no ${kind} ${actionId ?? ''} action in the card; actions: ${JSON.stringify(cardActions(card).map((a) => a['data']))}`,
    );
  return found;
}

export function cardText(card: Json): string {
  return JSON.stringify(card);
}

/** The data a client sends for an action: the action's data with the inputs' values merged in (given ones win). */
export function submission(card: Json, action: Json, values: Record<string, string | null> = {}): Json {
  const inputs: Json = cardInputs(card);
  for (const [key, value] of Object.entries(values)) {
    if (value === null) delete inputs[key];
    else inputs[key] = value;
  }
  return { ...inputs, ...(action['data'] as Json) };
}

// ---- an admin's node connected to a partner ----------------------------------------------------------------------

/**
 * A ChatPartner (test/support/chat-partner.ts) whose node A serves Teams: Acme's tenant linked to `acme`, `members`
 * the members the connector lists, and `admin` the first to add the bot (in Acme's `ops` channel), so its DeskBridge
 * admin. `env` adds to A's settings.
 */
export function startTeamsAdminWithConnection(options: {
  admin: TeamsTestUser;
  members: TeamsTestUser[];
  env?: Record<string, string>;
}): Promise<ChatPartner<TeamsNode>> {
  return startChatAdminWithPartner(
    {
      start: (nodeOptions) => startTeamsNode('a', nodeOptions),
      checkProblems: (node) => expect(node.connector.problems).toEqual([]),
      async prepare(node) {
        linkTeamsTenant(node.deps, ACME_TENANT, 'acme');
        node.connector.setMembers('*', options.members.map(memberOf));
        // The first person to add the bot to a team administers it.
        await node.installed(options.admin, acmeChannel('ops'));
      },
    },
    options.env,
  );
}

/** `@DeskBridge <text>` from `user` in `channel`: the connector call that posted DeskBridge's answer there. */
export async function postedAnswer(
  node: TeamsNode,
  user: TeamsTestUser,
  channel: TeamsChannel,
  text: string,
): Promise<ConnectorCall> {
  const mark = node.connector.calls.length;
  await node.command(user, channel, text);
  return node.connector.waitFor(
    (c) => node.connector.calls.indexOf(c) >= mark && c.method === 'POST' && c.conversationId === channel.channelId,
  );
}

/** The buttons of a card: the flow action each runs, and its value. */
export function flowButtons(card: Json): (string | undefined)[][] {
  return cardActions(card).flatMap((action) => {
    const db = (action['data'] as { db?: { kind?: string; action?: string; value?: string } } | undefined)?.db;
    return db?.kind === 'action' ? [[db.action, db.value]] : [];
  });
}
