// The C headers in include/: programs written against the eBPF for Windows ABI compile with clang-19 and
// no libc, and what they compile to calls the helpers by their Windows ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { compileC, INCLUDE_DIR } from '../../src/build/clang.ts';
import { repoRoot } from '../support/paths.ts';
import { disassembly, helperCalls, sectionNames } from './llvm-tools.ts';

const out = mkdtempSync(join(tmpdir(), 'headers-'));
const examples = join(repoRoot, 'examples');
const programs = join(repoRoot, 'test', 'headers', 'programs');

/** Compiles with the project's flags and -nostdinc, so any reach for a libc header fails. */
async function compileWithoutLibc(source: string, name = basename(source, '.c')): Promise<string> {
  const { objectPath } = await compileC(source, { outPath: join(out, `${name}.o`), extraFlags: ['-nostdinc'] });
  return objectPath;
}

function headersUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.h'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

test('the canonical example compiles with exactly the documented command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canonical-'));
  symlinkSync(INCLUDE_DIR, join(dir, 'include'));
  copyFileSync(join(examples, 'TraceConnections.c'), join(dir, 'TraceConnections.c'));
  execFileSync('clang-19', ['-target', 'bpf', '-g', '-O2', '-Werror', '-I', 'include', '-c', 'TraceConnections.c', '-o', 'TraceConnections.o'], { cwd: dir });
  const calls = helperCalls(join(dir, 'TraceConnections.o'));
  assert.ok(calls.includes(1), 'bpf_map_lookup_elem is helper 1');
  assert.ok(calls.includes(2), 'bpf_map_update_elem is helper 2');
  assert.ok(calls.includes(0x16), 'memcpy becomes bpf_memcpy_s, helper 22 (call 0x16)');
  assert.match(disassembly(join(dir, 'TraceConnections.o')), /call 0x16/);
});

test('the canonical example is the issue text, byte for byte', () => {
  const digest = createHash('sha256').update(readFileSync(join(examples, 'TraceConnections.c'))).digest('hex');
  assert.equal(digest, '44d30ea5d1d64f2ace729f94451b91021ad9a3e0b539a48719638f63ca6fac2d');
});

test('the printk variant compiles, and bpf_printk with one value calls trace_printk3 (13)', async () => {
  const calls = helperCalls(await compileWithoutLibc(join(examples, 'TraceConnectionsPrintk.c')));
  assert.deepEqual(calls.slice(0, 2), [13, 1]);
  assert.ok(calls.includes(0x16));
});

const exampleFiles = readdirSync(examples).filter((f) => f.endsWith('.c')).sort();

test('every example compiles with no libc and carries the .ebpf_for_windows marker section', async () => {
  assert.ok(exampleFiles.length >= 10, `examples: ${exampleFiles.join(', ')}`);
  for (const file of exampleFiles) {
    const sections = sectionNames(await compileWithoutLibc(join(examples, file)));
    assert.ok(sections.includes('.ebpf_for_windows'), `${file}: ${sections.join(' ')}`);
    assert.ok(sections.includes('license'), `${file} declares its license`);
  }
});

test('every header compiles on its own, first in a file, with no libc', async () => {
  const headers = headersUnder(INCLUDE_DIR);
  assert.ok(headers.includes('net/if_ether.h') && headers.includes('bpf_helpers.h'));
  for (const header of headers) {
    const source = join(out, `alone-${header.replace(/[/.]/g, '_')}.c`);
    writeFileSync(source, `#include <${header}>\nint header_compiles_alone;\n`);
    await compileWithoutLibc(source);
  }
});

test('memcpy, memcmp, memset, memmove and the _s forms become helpers 22-25', async () => {
  const object = await compileWithoutLibc(join(programs, 'mem_functions.c'));
  assert.deepEqual(helperCalls(object), [22, 23, 24, 25, 22, 25]);
  // memset(p, v, n) is bpf_memset(p, n, v): the value travels in r3.
  assert.match(disassembly(object), /r3 = 0x5a\s*\n\s*\d+:\s*call 0x18/);
});

test('bpf_printk picks trace_printk2..5 by its number of values', async () => {
  assert.deepEqual(helperCalls(await compileWithoutLibc(join(programs, 'printk_arity.c'))), [12, 13, 14, 15]);
});

test('a program in the style of eBPF for Windows samples compiles unchanged: <stdint.h>, Linux header names, legacy maps', async () => {
  const object = await compileWithoutLibc(join(programs, 'windows_style.c'));
  assert.ok(sectionNames(object).includes('maps'));
  assert.deepEqual(helperCalls(object), [1, 1]);
});

test('verdicts, flags, limits and packet header layouts hold the spec values (checked by the compiler)', async () => {
  await compileWithoutLibc(join(programs, 'abi_constants.c'));
});
