import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/processes.ts';

/**
 * The layering of DESIGN.md ("Dependencies point down and inward"), held by a test. It reads every import of src/,
 * adapters/ and db/ with the TypeScript compiler's own import scanner (static, type-only, re-exports and dynamic
 * `import()` alike) and fails on an import that points the wrong way. A unit is a folder (`src/app`, `adapters/slack`,
 * `db`) or a file at the top of src/ (`src/config.ts`).
 */

interface Import {
  /** The importing file, relative to the repository (`src/sync/engine.ts`). */
  from: string;
  /** The imported file for a relative import, else the package name as written (`node:fs`, `drizzle-orm`). */
  to: string;
  external: boolean;
}

const SOURCE_ROOTS = ['src', 'adapters', 'db'];

function sourceFiles(root: string, folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (/\.(ts|mts|mjs)$/.test(entry.name)) files.push(path);
  }
  return files;
}

function importsOf(root: string): Import[] {
  const imports: Import[] = [];
  for (const file of SOURCE_ROOTS.flatMap((folder) => sourceFiles(root, folder))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      const external = !fileName.startsWith('.');
      const to = external ? fileName : relative(root, resolve(root, dirname(file), fileName));
      imports.push({ from: file.split('\\').join('/'), to: to.split('\\').join('/'), external });
    }
  }
  return imports;
}

/** `src/app/deps.ts` -> `src/app`; `src/config.ts` -> `src/config.ts`; `adapters/slack/x/y.ts` -> `adapters/slack`. */
function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'db') return 'db';
  if (parts.length === 2) return file;
  return `${parts[0]}/${parts[1]}`;
}

const within = (file: string, ...units: string[]) => units.includes(unitOf(file));

/**
 * domain and rules compute; they touch no file, socket, process or database. These are the only packages they use.
 * The rule pool (src/rules/pool) runs scripts in worker threads: it may use worker_threads, os (how many cores) and
 * tsx (the loader a worker needs to run TypeScript), and nothing else with I/O either.
 */
const PURE_PACKAGES = ['node:crypto', 'zod'];
const POOL_PACKAGES = ['node:worker_threads', 'node:os', 'tsx/esm/api'];

interface Rule {
  name: string;
  broken(i: Import): boolean;
}

const rules: Rule[] = [
  {
    name: 'src/domain imports only src/domain and computing packages',
    broken: (i) =>
      within(i.from, 'src/domain') && (i.external ? !PURE_PACKAGES.includes(i.to) : !within(i.to, 'src/domain')),
  },
  {
    name: 'src/rules imports only src/rules, src/domain and computing packages (the pool: worker threads)',
    broken: (i) => {
      if (!within(i.from, 'src/rules')) return false;
      if (!i.external) return !within(i.to, 'src/rules', 'src/domain');
      const allowed = i.from.startsWith('src/rules/pool/') ? [...PURE_PACKAGES, ...POOL_PACKAGES] : PURE_PACKAGES;
      return !allowed.includes(i.to);
    },
  },
  {
    name: 'the chat adapters never touch the database or a helpdesk connector',
    broken: (i) =>
      within(i.from, 'adapters/slack', 'adapters/teams') &&
      (i.external
        ? ['better-sqlite3', 'drizzle-orm'].includes(i.to) || i.to.startsWith('drizzle-orm/')
        : within(i.to, 'db', 'adapters/helpdesk')),
  },
  {
    name: 'src/app (the use-cases) imports no flows, views or chat adapters',
    broken: (i) =>
      within(i.from, 'src/app') &&
      !i.external &&
      within(i.to, 'src/flows', 'src/ui', 'adapters/slack', 'adapters/teams'),
  },
  {
    name: 'src/sync is below the use-cases, the node protocol and the poller, and makes no views',
    broken: (i) =>
      within(i.from, 'src/sync') &&
      !i.external &&
      within(i.to, 'src/app', 'src/flows', 'src/ui', 'src/node', 'src/poller', 'adapters/slack', 'adapters/teams'),
  },
  {
    name: 'src/ui (the neutral view model) stands on src/domain only',
    broken: (i) =>
      within(i.from, 'src/ui') && (i.external ? !PURE_PACKAGES.includes(i.to) : !within(i.to, 'src/ui', 'src/domain')),
  },
  {
    name: 'src/poller queues notices the flows made for it, and imports no flows',
    broken: (i) => within(i.from, 'src/poller') && !i.external && within(i.to, 'src/flows'),
  },
  {
    name: 'src/store (rows and queries the use-cases and the engine share) stands on db, domain, rules and secrets only',
    broken: (i) =>
      within(i.from, 'src/store') &&
      !i.external &&
      !within(i.to, 'src/store', 'db', 'src/domain', 'src/rules', 'src/secrets.ts'),
  },
  {
    name: 'outside src/sync, the sync engine is used through its entry point, src/sync/index.ts',
    broken: (i) =>
      !i.external && within(i.to, 'src/sync') && !within(i.from, 'src/sync') && i.to !== 'src/sync/index.ts',
  },
  {
    name: 'inside src/sync, the database is queried in store.ts (and its prepared statements.ts) only',
    broken: (i) =>
      within(i.from, 'src/sync') &&
      !['src/sync/store.ts', 'src/sync/statements.ts'].includes(i.from) &&
      (i.external ? i.to === 'drizzle-orm' || i.to.startsWith('drizzle-orm/') : i.to.startsWith('db/schema')),
  },
];

function brokenRules(imports: Import[]): string[] {
  return rules.flatMap((rule) =>
    imports.filter((i) => rule.broken(i)).map((i) => `${rule.name}: ${i.from} imports ${i.to}`),
  );
}

/** Each cycle between units (Tarjan's strongly connected components of more than one unit), units sorted. */
function unitCycles(imports: Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (i.external) continue;
    const [a, b] = [unitOf(i.from), unitOf(i.to)];
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (unit: string): void => {
    index.set(unit, next);
    low.set(unit, next);
    next++;
    stack.push(unit);
    onStack.add(unit);
    for (const to of edges.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
    }
    if (low.get(unit) !== index.get(unit)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== unit);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const unit of edges.keys()) if (!index.has(unit)) visit(unit);
  return cycles;
}

/** For a cycle, the imports that make it (so a failure names the lines to look at). */
function cycleImports(imports: Import[], cycle: string[]): string[] {
  return imports
    .filter((i) => !i.external && cycle.includes(unitOf(i.from)) && cycle.includes(unitOf(i.to)))
    .filter((i) => unitOf(i.from) !== unitOf(i.to))
    .map((i) => `${i.from} imports ${i.to}`);
}

const graph = importsOf(repoRoot);

describe('the import graph of src/, adapters/ and db/', () => {
  it('is read whole: static, type-only, re-exported and dynamic imports, relative ones resolved to files', () => {
    const has = (from: string, to: string) => graph.some((i) => i.from === from && i.to === to);
    expect(new Set(graph.map((i) => i.from)).size).toBeGreaterThan(200);
    expect(has('src/service.ts', 'src/sync/index.ts')).toBe(true);
    // `import type`, `export ... from` and `import()`.
    expect(has('src/app/deps.ts', 'src/sync/index.ts')).toBe(true);
    expect(has('src/sync/index.ts', 'src/sync/engine.ts')).toBe(true);
    expect(has('src/cli/run.ts', 'src/app-deps.ts')).toBe(true);
    expect(graph.some((i) => i.from === 'src/rules/pool/rule-pool.ts' && i.to === 'node:worker_threads')).toBe(true);
  });

  it('breaks none of the layering rules', () => {
    expect(brokenRules(graph)).toEqual([]);
  });

  it('has no cycle between units', () => {
    expect(unitCycles(graph).map((cycle) => ({ cycle, imports: cycleImports(graph, cycle) }))).toEqual([]);
  });
});

describe('the layering rules', () => {
  const edge = (from: string, to: string): Import => ({
    from,
    to,
    external: !to.includes('/') || to.startsWith('node:'),
  });

  it('catch each kind of wrong import', () => {
    const wrong: Import[] = [
      edge('src/domain/instance.ts', 'node:fs'),
      edge('src/domain/instance.ts', 'db/client.ts'),
      edge('src/rules/parser.ts', 'node:worker_threads'),
      edge('src/rules/parser.ts', 'adapters/helpdesk/index.ts'),
      edge('adapters/slack/app.ts', 'db/schema/index.ts'),
      edge('adapters/teams/bot.ts', 'adapters/helpdesk/freshdesk/client.ts'),
      edge('adapters/teams/bot.ts', 'drizzle-orm'),
      edge('src/app/digest.ts', 'src/ui/model.ts'),
      edge('src/app/approvals.ts', 'src/flows/approval-card.ts'),
      edge('src/sync/engine.ts', 'src/app/deps.ts'),
      edge('src/sync/engine.ts', 'src/node/client.ts'),
      edge('src/poller/poller.ts', 'src/flows/digest.ts'),
      edge('src/store/connections.ts', 'src/app/deps.ts'),
      edge('src/app/triggers.ts', 'src/sync/store.ts'),
      edge('src/sync/engine.ts', 'drizzle-orm'),
      edge('src/sync/health.ts', 'db/schema/index.ts'),
    ];
    expect(brokenRules(wrong)).toHaveLength(wrong.length);
  });

  it('let the right ones through', () => {
    const right: Import[] = [
      edge('src/domain/request-signing.ts', 'node:crypto'),
      edge('src/rules/pool/rule-pool.ts', 'node:worker_threads'),
      edge('src/rules/index.ts', 'src/domain/errors.ts'),
      edge('adapters/slack/app.ts', 'src/flows/interactions.ts'),
      edge('src/app/triggers.ts', 'src/sync/index.ts'),
      edge('src/sync/engine.ts', 'src/sync/store.ts'),
      edge('src/sync/store.ts', 'drizzle-orm'),
      edge('src/sync/context.ts', 'src/store/instances.ts'),
      edge('src/node/routes.ts', 'src/app/instances.ts'),
    ];
    expect(brokenRules(right)).toEqual([]);
  });

  it('find a cycle between units, and only between units', () => {
    const imports = [
      edge('src/sync/engine.ts', 'src/app/deps.ts'),
      edge('src/app/triggers.ts', 'src/sync/index.ts'),
      edge('src/sync/index.ts', 'src/sync/engine.ts'),
      edge('src/node/routes.ts', 'src/app/instances.ts'),
    ];
    expect(unitCycles(imports)).toEqual([['src/app', 'src/sync']]);
    expect(unitCycles(imports.slice(1))).toEqual([]);
  });
});
