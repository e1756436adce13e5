import { startFreshdeskSimulator } from '../../adapters/helpdesk/freshdesk/simulator.ts';
import { startFreshserviceSimulator } from '../../adapters/helpdesk/freshservice/simulator.ts';
import { startXurrentSimulator } from '../../adapters/helpdesk/xurrent/simulator.ts';
import { platforms } from '../domain/instance.ts';
import { usageOf } from './usage.ts';

const usage = `${usageOf('simulator')}\n`;

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
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (value === undefined || !['--port', '--seed', '--rate-limit'].includes(flag ?? '')) {
      io.stderr.write(`Unknown or incomplete option ${flag ?? ''}.\n${usage}`);
      return 2;
    }
    i++;
    if (flag === '--seed') options.seed = value;
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
  let simulator: { url: string; apiKey: string; account?: string; close(): Promise<void> };
  try {
    simulator =
      platform === 'freshdesk'
        ? await startFreshdeskSimulator(options)
        : platform === 'freshservice'
          ? await startFreshserviceSimulator(options)
          : await startXurrentSimulator(options);
  } catch (error) {
    io.stderr.write(`The ${platform} simulator did not start: ${(error as Error).message}\n`);
    return 1;
  }
  const line: Record<string, string> = { url: simulator.url, apiKey: simulator.apiKey };
  if (simulator.account) line.account = simulator.account;
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
