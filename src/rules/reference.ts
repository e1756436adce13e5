/**
 * The reference of the script surface for one platform, read from the interpreter's own tables (the entity type's
 * properties, the replica's, the hub records', each helper's methods, the value methods, the platform's statuses and
 * priorities), so what AI Assist tells a model is what a run offers and cannot drift from it.
 */
import type { Platform } from '../domain/instance.ts';
import { priorityTable, statusTable } from '../domain/status-priority.ts';
import { hostNames } from './exalate.ts';
import { currentOptions, helperMethodNames } from './helpers.ts';
import { listMethods } from './methods/collections.ts';
import { mapMethods } from './methods/maps.ts';
import { stringMethods } from './methods/strings.ts';
import { attachmentType, commentType, entityType, optionType, replicaType, userType } from './model.ts';

const list = (names: Iterable<string>) => [...names].join(', ');

export function scriptReference(platform: Platform): string {
  const helpers = helperMethodNames();
  const globals = [...hostNames()].filter((name) => !helpers.has(name));
  const entity = entityType(platform, currentOptions);
  const options = (table: typeof statusTable) => table[platform].map((o) => `${o.name} (${o.id})`).join(', ');
  return [
    `Script surface on ${platform} (generated from the interpreter's tables):`,
    `- Globals of every run: ${list(globals)}.`,
    `- entity (the ${platform} ticket) properties: ${list(entity.props)}.`,
    `- replica properties: ${list(replicaType.props)}${replicaType.open ? ', and any other name the outgoing script sets' : ''}.`,
    `- comment (${commentType.name}): ${list(commentType.props)}.`,
    `- attachment (${attachmentType.name}): ${list(attachmentType.props)}.`,
    `- user (${userType.name}): ${list(userType.props)}.`,
    `- status and priority (${optionType.name}): ${list(optionType.props)}; set them by name (nodeHelper.getStatus("Open")).`,
    ...[...helpers].map(([name, methods]) => `- ${name}: ${list(methods)}.`),
    `- ${platform} statuses: ${options(statusTable)}.`,
    `- ${platform} priorities: ${options(priorityTable)}.`,
    `- String methods: ${list(stringMethods.keys())}.`,
    `- List methods: ${list(listMethods.keys())}.`,
    `- Map methods: ${list(mapMethods.keys())}.`,
  ].join('\n');
}
