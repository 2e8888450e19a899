// `show sections` and `show disassembly`: netsh's listings of an object file, to the character (spec
// §3.9, §3.11), plus their --json forms.

import { formatVerifierInstruction, instructionStarts, type HelperNaming } from '../isa/disassemble.ts';
import { lookupForm } from '../isa/opcodes.ts';
import { branchTarget } from '../isa/validate.ts';
import type { ObjectSpec, ProgramSpec } from '../object/index.ts';
import type { Platform } from '../platform/index.ts';
import { left, right } from './io.ts';

/** The program type name netsh shows for a section (`unspec` when no prefix matches). */
export function programTypeName(platform: Platform, section: string): string {
  const info = platform.sectionInfo(section);
  return (info && platform.programTypeById(info.programType)?.name) ?? 'unspec';
}

/** The programs netsh lists: `.text` functions only when the file has no other program. */
export function listedPrograms(object: ObjectSpec): readonly ProgramSpec[] {
  const others = object.programs.filter((p) => p.section !== '.text');
  return others.length > 0 ? others : object.programs;
}

/** Instruction statistics of a program, as PREVAIL's collect_stats names them. */
export function programStatistics(program: ProgramSpec, platform: Platform): [string, number][] {
  const insns = program.instructions;
  const stats = new Map<string, number>(['arith', 'arith32', 'arith64', 'assign', 'call_1', 'call_mem', 'call_nomem', 'instructions', 'joins', 'jumps', 'load', 'load_store', 'map_in_map', 'other', 'packet_access', 'reallocate', 'store'].map((k) => [k, 0]));
  const bump = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1);
  const starts = [...instructionStarts(insns)];
  const incoming = new Map<number, number>();
  const addEdge = (to: number) => incoming.set(to, (incoming.get(to) ?? 0) + 1);
  const programType = platform.programTypeById(platform.sectionInfo(program.section)?.programType ?? -1);
  for (const pc of starts) {
    const insn = insns[pc]!;
    const form = lookupForm(insn);
    bump('instructions');
    if (!form) {
      bump('other');
      continue;
    }
    const s = form.semantics;
    const next = pc + form.slots;
    switch (s.kind) {
      case 'alu':
        bump(s.is64 ? 'arith64' : 'arith32');
        bump(s.op === 'mov' || s.op === 'movsx' ? 'assign' : 'arith');
        addEdge(next);
        break;
      case 'endian':
        bump('arith');
        addEdge(next);
        break;
      case 'lddw':
        bump('assign');
        addEdge(next);
        break;
      case 'load':
        bump('load');
        addEdge(next);
        break;
      case 'store':
        bump('store');
        addEdge(next);
        break;
      case 'atomic':
        bump('load_store');
        addEdge(next);
        break;
      case 'packet-load':
        bump('packet_access');
        addEdge(next);
        break;
      case 'jump':
        bump('jumps');
        bump('other');
        addEdge(next);
        addEdge(branchTarget(insn, form, pc)!);
        break;
      case 'ja':
        bump('other');
        addEdge(branchTarget(insn, form, pc)!);
        break;
      case 'call': {
        addEdge(next);
        if (s.target !== 'helper') {
          bump('other');
          break;
        }
        const helper = platform.helper(programType, insn.imm);
        if (helper?.returns === 'map_value_or_null') bump('call_1');
        else if (helper && helper.args.every((a) => a === 'anything')) bump('call_nomem');
        else bump('call_mem');
        if (helper?.reallocatesPacket) stats.set('reallocate', 1);
        break;
      }
      case 'exit':
        bump('other');
        break;
    }
  }
  stats.set('joins', [...incoming.values()].filter((n) => n > 1).length);
  return [...stats.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `show sections` in netsh's normal or verbose format. */
export function formatSections(object: ObjectSpec, platform: Platform, options: { section?: string; verbose: boolean }): string {
  const programs = listedPrograms(object).filter((p) => options.section === undefined || p.section === options.section);
  let text = '';
  if (!options.verbose) {
    text += '\n';
    text += `${' '.repeat(69)}Size\n`;
    text += `${right('Section', 30)}  ${right('Program', 24)}  ${right('Type', 9)}  (bytes)\n`;
    text += `${'='.repeat(30)}  ${'='.repeat(24)}  ${'='.repeat(9)}  ${'='.repeat(7)}\n`;
    for (const p of programs) text += `${right(p.section, 30)}  ${right(p.name, 24)}  ${right(programTypeName(platform, p.section), 9)}  ${right(p.size, 7)}\n`;
  } else {
    for (const p of programs) {
      text += '\n';
      text += `Section      : ${p.section}\n`;
      text += `Program      : ${p.name}\n`;
      text += `Program Type : ${programTypeName(platform, p.section)}\n`;
      text += `Size         : ${p.size} bytes\n`;
      for (const [key, value] of [['Instructions', p.instructions.length] as [string, number], ...programStatistics(p, platform)]) {
        text += `${left(key, 13)}: ${value}\n`;
      }
    }
  }
  text += '\n';
  text += '                     Key  Value      Max\n';
  text += '          Map Type  Size   Size  Entries  Name\n';
  text += '==================  ====  =====  =======  ========\n';
  for (const m of object.maps) {
    const type = platform.mapTypeById(m.type)?.displayName ?? 'unspec';
    text += `${right(type, 18)}${right(m.keySize, 6)}${right(m.valueSize, 7)}${right(m.maxEntries, 9)}  ${m.name}\n`;
  }
  return text;
}

/** Helper names and argument kinds for the disassembler, from the platform. */
export function helperNaming(platform: Platform, section: string): HelperNaming {
  const programType = platform.programTypeById(platform.sectionInfo(section)?.programType ?? -1);
  return { helper: (id) => platform.helper(programType, id) };
}

/** `show disassembly` of one program: source lines from line info, then `pc:<TAB>instruction`. */
export function formatDisassembly(program: ProgramSpec, platform: Platform): string {
  const naming = helperNaming(platform, program.section);
  const lines = new Map(program.lineInfo.map((l) => [l.pc, l]));
  let previousSource: string | undefined;
  let text = '';
  for (const pc of instructionStarts(program.instructions)) {
    const line = lines.get(pc);
    if (line && line.source !== previousSource) {
      text += `; ${line.file}:${line.line}\n; ${line.source}\n`;
      previousSource = line.source;
    }
    text += `${right(pc, 8)}:\t${formatVerifierInstruction(program.instructions, pc, naming)}\n`;
  }
  return text;
}
