// Our decoder against llvm-objdump's, instruction by instruction, over the whole corpus. Both listings
// are brought to one normal form: decimal numbers, no jump-target annotations, and the few places where
// the verifier syntax and llvm's spell the same instruction differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ElfFile, SHF_EXECINSTR } from '../../src/elf/reader.ts';
import { decodeInstructions } from '../../src/isa/instruction.ts';
import { formatVerifierInstruction, instructionStarts } from '../../src/isa/disassemble.ts';
import { corpusObjects } from '../support/paths.ts';

function normaliseLlvm(text: string): string {
  return text
    .replace(/ <[^<>]*>$/, '')
    .replace(/-?0x[0-9a-f]+/g, (h) => String(h.startsWith('-') ? -BigInt(h.slice(1)) : BigInt(h)))
    .replace(/^(r\d+) = atomic_fetch_(add|or|and|xor)\(\((u\d+) \*\)\((r\d+) ([+-]) (\d+)\), \1\)$/, (_, r, op, size, base, sign, off) =>
      `lock *(${size} *)(${base} ${sign} ${off}) ${{ add: '+', or: '|', and: '&', xor: '^' }[op as 'add']}= ${r} fetch`)
    .replace(/^(w\d+) = atomic_fetch_(add|or|and|xor)\(\((u\d+) \*\)\((r\d+) ([+-]) (\d+)\), \1\)$/, (_, w, op, size, base, sign, off) =>
      `lock *(${size} *)(${base} ${sign} ${off}) ${{ add: '+', or: '|', and: '&', xor: '^' }[op as 'add']}= ${w.replace('w', 'r')} fetch`)
    .replace(/^(r\d+) = \(s(\d+)\)(r\d+)$/, '$1 s$2= $3')
    .replace(/^(w\d+) = \(s(\d+)\)(w\d+)$/, '$1 s$2= $3')
    .replace(/ (w\d+) = bswap(\d+) /, ' $1 = swap$2 ')
    .replace(/^(r\d+) = bswap(\d+) /, '$1 = swap$2 ')
    .replace(/\s+/g, ' ')
    .trim();
}

function normaliseOurs(text: string): string {
  let line = text.replace(/^call <\d+>$/, 'call LOCAL').replace(/ <\d+>$/, '').replace(/goto 0$/, 'goto +0');
  // The verifier syntax writes a 32-bit ALU's source register as rN and a 32-bit jump as `rA w< rB`.
  if (/^w\d+ /.test(line)) line = line.replace(/\br(\d+)\b/g, 'w$1');
  line = line.replace(/^if r(\d+) w(\S+) (r(\d+)|-?\d+)/, (_, a, op, b, reg) => `if w${a} ${op} ${reg !== undefined ? `w${reg}` : b}`);
  return line.replace(/\s+/g, ' ').trim();
}

test('every instruction of the corpus decodes as llvm-objdump-19 decodes it', () => {
  let compared = 0;
  const mismatches: string[] = [];
  for (const path of corpusObjects()) {
    const elf = new ElfFile(new Uint8Array(readFileSync(path)));
    const llvm = execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', '--triple=bpfel', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const bySection = new Map<string, string[]>();
    let current: string[] | undefined;
    for (const raw of llvm.split('\n')) {
      const header = /^Disassembly of section (.*):$/.exec(raw);
      if (header) bySection.set(header[1]!, (current = bySection.get(header[1]!) ?? []));
      else if (current && /^\s+\d+:\t/.test(raw)) current.push(raw.replace(/^\s+\d+:\t/, ''));
    }
    for (const section of elf.sections) {
      if ((section.flags & SHF_EXECINSTR) === 0 || section.size === 0) continue;
      const insns = decodeInstructions(elf.sectionData(section));
      const theirs = bySection.get(section.name) ?? [];
      let i = 0;
      for (const pc of instructionStarts(insns)) {
        const expected = normaliseLlvm(theirs[i++] ?? '(missing)');
        let ours = normaliseOurs(formatVerifierInstruction(insns, pc));
        if (ours === 'call LOCAL') ours = `call ${insns[pc]!.imm}`;
        compared++;
        if (ours !== expected && mismatches.length < 20) mismatches.push(`${path} ${section.name} pc ${pc}: ours '${ours}' llvm '${expected}'`);
      }
      assert.equal(i, theirs.length, `${path} ${section.name}: instruction counts differ`);
    }
  }
  assert.deepEqual(mismatches, []);
  assert.ok(compared > 400000, `compared only ${compared} instructions`);
});
