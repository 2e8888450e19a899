// Entry point of `node --import ebpf-for-node/hook app.js`: loads the TypeScript hook through tsx's
// scoped import, so the application's own modules are not compiled by tsx.
import { tsImport } from 'tsx/esm/api';

await tsImport('./install.ts', import.meta.url);
