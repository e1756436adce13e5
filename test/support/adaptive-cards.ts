import * as AC from 'adaptivecards';

/**
 * The Adaptive Card 1.5 check every card we send passes in tests: Microsoft's own `adaptivecards` parser (it runs in
 * Node for parsing and validation; only rendering needs a DOM) with a 1.5 serialization context, which reports
 * unknown element and action types, elements newer than 1.5, and invalid properties; plus what Teams adds: version
 * "1.5" exactly, and every Input.Text capped with maxLength (our convention).
 */
type Json = Record<string, unknown>;

export function checkAdaptiveCard(json: unknown, where = 'card'): string[] {
  const problems: string[] = [];
  const card = json as Json;
  if (!card || typeof card !== 'object') return [`${where}: not an object`];
  if (card['type'] !== 'AdaptiveCard') problems.push(`${where}.type: ${String(card['type'])}`);
  if (card['version'] !== '1.5') problems.push(`${where}.version: ${String(card['version'])}, Teams renders 1.5`);
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`${where}: parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents)
    problems.push(`${where}: validate: ${event.message}`);
  walk(card, (node, path) => {
    if (node['type'] === 'Input.Text' && typeof node['maxLength'] !== 'number')
      problems.push(`${where}${path}: Input.Text ${String(node['id'])} without maxLength`);
    if (typeof node['type'] === 'string' && String(node['type']).startsWith('Input.') && !node['id'])
      problems.push(`${where}${path}: input without id`);
  });
  if (JSON.stringify(card).length > 28_000) problems.push(`${where}: larger than Teams' 28 KB card limit`);
  return problems;
}

function walk(node: unknown, visit: (node: Json, path: string) => void, path = ''): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      walk(n, visit, `${path}[${i}]`);
    });
  } else if (node && typeof node === 'object') {
    visit(node as Json, path);
    for (const [key, value] of Object.entries(node as Json)) walk(value, visit, `${path}.${key}`);
  }
}
