import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObjectFile, programTypeOf } from '../../src/object/index.ts';
import { windowsPlatform } from '../../src/platform/index.ts';
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

test("each program's type and attach type come from its section name through the platform", async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'examples', 'TraceConnections.c')));
  const bind = windowsPlatform.sectionInfo('bind')!;
  assert.equal(windowsPlatform.programTypeById(bind.programType)?.name, 'bind');
  assert.deepEqual([object.programs[0]!.programType, object.programs[0]!.attachType], [bind.programType, bind.attachType]);
  assert.deepEqual(programTypeOf('no-such-section/x'), { programType: 0, attachType: 0 });
});

test('two programs sharing a section each start at their own symbol, with the section size recorded', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'object', 'testdata', 'features.c')));
  const [first, second] = ['first', 'second'].map((name) => object.programs.find((p) => p.name === name)!);
  assert.equal(first!.section, second!.section);
  assert.equal(first!.sectionSize, second!.sectionSize);
  assert.equal(first!.sectionSize, first!.size + second!.size);
  assert.equal(second!.offset, first!.offset + first!.size);
});

test("line info and function info follow a linked subprogram to its pcs in each program that calls it", async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'object', 'testdata', 'features.c')));
  for (const program of object.programs.filter((p) => p.name === 'first' || p.name === 'second')) {
    const helper = program.functions.find((f) => f.name === 'shared_helper')!;
    const helperLines = program.lineInfo.filter((l) => l.pc >= helper.startPc);
    assert.ok(helperLines.some((l) => l.source.includes('return x * 2 + limit;') && l.file.endsWith('features.c')), program.name);
    assert.ok(program.lineInfo.filter((l) => l.pc < helper.startPc).every((l) => !l.source.includes('x * 2 + limit')), program.name);
    assert.ok(program.functions.every((f) => f.typeId !== undefined && object.btf!.type(f.typeId)?.kind === 'FUNC'), program.name);
  }
});

test('global variables become array maps holding their initial bytes, and lddw into them carries the offset', async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'object', 'testdata', 'features.c')));
  const data = object.maps.find((m) => m.name === '.data')!;
  assert.deepEqual([data.type, data.keySize, data.maxEntries, data.valueSize], [2, 4, 1, data.data!.length]);
  assert.ok(new DataView(data.data!.buffer, data.data!.byteOffset).getBigUint64(0, true) === 7n, 'counter = 7');
  const rodata = object.maps.find((m) => m.section.startsWith('.rodata'))!;
  assert.equal(new DataView(rodata.data!.buffer, rodata.data!.byteOffset).getUint32(0, true), 3, 'limit = 3');
  const bss = object.maps.find((m) => m.name === '.bss')!;
  assert.ok(bss.data!.every((b) => b === 0));
  const first = object.programs.find((p) => p.name === 'first')!;
  for (const ref of first.mapReferences.filter((r) => r.kind === 'value')) {
    assert.deepEqual([first.instructions[ref.pc]!.src, first.instructions[ref.pc]!.imm, first.instructions[ref.pc + 1]!.imm], [2, ref.mapIndex, ref.offset]);
  }
});

test("Windows legacy maps of maps find their inner template by inner_id or by inner_map_idx", async () => {
  const object = await openObjectFile(await compileTestProgram(join(repoRoot, 'test', 'object', 'testdata', 'legacy_inner.c')));
  const byName = new Map(object.maps.map((m) => [m.name, m]));
  const template = byName.get('inner_template')!;
  assert.deepEqual([template.type, template.keySize, template.valueSize, template.maxEntries, template.id], [2, 4, 8, 1, 10]);
  assert.equal(byName.get('outer_by_id')!.innerMap, template);
  assert.equal(byName.get('outer_by_index')!.innerMap, template);
  assert.equal(byName.get('outer_by_index')!.pinning, 1);
});
