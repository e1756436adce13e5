import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDataDir } from '../db/data-dir.ts';
import { z } from 'zod';

/**
 * What a running service tells the CLI through its data dir: where partners reach it and, in local mode, where its
 * simulated helpdesks listen. A CLI in another terminal then talks about the same node the service is, whatever
 * ports it was started on. Written at start, removed at a clean stop; a file whose process is gone is ignored.
 */
const FILE_NAME = 'service.json';
const MAX_BYTES = 64 * 1024;

const runningServiceSchema = z.object({
  pid: z.number().int().positive(),
  publicUrl: z.url(),
  local: z
    .object({
      freshdeskUrl: z.url(),
      xurrentUrl: z.url(),
      playgroundUrl: z.url().nullable(),
    })
    .nullable(),
});

export type RunningServiceInfo = z.infer<typeof runningServiceSchema>;

function pathIn(dataDir: string): string {
  return join(dataDir, FILE_NAME);
}

/** Writes (or replaces) the file atomically, readable by this user only. */
export function recordRunningService(dataDir: string, info: RunningServiceInfo): void {
  ensureDataDir(dataDir);
  const path = pathIn(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Removes the file, if it is still this process's. */
export function clearRunningService(dataDir: string, pid: number = process.pid): void {
  if (readRecord(dataDir)?.pid === pid) rmSync(pathIn(dataDir), { force: true });
}

/** The service running on this data dir, or null (none started, stopped, or its process is gone). */
export function findRunningService(dataDir: string): RunningServiceInfo | null {
  const record = readRecord(dataDir);
  return record && processIsAlive(record.pid) ? record : null;
}

function readRecord(dataDir: string): RunningServiceInfo | null {
  let text: string;
  try {
    text = readFileSync(pathIn(dataDir), 'utf8');
  } catch {
    return null;
  }
  if (text.length > MAX_BYTES) return null;
  try {
    const parsed = runningServiceSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
