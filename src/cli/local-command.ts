import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { LOCAL_CREDENTIALS } from '../local/settings.ts';
import { findRunningService } from '../running-service.ts';
import { usageOf } from './usage.ts';

const created = z.object({ id: z.number(), subject: z.string() });

/**
 * `deskbridge local ticket "summary" [--priority 1-4]`: creates a ticket in the running local-mode Freshdesk simulator
 * through its API, as an agent would; the simulator's webhook tells DeskBridge at once. The simulator is the one the
 * service on this data dir started (its URL is in the data dir), never whatever else listens on a default port.
 */
export async function runLocalCommand(
  args: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  env: Record<string, string | undefined>,
): Promise<number> {
  const [sub, summary, ...rest] = args;
  if (sub !== 'ticket' || !summary) {
    io.stderr.write(`${usageOf('local')}\n`);
    return 2;
  }
  let priority = 2;
  if (rest[0] === '--priority') {
    priority = Number(rest[1]);
    if (![1, 2, 3, 4].includes(priority)) {
      io.stderr.write('--priority must be 1, 2, 3 or 4.\n');
      return 2;
    }
  }
  const { dataDir } = loadConfig(env);
  const local = findRunningService(dataDir)?.local;
  if (!local) {
    io.stderr.write(
      `No DeskBridge in local mode is running on the data dir ${dataDir}. Start it with \`npm start\` (no chat ` +
        'credentials), or run this command with the DESKBRIDGE_DATA_DIR the service uses.\n',
    );
    return 1;
  }
  const url = `${local.freshdeskUrl}/api/v2/tickets`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${LOCAL_CREDENTIALS.freshdeskApiKey}:X`).toString('base64')}`,
      },
      body: JSON.stringify({
        subject: summary,
        description: `<p>${summary.replace(/[<&>]/g, '')}</p>`,
        email: 'you@acme.example',
        status: 2,
        priority,
      }),
    });
  } catch {
    io.stderr.write(
      `The local Freshdesk simulator is not reachable at ${url}: is \`npm start\` running in local mode?\n`,
    );
    return 1;
  }
  if (!response.ok) {
    io.stderr.write(`The local Freshdesk refused the ticket: HTTP ${response.status} ${await response.text()}\n`);
    return 1;
  }
  const ticket = created.parse(await response.json());
  io.stdout.write(`Created Freshdesk ticket #${ticket.id} "${ticket.subject}" in acme.\n`);
  return 0;
}
