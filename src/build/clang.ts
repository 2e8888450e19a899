// Compiling eBPF programs written in C: clang with the project's headers and the flags eBPF needs.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's C headers (include/). */
export const INCLUDE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'include');

/** A compilation that failed: clang is missing, or it reported errors (its diagnostics are the message). */
export class BuildError extends Error {
  readonly code: 'CLANG_NOT_FOUND' | 'COMPILE_FAILED' | 'SOURCE_NOT_FOUND';
  constructor(code: BuildError['code'], message: string) {
    super(message);
    this.name = 'BuildError';
    this.code = code;
  }
}

function run(command: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(command, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

// Found compilers by $CLANG, so a test suite compiling hundreds of programs asks once.
const found = new Map<string, string>();

/** The clang to use: $CLANG (and nothing else when it is set), else clang-19, else clang. */
export async function findClang(env: Readonly<Record<string, string | undefined>> = process.env): Promise<string> {
  const candidates = env.CLANG ? [env.CLANG] : ['clang-19', 'clang'];
  const known = found.get(candidates.join('\0'));
  if (known) return known;
  for (const candidate of candidates) {
    const { code } = await run(candidate, ['--version']);
    if (code === 0) {
      found.set(candidates.join('\0'), candidate);
      return candidate;
    }
  }
  throw new BuildError('CLANG_NOT_FOUND', `clang not found (tried ${candidates.join(', ')}); install it with: apt-get install clang-19`);
}

/** Options of compileC. */
export interface CompileOptions {
  /** The object to write (default: the source's name with .o, beside it). */
  outPath?: string;
  extraFlags?: readonly string[];
  includeDirs?: readonly string[];
}

/** Compiles one C file with `-target bpf -g -O2 -Werror` and our headers. */
export async function compileC(sourcePath: string, options: CompileOptions = {}): Promise<{ objectPath: string }> {
  if (!existsSync(sourcePath)) throw new BuildError('SOURCE_NOT_FOUND', `No such file or directory: ${sourcePath}`);
  const clang = await findClang();
  const objectPath = options.outPath ?? join(dirname(sourcePath), basename(sourcePath).replace(/\.c$/, '') + '.o');
  const includes = [INCLUDE_DIR, ...(options.includeDirs ?? [])].flatMap((dir) => ['-I', dir]);
  const args = ['-target', 'bpf', '-g', '-O2', '-Werror', ...includes, ...(options.extraFlags ?? []), '-c', sourcePath, '-o', objectPath];
  const { code, stderr } = await run(clang, args);
  if (code !== 0) throw new BuildError('COMPILE_FAILED', `${clang} failed to compile ${sourcePath}:\n${stderr.trim()}`);
  return { objectPath };
}
