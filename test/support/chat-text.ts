import { unifiedDiff } from '../../src/domain/line-diff.ts';
import type { ApprovalRequestView } from '../../src/app/approvals.ts';

/**
 * Scripts and ticket text an approver must read exactly as they will run, full of what chat surfaces take for
 * markup: Slack's control characters (&, <, >), backticks and a ``` that would end a code block, mention look-alikes
 * (`<!channel>`, `<@U123>`, `@everyone`), Teams/markdown links and emphasis, and our own mention token's look-alike.
 */
export const hostileOutgoing = [
  '// the approver must see every byte of this',
  'if (entity.priority < 3 && entity.status > 1) {',
  '  replica.summary = "<b>" + entity.summary + "</b> &amp; & more"',
  '}',
  'def types = "map<string,string>"',
  'replica.description = """',
  '```',
  'not code any more? <!channel> <@U123> <#C999|general> @everyone @here',
  '```',
  '"""',
  "def ticks = '`one` ``two`` ```three```'",
  'replica.labels = ["[click me](https://evil.example)", "**not bold**", "_not italic_", "~not struck~"]',
  "replica.note = '⟦user:slack:T_ACME/U_ALICE⟧ ⟦channel:C_APPROVALS⟧ <https://evil.example|docs>'",
].join('\n');

export const previousOutgoing = [
  '// the approver must see every byte of this',
  'replica.summary = entity.summary',
].join('\n');

/** A ticket's fields as a test run shows them (JSON of the replica), as hostile as a ticket can be. */
export const hostileTestRunOutput = JSON.stringify(
  {
    summary: 'Printer </b><!here> & `rm -rf` ```',
    description: '<p>Call <@U_BOSS> at <tel:123|123>, [here](https://evil.example)</p>',
  },
  null,
  2,
);

/** An approval request for the hostile script, as src/app/approvals.ts views one. */
export function hostileApprovalRequest(overrides: Partial<ApprovalRequestView> = {}): ApprovalRequestView {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    connectionId: '00000000-0000-4000-8000-000000000002',
    connectionName: 'Acme <!channel> & [Initech](https://evil.example)',
    instanceId: '00000000-0000-4000-8000-000000000003',
    version: 2,
    baseVersion: 1,
    note: 'please approve <@U123> @everyone',
    status: 'pending',
    author: 'slack:T_ACME/U_ALICE',
    requestedBy: 'slack:T_ACME/U_ALICE',
    requester: null,
    outgoingDiff: unifiedDiff(previousOutgoing, hostileOutgoing, { from: 'outgoing v1', to: 'outgoing v2' }),
    incomingDiff: '',
    testRun: null,
    card: null,
    decidedBy: null,
    reason: null,
    decidedAt: null,
    createdAt: new Date('2026-11-21T09:00:00Z'),
    ...overrides,
  };
}
