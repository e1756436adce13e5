import { z } from 'zod';
import type { FormValues } from '../../../src/ui/model.ts';
import { cardData, DATA_KEY, type CardData } from '../render/card-data.ts';

/** What a card sends back: Teams merges the inputs' values into the button's data object. */
const submittedData = z.record(z.string(), z.unknown());

export interface CardSubmission {
  data: CardData;
  values: FormValues;
}

/** Splits a card's returned data into our button data (checked) and the form's values (empty inputs: absent). */
export function readCardSubmission(raw: unknown): CardSubmission {
  const all = submittedData.parse(raw ?? {});
  const data = cardData.parse(all[DATA_KEY]);
  const values: FormValues = {};
  for (const [key, value] of Object.entries(all)) {
    if (key === DATA_KEY || key === 'msteams') continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const text = String(value);
    if (text !== '') values[key] = text.slice(0, 10_000);
  }
  return { data, values };
}
