import { z } from 'zod';
import { refusal } from '../helpdesk-errors.ts';
import { rateBudgetFinding, type SetupCheckInput, type SetupFinding } from '../../../src/domain/helpdesk.ts';
import { numberHeader } from '../transport.ts';
import type { FreshworksClient } from './client-core.ts';

/**
 * The Freshdesk / Freshservice pre-flight. What it reads, and the pages it rests on:
 * - Freshdesk `GET /api/v2/agents/me` (developers.freshdesk.com/api/#me; agent fields `ticket_scope`, `role_ids` in
 *   the Freshworks Freshdesk SDK's Agent model); Freshservice has no "me" in v2, so the connector's own
 *   `GET /api/v2/tickets?per_page=1` stands for the sign-in.
 * - Freshdesk `GET /api/v2/ticket_fields` (developers.freshdesk.com/api/#list_all_ticket_fields: a bare array of
 *   `{id, name, label, type, default, required_for_agents, ...}`, as in the Freshworks SDK's TicketField model);
 *   Freshservice `GET /api/v2/ticket_form_fields` (api.freshservice.com/#list_all_ticket_form_fields:
 *   `{"ticket_fields": [{name, label, field_type, default_field, required_for_agents, ...}]}`, as Workato's
 *   "List ticket form fields" action documents it).
 * - Quota: `X-RateLimit-Total` / `X-RateLimit-Remaining` on every answer (see the helpdesk README, rate limits).
 * Webhooks are automation rules (Freshdesk) or Workflow Automator rules (Freshservice) with no API to read them, so
 * the webhook findings come from what DeskBridge itself received (src/app/instance-check.ts).
 */

const ticketFieldSchema = z.looseObject({
  name: z.string(),
  label: z.string().nullish(),
  required_for_agents: z.boolean().nullish(),
  /** Freshdesk */
  default: z.boolean().nullish(),
  /** Freshservice */
  default_field: z.boolean().nullish(),
});
type TicketField = z.infer<typeof ticketFieldSchema>;

/** Fields every ticket DeskBridge creates carries (the connector fills them), whatever the rules say. */
const filledOnCreate = new Set(['requester', 'subject', 'status', 'priority', 'description', 'source']);
/** The field a connection's incoming project fills. */
const projectField = { freshdesk: 'group', freshservice: 'workspace' } as const;

export async function checkFreshworksSetup(client: FreshworksClient, input: SetupCheckInput): Promise<SetupFinding[]> {
  const label = client.transport.label;
  const platform = client.platform === 'freshservice' ? 'freshservice' : 'freshdesk';
  const findings: SetupFinding[] = [];
  let quota: { limit: number | null; remaining: number | null } | null = null;
  const remember = (headers: Headers) => {
    quota = {
      limit: numberHeader(headers, 'x-ratelimit-total'),
      remaining: numberHeader(headers, 'x-ratelimit-remaining'),
    };
  };

  // Credentials and the agent's reach.
  try {
    if (platform === 'freshdesk') {
      const { data, headers } = await client.transport.json(
        { method: 'GET', path: '/agents/me', what: 'the signed-in agent' },
        z.looseObject({
          id: z.number(),
          ticket_scope: z.number().nullish(),
          contact: z.looseObject({ name: z.string().nullish(), email: z.string().nullish() }).nullish(),
        }),
      );
      remember(headers);
      const who = data.contact?.name ?? data.contact?.email ?? `agent ${data.id}`;
      findings.push({ level: 'ok', topic: 'credentials', message: `The API key signs in as ${who}.`, fix: null });
      // ticket_scope: 1 global, 2 group, 3 restricted (assigned to the agent).
      if (data.ticket_scope !== undefined && data.ticket_scope !== null && data.ticket_scope !== 1) {
        findings.push({
          level: 'warning',
          topic: 'permissions',
          message: `${who} sees only ${data.ticket_scope === 2 ? 'the tickets of their groups' : 'the tickets assigned to them'}: other tickets do not sync, and tickets created in other groups cannot be read back.`,
          fix: `In ${label}, Admin → Agents → ${who}: give the agent Global access, or use the API key of an agent who has it.`,
        });
      }
    } else {
      const { headers } = await client.transport.json(
        { method: 'GET', path: '/tickets', query: { per_page: 1, workspace_id: 0 }, what: 'a credentials check' },
        z.looseObject({ tickets: z.array(z.unknown()) }),
      );
      remember(headers);
      findings.push({
        level: 'ok',
        topic: 'credentials',
        message: 'The API key signs in and can read tickets.',
        fix: null,
      });
    }
  } catch (error) {
    findings.push({
      level: 'problem',
      topic: 'credentials',
      message: refusal(error),
      fix: `Check the instance URL and the API key (${label}: Profile settings → API key), then register the instance again.`,
    });
    // Nothing else can be read without working credentials.
    return findings;
  }

  // Fields the helpdesk requires when an agent (our API key) creates a ticket.
  try {
    const response = await client.transport.send({
      method: 'GET',
      path: platform === 'freshdesk' ? '/ticket_fields' : '/ticket_form_fields',
      what: 'the ticket fields',
    });
    remember(response.headers);
    const fields: TicketField[] =
      platform === 'freshdesk'
        ? client.transport.parse(response, z.array(ticketFieldSchema), 'the ticket fields')
        : client.transport.parse(
            response,
            z.looseObject({ ticket_fields: z.array(ticketFieldSchema) }),
            'the ticket form fields',
          ).ticket_fields;
    const everyConnectionHasProject =
      input.connections.length > 0 && input.connections.every((c) => c.projectId !== null);
    const missing = fields.filter(
      (f) =>
        f.required_for_agents === true &&
        !filledOnCreate.has(f.name) &&
        !(f.name === projectField[platform] && everyConnectionHasProject),
    );
    if (missing.length === 0) {
      findings.push({
        level: 'ok',
        topic: 'required fields',
        message: `No ticket field beyond what DeskBridge always fills is required on create (${fields.length} fields read).`,
        fix: null,
      });
    }
    for (const field of missing) {
      const custom = (platform === 'freshdesk' ? field.default : field.default_field) === false;
      const shown = `"${field.label ?? field.name}" (${field.name})`;
      findings.push({
        level: 'problem',
        topic: 'required fields',
        message: `${label} requires ${shown} on every ticket an agent creates: tickets DeskBridge creates without it are refused.`,
        fix: custom
          ? `Set it in the incoming rules (entity.customFields.${field.name} = ...), or in ${label} Admin → Ticket Fields untick "Required when submitting the form" for agents.`
          : field.name === projectField[platform]
            ? `Choose an incoming ${projectField[platform]} for every connection, or make the field optional in ${label} Admin → Ticket Fields.`
            : `Set it in the incoming rules, or make it optional for agents in ${label} Admin → Ticket Fields.`,
      });
    }
  } catch (error) {
    findings.push({
      level: 'warning',
      topic: 'required fields',
      message: `The ticket fields could not be read: ${refusal(error)}`,
      fix: `Use the API key of an agent allowed to view ticket fields (an admin), so required fields can be checked.`,
    });
  }

  // The incoming project of each connection still exists.
  if (input.connections.length > 0) {
    try {
      const projects = await client.listProjects();
      for (const connection of input.connections) {
        const kind = projectField[platform];
        if (connection.projectId === null) {
          findings.push({
            level: 'ok',
            topic: 'incoming project',
            message: `${connection.name}: no incoming ${kind}; tickets are created without one.`,
            fix: null,
          });
          continue;
        }
        const found = projects.find((p) => p.id === connection.projectId);
        findings.push(
          found
            ? {
                level: 'ok',
                topic: 'incoming project',
                message: `${connection.name}: incoming ${kind} "${found.name}" (${found.id}) exists.`,
                fix: null,
              }
            : {
                level: 'problem',
                topic: 'incoming project',
                message: `${connection.name}: incoming ${kind} ${connection.projectName ? `"${connection.projectName}" ` : ''}(${connection.projectId}) no longer exists in ${label}: creating tickets fails.`,
                fix: `Create the ${kind} again in ${label}, or make a new connection with an existing one (deskbridge instances projects lists them).`,
              },
        );
      }
    } catch (error) {
      findings.push({
        level: 'warning',
        topic: 'incoming project',
        message: `The ${projectField[platform]}s could not be listed: ${refusal(error)}`,
        fix: null,
      });
    }
  }

  const reading = quota as { limit: number | null; remaining: number | null } | null;
  findings.push(
    rateBudgetFinding(label, {
      limit: reading?.limit ?? null,
      remaining: reading?.remaining ?? null,
      window: 'this minute',
    }),
  );
  return findings;
}
