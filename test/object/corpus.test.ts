import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Btf } from '../../src/btf/btf.ts';
import { formatBtfDump } from '../../src/btf/dump.ts';
import { ElfFile } from '../../src/elf/reader.ts';
import { decodeInstructions } from '../../src/isa/instruction.ts';
import { openObjectFile } from '../../src/object/index.ts';
import { corpusObjects } from '../support/paths.ts';

const objects = corpusObjects();

test('the ebpf-samples corpus is present', () => {
  assert.ok(objects.length >= 160, `expected the corpus under ../shared/data/ebpf-samples, found ${objects.length} objects`);
});

test('every object of the corpus opens, with at least one program', async (t) => {
  const failures: string[] = [];
  let programs = 0;
  let maps = 0;
  let subprograms = 0;
  for (const path of objects) {
    try {
      const object = await openObjectFile(path);
      programs += object.programs.length;
      maps += object.maps.length;
      subprograms += object.programs.reduce((n, p) => n + p.functions.length - 1, 0);
      if (object.programs.length === 0) failures.push(`${path}: no programs`);
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message}`);
    }
  }
  t.diagnostic(`${objects.length} objects opened: ${programs} programs (${subprograms} linked subprogram copies), ${maps} maps`);
  assert.deepEqual(failures, []);
  assert.ok(programs > 500, `only ${programs} programs found`);
});

test("each program's own instructions are its section's bytes, except the lddw and call slots linking rewrote", async (t) => {
  let slots = 0;
  for (const path of objects) {
    const object = await openObjectFile(path);
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    for (const program of object.programs) {
      const section = elf.sections[program.sectionIndex]!;
      const raw = decodeInstructions(elf.sectionData(section).subarray(program.offset, program.offset + program.size));
      raw.forEach((insn, pc) => {
        const linked = program.instructions[pc]!;
        const rewritten = insn.opcode === 0x18 || insn.opcode === 0x85 || (pc > 0 && raw[pc - 1]!.opcode === 0x18);
        if (!rewritten) assert.deepEqual(linked, insn, `${path} ${program.name} pc ${pc}`);
        else assert.equal(linked.opcode, insn.opcode, `${path} ${program.name} pc ${pc}`);
      });
      slots += raw.length;
    }
  }
  t.diagnostic(`${slots} program slots compared with their section bytes`);
});

test('BTF prints exactly as `bpftool btf dump file` prints it, for every corpus object with BTF', (t) => {
  let compared = 0;
  for (const path of objects) {
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    const section = elf.section('.BTF');
    if (!section) continue;
    const ours = formatBtfDump(Btf.parse(elf.sectionData(section)));
    const bpftool = execFileSync('bpftool', ['btf', 'dump', 'file', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(ours, bpftool, path);
    compared++;
  }
  t.diagnostic(`${compared} objects with BTF printed identically to bpftool; ${objects.length - compared} have no .BTF`);
  assert.ok(compared >= 75, `only ${compared} objects had BTF`);
});
