/**
 * A pattern matching exactly the given ids (action_id, callback_id), for one Bolt registration that routes by id to
 * the flow the table in src/flows names.
 *
 * Bolt runs every registered listener's matchers, each in its own middleware chain, for every request it receives:
 * forty listeners registered one by one cost every slash command and every submission forty chains before the ack
 * (measured with bench/slack-ack.bench.ts). One registration per kind avoids that cost; ids nobody handles stay
 * unmatched, as before.
 */
export class IdPattern extends RegExp {
  /** Derived regular expressions (split, matchAll) are plain ones. */
  static override get [Symbol.species]() {
    return RegExp;
  }

  constructor(readonly ids: readonly string[]) {
    super(`^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
  }
}

export function exactIds(ids: Iterable<string>): IdPattern {
  return new IdPattern([...ids]);
}
