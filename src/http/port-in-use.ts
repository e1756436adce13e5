import { createServer } from 'node:net';

/** What to tell the operator when a port is taken: which port, for what, and the variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    what: string,
    variable: string,
  ) {
    super(
      `Port ${port} on ${host} is already in use, so ${what} cannot listen on it. ` +
        `Stop the program that uses it, or set ${variable} to a free port.`,
    );
    this.name = 'PortInUseError';
  }
}

export function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/** Throws PortInUseError when something already listens on host:port (for servers started by another program). */
export async function assertPortFree(port: number, host: string, what: string, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) =>
      reject(isAddressInUse(error) ? new PortInUseError(port, host, what, variable) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Runs `listen`; an EADDRINUSE becomes a PortInUseError naming `what` and `variable`. */
export async function listeningOn<T>(
  port: number,
  host: string,
  what: string,
  variable: string,
  listen: () => Promise<T>,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError(port, host, what, variable);
    throw error;
  }
}
