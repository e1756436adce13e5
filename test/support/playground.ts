import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './nodes.ts';

/**
 * Drives the real Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground 0.2.28) from a test, through
 * the HTTP and websocket API its own web UI uses. Found by reading its bundle (dist/index.js):
 *
 *   GET  /_internal/v1/testConfig                         the mock tenant: tenantId, currentUser (id `user-id-0`,
 *                                                          aadObjectId), users, personalChat.id, groupChats, teams
 *   POST /_conversation/v1/conversations/:id/messages     the user sends a message: { from: { id }, text,
 *                                                          textFormat: 'plain' }; answered 200 at once, then the
 *                                                          Playground posts the activity to the bot (-e endpoint)
 *   POST /_conversation/v1/invoke                         a card action: { name: 'adaptiveCard/action', value:
 *                                                          { action: { type: 'Action.Execute', verb, data } },
 *                                                          from: { id }, conversation: { id }, replyToId: <message> };
 *                                                          answered with the bot's invoke response body ({ type,
 *                                                          value }: statusCode is not passed on), and the stored
 *                                                          message's card replaced by `value`
 *   POST /_debug/conversation/:id/installation            "install the app" into a chat or channel: the Playground
 *                                                          sends the bot installationUpdate (add) from the current
 *                                                          user, then conversationUpdate (membersAdded)
 *   WS   /_ws_conversation/v1/conversations/stream         what the UI shows: { action: 'createMessage' |
 *                                                          'updateMessage' | 'typing', actionConversationId, message:
 *                                                          { messageId, from, attachments, text? } }
 *                                                          for every message the bot posts through the mock
 *                                                          connector (/_connector/v3/conversations/...)
 *
 * It is started with --disable-telemetry and TEAMSAPPTESTER_BROWSER=none (otherwise it spawns xdg-open and exits when
 * there is none), in a temp working directory (it writes devTools/ logs there), on a free loopback port. Dialogs
 * (task/fetch) are not supported by the Playground, so it runs the wizards in place (Action.Execute).
 */
export interface PlaygroundConfig {
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: { id: string; name: string; aadObjectId: string };
  personalChat: { id: string };
  teams: { id: string; name: string; channels: { id: string; name: string }[] }[];
}

export interface PlaygroundEvent {
  action: string;
  actionConversationId?: string;
  message?: { messageId?: string; attachments?: { contentType?: string; content?: unknown }[]; text?: string } & Record<
    string,
    unknown
  >;
}

export class Playground {
  readonly events: PlaygroundEvent[] = [];
  readonly output: string[] = [];
  #child: ChildProcess | null = null;
  #socket: Socket | null = null;
  #dir = '';
  #waiters: { predicate: (e: PlaygroundEvent) => boolean; resolve: (e: PlaygroundEvent) => void }[] = [];
  url = '';

  async start(botEndpoint: string): Promise<this> {
    const port = await freePort();
    this.#dir = mkdtempSync(join(tmpdir(), 'deskbridge-playground-'));
    const require = createRequire(import.meta.url);
    const cli = join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
    this.#child = spawn(
      process.execPath,
      [cli, '-e', botEndpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(port)],
      {
        cwd: this.#dir,
        env: {
          ...process.env,
          TEAMSAPPTESTER_BROWSER: 'none',
          M365_AGENTS_PLAYGROUND_LOGFILE: join(this.#dir, 'playground.log'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.url = `http://127.0.0.1:${port}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the Playground did not start: ${this.output.join('')}`)),
        20_000,
      );
      const onData = (chunk: Buffer) => {
        this.output.push(String(chunk));
        if (this.output.join('').includes(`Listening on ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.#child!.stdout!.on('data', onData);
      this.#child!.stderr!.on('data', (chunk: Buffer) => this.output.push(String(chunk)));
      this.#child!.once('exit', (code) =>
        reject(new Error(`the Playground exited (${code}): ${this.output.join('')}`)),
      );
    });
    await this.#openStream(port);
    return this;
  }

  /** Drives a Playground someone else started (local mode's), at its URL; stop() then only closes the stream. */
  async attach(url: string): Promise<this> {
    this.url = url.replace(/\/+$/, '');
    await this.#openStream(Number(new URL(this.url).port));
    return this;
  }

  async stop(): Promise<void> {
    this.#socket?.destroy();
    const child = this.#child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }

  async config(): Promise<PlaygroundConfig> {
    const res = await fetch(`${this.url}/_internal/v1/testConfig`);
    return ((await res.json()) as { config: PlaygroundConfig }).config;
  }

  async install(conversationId: string): Promise<number> {
    const res = await fetch(`${this.url}/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await res.text();
    return res.status;
  }

  /**
   * In a channel the Playground passes a message to the bot only when it mentions the bot: `mention` is the bot
   * (written before the text), then anyone the text mentions as `<at>Name</at>`.
   */
  async send(
    conversationId: string,
    from: string,
    text: string,
    mention?: { id: string; name: string },
    others: { id: string; name: string }[] = [],
  ): Promise<number> {
    const mentions = mention
      ? [mention, ...others].map((m) => ({ mentioned: { id: m.id, name: m.name }, text: `<at>${m.name}</at>` }))
      : undefined;
    const res = await fetch(
      `${this.url}/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          from: { id: from },
          text: mention ? `<at>${mention.name}</at> ${text}` : text,
          textFormat: 'plain',
          ...(mentions ? { mentions } : {}),
        }),
      },
    );
    await res.text();
    return res.status;
  }

  async execute(input: {
    conversationId: string;
    from: string;
    replyToId: string;
    verb: string;
    data: unknown;
  }): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/_conversation/v1/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: input.verb, data: input.data }, trigger: 'manual' },
        from: { id: input.from },
        conversation: { id: input.conversationId },
        replyToId: input.replyToId,
      }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  waitFor(predicate: (e: PlaygroundEvent) => boolean, timeoutMs = 15_000): Promise<PlaygroundEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no Playground event matched; events: ${JSON.stringify(this.events).slice(0, 1500)}; output: ${this.output.join('').slice(-1500)}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  #event(event: PlaygroundEvent): void {
    this.events.push(event);
    for (const w of [...this.#waiters]) {
      if (w.predicate(event)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  }

  /** A minimal websocket client (RFC 6455, read side only): Node 20 has none built in and we add no dependency. */
  #openStream(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/_ws_conversation/v1/conversations/stream',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          'Sec-WebSocket-Version': '13',
        },
      });
      req.once('error', reject);
      req.once('response', (res) => reject(new Error(`no websocket upgrade: ${res.statusCode}`)));
      req.once('upgrade', (_res, socket, head) => {
        this.#socket = socket;
        let buffer = Buffer.from(head);
        let message: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          for (;;) {
            if (buffer.length < 2) return;
            const fin = (buffer[0]! & 0x80) !== 0;
            const opcode = buffer[0]! & 0x0f;
            let length = buffer[1]! & 0x7f;
            let offset = 2;
            if (length === 126) {
              if (buffer.length < 4) return;
              length = buffer.readUInt16BE(2);
              offset = 4;
            } else if (length === 127) {
              if (buffer.length < 10) return;
              length = Number(buffer.readBigUInt64BE(2));
              offset = 10;
            }
            if (buffer.length < offset + length) return;
            const payload = buffer.subarray(offset, offset + length);
            buffer = buffer.subarray(offset + length);
            if (opcode === 1 || opcode === 0) {
              message.push(payload);
              if (fin) {
                const text = Buffer.concat(message).toString('utf8');
                message = [];
                try {
                  this.#event(JSON.parse(text) as PlaygroundEvent);
                } catch {
                  this.#event({ action: 'unparsed', message: { text } as never });
                }
              }
            }
          }
        });
        resolve();
      });
      req.end();
    });
  }
}
