import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { addTrigger } from '../../src/app/triggers.ts';
import type { Entity } from '../../src/domain/entity.ts';
import type { Helpdesk } from '../../src/domain/helpdesk.ts';
import { freePort, tempDir, TestClock } from './nodes.ts';
import { type CliResult, runDeskbridge } from './processes.ts';
import {
  agentOf,
  connect,
  registerOn,
  rows,
  startSimulator,
  startSyncNode,
  type Simulator,
  type SyncNode,
} from './sync-nodes.ts';

/**
 * The set-up of the backup and restore tests: node A (Acme's Freshdesk) and node B (Initech's Freshservice) in Basic
 * mode, A on a data dir inside `work` with a fixed address and key (B calls it there; its credentials are sealed with
 * the key, so both stay the same across the restore), both polling every `pollMs`. A's trigger is `aTrigger`, B's
 * selects every ticket.
 */
export class RestorePair {
  /** A before the loss; unset once `loseA` stopped it. */
  a: SyncNode | undefined;
  /** A started again on the restored data dir. */
  restored: SyncNode | undefined;
  b: SyncNode | undefined;
  fd: Simulator | undefined;
  fs: Simulator | undefined;
  readonly clock = TestClock.ticking();
  readonly work: string;
  readonly #key: string;
  readonly #aEnv: Record<string, string>;

  private constructor(work: string, key: string, aEnv: Record<string, string>) {
    this.work = work;
    this.#key = key;
    this.#aEnv = aEnv;
  }

  static async start(options: { key: string; pollMs: number; aTrigger: string; workPrefix: string }) {
    const port = await freePort();
    const pair = new RestorePair(tempDir(options.workPrefix), options.key, {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DESKBRIDGE_SECRET_KEY: options.key,
      SYNC_POLL_INTERVAL_MS: String(options.pollMs),
    });
    try {
      const { clock } = pair;
      const [fd, fs] = await Promise.all([startSimulator('freshdesk', clock), startSimulator('freshservice', clock)]);
      pair.fd = fd;
      pair.fs = fs;
      const a = await startSyncNode('a', { ...pair.#aEnv, DESKBRIDGE_DATA_DIR: pair.#aDir }, clock);
      pair.a = a;
      const b = await startSyncNode('b', { SYNC_POLL_INTERVAL_MS: String(options.pollMs) }, clock);
      pair.b = b;
      await registerOn(a, 'acme', fd);
      await registerOn(b, 'initech', fs);
      const [aProject] = await agentOf(fd).listProjects();
      const [bProject] = await agentOf(fs).listProjects();
      const ids = await connect(a, 'acme', b, 'initech', {
        mode: 'basic',
        aProject: aProject!.id,
        bProject: bProject!.id,
      });
      await addTrigger(a.deps, { connection: ids.a, query: options.aTrigger, actor: 'test:alice' });
      await addTrigger(b.deps, { connection: ids.b, query: '', actor: 'test:bob' });
      return { pair, a, b, fd, fs, fdAgent: agentOf(fd), fsAgent: agentOf(fs), ids };
    } catch (error) {
      await pair.close();
      throw error;
    }
  }

  get #aDir(): string {
    return join(this.work, 'a');
  }

  get backupPath(): string {
    return join(this.work, 'a.backup');
  }

  /** `deskbridge backup` (the real binary, another process) of A's data dir, A running. */
  backup(): Promise<CliResult> {
    return runDeskbridge(['backup', this.backupPath], {
      DESKBRIDGE_DATA_DIR: this.#aDir,
      DESKBRIDGE_SECRET_KEY: this.#key,
    });
  }

  /** A is lost: stopped, and its backup restored (`deskbridge restore`) onto a fresh data dir. */
  async loseA(): Promise<CliResult> {
    await this.a?.stop();
    this.a = undefined;
    return runDeskbridge(['restore', this.backupPath], {
      DESKBRIDGE_DATA_DIR: this.#restoredDir,
      DESKBRIDGE_SECRET_KEY: this.#key,
    });
  }

  /** A started again on the restored data dir, on the same address with the same key. */
  async startRestored(): Promise<SyncNode> {
    this.restored = await startSyncNode('a', { ...this.#aEnv, DESKBRIDGE_DATA_DIR: this.#restoredDir }, this.clock);
    return this.restored;
  }

  get #restoredDir(): string {
    return join(this.work, 'a-restored');
  }

  async close(): Promise<void> {
    await Promise.all([this.a?.stop(), this.restored?.stop(), this.b?.stop()]);
    await Promise.all([this.fd?.close(), this.fs?.close()]);
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** Each ticket on the helpdesk, read whole. */
async function allTickets(agent: Helpdesk): Promise<Entity[]> {
  const { changes } = await agent.listChanged(null);
  return Promise.all(changes.map((c) => agent.getEntity(c.id)));
}

/**
 * Each ticket's summary with its comments' texts, by summary: a comment reads as its `note X1` (the sync's own link
 * markers and the author decoration of a synced note aside).
 */
export async function ticketContents(agent: Helpdesk): Promise<{ summary: string; comments: string[] }[]> {
  const tickets = await allTickets(agent);
  return tickets
    .map((t) => ({
      summary: t.summary,
      comments: t.comments.map((c) => /note [A-Z]\d/.exec(c.body)?.[0] ?? c.body).sort(),
    }))
    .sort((x, y) => x.summary.localeCompare(y.summary));
}

/** The node's twin links not unlinked. */
export const liveLinks = (node: SyncNode) =>
  rows<{ local_entity_id: string; remote_entity_id: string }>(
    node,
    'select local_entity_id, remote_entity_id from twin_links where unlinked_at is null',
  );
