/**
 * The chat-neutral view model the flows return and each chat adapter renders its own way (Slack Block Kit, Teams
 * Adaptive Cards). Deliberately small: what DeskBridge's conversations need, nothing platform-specific. Ids are
 * stable strings the adapter passes back unchanged (Slack block_id/action_id/callback_id, Teams input ids and verbs).
 */

/** A button or link. `value` comes back with the click; it never holds a secret. */
export interface Action {
  id: string;
  label: string;
  value?: string;
  style?: 'primary' | 'danger';
  /** Ask before doing it (a destructive action). */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export interface Option {
  value: string;
  label: string;
  /** A longer explanation under the label (radio choices). */
  description?: string;
  /** Shown but not choosable, with the reason. */
  disabledReason?: string;
}

interface FieldBase {
  /** The input's id: submitted values and errors are keyed by it. */
  id: string;
  label: string;
  hint?: string;
  /** May be submitted empty (Slack refuses to submit an empty required input); see `marksOptional` for the label. */
  optional?: boolean;
}

export type Field =
  | (FieldBase & {
      kind: 'text';
      value?: string;
      placeholder?: string;
      multiline?: boolean;
      maxLength?: number;
      /** A secret (an API key): never shown back, not even with an error next to it (a Teams card may be shared). */
      sensitive?: boolean;
    })
  | (FieldBase & { kind: 'select'; options: Option[]; value?: string; placeholder?: string })
  | (FieldBase & { kind: 'choice'; options: Option[]; value?: string })
  | (FieldBase & { kind: 'checkbox'; checked: boolean })
  | (FieldBase & { kind: 'channel'; value?: string });

/** Read-only content in a form or a message. */
export type Content =
  | { kind: 'markdown'; text: string }
  | { kind: 'heading'; text: string }
  /** Items read one per line (a bulleted list); each item is markdown. */
  | { kind: 'list'; items: string[] }
  | { kind: 'code'; text: string }
  | { kind: 'facts'; facts: { label: string; value: string }[] }
  | { kind: 'note'; text: string }
  | { kind: 'actions'; actions: Action[] }
  | { kind: 'table'; table: Table };

export type FormItem = Field | Content;

/** A modal step (Slack modal view, Teams dialog/card). */
export interface Form {
  kind: 'form';
  /** Which step this is; comes back with the submission (Slack callback_id). */
  id: string;
  title: string;
  items: FormItem[];
  /** No submit label: a read-only view with a close button only. */
  submitLabel?: string;
  closeLabel?: string;
  /** The id of the stored wizard state; never anything secret. */
  stateId?: string;
}

export interface Message {
  kind: 'message';
  /** Plain-text summary for notifications and screen readers. */
  text: string;
  items: Content[];
}

export interface TableColumn {
  label: string;
}

export interface TableRow {
  /** One cell per column; markdown. */
  cells: string[];
  actions?: Action[];
}

export interface Table {
  columns: TableColumn[];
  rows: TableRow[];
  /** Shown when there are no rows. */
  empty: string;
}

/** The personal dashboard (Slack App Home, Teams personal tab card). */
export interface Home {
  kind: 'home';
  items: Content[];
}

export const fieldKinds = ['text', 'select', 'choice', 'checkbox', 'channel'] as const;

export function isField(item: FormItem): item is Field {
  return (fieldKinds as readonly string[]).includes(item.kind);
}

/**
 * Whether a field's label says "(optional)": only where leaving it empty is a choice the person makes. A checkbox is
 * never empty (off is an answer), so it is not marked even though it need not be ticked.
 */
export function marksOptional(field: Field): boolean {
  return field.optional === true && field.kind !== 'checkbox';
}

/** What a form submission carries: every field's value by id (checkbox: 'true' | absent; empty inputs: absent). */
export type FormValues = Record<string, string | undefined>;
