import { z } from 'zod';

/**
 * What our cards carry back in `data` (Action.Execute / Action.Submit / task/fetch). Namespaced under `db` so that
 * input values, which Teams merges into the same object, never collide with it. Nothing here is trusted for
 * authorization: it only says which form or button it was; who acts comes from the activity.
 */
export const cardData = z.discriminatedUnion('kind', [
  /** A form step was submitted. `card` names the stored form view (re-rendered with errors). */
  z.object({
    kind: z.literal('submit'),
    form: z.string().min(1).max(200),
    state: z.string().max(100).optional(),
    card: z.string().max(100).optional(),
  }),
  /** A button. `card` is set when the button is on a form (a wizard's Previous). */
  z.object({
    kind: z.literal('action'),
    action: z.string().min(1).max(200),
    value: z.string().max(2000).optional(),
    form: z.string().max(200).optional(),
    state: z.string().max(100).optional(),
    card: z.string().max(100).optional(),
  }),
  /** Cancel on an in-place form. */
  z.object({ kind: z.literal('cancel'), state: z.string().max(100).optional() }),
  /** Run a command (the "Open in a dialog" button of a command's first step). */
  z.object({ kind: z.literal('command'), command: z.string().min(1).max(2000) }),
]);

export type CardData = z.infer<typeof cardData>;

export const DATA_KEY = 'db';

/** The verb of an Action.Execute: the same words our own routing uses, so logs read naturally. */
export function verbOf(data: CardData): string {
  switch (data.kind) {
    case 'submit':
      return 'form.submit';
    case 'action':
      return data.action;
    case 'cancel':
      return 'form.cancel';
    case 'command':
      return 'command';
  }
}
