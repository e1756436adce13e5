/** Freshdesk defaults: summary, description, labels (tags), comments (notes) and attachments, both ways. */
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
replica.attachments = entity.attachments
`;

export const incoming = `// Incoming sync (remote -> Freshdesk): what this side applies.
// New tickets go to the connection's incoming group; set entity.group_id here to choose another.
entity.summary     = replica.summary
entity.description = replica.description
entity.labels      = replica.labels
entity.comments    = commentHelper.mergeComments(entity, replica)
entity.attachments = attachmentHelper.mergeAttachments(entity, replica)
`;
