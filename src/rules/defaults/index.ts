import type { Platform } from '../../domain/instance.ts';
import * as freshdesk from './freshdesk.ts';
import * as freshservice from './freshservice.ts';
import * as xurrent from './xurrent.ts';

export interface DefaultScripts {
  readonly outgoing: string;
  readonly incoming: string;
}

const byPlatform: Record<Platform, DefaultScripts> = {
  freshdesk: { outgoing: freshdesk.outgoing, incoming: freshdesk.incoming },
  freshservice: { outgoing: freshservice.outgoing, incoming: freshservice.incoming },
  xurrent: { outgoing: xurrent.outgoing, incoming: xurrent.incoming },
};

/** The generated scripts of a new connection: what Basic mode runs (not editable) and Script mode starts from. */
export function defaultScripts(platform: Platform): DefaultScripts {
  return byPlatform[platform];
}
