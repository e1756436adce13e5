import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../adapters/helpdesk/freshservice/simulator.ts';
import { startXurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';
import { WEBHOOK_SECRET_HEADER } from '../../adapters/helpdesk/webhooks.ts';
import { platforms } from '../domain/instance.ts';
import { usageOf } from './usage.ts';

const usage = `${usageOf('simulator')}\n`;

/** The request events DeskBridge acts on. */
const XURRENT_WEBHOOK_EVENTS = ['request.create', 'request.update', 'request.note-added'];

/** `--webhook` must be an http(s) URL without a secret of its own; `--webhook-secret` needs `--webhook`. */
function checkWebhookFlags(webhook: { url?: string; secret?: string }): string | null {
  if (webhook.secret !== undefined && webhook.url === undefined) return '--webhook-secret needs --webhook URL.';
  if (webhook.secret !== undefined && webhook.secret.trim() === '') return '--webhook-secret must not be empty.';
  if (webhook.url === undefined) return null;
  let url: URL;
  try {
    url = new URL(webhook.url);
  } catch {
    return `--webhook needs an http(s) URL, not "${webhook.url}".`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--webhook needs an http(s) URL, not "${webhook.url}".`;
  if (url.searchParams.has('secret')) return 'Give the secret with --webhook-secret, not in the --webhook URL.';
  return null;
}

interface SimulatorIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the simulator (tests); otherwise SIGINT or SIGTERM does. */
  stop?: AbortSignal;
}

/**
 * `deskbridge simulator <platform>`: runs a helpdesk simulator until SIGINT/SIGTERM and prints one JSON line with
 * its URL and credentials once it listens.
 */
export async function runSimulatorCommand(args: string[], io: SimulatorIo): Promise<number> {
  const [platform, ...rest] = args;
  if (!platform || !(platforms as readonly string[]).includes(platform)) {
    io.stderr.write(usage);
    return 2;
  }
  const options: { port?: number; seed?: string; rateLimitPerMinute?: number } = {};
  const webhook: { url?: string; secret?: string } = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (
      value === undefined ||
      !['--port', '--seed', '--rate-limit', '--webhook', '--webhook-secret'].includes(flag ?? '')
    ) {
      io.stderr.write(`Unknown or incomplete option ${flag ?? ''}.\n${usage}`);
      return 2;
    }
    i++;
    if (flag === '--seed') options.seed = value;
    else if (flag === '--webhook') webhook.url = value;
    else if (flag === '--webhook-secret') webhook.secret = value;
    else {
      const number = Number(value);
      if (
        !Number.isInteger(number) ||
        number < (flag === '--port' ? 0 : 1) ||
        number > (flag === '--port' ? 65535 : 1_000_000)
      ) {
        io.stderr.write(
          `${flag} needs a whole number${flag === '--port' ? ' between 0 and 65535' : ' of at least 1'}, not "${value}".\n`,
        );
        return 2;
      }
      if (flag === '--port') options.port = number;
      else options.rateLimitPerMinute = number;
    }
  }
  const webhookProblem = checkWebhookFlags(webhook);
  if (webhookProblem) {
    io.stderr.write(`${webhookProblem}\n${usage}`);
    return 2;
  }
  let simulator: { url: string; apiKey: string; account?: string; close(): Promise<void> };
  let webhooks: Array<{ event: string; verified: boolean }> | null = null;
  try {
    if (platform === 'xurrent') {
      const xurrent = await startXurrentSimulator(options);
      simulator = xurrent;
      if (webhook.url) {
        // Xurrent webhooks, one per request event, verified through the webhook.verify handshake (the receiver
        // must be up for them to deliver); the secret rides in the URI as DeskBridge's `instances webhook` says.
        const uri = new URL(webhook.url);
        if (webhook.secret) uri.searchParams.set('secret', webhook.secret);
        webhooks = [];
        for (const event of XURRENT_WEBHOOK_EVENTS) {
          const registered = await xurrent.webhooks.register({
            event,
            uri: uri.toString(),
            name: `DeskBridge ${event}`,
          });
          webhooks.push({ event, verified: registered.verified });
        }
      }
    } else {
      const freshworks =
        platform === 'freshdesk' ? await startFreshdeskSimulator(options) : await startFreshserviceSimulator(options);
      simulator = freshworks;
      // An automation rule's "Trigger webhook" action with the instance secret in its header.
      if (webhook.url)
        freshworks.webhooks.add({
          url: webhook.url,
          ...(webhook.secret ? { headers: { [WEBHOOK_SECRET_HEADER]: webhook.secret } } : {}),
        });
    }
  } catch (error) {
    io.stderr.write(`The ${platform} simulator did not start: ${(error as Error).message}\n`);
    return 1;
  }
  const line: Record<string, unknown> = { url: simulator.url, apiKey: simulator.apiKey };
  if (simulator.account) line.account = simulator.account;
  // The secret is not echoed: the line is often pasted into tickets and logs.
  if (webhook.url) line.webhook = webhooks ? { url: webhook.url, webhooks } : { url: webhook.url };
  io.stdout.write(`${JSON.stringify(line)}\n`);
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (io.stop?.aborted) done();
    else io.stop?.addEventListener('abort', done, { once: true });
  });
  await simulator.close();
  return 0;
}
