// Worker threads do not inherit the TypeScript loader of every host (vitest runs TS in-process):
// register tsx here, then load the worker proper.
import { register } from 'tsx/esm/api';

register();
await import('./lift-worker.ts');
