// The rule worker's entry. Workers start with no execArgv of their own, so they load TypeScript the way the
// `deskbridge` binary does (tsx's loader, registered here) whether the service runs under tsx, vitest or the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
