// Linking one program, as libbpf does at open: the program's own function, then every subprogram it
// reaches by local calls (or by taking a function's address), appended after it; calls made relative to
// the linked code, lddw relocations turned into map references, line and function info moved to the
// linked program's pcs.

import type { FuncInfo, LineInfo } from '../btf/ext.ts';
import { STB_LOCAL, STT_FUNC, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/reader.ts';
import { INSTRUCTION_SIZE, type Instruction } from '../isa/instruction.ts';
import { CALL_KFUNC, PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE } from '../isa/opcodes.ts';
import { ObjectError, type MapReference, type ProgramFunction, type ProgramLineInfo } from './types.ts';

/** The lddw opcode (BPF_LD | BPF_IMM | BPF_DW) and the call opcode (BPF_JMP | BPF_CALL). */
export const OPCODE_LDDW = 0x18;
export const OPCODE_CALL = 0x85;
/** `call` with src 1 calls a function of the program (BPF_PSEUDO_CALL). */
export const CALL_LOCAL = 1;

/** A function of a code section: a FUNC symbol, or a whole section without symbols. */
export interface CodeFunction {
  readonly section: ElfSection;
  readonly name: string;
  readonly start: number;
  readonly size: number;
  readonly local: boolean;
}

/** A code section: its slots, its functions and its relocations (checked) by byte offset. */
export interface CodeSection {
  readonly section: ElfSection;
  readonly insns: readonly Instruction[];
  readonly functions: readonly CodeFunction[];
  readonly relocations: ReadonlyMap<number, ElfRelocation>;
}

/** What linking needs from the whole object. */
export interface LinkContext {
  readonly symbols: readonly ElfSymbol[];
  readonly code: ReadonlyMap<number, CodeSection>;
  /** The map (or global-variable value) an lddw relocation names. */
  mapReference(symbol: ElfSymbol, addend: number, where: { section: string; offset: number }): { index: number; kind: 'map' | 'value'; offset: number };
  /** BTF.ext records by ELF section name. */
  readonly lineInfo: ReadonlyMap<string, readonly LineInfo[]>;
  readonly funcInfo: ReadonlyMap<string, readonly FuncInfo[]>;
}

/** A linked program, before its platform-derived fields are added. */
export interface LinkedProgram {
  readonly instructions: Instruction[];
  readonly lineInfo: ProgramLineInfo[];
  readonly functions: ProgramFunction[];
  readonly mapReferences: MapReference[];
  readonly externCalls: { pc: number; name: string }[];
}

/** The functions of a code section, from its FUNC symbols (sizes from the symbols, clipped to the section). */
export function functionsOf(section: ElfSection, symbols: readonly ElfSymbol[]): CodeFunction[] {
  const funcs = symbols.filter((s) => s.sectionIndex === section.index && s.type === STT_FUNC).sort((a, b) => a.value - b.value);
  if (funcs.length === 0) return [{ section, name: section.name, start: 0, size: section.size, local: false }];
  return funcs.map((s, i) => {
    if (s.value % INSTRUCTION_SIZE !== 0 || s.value >= section.size) {
      throw new ObjectError(`function ${s.name} starts at ${s.value}, outside the instructions of its section`, { section: section.name, offset: s.value });
    }
    const next = funcs[i + 1]?.value ?? section.size;
    const size = s.size > 0 ? Math.min(s.size, section.size - s.value) : next - s.value;
    if (size % INSTRUCTION_SIZE !== 0 || size === 0) {
      throw new ObjectError(`function ${s.name} has size ${size}, not a whole number of instructions`, { section: section.name, offset: s.value });
    }
    return { section, name: s.name, start: s.value, size, local: s.binding === STB_LOCAL };
  });
}

function containing(context: LinkContext, sectionIndex: number, offset: number, where: { section: string; offset: number }): CodeFunction {
  const fn = context.code.get(sectionIndex)?.functions.find((f) => offset >= f.start && offset < f.start + f.size);
  if (!fn) throw new ObjectError(`call or function address target 0x${offset.toString(16)} is not inside a function`, where);
  return fn;
}

/** Links `main` with the subprograms it reaches. */
export function linkProgram(context: LinkContext, main: CodeFunction): LinkedProgram {
  const sectionOf = (fn: CodeFunction) => context.code.get(fn.section.index)!;
  const slotCount = (fn: CodeFunction) => fn.size / INSTRUCTION_SIZE;
  const insnAt = (fn: CodeFunction, i: number) => sectionOf(fn).insns[fn.start / INSTRUCTION_SIZE + i]!;
  const relocationAt = (fn: CodeFunction, i: number) => sectionOf(fn).relocations.get(fn.start + i * INSTRUCTION_SIZE);

  // The function (and byte offset in it) that a local call or a function-address lddw at slot i refers
  // to; undefined for a call to a function the object does not define (an extern).
  const targetOf = (fn: CodeFunction, i: number, insn: Instruction): { fn: CodeFunction; offset: number } | undefined => {
    const at = fn.start + i * INSTRUCTION_SIZE;
    const where = { section: fn.section.name, offset: at };
    const relocation = relocationAt(fn, i);
    if (!relocation) return { fn: containing(context, fn.section.index, at + (insn.imm + 1) * INSTRUCTION_SIZE, where), offset: at + (insn.imm + 1) * INSTRUCTION_SIZE };
    const symbol = context.symbols[relocation.symbolIndex]!;
    if (symbol.sectionIndex === 0) return undefined;
    const offset = insn.opcode === OPCODE_LDDW ? symbol.value + insn.imm : symbol.value + (insn.imm + 1) * INSTRUCTION_SIZE;
    return { fn: containing(context, symbol.sectionIndex, offset, where), offset };
  };
  const isLocalCall = (insn: Instruction) => insn.opcode === OPCODE_CALL && insn.src === CALL_LOCAL;
  const isFunctionAddress = (fn: CodeFunction, i: number, insn: Instruction): boolean => {
    if (insn.opcode !== OPCODE_LDDW) return false;
    const relocation = relocationAt(fn, i);
    return relocation !== undefined && context.code.has(context.symbols[relocation.symbolIndex]!.sectionIndex);
  };

  // Pass 1: the closure of reachable functions, laid out after the program in the order first reached.
  const layout: { fn: CodeFunction; base: number }[] = [{ fn: main, base: 0 }];
  const baseOf = new Map<CodeFunction, number>([[main, 0]]);
  let length = slotCount(main);
  for (let k = 0; k < layout.length; k++) {
    const fn = layout[k]!.fn;
    for (let i = 0; i < slotCount(fn); i++) {
      const insn = insnAt(fn, i);
      if (!isLocalCall(insn) && !isFunctionAddress(fn, i, insn)) continue;
      const target = targetOf(fn, i, insn)?.fn;
      if (target && !baseOf.has(target)) {
        baseOf.set(target, length);
        layout.push({ fn: target, base: length });
        length += slotCount(target);
      }
    }
  }
  const pcOfTarget = (target: { fn: CodeFunction; offset: number }) => baseOf.get(target.fn)! + (target.offset - target.fn.start) / INSTRUCTION_SIZE;

  // Pass 2: copy the code, fixing local calls, function addresses and map references.
  const out: Instruction[] = [];
  const mapReferences: MapReference[] = [];
  const externCalls: { pc: number; name: string }[] = [];
  for (const { fn, base } of layout) {
    const count = slotCount(fn);
    for (let i = 0; i < count; i++) {
      const insn = insnAt(fn, i);
      const pc = base + i;
      const where = { section: fn.section.name, offset: fn.start + i * INSTRUCTION_SIZE };
      if (isLocalCall(insn)) {
        const target = targetOf(fn, i, insn);
        if (target) {
          out.push({ ...insn, imm: pcOfTarget(target) - (pc + 1) });
        } else {
          // A call to a function this object does not define: kept as a kfunc-style call, named, for the
          // verifier and runtime to accept (a builtin) or refuse.
          externCalls.push({ pc, name: context.symbols[relocationAt(fn, i)!.symbolIndex]!.name });
          out.push({ ...insn, src: CALL_KFUNC, imm: 0 });
        }
        continue;
      }
      if (insn.opcode !== OPCODE_LDDW) {
        out.push(insn);
        continue;
      }
      if (i + 1 >= count) throw new ObjectError(`lddw at the last slot of function ${fn.name} has no second slot`, where);
      const second = insnAt(fn, i + 1);
      const relocation = relocationAt(fn, i);
      if (isFunctionAddress(fn, i, insn)) {
        // The address of a function (a callback): PSEUDO_FUNC with a relative offset, as libbpf does.
        out.push({ ...insn, src: PSEUDO_FUNC, imm: pcOfTarget(targetOf(fn, i, insn)!) - (pc + 1) }, { ...second, imm: 0 });
      } else if (relocation) {
        const ref = context.mapReference(context.symbols[relocation.symbolIndex]!, insn.imm + relocation.addend, where);
        out.push({ ...insn, src: ref.kind === 'map' ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE, imm: ref.index }, { ...second, imm: ref.kind === 'value' ? ref.offset : 0 });
        mapReferences.push({ pc, mapIndex: ref.index, kind: ref.kind, offset: ref.offset });
      } else if (insn.src !== 0) {
        // Without a relocation the pseudo source would name a map or function nobody chose.
        throw new ObjectError(`lddw with pseudo source ${insn.src} has no relocation`, where);
      } else {
        out.push(insn, second);
      }
      i++;
    }
  }

  const lineInfo: ProgramLineInfo[] = [];
  const functions: ProgramFunction[] = [];
  for (const { fn, base } of layout) {
    for (const l of context.lineInfo.get(fn.section.name) ?? []) {
      if (l.instructionOffset >= fn.start && l.instructionOffset < fn.start + fn.size && l.instructionOffset % INSTRUCTION_SIZE === 0) {
        lineInfo.push({ pc: base + (l.instructionOffset - fn.start) / INSTRUCTION_SIZE, file: l.file, line: l.line, column: l.column, source: l.source });
      }
    }
    const info = context.funcInfo.get(fn.section.name)?.find((f) => f.instructionOffset === fn.start);
    functions.push({ name: fn.name, startPc: base, ...(info ? { typeId: info.typeId } : {}) });
  }
  lineInfo.sort((a, b) => a.pc - b.pc);
  return { instructions: out, lineInfo, functions, mapReferences, externCalls };
}
