// Bundles the Studio page (src/studio/page) with esbuild into build/studio/index.html, which the
// service serves. Run by the test setup and by `npm run build:studio`; offline, from node_modules.
import { writeStudioPage } from '../src/studio/bundle.ts';

const started = performance.now();
const path = await writeStudioPage();
console.error(`build-studio: ${path} (${Math.round(performance.now() - started)} ms)`);
