/**
 * Slack acknowledgement latency: signed slash commands and view submissions, 50 in flight for 10 s, against
 * DeskBridge's Slack app and against a bare Bolt app that only acknowledges. Prints one JSON line per target and kind.
 * Run: npx tsx bench/slack-ack.bench.ts [seconds] [concurrency]
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { App, HTTPReceiver } from '@slack/bolt';
import { linkWorkspace } from '../src/app/chat-workspaces.ts';
import { loadConfig } from '../src/config.ts';
import { startInitiate } from '../src/flows/initiate-wizard.ts';
import { createLogger } from '../src/logger.ts';
import { startService } from '../src/service.ts';
import { FakeSlack } from '../test/support/fake-slack.ts';
import { fixedHelpdesks } from '../test/support/helpdesks.ts';
import { freePort, tempDir } from '../test/support/nodes.ts';
import { commandBody, interactionBody, signature } from '../test/support/slack-requests.ts';
import { registerTestInstance } from '../test/support/story.ts';

let secondsOverride: number | null = null;
const SECONDS_ARG = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 50);
const SECRET = 'bench-signing-secret-0123456789';
const admin = { id: 'U_ADMIN', team_id: 'T_BENCH', name: 'Bench Admin', is_admin: true };

type Kind = 'command' | 'view_submission';

/** The load generator runs in its own thread (keep-alive node:http), so it does not compete with the app measured. */
async function load(url: string, submission: string, responseUrl: string): Promise<Record<Kind, number[]>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Every request is its own, as Slack's are (a trigger_id each): DeskBridge refuses a signature it has seen.
  const payload = JSON.parse(submission) as Record<string, unknown>;
  const target = new URL(url);
  const send = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const ts = Math.floor(Date.now() / 1000);
      const req = httpRequest(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-slack-request-timestamp': String(ts),
            'x-slack-signature': signature(SECRET, ts, body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const latencies: Record<Kind, number[]> = { command: [], view_submission: [] };
  const until = Date.now() + (secondsOverride ?? SECONDS_ARG) * 1000;
  let n = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const kind: Kind = n++ % 2 === 0 ? 'command' : 'view_submission';
      const body =
        kind === 'command'
          ? commandBody({ text: 'connect', userId: admin.id, teamId: 'T_BENCH', responseUrl })
          : interactionBody({ ...payload, trigger_id: `bench.${process.pid}.${n}` });
      const started = performance.now();
      const status = await send(body);
      const elapsed = performance.now() - started;
      if (status !== 200) throw new Error(`${url} answered ${status}`);
      latencies[kind].push(elapsed);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return latencies;
}

/** Runs a role (the fake Slack, a load generator) in a child process, so its CPU is not the measured app's. */
function inThread<T>(
  role: string,
  data: Record<string, unknown>,
): { result: Promise<T>; worker: { terminate(): Promise<void> } } {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(SECONDS_ARG), String(CONCURRENCY)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROLE: JSON.stringify({ role, ...data }) },
  });
  const result = new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
  });
  return { result, worker: { terminate: async () => void child.kill() } };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function report(target: string, latencies: Record<Kind, number[]>): Record<Kind, { p50: number; p99: number }> {
  const out = {} as Record<Kind, { p50: number; p99: number }>;
  for (const kind of ['command', 'view_submission'] as const) {
    const sorted = [...latencies[kind]].sort((x, y) => x - y);
    const p50 = Number(percentile(sorted, 50).toFixed(2));
    const p99 = Number(percentile(sorted, 99).toFixed(2));
    out[kind] = { p50, p99 };
    const perSecond = Math.round(sorted.length / SECONDS_ARG);
    console.log(
      JSON.stringify({
        bench: 'slack-ack',
        target,
        kind,
        concurrency: CONCURRENCY,
        seconds: SECONDS_ARG,
        requests: sorted.length,
        requests_per_second: perSecond,
        p50_ms: p50,
        p99_ms: p99,
      }),
    );
  }
  return out;
}

async function main(): Promise<void> {
  // The fake Slack Web API lives in its own thread too: Slack's work is not ours.
  const fakeThread = inThread<{ apiUrl: string; responseUrl: string }>('fake', {});
  const fake = await fakeThread.result;

  // The bare app: the same receiver and signature check, listeners that only acknowledge.
  const bareReceiver = new HTTPReceiver({ signingSecret: SECRET });
  const bare = new App({
    receiver: bareReceiver,
    token: 'xoxb-bare',
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl: fake.apiUrl },
  });
  bare.command('/bridge', async ({ ack }) => ack());
  bare.view(/.*/, async ({ ack }) => ack());
  const bareServer: Server = createServer(bareReceiver.requestListener);
  await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;

  // DeskBridge: the whole service with Slack on, one workspace managing a Xurrent instance.
  const dataDir = tempDir('deskbridge-bench-');
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DESKBRIDGE_DATA_DIR: dataDir,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: fake.apiUrl,
  });
  const service = await startService({ config, logger: createLogger('warn'), connectHelpdesk: fixedHelpdesks() });
  await registerTestInstance(service.deps, 'bench', 'xurrent');
  linkWorkspace(service.deps, { platform: 'slack', tenantId: 'T_BENCH', instance: 'bench', actor: 'bench' });
  const actor = {
    platform: 'slack' as const,
    tenantId: 'T_BENCH',
    userId: admin.id,
    displayName: admin.name,
    isWorkspaceAdmin: true,
  };
  const wizard = startInitiate(service.deps, actor);
  const stateId = wizard.reply.kind === 'open-form' ? wizard.reply.form.stateId! : '';
  const ourUrl = `${service.url}/slack/events`;

  // A slash command (`/bridge connect`: opens the wizard after the ack) and the wizard's first step submitted
  // ("I don't have a URL" -> the mode step, answered in the ack).
  const submission = JSON.stringify({
    type: 'view_submission',
    team: { id: 'T_BENCH' },
    user: { id: admin.id, name: admin.name, team_id: 'T_BENCH' },
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: 'initiate.destination',
      private_metadata: stateId,
      hash: 'h',
      team_id: 'T_BENCH',
      state: {
        values: {
          destinationUrl: { destinationUrl: { type: 'plain_text_input', value: null } },
          noUrl: { noUrl: { type: 'checkboxes', selected_options: [{ value: 'true' }] } },
        },
      },
    },
  });
  const measure = async (url: string) => {
    const { result, worker } = inThread<Record<Kind, number[]>>('load', {
      url,
      submission,
      responseUrl: fake.responseUrl,
    });
    const latencies = await result;
    await worker.terminate();
    return latencies;
  };
  // Warm both up, then measure each alone.
  await measureBriefly(bareUrl, submission, fake.responseUrl);
  await measureBriefly(ourUrl, submission, fake.responseUrl);
  const bareFigures = report('bare-bolt', await measure(bareUrl));
  await new Promise((r) => setTimeout(r, 500));
  const ourFigures = report('deskbridge', await measure(ourUrl));

  for (const kind of ['command', 'view_submission'] as const) {
    const ours = ourFigures[kind].p99;
    const base = bareFigures[kind].p99;
    console.log(
      JSON.stringify({
        bench: 'slack-ack',
        check: kind,
        p99_ratio: Number((ours / base).toFixed(2)),
        within_2x: ours <= 2 * base,
        under_100ms: ours < 100,
      }),
    );
  }

  await new Promise((r) => setTimeout(r, 300));
  await service.close();
  bareServer.closeAllConnections();
  bareServer.close();
  await fakeThread.worker.terminate();
  rmSync(dataDir, { recursive: true, force: true });
}

async function measureBriefly(url: string, submission: string, responseUrl: string): Promise<void> {
  const { result, worker } = inThread<unknown>('warm', { url, submission, responseUrl });
  await result;
  await worker.terminate();
}

const workerData = process.env['BENCH_ROLE']
  ? (JSON.parse(process.env['BENCH_ROLE']) as { role: string; url: string; submission: string; responseUrl: string })
  : null;
/** Sends to the parent and resolves once the message is written (a child that exits sooner loses it). */
const parentPort = { postMessage: (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve())) };
if (!workerData) {
  await main();
} else if (workerData.role === 'fake') {
  const fake = await new FakeSlack().start();
  fake.addUser(admin);
  await parentPort.postMessage({ apiUrl: fake.apiUrl, responseUrl: `${fake.url}/response/bench` });
} else {
  await parentPort.postMessage(await loadFor(workerData.role === 'warm' ? 1 : SECONDS_ARG));
  process.exit(0);
}

async function loadFor(seconds: number): Promise<Record<Kind, number[]>> {
  secondsOverride = seconds;
  return load(workerData!.url, workerData!.submission, workerData!.responseUrl);
}
