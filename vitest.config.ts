import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default leaves a core free (one worker on a 2-core machine), but most of these tests wait on loopback
    // HTTP, child processes and timers: one worker per core took the suite from 275 s to 176 s on 2 cores.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
