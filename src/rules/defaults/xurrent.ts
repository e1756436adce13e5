/** Xurrent defaults (after Exalate's "How to Sync Requests in Xurrent"): requests need a category, incidents an impact. */
export const outgoing = `// Outgoing sync (Xurrent -> remote): what this side sends.
replica.key         = entity.key
replica.summary     = entity.summary
replica.description = entity.description
replica.assignee    = entity.assignee
replica.reporter    = entity.reporter
replica.status      = entity.status
replica.priority    = entity.priority
replica.labels      = entity.labels
replica.comments    = entity.comments
replica.attachments = entity.attachments
replica.category    = entity.category
`;

export const incoming = `// Incoming sync (remote -> Xurrent): what this side applies.
if (firstSync) {
    // Xurrent requires a category. Set entity.serviceId = <id> (or entity.serviceInstanceId) here to pick the
    // service of new requests; without it the request goes to the account's default service.
    entity.category = "incident"
}
// Xurrent has no priority: an incident's impact (low, medium, high, top) selects its service level targets, and
// Xurrent refuses an incident without one. Each remote priority keeps its rank; Urgent, the highest Freshdesk and
// Freshservice have, becomes top. A replica without a priority gets low, Freshdesk's own default.
def impacts = ["low": "low", "medium": "medium", "high": "high", "urgent": "top", "top": "top"]
def impact = impacts[(replica.priority?.name ?: "").toLowerCase()]
if (impact) {
    entity.impact = impact
} else if (firstSync) {
    entity.impact = "low"
}
entity.summary     = replica.summary
entity.description = replica.description
entity.labels      = replica.labels
entity.comments    = commentHelper.mergeComments(entity, replica)
entity.attachments = attachmentHelper.mergeAttachments(entity, replica)
`;
