import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible chat-completions endpoint on loopback, answering with scripted replies in order (the last
 * one again when they run out). Its shapes follow OpenAI's API reference, "Create chat completion"
 * (platform.openai.com/docs/api-reference/chat/create): POST {base}/chat/completions with a JSON body
 * `{ model, messages: [{ role, content }], ... }` and `Authorization: Bearer <key>`; the answer is a `chat.completion`
 * object `{ id, object, created, model, choices: [{ index, message: { role: 'assistant', content, refusal },
 * finish_reason }], usage }`; an error is `{ error: { message, type, param, code } }` with its HTTP status.
 */

export type Reply =
  /** A chat.completion whose first choice says `content`. */
  | { content: string; refusal?: string }
  /** An error status, with headers (Retry-After) and OpenAI's error body. */
  | { status: number; headers?: Record<string, string>; message?: string }
  /** A 200 with this body as is (malformed JSON). */
  | { raw: string }
  /** No answer for this long (a timeout). */
  | { hangMs: number };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    messages: { role: string; content: string }[];
    [key: string]: unknown;
  };
  /** performance.now() when it arrived (for Retry-After gaps: elapsed time, no date). */
  at: number;
}

export interface FakeOpenAi {
  url: string;
  requests: ReceivedRequest[];
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

export function groovy(source: string, label = ''): string {
  return `Here is the script.\n\n\`\`\`groovy${label ? ` ${label}` : ''}\n${source}\n\`\`\`\n`;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let replies: Reply[] = [];
  let served = 0;
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as ReceivedRequest['body']) : ({} as ReceivedRequest['body']),
        at: performance.now(),
      });
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: 'Unknown path', type: 'invalid_request_error', param: null, code: null },
          }),
        );
        return;
      }
      const reply = replies[Math.min(served++, replies.length - 1)];
      if (!reply) throw new Error('no reply scripted');
      if ('hangMs' in reply) {
        const timer = setTimeout(() => {
          hanging.delete(timer);
          res.destroy();
        }, reply.hangMs);
        hanging.add(timer);
        return;
      }
      if ('raw' in reply) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply.raw);
        return;
      }
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(
          JSON.stringify({
            error: { message: reply.message ?? 'error', type: 'server_error', param: null, code: null },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${served}`,
          object: 'chat.completion',
          created: 1_767_600_000,
          model: requests.at(-1)!.body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: reply.content, refusal: reply.refusal ?? null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...next) {
      replies = next;
      served = 0;
      requests.length = 0;
    },
    async close() {
      for (const t of hanging) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
