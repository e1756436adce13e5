/**
 * Freshservice defaults: as Freshdesk plus the assignee; incoming comments are added as public notes, and custom
 * fields (dates, dropdowns, checkboxes) follow every update.
 */
export const outgoing = `// Outgoing sync (Freshservice -> remote): what this side sends.
replica.key         = entity.key
replica.summary     = entity.summary
replica.description = entity.description
replica.type        = entity.type
replica.status      = entity.status
replica.priority    = entity.priority
replica.labels      = entity.labels
replica.reporter    = entity.reporter
replica.assignee    = entity.assignee
replica.comments    = entity.comments
replica.customFields = entity.customFields
replica.attachments = entity.attachments
`;

export const incoming = `// Incoming sync (remote -> Freshservice): what this side applies.
// New tickets go to the connection's incoming workspace; set entity.workspace_id or entity.group_id to choose.
entity.summary     = replica.summary
entity.description = replica.description
entity.labels      = replica.labels
entity.comments    = commentHelper.mergeComments(entity, replica, { comment ->
    comment.body = (comment.author?.displayName ?: "Someone") + " commented: " + comment.body
    comment.internal = false
})
entity.attachments = attachmentHelper.mergeAttachments(entity, replica)
// Custom fields travel under their API names; here each lands on the field of the same name (a Freshdesk cf_x
// and a Freshservice x count as the same). Map differently named ones in Script mode:
// entity.customFields.cf_region = replica.customFields.location
replica.customFields?.each { name, value ->
    def plain = name.startsWith("cf_") ? name.substring(3) : name
    def target = [name, "cf_" + plain, plain].find { entity.customFields.containsKey(it) }
    if (target != null) entity.customFields[target] = value
}
`;
