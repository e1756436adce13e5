import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { instances } from '../../db/schema/index.ts';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startXurrentSimulator, type XurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';
import { WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { findWorkspaceInstance, linkWorkspace } from '../app/chat-workspaces.ts';
import { registerInstance } from '../app/instances.ts';
import { findInstanceRow } from '../store/instances.ts';
import { instanceWebhook } from '../app/webhook-secrets.ts';
import type { RunningService } from '../service.ts';
import { LOCAL_CREDENTIALS, type LocalSettings } from './settings.ts';
import { localGuide } from './guide.ts';
import { assertPortFree, listeningOn } from '../http/port-in-use.ts';

const ACTOR = 'local-mode';
/** The simulators and the Playground listen on loopback only. */
const LOOPBACK = '127.0.0.1';

export interface LocalMode {
  freshdesk: FreshdeskSimulator;
  xurrent: XurrentSimulator;
  /** The Playground's URL, or null when LOCAL_PLAYGROUND=false. */
  playgroundUrl: string | null;
  close(): Promise<void>;
}

/** Sample tickets of the simulated Freshdesk (its state lives in memory, so they are re-seeded at every start). */
const sampleTickets = [
  {
    subject: 'VPN drops every 10 minutes',
    description: '<p>Since Monday the VPN client disconnects.</p>',
    status: 2,
    priority: 2,
    email: 'pat@acme.example',
  },
  {
    subject: 'New laptop for Jordan',
    description: '<p>Starting on the 1st.</p>',
    status: 3,
    priority: 1,
    email: 'jordan@acme.example',
  },
  {
    subject: 'Printer on floor 3 jams',
    description: '<p>Tray 2 again.</p>',
    status: 2,
    priority: 3,
    email: 'sam@acme.example',
  },
];

/**
 * Local mode: the whole product on one machine with no accounts. Two simulated helpdesks in this process, registered
 * as "acme" (Freshdesk) and "globex" (Xurrent), their webhooks pointed at this node, and the Microsoft 365 Agents
 * Playground talking to our loopback-only Teams endpoint. Called by main.ts only when no chat credentials are set.
 */
export async function startLocalMode(input: {
  service: RunningService;
  settings: LocalSettings;
  logger: Logger;
  dataDir: string;
}): Promise<LocalMode> {
  const { service, settings, logger } = input;
  const deps = service.deps;
  if (settings.playground) {
    await assertPortFree(settings.playgroundPort, LOOPBACK, 'the Agents Playground', 'LOCAL_PLAYGROUND_PORT');
  }
  const freshdesk = await listeningOn(
    settings.freshdeskPort,
    LOOPBACK,
    "local mode's simulated Freshdesk",
    'LOCAL_FRESHDESK_PORT',
    () => startFreshdeskSimulator({ port: settings.freshdeskPort, apiKey: LOCAL_CREDENTIALS.freshdeskApiKey }),
  );
  const xurrent = await listeningOn(
    settings.xurrentPort,
    LOOPBACK,
    "local mode's simulated Xurrent",
    'LOCAL_XURRENT_PORT',
    () =>
      startXurrentSimulator({
        port: settings.xurrentPort,
        token: LOCAL_CREDENTIALS.xurrentToken,
        account: LOCAL_CREDENTIALS.xurrentAccount,
        seed: { services: [{ id: 50, name: 'End-User Support' }] },
      }),
  ).catch(async (error: unknown) => {
    await freshdesk.close();
    throw error;
  });
  let playground: ChildProcess | null = null;
  const close = async () => {
    if (playground && playground.exitCode === null) {
      const exited = new Promise((r) => playground!.once('exit', r));
      playground.kill('SIGTERM');
      await exited;
    }
    await Promise.all([freshdesk.close(), xurrent.close()]);
  };
  try {
    for (const ticket of sampleTickets) freshdesk.addTicket(ticket);

    await ensureInstance(
      service,
      {
        slug: 'acme',
        name: 'Acme',
        platform: 'freshdesk',
        baseUrl: freshdesk.url,
        credentials: { kind: 'apiKey', apiKey: freshdesk.apiKey },
      },
      logger,
    );
    await ensureInstance(
      service,
      {
        slug: 'globex',
        name: 'Globex',
        platform: 'xurrent',
        baseUrl: xurrent.url,
        credentials: { kind: 'token', token: xurrent.token, account: xurrent.account },
      },
      logger,
    );

    // Webhooks: the simulators' hooks are in memory too, so they are added at every start, with the instance secrets.
    const acmeHook = instanceWebhook(deps, { instance: 'acme', actor: ACTOR });
    freshdesk.webhooks.add({ url: acmeHook.url, headers: { [WEBHOOK_SECRET_HEADER]: acmeHook.secret } });
    const globexHook = instanceWebhook(deps, { instance: 'globex', actor: ACTOR });
    for (const event of ['request.create', 'request.update', 'request.note-added']) {
      await xurrent.webhooks.register({ event, uri: `${globexHook.url}?secret=${globexHook.secret}` });
    }

    let playgroundUrl: string | null = null;
    if (settings.playground) {
      const started = await startPlayground(service.url, settings.playgroundPort, input.dataDir, logger);
      playground = started.child;
      playgroundUrl = started.url;
      await prepareTenant(service, playgroundUrl, logger);
    }
    logger.info({ freshdesk: freshdesk.url, xurrent: xurrent.url, playground: playgroundUrl }, 'local mode is ready');
    process.stdout.write(
      localGuide({ serviceUrl: service.url, freshdeskUrl: freshdesk.url, xurrentUrl: xurrent.url, playgroundUrl }),
    );
    return { freshdesk, xurrent, playgroundUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Registration = Parameters<typeof registerInstance>[1];

/** Registers the instance once; on a later start reuses it, pointing it at the simulator's URL if that changed. */
async function ensureInstance(
  service: RunningService,
  input: Omit<Registration, 'actor'>,
  logger: Logger,
): Promise<void> {
  const deps = service.deps;
  const existing = findInstanceRow(deps.db, input.slug!);
  if (!existing) {
    await registerInstance(deps, { ...input, public: true, license: 'evaluation', actor: ACTOR });
    logger.info({ instance: input.slug }, 'local mode registered a simulated helpdesk');
    return;
  }
  if (existing.baseUrl !== input.baseUrl) {
    deps.db.update(instances).set({ baseUrl: input.baseUrl }).where(eq(instances.id, existing.id)).run();
    logger.info(
      { instance: input.slug, baseUrl: input.baseUrl },
      "local mode moved the instance to the simulator's new URL",
    );
  }
}

/** Starts the Agents Playground against our Teams endpoint: loopback only, no telemetry, no browser. */
async function startPlayground(
  serviceUrl: string,
  port: number,
  dataDir: string,
  logger: Logger,
): Promise<{ child: ChildProcess; url: string }> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
  const dir = resolve(dataDir, 'playground');
  mkdirSync(dir, { recursive: true });
  const preload = join(dirname(fileURLToPath(import.meta.url)), 'loopback-only.mjs');
  const endpoint = `http://127.0.0.1:${new URL(serviceUrl).port}/api/messages`;
  const child = spawn(
    process.execPath,
    ['--import', preload, cli, '-e', endpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(port)],
    {
      cwd: dir,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_LOGFILE: join(dir, 'playground.log'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the Agents Playground did not start within 30 s: ${output.slice(-500)}`)),
      30_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes(`Listening on ${port}`)) {
        clearTimeout(timer);
        resolveStart();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Agents Playground exited (${code}): ${output.slice(-500)}`));
    });
  });
  child.stdout!.resume();
  child.once('exit', (code) => logger.warn({ code }, 'the Agents Playground stopped'));
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * The Playground's mock tenant manages "acme"; DeskBridge is installed into its mock team, which makes its user the
 * tenant's DeskBridge admin and stores the channel for invitations and status notices.
 */
async function prepareTenant(service: RunningService, playgroundUrl: string, logger: Logger): Promise<void> {
  const res = await fetch(`${playgroundUrl}/_internal/v1/testConfig`);
  const { config } = (await res.json()) as { config: { tenantId: string; teams: { channels: { id: string }[] }[] } };
  const ref = { platform: 'teams' as const, tenantId: config.tenantId };
  if (!findWorkspaceInstance(service.deps, ref))
    linkWorkspace(service.deps, { ...ref, instance: 'acme', actor: ACTOR });
  const channel = config.teams[0]?.channels[0]?.id;
  if (channel) {
    const installed = await fetch(`${playgroundUrl}/_debug/conversation/${encodeURIComponent(channel)}/installation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await installed.text();
    if (!installed.ok)
      logger.warn({ status: installed.status }, 'the Playground did not install DeskBridge into its team');
  }
}
