import { formatUtcSeconds } from '../timestamps.ts';
import type { SimRoute } from '../simulator-kit/server.ts';
import type { FreshworksFieldError } from './wire.ts';

/**
 * The ticket fields of a simulated Freshdesk (`GET /api/v2/ticket_fields`, a bare array) or Freshservice
 * (`GET /api/v2/ticket_form_fields`, `{"ticket_fields": [...]}`), in the documented shapes
 * (developers.freshdesk.com/api/#list_all_ticket_fields; api.freshservice.com/#list_all_ticket_form_fields), and
 * the rule that goes with them: a create without a field marked `required_for_agents` is refused (400,
 * `missing_field`), as both APIs do for tickets created by an agent's API key.
 */
export interface SeedTicketField {
  /** A default field's name (`ticket_type`, `group`) to change its flag, or a custom field's (`cf_region`). */
  name: string;
  label?: string;
  /** The custom field's type, e.g. `custom_text`, `custom_dropdown`. */
  type?: string;
  required_for_agents?: boolean;
}

interface FieldRow {
  name: string;
  label: string;
  type: string;
  isDefault: boolean;
  required: boolean;
  /** The key a create carries it under (`type` for `ticket_type`, `group_id` for `group`, ...). */
  apiKey: string;
}

const defaults: Record<'freshdesk' | 'freshservice', Array<[string, string, string, boolean]>> = {
  // name, label, API key, required for agents out of the box
  freshdesk: [
    ['requester', 'Search a requester', 'requester_id', true],
    ['subject', 'Subject', 'subject', true],
    ['ticket_type', 'Type', 'type', false],
    ['source', 'Source', 'source', true],
    ['status', 'Status', 'status', true],
    ['priority', 'Priority', 'priority', true],
    ['group', 'Group', 'group_id', false],
    ['agent', 'Agent', 'responder_id', false],
    ['product', 'Product', 'product_id', false],
    ['description', 'Description', 'description', true],
    ['company', 'Company', 'company_id', false],
  ],
  freshservice: [
    ['requester', 'Requester', 'requester_id', true],
    ['subject', 'Subject', 'subject', true],
    ['ticket_type', 'Type', 'type', false],
    ['source', 'Source', 'source', false],
    ['status', 'Status', 'status', true],
    ['priority', 'Priority', 'priority', true],
    ['urgency', 'Urgency', 'urgency', false],
    ['impact', 'Impact', 'impact', false],
    ['group', 'Group', 'group_id', false],
    ['agent', 'Agent', 'responder_id', false],
    ['department', 'Department', 'department_id', false],
    ['category', 'Category', 'category', false],
    ['description', 'Description', 'description', true],
  ],
};

/** The field table of one simulator; custom fields come from the simulator's accepted custom field names. */
export class SimTicketFields {
  private readonly flags = new Map<string, SeedTicketField>();

  constructor(
    private readonly platform: 'freshdesk' | 'freshservice',
    private readonly customFields: Set<string>,
  ) {}

  seed(fields: SeedTicketField[] | undefined): void {
    for (const field of fields ?? []) {
      this.flags.set(field.name, field);
      if (!defaults[this.platform].some(([name]) => name === field.name)) this.customFields.add(field.name);
    }
  }

  private rows(): FieldRow[] {
    const rows: FieldRow[] = defaults[this.platform].map(([name, label, apiKey, required]) => ({
      name,
      label: this.flags.get(name)?.label ?? label,
      type: `default_${name}`,
      isDefault: true,
      required: this.flags.get(name)?.required_for_agents ?? required,
      apiKey,
    }));
    for (const name of this.customFields) {
      const flag = this.flags.get(name);
      rows.push({
        name,
        label: flag?.label ?? name.replace(/^cf_/, '').replace(/_/g, ' '),
        type: flag?.type ?? 'custom_text',
        isDefault: false,
        required: flag?.required_for_agents ?? false,
        apiKey: name,
      });
    }
    return rows;
  }

  /**
   * What a create lacks: `missing_field` errors for the fields a seed made required (the defaults the simulator
   * marks required are checked by its own create rules, as before).
   */
  missingOnCreate(input: Record<string, unknown>): FreshworksFieldError[] {
    const customs = (input.custom_fields ?? {}) as Record<string, unknown>;
    const given = (v: unknown) => v !== undefined && v !== null && v !== '';
    return this.rows()
      .filter((row) => row.required && this.flags.get(row.name)?.required_for_agents === true)
      .filter((row) => !given(row.isDefault ? input[row.apiKey] : customs[row.apiKey]))
      .map((row) => ({ field: row.apiKey, message: 'It should be a/an String', code: 'missing_field' }));
  }

  route(): SimRoute {
    const freshdesk = this.platform === 'freshdesk';
    return {
      method: 'GET',
      path: freshdesk ? '/api/v2/ticket_fields' : '/api/v2/ticket_form_fields',
      handle: () => {
        const fields = this.rows().map((row, i) =>
          freshdesk
            ? {
                id: 80000 + i,
                name: row.name,
                label: row.label,
                description: null,
                position: i + 1,
                required_for_closure: false,
                required_for_agents: row.required,
                type: row.type,
                default: row.isDefault,
                customers_can_edit: !row.isDefault,
                label_for_customers: row.label,
                required_for_customers: false,
                displayed_to_customers: true,
                created_at: formatUtcSeconds(0),
                updated_at: formatUtcSeconds(0),
              }
            : {
                id: 90000 + i,
                workspace_id: null,
                name: row.name,
                label: row.label,
                description: null,
                field_type: row.type,
                position: i + 1,
                required_for_closure: false,
                default_field: row.isDefault,
                required_for_agents: row.required,
                customers_can_edit: !row.isDefault,
                label_for_customers: row.label,
                required_for_customers: false,
                displayed_to_customers: true,
                belongs_to_section: false,
                choices: [],
                nested_fields: [],
                sections: [],
                created_at: formatUtcSeconds(0),
                updated_at: formatUtcSeconds(0),
              },
        );
        return { status: 200, json: freshdesk ? fields : { ticket_fields: fields } };
      },
    };
  }
}
