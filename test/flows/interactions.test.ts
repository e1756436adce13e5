import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkWorkspace } from '../../src/app/chat-workspaces.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { initiateConnection } from '../../src/app/initiate-connection.ts';
import { listConnections } from '../../src/app/connection-lifecycle.ts';
import { connectionActions } from '../../src/flows/connections.ts';
import { PREVIOUS_ACTION } from '../../src/flows/initiate-wizard.ts';
import { buttonFlows, formFlows, runButton, runForm, type Click } from '../../src/flows/interactions.ts';
import { rulesActions } from '../../src/flows/rules-editor.ts';
import { renderedButtonIds, renderedFormIds } from '../support/rendered-ids.ts';
import { registerTestInstance } from '../support/story.ts';
import { actor, flowDeps, refusal } from './support.ts';

const alice = actor();
const onMessage = (value: string): Click => ({ value, form: null, at: { channelId: 'C1', messageRef: '1.1' } });

/** The one table of buttons and forms, which Slack (action_id, callback_id) and Teams (card data) both route by. */
describe('buttons and forms -> flows', () => {
  let deps: AppDeps;
  let close: () => void;
  let connectionId: string;
  beforeEach(async () => {
    ({ deps, close } = flowDeps());
    await registerTestInstance(deps, 'acme', 'freshdesk');
    linkWorkspace(deps, { platform: 'slack', tenantId: 'T_ACME', instance: 'acme', actor: 'test' });
    const { connection } = await initiateConnection(deps, {
      instance: 'acme',
      destinationUrl: null,
      mode: 'basic',
      localShortName: 'Acme',
      remoteShortName: 'Partner',
      name: 'Acme to Partner',
      incomingProjectId: '1001',
      actor: 'test:alice',
    });
    connectionId = connection.id;
  });
  afterEach(() => close());

  const state = () => listConnections(deps).map((c) => [c.id, c.status]);

  it('every button and form step the flows render has a flow', () => {
    expect([...buttonFlows.keys()].sort()).toEqual([...renderedButtonIds].sort());
    expect([...formFlows.keys()].sort()).toEqual([...renderedFormIds].sort());
  });

  it("a click runs its button's flow with the button's value", async () => {
    const status = await runButton(deps, alice, connectionActions.status, onMessage(connectionId));
    expect(status.reply).toMatchObject({
      kind: 'private-message',
      message: { text: expect.stringContaining('Acme to Partner') },
    });
    // The flow's own refusal comes through as it is, and changes nothing.
    expect(
      refusal(() => runButton(deps, alice, connectionActions.deactivate, onMessage(connectionId))).message,
    ).toMatch(/is pending and cannot become deactivated/);
    expect(state()).toEqual([[connectionId, 'pending']]);
  });

  it('Cancel on the delete question says nothing was deleted, and nothing is', async () => {
    const result = await runButton(deps, alice, connectionActions.cancelDelete, onMessage(connectionId));
    expect(result).toEqual({
      reply: {
        kind: 'private-message',
        message: {
          kind: 'message',
          text: 'Nothing was deleted.',
          items: [{ kind: 'markdown', text: 'Nothing was deleted.' }],
        },
      },
      effects: [],
    });
    expect(state()).toEqual([[connectionId, 'pending']]);
    // Delete, confirmed, does delete: the two buttons of one question, both answered in place of it.
    await runButton(deps, alice, connectionActions.confirmDelete, onMessage(connectionId));
    expect(state()).toEqual([]);
    expect(buttonFlows.get(connectionActions.cancelDelete)?.redraws).toBe(true);
    expect(buttonFlows.get(connectionActions.confirmDelete)?.redraws).toBe(true);
  });

  it('a button or form DeskBridge does not know, or a form button sent without its form: a clear refusal, nothing changed', () => {
    const before = state();
    expect(refusal(() => runButton(deps, alice, 'connection.delete.everything', onMessage(connectionId))).message).toBe(
      'This button is not one DeskBridge knows any more; start again.',
    );
    expect(refusal(() => runForm(deps, alice, { step: 'setup.v0', stateId: '', values: {} })).message).toBe(
      'This form is not one DeskBridge knows any more; start again.',
    );
    // The rules editor's buttons read the form they are on; a click that claims none is refused before any work.
    expect(refusal(() => runButton(deps, alice, rulesActions.testRun, onMessage(connectionId))).message).toBe(
      'This button belongs to a form; start again.',
    );
    expect(refusal(() => runButton(deps, alice, PREVIOUS_ACTION, onMessage('x'))).message).toBe(
      'This button belongs to a form; start again.',
    );
    expect(state()).toEqual(before);
  });
});
