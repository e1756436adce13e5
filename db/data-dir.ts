import { mkdirSync } from 'node:fs';

/**
 * Creates a data dir (and any missing parents) readable by this user only (0700): it holds the database, the key file
 * and the running-service record. An existing dir keeps its mode: it is the operator's.
 */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
