import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INCLUDE_DIR } from '../../src/build/clang.ts';
import { repoRoot } from '../support/paths.ts';

const out = mkdtempSync(join(tmpdir(), 'headers-'));
const examples = join(repoRoot, 'examples');

test('the canonical example compiles with exactly the documented command', () => {
  execFileSync('clang-19', ['-target', 'bpf', '-g', '-O2', '-Werror', '-I', INCLUDE_DIR, '-c', 'TraceConnections.c', '-o', join(out, 'TraceConnections.o')], { cwd: examples });
  const listing = execFileSync('llvm-objdump-19', ['-d', join(out, 'TraceConnections.o')], { encoding: 'utf8' });
  assert.match(listing, /call 0x1\b/);
  assert.match(listing, /call 0x2\b/);
  assert.match(listing, /call 0x16\b/, 'memcpy becomes helper 22 (bpf_memcpy_s)');
});

test('the headers need no libc: the printk variant compiles with -nostdinc and carries the platform marker', () => {
  const object = join(out, 'printk.o');
  execFileSync('clang-19', ['-target', 'bpf', '-g', '-O2', '-Werror', '-nostdinc', '-I', INCLUDE_DIR, '-c', join(examples, 'TraceConnectionsPrintk.c'), '-o', object]);
  const listing = execFileSync('llvm-objdump-19', ['-d', '-h', object], { encoding: 'utf8' });
  assert.match(listing, /\.ebpf_for_windows/);
  assert.match(listing, /call 0xd\b/, 'bpf_printk with one argument becomes trace_printk3 (13)');
});
