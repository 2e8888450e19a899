// Running a Node application under the hook, for the hook's tests.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.ts';

// The hook's entry point, as `node --import` takes it.
const hook = join(repoRoot, 'src', 'hook', 'register.mjs');

/** Writes `source` as DIR/NAME and runs it under the hook; resolves with its exit code, output and pid. */
export function underHook(dir: string, name: string, source: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string; pid: number }> {
  const file = join(dir, name);
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, file], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err, pid: child.pid! }));
  });
}
