import { MARKER_FIELD } from '../../../src/domain/entity.ts';

/**
 * The sync engine's crash marker (MARKER_FIELD in src/domain/entity.ts) as Xurrent keeps it. A custom field would be
 * refused: Xurrent accepts only the custom fields the request template's UI extension defines. Requests have
 * `source` (up to 30 characters: the system a record came from) and `sourceID` (up to 128: its id there) for exactly
 * this (developer.xurrent.com/v1/general/source), so a create writes the marker as sourceID, and a read gives it back
 * under the engine's field name, which keeps the engine's "did I already create this?" check working unchanged.
 */
export const XURRENT_SOURCE = 'DeskBridge';

export function toSourceMarker(customFields: Record<string, unknown>): {
  customFields: Record<string, unknown>;
  source: { source: string; sourceID: string } | null;
} {
  const { [MARKER_FIELD]: marker, ...rest } = customFields;
  return {
    customFields: rest,
    source: typeof marker === 'string' && marker !== '' ? { source: XURRENT_SOURCE, sourceID: marker } : null,
  };
}

export function fromSourceMarker(
  source: string | null | undefined,
  sourceID: string | null | undefined,
): Record<string, string> {
  return source === XURRENT_SOURCE && sourceID ? { [MARKER_FIELD]: sourceID } : {};
}
