/**
 * `deskbridge rules ...`: the test run an admin does before publishing a rule version.
 *   rules check FILE
 *   rules run --script FILE --entity ENTITY.json [--replica REPLICA.json] [--first-sync]
 *             [--direction outgoing|incoming] [--platform freshdesk|freshservice|xurrent]
 * Exit codes: 0 ok, 1 the script (or an input file) has a problem, 2 usage.
 * `run` prints the replica (outgoing) or the resulting entity (incoming) as JSON on stdout; the script's own
 * println output and log lines go to stderr, so stdout stays valid JSON.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Entity, Replica } from '../domain/entity.ts';
import { isDomainError } from '../domain/errors.ts';
import { platforms, type Platform } from '../domain/instance.ts';
import { blankEntity, checkScript, runIncoming, runOutgoing } from '../rules/index.ts';
import { usageOf } from './usage.ts';

export interface RulesIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class RulesUsageError extends Error {}

const userSchema = z.object({
  id: z.string().nullable().default(null),
  email: z.string().nullable().default(null),
  displayName: z.string().nullable().default(null),
});
const optionSchema = z.object({ id: z.union([z.string(), z.number()]).nullable().default(null), name: z.string() });
const idSchema = z.union([z.string(), z.number()]).transform(String);

/** Entity files may leave fields out; what is there must have the hub model's types. */
const entityFileSchema = z.object({
  platform: z.enum(platforms).optional(),
  id: idSchema.optional(),
  key: idSchema.optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  status: optionSchema.nullable().optional(),
  priority: optionSchema.nullable().optional(),
  type: z.string().nullable().optional(),
  labels: z.array(z.string()).optional(),
  reporter: userSchema.nullable().optional(),
  assignee: userSchema.nullable().optional(),
  comments: z
    .array(
      z.object({
        id: idSchema,
        body: z.string(),
        author: userSchema.nullable().default(null),
        internal: z.boolean().default(false),
        created: z.string().default(''),
        updated: z.string().nullable().default(null),
        remoteId: z.string().nullable().optional(),
      }),
    )
    .optional(),
  attachments: z
    .array(
      z.object({
        id: idSchema,
        filename: z.string(),
        mimetype: z.string().default('application/octet-stream'),
        filesize: z.number().default(0),
        created: z.string().nullable().default(null),
        url: z.string().nullable().optional(),
        hash: z.string().nullable().optional(),
        remoteId: z.string().nullable().optional(),
      }),
    )
    .optional(),
  customFields: z.record(z.string(), z.unknown()).optional(),
  created: z.string().optional(),
  updated: z.string().optional(),
  native: z.record(z.string(), z.unknown()).optional(),
});

const replicaFileSchema = z.record(z.string(), z.unknown());

function parseArgs(args: string[]): { flags: Map<string, string | true>; positional: string[] } {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const valued = new Set(['--script', '--entity', '--replica', '--direction', '--platform']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (valued.has(name)) {
        const v = args[++i];
        if (v === undefined) throw new RulesUsageError(`${name} needs a value`);
        flags.set(name, v);
      } else flags.set(name, true);
    } else {
      positional.push(a);
    }
  }
  return { flags, positional };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

class InputError extends Error {}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function describeZod(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

async function readEntity(
  path: string,
  platform: Platform | null,
): Promise<{ entity: Entity | null; platform: Platform }> {
  const raw = await readJson(path, 'entity file');
  if (raw === null) return { entity: null, platform: platform ?? 'freshdesk' };
  const parsed = entityFileSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`entity file ${path}: ${describeZod(parsed.error)}`);
  const p = platform ?? parsed.data.platform ?? 'freshdesk';
  const base = blankEntity(p);
  const data = parsed.data;
  const entity: Entity = {
    ...base,
    ...Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)),
    platform: p,
    comments: (data.comments ?? []).map((c) => ({ ...c, remoteId: c.remoteId ?? null })),
    attachments: (data.attachments ?? []).map((a) => ({
      ...a,
      url: a.url ?? null,
      hash: a.hash ?? null,
      remoteId: a.remoteId ?? null,
    })),
  } as Entity;
  return { entity, platform: p };
}

async function check(args: string[], io: RulesIo): Promise<number> {
  const { positional } = parseArgs(args);
  const file = positional[0];
  if (!file || positional.length > 1) throw new RulesUsageError('rules check needs exactly one FILE');
  const source = await readText(file, 'script');
  const problems = checkScript(source, { warnings: true });
  const first = problems[0];
  if (!first || first.severity === 'warning') {
    // Warnings name what no run will offer (an unknown global or helper method, a path httpClient refuses); the
    // script still compiles.
    for (const w of problems)
      io.stderr.write(`${file}:${w.line}:${w.column}: warning: ${w.reason.replace(/\s*\n\s*/g, ' ')}\n`);
    const lines = source.replace(/\n$/, '').split('\n').length;
    const warned = problems.length === 0 ? '' : `; ${problems.length} warning${problems.length === 1 ? '' : 's'}`;
    io.stdout.write(`OK: ${file} (${lines} line${lines === 1 ? '' : 's'}) has no syntax errors${warned}\n`);
    return 0;
  }
  io.stderr.write(`${file}:${first.line}:${first.column}: ${first.summary.replace(/\s*\n\s*/g, ' ')}\n`);
  return 1;
}

async function run(args: string[], io: RulesIo): Promise<number> {
  const { flags, positional } = parseArgs(args);
  if (positional.length > 0) throw new RulesUsageError(`unexpected argument ${positional[0]}`);
  for (const name of flags.keys()) {
    if (!['--script', '--entity', '--replica', '--first-sync', '--direction', '--platform'].includes(name))
      throw new RulesUsageError(`unknown option ${name}`);
  }
  const scriptPath = flags.get('--script');
  const entityPath = flags.get('--entity');
  if (typeof scriptPath !== 'string' || typeof entityPath !== 'string')
    throw new RulesUsageError('rules run needs --script FILE and --entity ENTITY.json');
  const replicaPath = flags.get('--replica');
  const directionFlag = flags.get('--direction');
  const direction =
    directionFlag === undefined ? (typeof replicaPath === 'string' ? 'incoming' : 'outgoing') : directionFlag;
  if (direction !== 'outgoing' && direction !== 'incoming')
    throw new RulesUsageError('--direction must be outgoing or incoming');
  const platformFlag = flags.get('--platform');
  if (platformFlag !== undefined && !platforms.includes(platformFlag as Platform))
    throw new RulesUsageError(`--platform must be one of ${platforms.join(', ')}`);
  const firstSync = flags.get('--first-sync') === true;

  const source = await readText(scriptPath, 'script');
  const { entity, platform } = await readEntity(entityPath, (platformFlag as Platform | undefined) ?? null);
  const print = (text: string) => io.stderr.write(text);
  const log = (level: string, message: string) => io.stderr.write(`[${level}] ${message}\n`);
  if (direction === 'outgoing') {
    if (!entity) throw new InputError('an outgoing run needs an entity (the entity file holds null)');
    const replica = runOutgoing({ script: source, entity, platform, previous: null, print, log });
    io.stdout.write(`${JSON.stringify(replica, null, 2)}\n`);
    return 0;
  }
  if (typeof replicaPath !== 'string') throw new RulesUsageError('an incoming run needs --replica REPLICA.json');
  const rawReplica = await readJson(replicaPath, 'replica file');
  const replica = replicaFileSchema.safeParse(rawReplica);
  if (!replica.success) throw new InputError(`replica file ${replicaPath} must hold a JSON object`);
  const result = runIncoming({
    script: source,
    entity,
    replica: replica.data as Replica,
    firstSync: firstSync || entity === null,
    platform,
    print,
    log,
  });
  io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

export async function runRulesCommand(args: string[], io: RulesIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'check') return await check(rest, io);
    if (sub === 'run') return await run(rest, io);
    throw new RulesUsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`);
  } catch (error) {
    if (error instanceof RulesUsageError) {
      io.stderr.write(`deskbridge rules: ${error.message}\n\n${usageOf('rules')}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr.write(`deskbridge rules: ${error.message}\n`);
      return 1;
    }
    if (isDomainError(error)) {
      const details = (error.details ?? {}) as { snippet?: string };
      io.stderr.write(`${error.message.split('\n')[0]}\n`);
      if (details.snippet) io.stderr.write(`${details.snippet}\n`);
      return 1;
    }
    throw error;
  }
}
