import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { UNBOUND_CODE_WARNING } from '../../src/domain/invitation.ts';
import { previousInitiateStep, startInitiate, submitInitiateStep } from '../../src/flows/initiate-wizard.ts';
import { channelMention } from '../../src/ui/mentions.ts';
import { isField, type Form } from '../../src/ui/model.ts';
import type { FlowResult } from '../../src/ui/replies.ts';
import type { TestClock } from '../support/nodes.ts';
import { registerTestInstance } from '../support/story.ts';
import { actor, flowDeps } from './support.ts';

function form(result: FlowResult): Form {
  if (result.reply.kind !== 'open-form' && result.reply.kind !== 'show-form')
    throw new Error(`expected a form, got ${JSON.stringify(result.reply)}`);
  return result.reply.form;
}

function valuesOf(f: Form): Record<string, string | undefined> {
  return Object.fromEntries(
    f.items.filter(isField).map((field) => [field.id, 'value' in field ? field.value : undefined]),
  );
}

describe('the initiate wizard flow (chat-neutral)', () => {
  let deps: AppDeps;
  let clock: TestClock;
  let close: () => void;
  beforeEach(async () => {
    ({ deps, clock, close } = flowDeps());
    await registerTestInstance(deps, 'globex', 'xurrent');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'globex', actor: 'test' });
  });
  afterEach(() => close());

  it('keeps every step as typed across Previous and Next, and initiates on the last step', async () => {
    const alice = actor();
    const first = form(startInitiate(deps, alice));
    const stateId = first.stateId!;
    const step = (s: string, values: Record<string, string | undefined>) =>
      submitInitiateStep(deps, alice, { step: s, stateId, values });

    const mode = form(await step('initiate.destination', { noUrl: 'true' }));
    expect(mode.id).toBe('initiate.mode');
    const info = form(await step('initiate.mode', { mode: 'script' }));
    const typed = {
      localShortName: 'Globex',
      remoteShortName: 'Partner',
      name: 'Globex private',
      description: 'notes',
    };
    const back = form(await previousInitiateStep(deps, alice, { step: 'initiate.info', stateId, values: typed }));
    expect(back.id).toBe('initiate.mode');
    expect(valuesOf(back)['mode']).toBe('script');
    const destination = form(
      await previousInitiateStep(deps, alice, { step: 'initiate.mode', stateId, values: { mode: 'script' } }),
    );
    expect(destination.items.find((i) => isField(i) && i.id === 'noUrl')).toMatchObject({ checked: true });
    form(await step('initiate.destination', { noUrl: 'true' }));
    const again = form(await step('initiate.mode', { mode: 'script' }));
    expect(again.id).toBe(info.id);
    expect(valuesOf(again)).toEqual(typed);
    const code = form(await step('initiate.info', typed));
    expect(code.id).toBe('initiate.code');
    expect(code.items.find((i) => i.kind === 'code')).toMatchObject({ text: expect.stringMatching(/^DB1\./) });

    const done = await step('initiate.code', { channel: 'C_SHARED' });
    // The finished step keeps the code (copyable), the connection's name and id, and says where the invitation went.
    expect(done.reply.kind).toBe('private-message');
    const finished = done.reply.kind === 'private-message' ? done.reply.message : null;
    const codeText = code.items.find((i) => i.kind === 'code')!;
    expect(finished?.items).toContainEqual(codeText);
    expect(JSON.stringify(finished)).toContain(`Done. The invitation is posted in ${channelMention('C_SHARED')}.`);
    expect(finished?.items).toContainEqual({
      kind: 'facts',
      facts: expect.arrayContaining([
        { label: 'Connection', value: 'Globex private' },
        { label: 'Id', value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      ]),
    });
    expect(done.effects[0]).toMatchObject({ kind: 'post-invitation', channelId: 'C_SHARED' });
  });

  it('a code without a destination says, wherever it is shown, that anyone holding it can accept it once', async () => {
    const alice = actor();
    const stateId = form(startInitiate(deps, alice)).stateId!;
    const step = (s: string, values: Record<string, string | undefined>) =>
      submitInitiateStep(deps, alice, { step: s, stateId, values });
    await step('initiate.destination', { noUrl: 'true' });
    await step('initiate.mode', { mode: 'basic' });
    const code = form(
      await step('initiate.info', { localShortName: 'Globex', remoteShortName: 'Anyone', name: 'Open' }),
    );
    const warning = { kind: 'markdown', text: `*${UNBOUND_CODE_WARNING}*` };
    const items = code.items as unknown[];
    // Right under the code, on the step that shows it.
    expect(items[items.findIndex((i) => (i as { kind: string }).kind === 'code') + 1]).toEqual(warning);

    const done = await step('initiate.code', { channel: 'C_SHARED' });
    const finished = done.reply.kind === 'private-message' ? done.reply.message : null;
    expect(finished?.items).toContainEqual(warning);
    const posted = done.effects.find((e) => e.kind === 'post-invitation');
    expect(posted?.kind === 'post-invitation' ? posted.message.items : []).toContainEqual(warning);
  });

  it("another user's submission of the wizard is refused", async () => {
    const stateId = form(startInitiate(deps, actor())).stateId!;
    await expect(
      submitInitiateStep(deps, actor({ userId: 'U_OTHER' }), {
        step: 'initiate.destination',
        stateId,
        values: { noUrl: 'true' },
      }),
    ).rejects.toThrow(/expired or belongs to someone else/);
  });

  it('a wizard left open a day is gone: its submission is refused, and the next wizard started clears it away', async () => {
    const stale = form(startInitiate(deps, actor())).stateId!;
    clock.advance(24 * 3_600_000 + 1);
    await expect(
      submitInitiateStep(deps, actor(), { step: 'initiate.destination', stateId: stale, values: { noUrl: 'true' } }),
    ).rejects.toThrow(/expired or belongs to someone else/);
    const fresh = form(startInitiate(deps, actor())).stateId!;
    expect(deps.db.$client.prepare('select id from chat_wizards').all()).toEqual([{ id: fresh }]);
    expect(
      form(
        await submitInitiateStep(deps, actor(), {
          step: 'initiate.destination',
          stateId: fresh,
          values: { noUrl: 'true' },
        }),
      ).id,
    ).toBe('initiate.mode');
  });
});
