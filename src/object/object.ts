// Opening an object file: programs found by section and symbol, subprograms linked in (calls made
// relative to the linked program, as libbpf does), lddw relocations turned into map references, maps
// from `.maps`, `maps` and the global-variable sections, BTF and line info attached.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Btf } from '../btf/btf.ts';
import { parseBtfExt, type BtfExt } from '../btf/ext.ts';
import { ElfFile, SHF_EXECINSTR, SHT_PROGBITS, STB_LOCAL, STT_FUNC, STT_SECTION, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/reader.ts';
import { decodeInstructions, INSTRUCTION_SIZE, type Instruction } from '../isa/instruction.ts';
import { CALL_KFUNC, PSEUDO_FUNC, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE } from '../isa/opcodes.ts';
import { dataSectionMap, isDataSection, readBtfMaps, readLegacyMaps } from './maps.ts';
import { ObjectError, type MapReference, type MapSpec, type ObjectSpec, type ProgramFunction, type ProgramLineInfo, type ProgramSpec } from './types.ts';

const R_BPF_NONE = 0;
const R_BPF_64_64 = 1;
const R_BPF_64_ABS64 = 2;
const R_BPF_64_32 = 10;
const OPCODE_LDDW = 0x18;
const OPCODE_CALL = 0x85;
const CALL_LOCAL = 1;

/** A function of a code section: a FUNC symbol, or a whole section without symbols. */
interface CodeFunction {
  section: ElfSection;
  name: string;
  start: number;
  size: number;
  local: boolean;
}

/** Per-object tables shared by every program's linking. */
interface Context {
  elf: ElfFile;
  code: Map<number, { section: ElfSection; insns: Instruction[]; functions: CodeFunction[]; relocations: Map<number, ElfRelocation> }>;
  mapBySymbol: (symbol: ElfSymbol, addend: number, where: { section: string; offset: number }) => { index: number; kind: 'map' | 'value'; offset: number };
  ext: BtfExt | undefined;
  btf: Btf | undefined;
}

/** Reads an object file from disk. */
export async function openObjectFile(path: string): Promise<ObjectSpec> {
  const bytes = await readFile(path);
  return openObject(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: basename(path) });
}

/** Reads an object from its bytes. Throws ElfError, BtfError or ObjectError on malformed input. */
export function openObject(bytes: Uint8Array, options: { name?: string } = {}): ObjectSpec {
  const elf = new ElfFile(bytes);
  const btfSection = elf.section('.BTF');
  const btf = btfSection ? Btf.parse(elf.sectionData(btfSection)) : undefined;
  const extSection = elf.section('.BTF.ext');
  const ext = extSection && btf ? parseBtfExt(elf.sectionData(extSection), btf) : undefined;
  const platformMarker = elf.section('.ebpf_for_windows') !== undefined;
  const symbols = elf.symbols();

  // Maps, in file order: .maps, then legacy maps, then data sections.
  const maps: MapSpec[] = [];
  const mapAt = new Map<string, number>(); // "sectionIndex:offset" -> map index
  const btfMapSections: { section: ElfSection; defined: ReturnType<typeof readBtfMaps> }[] = [];
  for (const section of elf.sections) {
    if (section.name === '.maps') {
      const defined = readBtfMaps(elf, section, btf);
      btfMapSections.push({ section, defined });
      for (const d of defined) {
        mapAt.set(`${section.index}:${d.symbolOffset}`, maps.length);
        maps.push(d.spec);
      }
    } else if (section.name === 'maps' || section.name.startsWith('maps/')) {
      for (const d of readLegacyMaps(elf, section, platformMarker)) {
        mapAt.set(`${section.index}:${d.symbolOffset}`, maps.length);
        maps.push(d.spec);
      }
    } else if (isDataSection(section.name) && section.size > 0) {
      mapAt.set(`${section.index}:data`, maps.length);
      maps.push(dataSectionMap(elf, section));
    }
  }
  resolveInitialValues(elf, btfMapSections, maps, mapAt);

  const mapBySymbol: Context['mapBySymbol'] = (symbol, addend, where) => {
    const section = elf.sections[symbol.sectionIndex];
    if (!section || symbol.sectionIndex === 0) throw new ObjectError(`lddw refers to symbol '${symbol.name}', which is not defined in this object`, where);
    const dataIndex = mapAt.get(`${section.index}:data`);
    if (dataIndex !== undefined) return { index: dataIndex, kind: 'value', offset: symbol.value + addend };
    const offset = symbol.type === STT_SECTION ? addend : symbol.value;
    const index = mapAt.get(`${section.index}:${offset}`);
    if (index === undefined) throw new ObjectError(`lddw refers to '${symbol.name || section.name}+${offset}', which is not a map`, where);
    return { index, kind: 'map', offset: 0 };
  };

  const code: Context['code'] = new Map();
  for (const section of elf.sections) {
    if (section.type !== SHT_PROGBITS || (section.flags & SHF_EXECINSTR) === 0 || section.size === 0) continue;
    if (section.size % INSTRUCTION_SIZE !== 0) throw new ObjectError(`code section size ${section.size} is not a multiple of 8`, { section: section.name, offset: section.offset });
    code.set(section.index, { section, insns: decodeInstructions(elf.sectionData(section)), functions: functionsOf(section, symbols), relocations: new Map() });
  }
  for (const { section, target } of elf.relocationSections()) {
    const entry = code.get(target.index);
    if (!entry) continue;
    for (const relocation of elf.relocations(section)) {
      if (relocation.offset % INSTRUCTION_SIZE !== 0 || relocation.offset + INSTRUCTION_SIZE > target.size) {
        throw new ObjectError(`relocation at 0x${relocation.offset.toString(16)} does not point at an instruction of ${target.name}`, { section: section.name, offset: relocation.offset });
      }
      if (relocation.symbolIndex >= symbols.length) {
        throw new ObjectError(`relocation at 0x${relocation.offset.toString(16)} names symbol ${relocation.symbolIndex}, which does not exist`, { section: section.name, offset: relocation.offset });
      }
      if (relocation.type === R_BPF_NONE) continue;
      entry.relocations.set(relocation.offset, relocation);
    }
  }

  const context: Context = { elf, code, mapBySymbol, ext, btf };
  const textIndex = elf.section('.text')?.index;
  const programSections = [...code.values()].filter((c) => c.section.index !== textIndex);
  const entries = programSections.length > 0
    ? programSections.flatMap((c) => c.functions.filter((f) => !f.local || c.functions.length === 1))
    : [...code.values()].flatMap((c) => c.functions);
  const programs = entries.map((f) => linkProgram(context, f));

  const licenseSection = elf.section('license');
  const license = licenseSection ? new TextDecoder().decode(elf.sectionData(licenseSection)).replace(/\0.*$/s, '') : '';
  return {
    name: options.name ?? 'object',
    programs,
    maps,
    ...(btf ? { btf } : {}),
    ...(ext ? { btfExt: ext } : {}),
    license,
    platformMarker,
    sections: elf.sections.filter((s) => s.index > 0).map((s) => ({ index: s.index, name: s.name, type: s.type, size: s.size, offset: s.offset })),
  };
}

function functionsOf(section: ElfSection, symbols: readonly ElfSymbol[]): CodeFunction[] {
  const funcs = symbols
    .filter((s) => s.sectionIndex === section.index && s.type === STT_FUNC)
    .sort((a, b) => a.value - b.value);
  if (funcs.length === 0) return [{ section, name: section.name, start: 0, size: section.size, local: false }];
  return funcs.map((s, i) => {
    if (s.value % INSTRUCTION_SIZE !== 0 || s.value >= section.size) {
      throw new ObjectError(`function ${s.name} starts at ${s.value}, outside the instructions of its section`, { section: section.name, offset: s.value });
    }
    const next = funcs[i + 1]?.value ?? section.size;
    const size = s.size > 0 ? Math.min(s.size, section.size - s.value) : next - s.value;
    return { section, name: s.name, start: s.value, size, local: s.binding === STB_LOCAL };
  });
}

function containing(context: Context, sectionIndex: number, offset: number, where: { section: string; offset: number }): CodeFunction {
  const entry = context.code.get(sectionIndex);
  const fn = entry?.functions.find((f) => offset >= f.start && offset < f.start + f.size);
  if (!entry || !fn) throw new ObjectError(`call target 0x${offset.toString(16)} is not inside a function`, where);
  return fn;
}

function linkProgram(context: Context, main: CodeFunction): ProgramSpec {
  // Pass 1: the closure of functions reachable by local calls, laid out after the program.
  const layout: { fn: CodeFunction; base: number }[] = [{ fn: main, base: 0 }];
  const baseOf = new Map<CodeFunction, number>([[main, 0]]);
  let length = main.size / INSTRUCTION_SIZE;
  // The function a local call (or an lddw of a function's address) at slot i of fn refers to;
  // undefined when it names a function outside the object (an extern, such as a builtin memset).
  const callTarget = (fn: CodeFunction, i: number, insn: Instruction): { fn: CodeFunction; offset: number } | undefined => {
    const entry = context.code.get(fn.section.index)!;
    const at = fn.start + i * INSTRUCTION_SIZE;
    const where = { section: fn.section.name, offset: at };
    const relocation = entry.relocations.get(at);
    let sectionIndex = fn.section.index;
    let offset = at + (insn.imm + 1) * INSTRUCTION_SIZE;
    if (relocation) {
      const symbol = context.elf.symbols()[relocation.symbolIndex]!;
      if (symbol.sectionIndex === 0) return undefined;
      sectionIndex = symbol.sectionIndex;
      offset = insn.opcode === OPCODE_LDDW ? symbol.value + insn.imm : symbol.value + (insn.imm + 1) * INSTRUCTION_SIZE;
    }
    return { fn: containing(context, sectionIndex, offset, where), offset };
  };
  const isFunctionAddress = (fn: CodeFunction, i: number, insn: Instruction): boolean => {
    if (insn.opcode !== OPCODE_LDDW) return false;
    const relocation = context.code.get(fn.section.index)!.relocations.get(fn.start + i * INSTRUCTION_SIZE);
    if (!relocation) return false;
    const symbol = context.elf.symbols()[relocation.symbolIndex]!;
    return context.code.has(symbol.sectionIndex);
  };
  for (let k = 0; k < layout.length; k++) {
    const fn = layout[k]!.fn;
    const insns = context.code.get(fn.section.index)!.insns;
    for (let i = 0; i < fn.size / INSTRUCTION_SIZE; i++) {
      const insn = insns[fn.start / INSTRUCTION_SIZE + i]!;
      if (!(insn.opcode === OPCODE_CALL && insn.src === CALL_LOCAL) && !isFunctionAddress(fn, i, insn)) continue;
      const target = callTarget(fn, i, insn)?.fn;
      if (target && !baseOf.has(target)) {
        baseOf.set(target, length);
        layout.push({ fn: target, base: length });
        length += target.size / INSTRUCTION_SIZE;
      }
    }
  }

  // Pass 2: copy the code, fixing local calls and map references.
  const out: Instruction[] = [];
  const mapReferences: MapReference[] = [];
  const externCalls: { pc: number; name: string }[] = [];
  for (const { fn, base } of layout) {
    const entry = context.code.get(fn.section.index)!;
    const count = fn.size / INSTRUCTION_SIZE;
    for (let i = 0; i < count; i++) {
      let insn = entry.insns[fn.start / INSTRUCTION_SIZE + i]!;
      const pc = base + i;
      const at = fn.start + i * INSTRUCTION_SIZE;
      const where = { section: fn.section.name, offset: at };
      if (insn.opcode === OPCODE_CALL && insn.src === CALL_LOCAL) {
        const target = callTarget(fn, i, insn);
        if (target) {
          const targetPc = baseOf.get(target.fn)! + (target.offset - target.fn.start) / INSTRUCTION_SIZE;
          insn = { ...insn, imm: targetPc - (pc + 1) };
        } else {
          // A call to a function this object does not define: kept as a kfunc-style call, named, for the
          // verifier and runtime to accept (a builtin) or refuse.
          const relocation = entry.relocations.get(at)!;
          externCalls.push({ pc, name: context.elf.symbols()[relocation.symbolIndex]!.name });
          insn = { ...insn, src: CALL_KFUNC, imm: 0 };
        }
      } else if (isFunctionAddress(fn, i, insn)) {
        // The address of a function (a callback): PSEUDO_FUNC with a relative offset, as libbpf does.
        const target = callTarget(fn, i, insn)!;
        const targetPc = baseOf.get(target.fn)! + (target.offset - target.fn.start) / INSTRUCTION_SIZE;
        out.push({ ...insn, src: PSEUDO_FUNC, imm: targetPc - (pc + 1) });
        out.push({ ...entry.insns[fn.start / INSTRUCTION_SIZE + i + 1]!, imm: 0 });
        i++;
        continue;
      } else {
        const relocation = entry.relocations.get(at);
        if (relocation && relocation.type !== R_BPF_64_32 && relocation.type !== R_BPF_64_ABS64) {
          if (insn.opcode !== OPCODE_LDDW || i + 1 >= count) {
            throw new ObjectError(`relocation of type ${relocation.type} applies to an instruction that is not an lddw`, where);
          }
          const symbol = context.elf.symbols()[relocation.symbolIndex]!;
          if (relocation.type !== R_BPF_64_64) throw new ObjectError(`unsupported relocation type ${relocation.type} on lddw`, where);
          const ref = context.mapBySymbol(symbol, insn.imm + relocation.addend, where);
          insn = { ...insn, src: ref.kind === 'map' ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE, imm: ref.index };
          mapReferences.push({ pc, mapIndex: ref.index, kind: ref.kind, offset: ref.offset });
          out.push(insn);
          const next = entry.insns[fn.start / INSTRUCTION_SIZE + i + 1]!;
          out.push({ ...next, imm: ref.kind === 'value' ? ref.offset : 0 });
          i++;
          continue;
        }
      }
      out.push(insn);
    }
  }

  const lineInfo: ProgramLineInfo[] = [];
  const functions: ProgramFunction[] = [];
  for (const { fn, base } of layout) {
    const pcOf = (offset: number) => (offset >= fn.start && offset < fn.start + fn.size ? base + (offset - fn.start) / INSTRUCTION_SIZE : undefined);
    for (const l of context.ext?.lineInfo ?? []) {
      if (l.section !== fn.section.name) continue;
      const pc = pcOf(l.instructionOffset);
      if (pc !== undefined) lineInfo.push({ pc, file: l.file, line: l.line, column: l.column, source: l.source });
    }
    const info = context.ext?.funcInfo.find((f) => f.section === fn.section.name && f.instructionOffset === fn.start);
    functions.push({ name: fn.name, startPc: base, ...(info ? { typeId: info.typeId } : {}) });
  }
  lineInfo.sort((a, b) => a.pc - b.pc);
  return {
    name: main.name,
    section: main.section.name,
    sectionIndex: main.section.index,
    offset: main.start,
    size: main.size,
    instructions: out,
    lineInfo,
    functions,
    mapReferences,
    externCalls,
  };
}

/** Prog-array and map-in-map initial contents: relocations in `.maps` on the `values` slots. */
function resolveInitialValues(
  elf: ElfFile,
  sections: { section: ElfSection; defined: ReturnType<typeof readBtfMaps> }[],
  maps: MapSpec[],
  mapAt: Map<string, number>,
): void {
  for (const { section, defined } of sections) {
    const relocationSection = elf.relocationSections().find((r) => r.target.index === section.index);
    if (!relocationSection) continue;
    const symbols = elf.symbols();
    for (const relocation of elf.relocations(relocationSection.section)) {
      const where = { section: relocationSection.section.name, offset: relocation.offset };
      const owner = [...defined].reverse().find((d) => d.symbolOffset <= relocation.offset);
      if (!owner || owner.valuesOffset === undefined) throw new ObjectError('relocation in .maps is not on a map\'s values', where);
      const slot = relocation.offset - owner.symbolOffset - owner.valuesOffset;
      if (slot < 0 || slot % 8 !== 0) throw new ObjectError('relocation in .maps is not on a values slot', where);
      const symbol = symbols[relocation.symbolIndex];
      if (!symbol) throw new ObjectError(`relocation names symbol ${relocation.symbolIndex}, which does not exist`, where);
      const index = mapAt.get(`${section.index}:${owner.symbolOffset}`)!;
      const map = maps[index]!;
      const value = { index: slot / 8, name: symbol.name, kind: symbol.type === STT_FUNC ? ('program' as const) : ('map' as const) };
      maps[index] = { ...map, initialValues: [...(map.initialValues ?? []), value] };
    }
  }
}
