import { userMention } from '../ui/mentions.ts';

/** A person named in the audit form (`slack:T1/U2`, `cli:ops`), as a neutral mention each renderer shows its way. */
export function personLabel(ref: string): string {
  return userMention(ref);
}
