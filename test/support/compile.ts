// Compiles C test programs with clang against the project's headers, into a temporary directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compileC } from '../../src/build/clang.ts';

const outDir = mkdtempSync(join(tmpdir(), 'ebpf-test-'));

/** Compiles `source` (a path) to an object in a temporary directory and returns the object's path. */
export async function compileTestProgram(source: string, extraFlags: string[] = []): Promise<string> {
  const outPath = join(outDir, basename(source).replace(/\.c$/, '') + (extraFlags.length ? `-${extraFlags.join('').replace(/[^a-zA-Z0-9]/g, '')}` : '') + '.o');
  const { objectPath } = await compileC(source, { outPath, extraFlags });
  return objectPath;
}
