// The Studio page as one self-contained HTML document: the Preact app under ./page bundled by esbuild
// (from node_modules, never a CDN) with its stylesheet, both inlined, so the page needs nothing but the
// service. Built by `npm run build:studio` (which the test setup runs) into build/studio/index.html; the
// service serves that file while it is newer than every page source, and builds it itself otherwise.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pageDir = fileURLToPath(new URL('./page/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where the built page is kept. */
export const builtPagePath = join(repoRoot, 'build', 'studio', 'index.html');

function newestSource(): number {
  let newest = 0;
  for (const name of readdirSync(pageDir)) newest = Math.max(newest, statSync(join(pageDir, name)).mtimeMs);
  return newest;
}

/** Bundles the page (JavaScript minified) and returns the HTML document. */
export async function buildStudioPage(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(pageDir, 'main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]!.text;
  // esbuild escapes `</script` inside strings for inline scripts; a bundle that still has one would end the tag early.
  if (/<\/script/i.test(js)) throw new Error('the Studio bundle contains </script and cannot be inlined');
  const css = readFileSync(join(pageDir, 'styles.css'), 'utf8');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>eBPF Studio</title>
<style>${css}</style>
</head>
<body>
<div id="app"><p>Loading eBPF Studio…</p></div>
<script>${js}</script>
</body>
</html>
`;
}

/** Builds the page and writes it to build/studio/index.html. */
export async function writeStudioPage(): Promise<string> {
  const html = await buildStudioPage();
  mkdirSync(dirname(builtPagePath), { recursive: true });
  writeFileSync(builtPagePath, html);
  return builtPagePath;
}

let cached: Promise<string> | undefined;

/** The page's HTML: the built file when it is up to date, else built now (once per process). */
export function studioPage(): Promise<string> {
  cached ??= (async () => {
    if (existsSync(builtPagePath) && statSync(builtPagePath).mtimeMs >= newestSource()) return readFileSync(builtPagePath, 'utf8');
    return buildStudioPage();
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
