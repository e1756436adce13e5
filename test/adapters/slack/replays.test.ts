import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { isAddedAdmin } from '../../../src/app/chat-authorization.ts';
import { linkWorkspace } from '../../../src/app/chat-workspaces.ts';
import { firstUseOfSlackSignature, SLACK_SIGNATURE_WINDOW_MS } from '../../../src/app/slack-request-replays.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startService, type RunningService } from '../../../src/service.ts';
import { fixedHelpdesks } from '../../support/helpdesks.ts';
import { freePort, loopbackNodeEnv } from '../../support/nodes.ts';
import { SIGNING_SECRET, startSlackNode, type SlackNode } from '../../support/slack-nodes.ts';
import { commandBody, postSigned } from '../../support/slack-requests.ts';
import { registerTestInstance } from '../../support/story.ts';

/**
 * Slack signs each request (v0 HMAC of `v0:{timestamp}:{body}`) and Bolt refuses one older than five minutes, but
 * nothing stopped the same signed request from being sent again inside those five minutes, or one from being
 * stamped in the future (issue 18, finding 10). These go through the real Bolt receiver on the service's server,
 * signed as Slack signs (docs.slack.dev "Verifying requests from Slack"; Bolt's verify-request.ts).
 */
const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
const carl = { id: 'U_CARL', team_id: 'T_ACME', name: 'Carl Colleague' };
const FORM = 'application/x-www-form-urlencoded';

/** Bolt compares the timestamp with this machine's clock, so the requests are stamped from it. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('signed Slack requests are taken once, and not from the future', () => {
  let a: SlackNode;
  const others: RunningService[] = [];
  beforeEach(async () => {
    a = await startSlackNode('a');
    a.slackApi.addUser(alice).addUser(carl);
    await registerTestInstance(a.deps, 'acme', 'freshdesk');
    linkWorkspace(a.deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test:setup' });
  });
  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    expect(a.slackApi.problems).toEqual([]);
    await a.stop();
  });

  const carlIsAdmin = () => isAddedAdmin(a.deps, { platform: 'slack', tenantId: 'T_ACME', userId: 'U_CARL' });
  const answers = () => a.slackApi.callsTo('response_url').length;
  async function answered(count: number): Promise<string> {
    await a.slackApi.waitFor('response_url', () => answers() > count);
    return String(a.slackApi.callsTo('response_url').at(-1)!.args['text']);
  }
  const adminsCommand = (text: string) =>
    commandBody({ text, userId: alice.id, teamId: alice.team_id, responseUrl: a.slackApi.responseUrl() });
  const storedSignatures = () => {
    const db = new Database(join(a.dataDir, 'deskbridge.db'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from slack_request_signatures').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('the same signed command sent again within the window is refused: a removed admin is not added back', async () => {
    const add = adminsCommand('admins add <@U_CARL>');
    const timestamp = nowSeconds();
    let count = answers();
    expect((await postSigned(a.eventsUrl, SIGNING_SECRET, add, FORM, { timestamp })).status).toBe(200);
    expect(await answered(count)).toBe('<@U_CARL> is now a DeskBridge admin here.');
    count = answers();
    await a.command(alice, 'admins remove <@U_CARL>');
    await answered(count);
    expect(carlIsAdmin()).toBe(false);

    // Someone who saw the first request sends it again, byte for byte, a moment later.
    count = answers();
    const replay = await postSigned(a.eventsUrl, SIGNING_SECRET, add, FORM, { timestamp });
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({ error: 'This request was already received.' });
    await new Promise((r) => setTimeout(r, 300));
    expect(answers()).toBe(count);
    expect(carlIsAdmin()).toBe(false);
    expect(a.logs.join('')).toContain('a replayed request (a signature seen before) was refused');
  });

  it('a request stamped more than a minute ahead of this machine is refused, though correctly signed', async () => {
    const ahead = await postSigned(a.eventsUrl, SIGNING_SECRET, adminsCommand('admins add <@U_CARL>'), FORM, {
      timestamp: nowSeconds() + 10 * 60,
    });
    expect(ahead.status).toBe(401);
    expect(ahead.json).toEqual({ error: 'The request timestamp is in the future.' });
    await new Promise((r) => setTimeout(r, 300));
    expect(carlIsAdmin()).toBe(false);
    expect(storedSignatures()).toBe(0);
    // A clock a few seconds ahead is a clock, not an attack: taken.
    const count = answers();
    const close = await postSigned(a.eventsUrl, SIGNING_SECRET, adminsCommand('admins list'), FORM, {
      timestamp: nowSeconds() + 20,
    });
    expect(close.status).toBe(200);
    await answered(count);
  });

  it('a forged signature is refused by Bolt and not remembered; a stale one is refused as before', async () => {
    const forged = await postSigned(a.eventsUrl, SIGNING_SECRET, adminsCommand('admins add <@U_CARL>'), FORM, {
      secret: 'not-the-signing-secret',
    });
    expect(forged.status).toBe(401);
    const stale = await postSigned(a.eventsUrl, SIGNING_SECRET, adminsCommand('admins add <@U_CARL>'), FORM, {
      timestamp: nowSeconds() - 6 * 60,
    });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(carlIsAdmin()).toBe(false);
    expect(storedSignatures()).toBe(0);
  });

  it('a replay sent to another service process on the same data dir is refused there too', async () => {
    const port = await freePort();
    const config = loadConfig({
      ...loopbackNodeEnv(port, a.dataDir),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-a-test-token',
      SLACK_API_URL: a.slackApi.apiUrl,
    });
    const second = await startService({ config, logger: createLogger('silent'), connectHelpdesk: fixedHelpdesks() });
    others.push(second);
    const add = adminsCommand('admins add <@U_CARL>');
    const timestamp = nowSeconds();
    const count = answers();
    expect((await postSigned(a.eventsUrl, SIGNING_SECRET, add, FORM, { timestamp })).status).toBe(200);
    await answered(count);
    const elsewhere = await postSigned(`${second.url}/slack/events`, SIGNING_SECRET, add, FORM, { timestamp });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.json).toEqual({ error: 'This request was already received.' });
  });

  it('a signature is kept for the window (and the skew) only: the store holds the last minutes of Slack traffic', () => {
    const t0 = new Date('2026-11-21T09:00:00Z');
    const use = (signature: string, at: Date, now: Date) =>
      firstUseOfSlackSignature(a.deps, { signature, requestAt: at, now, skewMs: 60_000 });
    expect(use('v0=aa', t0, t0)).toBe(true);
    expect(use('v0=aa', t0, new Date(t0.getTime() + 60_000))).toBe(false);
    expect(storedSignatures()).toBe(1);
    const later = new Date(t0.getTime() + SLACK_SIGNATURE_WINDOW_MS + 60_000 + 1);
    expect(use('v0=bb', later, later)).toBe(true);
    // v0=aa is past the window: Bolt refuses such a request as stale, so it is no longer kept.
    expect(storedSignatures()).toBe(1);
  });
});
