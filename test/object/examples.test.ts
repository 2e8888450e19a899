import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObjectFile } from '../../src/object/index.ts';
import { compileTestProgram } from '../support/compile.ts';
import { repoRoot } from '../support/paths.ts';

test('the canonical example has one bind program and the proc_map hash map (key 4, value 40, 1024 entries)', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')));
  assert.deepEqual(object.programs.map((p) => [p.section, p.name, p.size]), [['bind', 'TraceConnections', 46 * 8]]);
  const [map] = object.maps;
  assert.equal(object.maps.length, 1);
  assert.deepEqual([map!.name, map!.type, map!.keySize, map!.valueSize, map!.maxEntries], ['proc_map', 1, 4, 40, 1024]);
  assert.equal(object.license, 'Dual BSD/GPL');
  assert.equal(object.platformMarker, true);
});

test('lddw map references are rewritten to map indexes, and line info carries the source text', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')));
  const program = object.programs[0]!;
  assert.ok(program.mapReferences.length >= 2);
  for (const ref of program.mapReferences) {
    const insn = program.instructions[ref.pc]!;
    assert.equal(insn.opcode, 0x18);
    assert.equal(insn.src, 1);
    assert.equal(insn.imm, ref.mapIndex);
  }
  assert.ok(program.lineInfo.some((l) => l.source.includes('bpf_map_lookup_elem(&proc_map, &pid)') && l.file.endsWith('TraceConnections.c')));
});

test('globals, legacy maps, shared subprograms, prog-array and map-in-map initial values are read', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'object', 'testdata', 'features.c')));
  const byName = new Map(object.maps.map((m) => [m.name, m]));
  assert.deepEqual(object.programs.map((p) => p.name).sort(), ['callee', 'first', 'second']);
  const legacy = byName.get('legacy_map')!;
  assert.deepEqual([legacy.source, legacy.type, legacy.keySize, legacy.valueSize, legacy.maxEntries], ['maps', 2, 4, 8, 16]);
  const rodata = [...byName.values()].find((m) => m.section.startsWith('.rodata'))!;
  assert.equal(rodata.readOnly, true);
  assert.ok(byName.get('.data')!.data!.length >= 8);
  assert.ok(byName.get('.bss'));
  const programs = byName.get('programs')!;
  assert.deepEqual(programs.initialValues, [{ index: 1, name: 'callee', kind: 'program' }]);
  const outer = byName.get('outer')!;
  assert.deepEqual(outer.initialValues, [{ index: 0, name: 'inner', kind: 'map' }]);
  assert.deepEqual([outer.innerMap!.type, outer.innerMap!.keySize, outer.innerMap!.valueSize], [2, 4, 4]);
  for (const name of ['first', 'second']) {
    const program = object.programs.find((p) => p.name === name)!;
    assert.deepEqual(program.functions.map((f) => f.name), [name, 'shared_helper']);
    const call = program.instructions.findIndex((i) => i.opcode === 0x85 && i.src === 1);
    assert.equal(call + 1 + program.instructions[call]!.imm, program.functions[1]!.startPc);
  }
  const first = object.programs.find((p) => p.name === 'first')!;
  const valueRef = first.mapReferences.find((r) => r.kind === 'value');
  assert.ok(valueRef, 'a reference into .data or .rodata');
});
