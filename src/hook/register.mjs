// Entry point of `node --import ebpf-for-node/hook app.js`. The hook is TypeScript; to keep the
// application's start fast it runs from one JavaScript bundle, built with esbuild on first use into
// build/hook/ (and rebuilt when a source is newer), written atomically so concurrent starts never read a
// half-written file. Without esbuild it falls back to tsx's scoped import (slower to start, same code).
import { mkdirSync, renameSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bundle = join(root, 'build', 'hook', 'install.mjs');

function newestSource() {
  let newest = 0;
  for (const dir of [here, join(root, 'src', 'service'), join(root, 'src', 'client')]) {
    for (const name of readdirSync(dir)) if (name.endsWith('.ts')) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

function fresh() {
  try {
    return statSync(bundle).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

async function build() {
  const { buildSync } = await import('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  const temporary = `${bundle}.${process.pid}.tmp`;
  buildSync({ entryPoints: [join(here, 'install.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: temporary, logLevel: 'silent' });
  renameSync(temporary, bundle);
}

let loaded = false;
try {
  if (!fresh()) await build();
  await import(pathToFileURL(bundle).href);
  loaded = true;
} catch {
  // esbuild missing or the build directory not writable: run the sources through tsx instead.
}
if (!loaded) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('./install.ts', import.meta.url);
}
