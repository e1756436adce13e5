import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { checkAdaptiveCard } from '../support/adaptive-cards.ts';
import { freeLocalModePorts, freePort, localModeEnv, tempDir, type LocalModePorts } from '../support/nodes.ts';
import { Playground, type PlaygroundEvent } from '../support/playground.ts';
import { runDeskbridge, startServiceProcess, type ServiceProcess } from '../support/processes.ts';
import { findAction, findInput, submission } from '../support/teams-nodes.ts';

type Json = Record<string, unknown>;

function cardIn(event: PlaygroundEvent): Json | null {
  const attachment = event.message?.attachments?.[0];
  return attachment?.contentType === 'application/vnd.microsoft.card.adaptive' ? (attachment.content as Json) : null;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const xurrentToken = 'local-globex-xurrent-token';

describe('local mode: `npm start` with no chat credentials runs the whole product on this machine', () => {
  let service: ServiceProcess;
  let playground: Playground;
  let dataDir: string;
  let env: Record<string, string>;
  let ports: LocalModePorts;

  beforeAll(async () => {
    dataDir = tempDir('deskbridge-local-');
    ports = await freeLocalModePorts();
    env = {
      ...localModeEnv(ports, dataDir),
      SYNC_INTERVAL_MS: '200',
      SYNC_POLL_INTERVAL_MS: '500',
      POLLER_HEALTH_CRON: '* * * * * *',
      POLLER_EXPIRY_CRON: '* * * * * *',
      POLLER_SEND_INTERVAL_MS: '0',
    };
    for (const name of [
      'SLACK_SIGNING_SECRET',
      'SLACK_BOT_TOKEN',
      'SLACK_CLIENT_ID',
      'SLACK_CLIENT_SECRET',
      'SLACK_APP_TOKEN',
      'MICROSOFT_APP_ID',
      'MICROSOFT_APP_PASSWORD',
      'MICROSOFT_APP_TENANT_ID',
    ]) {
      env[name] = '';
    }
    service = await startServiceProcess(env, `http://127.0.0.1:${ports.service}/healthz`);
    await waitFor(
      'local mode to be ready',
      async () => (service.output().includes('local mode is ready') ? true : null),
      40_000,
    );
    playground = await new Playground().attach(`http://127.0.0.1:${ports.playground}`);
  }, 60_000);

  afterAll(async () => {
    await playground?.stop();
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says so, registers acme and globex, prints the Playground URL and the guide; initiate in the Playground, accept as globex, a rule published on approval, a new Freshdesk ticket reaches Xurrent, the channel hears of each status change', async () => {
    const out = service.output();
    expect(out).toContain('LOCAL MODE');
    expect(out).toContain(`Open http://127.0.0.1:${ports.playground}`);
    expect(out).toContain('npx deskbridge local ticket');
    const listed = await runDeskbridge(['instances', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          slug: 'acme',
          platform: 'freshdesk',
          baseUrl: `http://127.0.0.1:${ports.freshdesk}`,
          public: true,
          license: expect.objectContaining({ kind: 'evaluation' }),
        }),
        expect.objectContaining({
          slug: 'globex',
          platform: 'xurrent',
          baseUrl: `http://127.0.0.1:${ports.xurrent}`,
          public: true,
        }),
      ]),
    );

    // The Playground's user administers acme (local mode linked the tenant and installed DeskBridge in its team).
    const config = await playground.config();
    const user = config.currentUser;
    const general = config.teams[0]!.channels[0]!;
    const chat = config.personalChat.id;
    const inGeneral = (e: PlaygroundEvent) =>
      e.action === 'createMessage' && (e.actionConversationId ?? '').split(';')[0] === general.id;
    expect(await playground.send(general.id, user.id, 'subscribe all', config.bot)).toBe(200);
    await playground.waitFor(
      (e) =>
        inGeneral(e) &&
        JSON.stringify(e.message).includes('This channel is subscribed to status changes of **all connections**'),
    );

    expect(await playground.send(chat, user.id, 'connect')).toBe(200);
    const posted = await playground.waitFor(
      (e) =>
        e.action === 'createMessage' &&
        e.actionConversationId === chat &&
        cardIn(e) !== null &&
        JSON.stringify(cardIn(e)).includes('destinationUrl'),
    );
    let card = cardIn(posted)!;
    const messageId = String(posted.message!.messageId);
    const step = async (values: Record<string, string | null>) => {
      const action = findAction(card, 'submit');
      const r = await playground.execute({
        conversationId: chat,
        from: user.id,
        replyToId: messageId,
        verb: String(action['verb']),
        data: submission(card, action, values),
      });
      expect(r.status).toBe(200);
      card = r.body['value'] as Json;
      expect(checkAdaptiveCard(card)).toEqual([]);
    };
    await step({ destinationUrl: `http://localhost:${ports.service}/i/globex` });
    await step({ mode: 'script' });
    await step({ remoteShortName: 'Globex', name: 'Acme to Globex' });
    const project = (findInput(card, 'incomingProjectId')['choices'] as { value: string }[])[0]!.value;
    await step({ incomingProjectId: project });
    const code = /DB1\.[A-Za-z0-9_.-]+/.exec(JSON.stringify(card))?.[0];
    expect(code).toBeTruthy();
    const channel = (findInput(card, 'channel')['choices'] as { value: string }[])[0]!.value;
    await step({ channel });
    await playground.waitFor(
      (e) => e.action === 'createMessage' && JSON.stringify(cardIn(e) ?? {}).includes('invites you to connect'),
    );

    // globex's admin accepts with the CLI (the Playground has one tenant, and it manages acme).
    const accepted = await runDeskbridge(['connections', 'accept', '--instance', 'globex', '--code', code!], env);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    const connections = JSON.parse((await runDeskbridge(['connections', 'list', '--json'], env)).stdout) as {
      id: string;
      instanceSlug: string;
      status: string;
    }[];
    expect(connections.map((c) => [c.instanceSlug, c.status]).sort()).toEqual([
      ['acme', 'active'],
      ['globex', 'active'],
    ]);

    const acmeId = connections.find((c) => c.instanceSlug === 'acme')!.id;

    // Rules: approvals go to General, Alex approves (self-approval on), edits the outgoing script and requests a publish.
    const reply = async (text: string, others: { id: string; name: string }[] = []) => {
      const mark = playground.events.length;
      expect(await playground.send(general.id, user.id, text, config.bot, others)).toBe(200);
      return JSON.stringify(
        (await playground.waitFor((e) => playground.events.indexOf(e) >= mark && inGeneral(e))).message,
      );
    };
    expect(await reply('approvers channel')).toMatch(/Approval cards go to/);
    expect(await reply(`approvers add <at>${user.name}</at>`, [{ id: user.id, name: user.name }])).toMatch(
      /is now an approver/,
    );
    expect(await reply('approvers self-approval on')).toMatch(/self-approval/i);
    const mark = playground.events.length;
    expect(await playground.send(general.id, user.id, `rules ${acmeId}`, config.bot)).toBe(200);
    const editorEvent = await playground.waitFor(
      (e) => playground.events.indexOf(e) >= mark && inGeneral(e) && cardIn(e) !== null,
    );
    const editor = cardIn(editorEvent)!;
    const outgoing = String(findInput(editor, 'outgoing')['value']);
    const requestPublish = findAction(editor, 'action', 'rules.request-publish');
    const requested = await playground.execute({
      conversationId: editorEvent.actionConversationId!,
      from: user.id,
      replyToId: String(editorEvent.message!.messageId),
      verb: String(requestPublish['verb']),
      data: submission(editor, requestPublish, { outgoing: `${outgoing}\n// reviewed in the Playground` }),
    });
    expect(JSON.stringify(requested.body)).toMatch(/waiting for approval/);
    const approvalEvent = await playground.waitFor(
      (e) => inGeneral(e) && JSON.stringify(cardIn(e) ?? {}).includes('Rules publish'),
    );
    // The Playground has no user-specific views: the card everyone sees carries Approve and Reject (no refresh),
    // and the click is checked against the approvers.
    const shared = cardIn(approvalEvent)!;
    expect(shared['refresh']).toBeUndefined();
    const approve = findAction(shared, 'action', 'approval.approve');
    findAction(shared, 'action', 'approval.reject');
    // A channel post is the root of its thread: the Playground finds it under `<channel>;messageid=<its id>`.
    const at = {
      conversationId: `${general.id};messageid=${String(approvalEvent.message!.messageId)}`,
      from: user.id,
      replyToId: String(approvalEvent.message!.messageId),
    };
    const approved = await playground.execute({ ...at, verb: 'approval.approve', data: submission(shared, approve) });
    expect(JSON.stringify(approved.body)).toContain('Approved');
    const versions = JSON.parse((await runDeskbridge(['audit', '--connection', acmeId, '--json'], env)).stdout) as {
      action: string;
    }[];
    expect(versions.map((v) => v.action)).toContain('rules.approve');

    const trigger = await runDeskbridge(['triggers', 'add', acmeId, '--query', 'priority:>0'], env);
    expect(trigger.stderr).toBe('');
    const ticket = await runDeskbridge(['local', 'ticket', 'Printer on fire'], env);
    expect(ticket.stdout).toMatch(/Created Freshdesk ticket #\d+ "Printer on fire"/);

    const request = await waitFor(
      'the ticket in Xurrent',
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.xurrent}/v1/requests`, {
          headers: { authorization: `Bearer ${xurrentToken}`, 'x-4me-account': 'globex' },
        });
        const requests = (await res.json()) as { id: number; subject: string }[];
        return requests.find((r) => r.subject === 'Printer on fire') ?? null;
      },
      20_000,
    );
    expect(request.subject).toBe('Printer on fire');

    // The poller tells the subscribed channel that the connection became active, and that it was paused.
    await playground.waitFor((e) => inGeneral(e) && JSON.stringify(e.message).includes('pending → active'), 20_000);
    expect((await runDeskbridge(['connections', 'deactivate', acmeId], env)).code).toBe(0);
    await playground.waitFor((e) => inGeneral(e) && JSON.stringify(e.message).includes('active → deactivated'), 20_000);
  }, 60_000);

  it('restarted on the same data dir, it reuses acme and globex (no second registration, acme follows its simulator to a new port) and re-seeds the simulators', async () => {
    await service.stop();
    await playground.stop();
    // The Freshdesk simulator comes back on another port: acme follows it.
    ports.freshdesk = await freePort();
    env.LOCAL_FRESHDESK_PORT = String(ports.freshdesk);
    service = await startServiceProcess(env, `http://127.0.0.1:${ports.service}/healthz`);
    await waitFor(
      'local mode to be ready again',
      async () => (service.output().includes('local mode is ready') ? true : null),
      40_000,
    );
    playground = await new Playground().attach(`http://127.0.0.1:${ports.playground}`);
    expect(service.output()).not.toContain('local mode registered a simulated helpdesk');
    const listed = JSON.parse((await runDeskbridge(['instances', 'list', '--json'], env)).stdout) as {
      slug: string;
      baseUrl: string;
    }[];
    expect(listed.map((i) => [i.slug, i.baseUrl]).sort()).toEqual([
      ['acme', `http://127.0.0.1:${ports.freshdesk}`],
      ['globex', `http://127.0.0.1:${ports.xurrent}`],
    ]);
    const res = await fetch(`http://127.0.0.1:${ports.freshdesk}/api/v2/tickets`, {
      headers: { authorization: `Basic ${Buffer.from('local-acme-freshdesk-key:X').toString('base64')}` },
    });
    expect(((await res.json()) as unknown[]).length).toBe(3);
    expect((await playground.config()).tenantId).toBeTruthy();
  }, 60_000);
});
