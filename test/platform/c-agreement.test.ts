// The platform table and the C headers state the same ABI twice, for two audiences: these tests generate
// C from the table and let clang check it against include/, so the two can never drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileC } from '../../src/build/clang.ts';
import { windowsPlatform as platform } from '../../src/platform/index.ts';
import type { HelperPrototype } from '../../src/platform/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'platform-c-'));
const headers = ['bpf_helpers.h', ...new Set(platform.programTypes.map((t) => t.header))].map((h) => `#include <${h}>`);
const check = (condition: string, what: string) => `_Static_assert(${condition}, "${what}");`;

async function compile(name: string, lines: readonly string[]): Promise<string> {
  const source = join(dir, `${name}.c`);
  writeFileSync(source, [...headers, ...lines, ''].join('\n'));
  const { objectPath } = await compileC(source, { outPath: join(dir, `${name}.o`), extraFlags: ['-nostdinc'] });
  return objectPath;
}

/** The name C programs call a helper by. */
const cName = (helper: HelperPrototype) => helper.cName ?? helper.name;
const allHelpers = [...platform.helpers.values(), ...platform.programTypes.flatMap((t) => t.helpers)];

test('every context struct has the size, field offsets and field sizes of the platform table', async () => {
  const lines = ['#define member_size(t, f) sizeof(((t*)0)->f)'];
  for (const t of platform.programTypes) {
    lines.push(check(`sizeof(${t.contextStruct}) == ${t.contextSize}`, `${t.name} context size`));
    for (const f of t.fields) {
      lines.push(check(`__builtin_offsetof(${t.contextStruct}, ${f.name}) == ${f.offset}`, `${t.name}.${f.name} offset`));
      lines.push(check(`member_size(${t.contextStruct}, ${f.name}) == ${f.size}`, `${t.name}.${f.name} size`));
    }
  }
  assert.ok(lines.length > 100);
  await compile('layouts', lines);
});

test('every field of every context struct is in the platform table', async () => {
  // BTF (as bpftool prints it) lists each struct's members; anonymous unions' members count as the struct's.
  const lines = platform.programTypes.map((t) => `${t.contextStruct} ${t.name}_context;`);
  const object = await compile('members', lines);
  const dump = execFileSync('bpftool', ['btf', 'dump', 'file', object], { encoding: 'utf8' });
  for (const t of platform.programTypes) {
    const members = structMembers(dump, t.contextStruct);
    assert.deepEqual(members.sort(), t.fields.map((f) => f.name).sort(), t.name);
  }
});

/** Member names of a typedef'd struct in bpftool's raw BTF dump, anonymous members' own members included. */
function structMembers(dump: string, typedefName: string): string[] {
  const types = new Map<number, { kind: string; name: string; members: { name: string; type: number }[]; type?: number }>();
  let current: { kind: string; name: string; members: { name: string; type: number }[]; type?: number } | undefined;
  for (const line of dump.split('\n')) {
    const head = /^\[(\d+)\] (\w+) '([^']*)'(?:.*type_id=(\d+))?/.exec(line);
    if (head) {
      current = { kind: head[2]!, name: head[3]!, members: [], ...(head[4] ? { type: Number(head[4]) } : {}) };
      types.set(Number(head[1]), current);
      continue;
    }
    const member = /^\s+'([^']*)' type_id=(\d+)/.exec(line);
    if (member && current) current.members.push({ name: member[1]!, type: Number(member[2]) });
  }
  const typedef = [...types.values()].find((t) => t.kind === 'TYPEDEF' && t.name === typedefName);
  assert.ok(typedef?.type !== undefined, `typedef ${typedefName} in BTF`);
  const walk = (id: number): string[] =>
    types.get(id)!.members.flatMap((m) => (m.name === '' || m.name === '(anon)' ? walk(m.type) : [m.name]));
  return walk(typedef.type);
}

test('map, program and attach type numbers in ebpf_structs.h equal the platform\'s', async () => {
  const lines = [
    ...platform.mapTypes.map((m) => check(`${m.name} == ${m.id}`, m.name)),
    ...platform.programTypes.map((t) => check(`${t.enumName} == ${t.id}`, t.enumName)),
    ...platform.attachTypes.map((a) => check(`${a.enumName} == ${a.id}`, a.enumName)),
  ];
  await compile('enums', lines);
});

test('every helper\'s BPF_FUNC_ id in the headers equals the platform\'s', async () => {
  const lines = allHelpers.map((h) => check(`BPF_FUNC_${cName(h).replace(/^bpf_/, '')} == ${h.id}`, cName(h)));
  await compile('helper-ids', lines);
});

test('calling each helper by its C name compiles to `call <its id>` (the call-by-id trick)', async () => {
  // Through a cast to a no-argument function: what matters is the id the name's macro carries.
  const lines = allHelpers.map((h, i) => `SEC("calls") long call_${i}(void) { return ((long (*)(void))${cName(h)})(); }`);
  const object = await compile('helper-calls', lines);
  const listing = execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', object], { encoding: 'utf8' });
  const calls = [...listing.matchAll(/\bcall (0x[0-9a-f]+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(calls, allHelpers.map((h) => h.id));
});
