import { afterEach, describe, expect, it } from 'vitest';
import { parseExposition, sumOf, type Exposition } from '../support/prometheus-text.ts';
import { startSlackNode, type SlackNode } from '../support/slack-nodes.ts';
import { personalChat, startTeamsNode, stopTeamsNodes, teamsUser, type TeamsNode } from '../support/teams-nodes.ts';

/**
 * Slack and Teams requests in /metrics: counted by route and status, and timed from arrival to the end of the answer
 * (the ack Slack waits 3 s for, the invoke answer Teams waits for), through the real Bolt receiver with signed
 * requests and the real botbuilder endpoint.
 */
const TOKEN = 'chat-metrics-token-0123456789ab';

async function scrape(url: string): Promise<Exposition> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe('chat requests in /metrics', () => {
  let slack: SlackNode | undefined;
  let teams: TeamsNode | undefined;
  afterEach(async () => {
    await slack?.stop();
    await stopTeamsNodes(teams);
    slack = undefined;
    teams = undefined;
  });

  it('counts Slack requests by status (a forged signature is a 401) and times each ack', async () => {
    slack = await startSlackNode('metrics-slack', { env: { METRICS_TOKEN: TOKEN } });
    const alice = { id: 'U_ALICE', team_id: 'T_ACME', name: 'Alice Admin', is_admin: true };
    slack.slackApi.addUser(alice);
    expect((await slack.command(alice, 'help')).status).toBe(200);
    expect((await slack.command(alice, 'help')).status).toBe(200);
    expect((await slack.command(alice, 'help', { secret: 'not-the-signing-secret' })).status).toBe(401);
    const e = await scrape(slack.url);
    const events = { method: 'POST', route: '/slack/events' };
    expect(sumOf(e, 'deskbridge_http_requests_total', { ...events, status: '200' })).toBe(2);
    expect(sumOf(e, 'deskbridge_http_requests_total', { ...events, status: '401' })).toBe(1);
    expect(sumOf(e, 'deskbridge_http_request_duration_seconds_count', events)).toBe(3);
    // Every ack within Slack's 3 seconds: all three in the 2.5 s bucket.
    expect(sumOf(e, 'deskbridge_http_request_duration_seconds_bucket', { ...events, le: '2.5' })).toBe(3);
    expect(sumOf(e, 'deskbridge_http_request_duration_seconds_sum', events)).toBeGreaterThan(0);
  });

  it('counts Teams requests to /api/messages and times their answers', async () => {
    teams = await startTeamsNode('metrics-teams', { env: { METRICS_TOKEN: TOKEN } });
    const alice = teamsUser('alice', 'tenant-acme', 'Alice Admin');
    const answered = await teams.command(alice, personalChat(alice), 'help');
    expect(answered.status).toBeLessThan(300);
    await teams.settled();
    // A request through a proxy is refused in local mode.
    const proxied = await teams.post({ type: 'message', text: 'help' }, { 'x-forwarded-for': '203.0.113.9' });
    expect(proxied.status).toBe(401);
    const e = await scrape(teams.url);
    const messages = { method: 'POST', route: '/api/messages' };
    expect(sumOf(e, 'deskbridge_http_requests_total', { ...messages, status: String(answered.status) })).toBe(1);
    expect(sumOf(e, 'deskbridge_http_requests_total', { ...messages, status: '401' })).toBe(1);
    expect(sumOf(e, 'deskbridge_http_request_duration_seconds_count', messages)).toBe(2);
  });
});
