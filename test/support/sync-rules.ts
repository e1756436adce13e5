import { publishRuleVersion, saveRuleDraft } from '../../src/app/rule-versions.ts';
import type { SyncNode } from './sync-nodes.ts';

/**
 * The connection's scripts saved as its draft (by `author`) and published (by test:admin), as a rule author and an
 * approving admin would.
 */
export function publishScripts(
  node: SyncNode,
  connection: string,
  scripts: { outgoing: string; incoming: string },
  author = 'test:author',
): void {
  saveRuleDraft(node.deps, { connection, ...scripts, actor: author });
  publishRuleVersion(node.deps, { connection, actor: 'test:admin' });
}

/** An incoming script on Xurrent for another helpdesk's tickets: a new request needs a category, an incident an impact. */
export const xurrentIncidentIncoming = `if (firstSync) {
    entity.category = "incident"
    entity.priority = nodeHelper.getPriority("medium")
}
entity.summary     = replica.summary
entity.description = replica.description
entity.comments    = commentHelper.mergeComments(entity, replica)
`;
