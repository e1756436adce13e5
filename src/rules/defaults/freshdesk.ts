/**
 * Freshdesk defaults: summary, description, labels (tags), comments (notes, and public replies with their author),
 * attachments and custom fields (on every update, not only the first sync), both ways.
 */
export const outgoing = `// Outgoing sync (Freshdesk -> remote): what this side sends.
replica.key         = entity.key
replica.summary     = entity.summary
replica.description = entity.description
replica.type        = entity.type
replica.status      = entity.status
replica.priority    = entity.priority
replica.labels      = entity.labels
replica.reporter    = entity.reporter
replica.comments    = entity.comments
replica.customFields = entity.customFields
replica.attachments = entity.attachments
`;

export const incoming = `// Incoming sync (remote -> Freshdesk): what this side applies.
// New tickets go to the connection's incoming group; set entity.group_id here to choose another.
entity.summary     = replica.summary
entity.description = replica.description
entity.labels      = replica.labels
entity.comments    = commentHelper.mergeComments(entity, replica)
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
