import { describe, expect, it } from 'vitest';
import { actionListeners } from '../../../adapters/slack/listeners/actions/index.ts';
import { viewListeners } from '../../../adapters/slack/listeners/views/index.ts';
import { actionFlows, APPROVAL_REFRESH } from '../../../adapters/teams/flows/actions.ts';
import { formFlows } from '../../../adapters/teams/flows/forms.ts';

/** Teams users get everything Slack users get: every button and form Slack handles has a Teams route too. */
describe('Teams and Slack parity', () => {
  it('every Slack button (action_id) runs a flow in Teams', () => {
    const missing = Object.keys(actionListeners).filter((id) => !actionFlows.has(id));
    expect(missing).toEqual([]);
    expect(actionFlows.has(APPROVAL_REFRESH)).toBe(false);
  });

  it('every Slack modal (callback_id) is a form Teams takes submissions of', () => {
    const missing = viewListeners.map(([id]) => id).filter((id) => !formFlows.has(id));
    expect(missing).toEqual([]);
  });
});
