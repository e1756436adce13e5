import { expect } from 'vitest';
import type { FakeUser } from '../../support/fake-slack.ts';
import { viewText, type SlackNode } from '../../support/slack-nodes.ts';

/** Drives the initiate wizard to the end and posts the invitation to `channel`; returns the code and the message. */
export async function initiateOverSlack(
  node: SlackNode,
  admin: FakeUser,
  input: {
    destinationUrl: string | null;
    mode?: 'basic' | 'script';
    name: string;
    projectId?: string;
    channel: string;
  },
): Promise<{ code: string; channel: string; ts: string }> {
  const opened = node.slackApi.calls.length;
  await node.command(admin, 'connect');
  const modal = await node.openedModal(opened);
  await node.submit(admin, modal, input.destinationUrl ? { destinationUrl: input.destinationUrl } : { noUrl: 'true' });
  await node.submit(admin, modal, { mode: input.mode ?? 'basic' });
  await node.submit(admin, modal, {
    localShortName: 'Acme',
    remoteShortName: 'Partner',
    name: input.name,
    description: 'Shared escalations',
  });
  if (modal.view.callback_id === 'initiate.project')
    await node.submit(admin, modal, { incomingProjectId: input.projectId ?? '1001' });
  expect(modal.view.callback_id).toBe('initiate.code');
  const code = /```(DB1\.[^`]+)```/.exec(viewText(modal.view))![1]!;
  const before = node.slackApi.calls.length;
  await node.submit(admin, modal, { channel: input.channel });
  const posted = await node.slackApi.waitFor(
    'chat.postMessage',
    (c) => node.slackApi.calls.indexOf(c) >= before && c.args['channel'] === input.channel,
  );
  // The invitation is recorded after the post (its ts is its address); wait for that too.
  await node.slackApi.waitFor('conversations.info', (c) => node.slackApi.calls.indexOf(c) >= before);
  await new Promise((r) => setTimeout(r, 20));
  return { code, channel: input.channel, ts: String(posted.result!['ts']) };
}
