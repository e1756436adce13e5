import { expect } from 'vitest';
import { cardOf, type ConnectorCall } from '../../support/fake-bot-connector.ts';
import {
  answeredCard,
  cardText,
  findAction,
  submission,
  type TeamsNode,
  type TeamsPlace,
  type TeamsTestUser,
} from '../../support/teams-nodes.ts';

type Json = Record<string, unknown>;

/** Runs a card in place step by step: each call submits the card's form and keeps the answer as the card. */
export class InPlaceCard {
  constructor(
    readonly node: TeamsNode,
    readonly user: TeamsTestUser,
    readonly place: TeamsPlace,
    public card: Json,
    readonly replyTo: string,
  ) {}

  static fromPost(node: TeamsNode, user: TeamsTestUser, place: TeamsPlace, call: ConnectorCall): InPlaceCard {
    return new InPlaceCard(node, user, place, cardOf(call), call.resultId!);
  }

  async submit(values: Record<string, string | null> = {}, as: TeamsTestUser = this.user): Promise<Json> {
    const action = findAction(this.card, 'submit');
    const r = await this.node.execute(
      as,
      this.place,
      { verb: String(action['verb']), data: submission(this.card, action, values) },
      this.replyTo,
    );
    expect(r.status).toBe(200);
    this.card = answeredCard(r);
    return this.card;
  }
}

/** `@DeskBridge connect`, then the wizard in place to the code, posted to `channel`. */
export async function initiateOverTeams(
  node: TeamsNode,
  user: TeamsTestUser,
  place: TeamsPlace,
  input: { destinationUrl: string; mode?: 'basic' | 'script'; name: string; channel: string; project?: string },
): Promise<{ invitation: ConnectorCall; code: string }> {
  const before = node.connector.calls.length;
  await node.command(user, place, 'connect');
  const first = await node.connector.waitFor(
    (c) => node.connector.calls.indexOf(c) >= before && c.method === 'POST' && c.conversationId !== null,
  );
  const wizard = InPlaceCard.fromPost(node, user, place, first);
  await wizard.submit({ destinationUrl: input.destinationUrl });
  await wizard.submit({ mode: input.mode ?? 'basic' });
  const card = await wizard.submit({ remoteShortName: 'Partner', name: input.name });
  if (cardText(card).includes('incomingProjectId')) await wizard.submit({ incomingProjectId: input.project ?? '1001' });
  const code = /DB1\.[A-Za-z0-9_.-]+/.exec(cardText(wizard.card))?.[0];
  if (!code) throw new Error(`no code in ${cardText(wizard.card).slice(0, 500)}`);
  const posts = node.connector.posts(input.channel).length;
  await wizard.submit({ channel: input.channel });
  await node.settled();
  const invitation = node.connector.posts(input.channel)[posts];
  if (!invitation) throw new Error('the invitation was not posted');
  return { invitation, code };
}
