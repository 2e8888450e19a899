import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { windowsPlatform } from '../../src/platform/index.ts';
import { compileTestProgram } from '../support/compile.ts';

test('the 35 general helpers have ids 1-35 and the names the verifier reports', () => {
  assert.deepEqual([...windowsPlatform.helpers.keys()], Array.from({ length: 35 }, (_, i) => i + 1));
  assert.equal(windowsPlatform.helpers.get(1)!.name, 'bpf_map_lookup_elem');
  assert.equal(windowsPlatform.helpers.get(22)!.name, 'bpf_memcpy');
  assert.deepEqual(windowsPlatform.helpers.get(22)!.args, ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero']);
});

test('the longest matching section prefix wins', () => {
  const info = (s: string) => windowsPlatform.sectionInfo(s);
  assert.equal(info('bind')!.programType, 2);
  assert.equal(info('bind/0')!.attachType, 2);
  assert.equal(info('cgroup/connect4')!.attachType, 3);
  assert.equal(info('cgroup/connect_authorization4')!.attachType, 12);
  assert.equal(info('xdp')!.programType, 1);
  assert.equal(info('sample_ext/1')!.programType, 999);
  assert.equal(info('kprobe/sys_open'), undefined);
});

test('program-type helpers are found only for their own type', () => {
  const xdp = windowsPlatform.programTypeByName('xdp')!;
  const bind = windowsPlatform.programTypeByName('bind')!;
  assert.equal(windowsPlatform.helper(xdp, 65536)!.name, 'bpf_xdp_adjust_head');
  assert.equal(windowsPlatform.helper(bind, 65536), undefined);
  assert.equal(windowsPlatform.helper(bind, 2)!.name, 'bpf_map_update_elem');
});

test('every context layout in the platform equals the C struct in include/ (checked by clang)', async () => {
  const lines = [
    '#include <bpf_helpers.h>',
    '#include <xdp_hooks.h>',
    '#include <ebpf_process_hooks.h>',
    '#include <sample_ext_helpers.h>',
    '#define offsetof(t, f) __builtin_offsetof(t, f)',
  ];
  for (const type of windowsPlatform.programTypes) {
    lines.push(`_Static_assert(sizeof(${type.contextStruct}) == ${type.contextSize}, "${type.name} size");`);
    for (const field of type.fields) {
      lines.push(`_Static_assert(offsetof(${type.contextStruct}, ${field.name}) == ${field.offset}, "${type.name}.${field.name} offset");`);
      lines.push(`_Static_assert(sizeof(((${type.contextStruct}*)0)->${field.name}) == ${field.size}, "${type.name}.${field.name} size");`);
    }
  }
  lines.push('SEC("xdp") int f(xdp_md_t* ctx) { return XDP_PASS; }');
  const dir = mkdtempSync(join(tmpdir(), 'layout-'));
  const source = join(dir, 'layouts.c');
  writeFileSync(source, lines.join('\n') + '\n');
  await compileTestProgram(source);
});

test('map type display names follow netsh', () => {
  assert.deepEqual(windowsPlatform.mapTypes.map((m) => m.displayName).slice(0, 5), ['unspec', 'hash', 'array', 'prog_array', 'percpu_hash']);
  assert.equal(windowsPlatform.mapTypeById(13)!.displayName, 'ringbuf');
});
