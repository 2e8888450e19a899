// Opening an object file: programs found by section and symbol, each linked with its subprograms
// (link.ts), maps from `.maps`, `maps` and the global-variable sections (maps.ts), every relocation
// checked to land on an instruction that can take it, BTF and line info attached, and each program's
// type read from its section name through the platform.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Btf } from '../btf/btf.ts';
import { parseBtfExt, type FuncInfo, type LineInfo } from '../btf/ext.ts';
import { ElfFile, SHF_EXECINSTR, SHT_PROGBITS, STT_FUNC, STT_SECTION, type ElfRelocation, type ElfSection, type ElfSymbol } from '../elf/reader.ts';
import { decodeInstructions, INSTRUCTION_SIZE } from '../isa/instruction.ts';
import { windowsPlatform, type Platform } from '../platform/index.ts';
import { CALL_LOCAL, functionsOf, linkProgram, OPCODE_CALL, OPCODE_LDDW, type CodeSection, type LinkContext } from './link.ts';
import { dataSectionMap, isDataSection, readBtfMaps, readLegacyMaps, resolveLegacyInnerMaps, type DefinedMap } from './maps.ts';
import { ObjectError, type MapSpec, type ObjectSpec, type ProgramSpec } from './types.ts';

/** ELF relocation types of the BPF target that code sections may carry. */
const R_BPF_NONE = 0;
const R_BPF_64_64 = 1;
const R_BPF_64_32 = 10;
/** BPF_MAP_TYPE_PROG_ARRAY: its initial values are programs, every other map-in-map's are maps. */
const MAP_TYPE_PROG_ARRAY = 3;

/** Options for opening an object. */
export interface OpenOptions {
  /** The object's name in listings (default: the file's base name, or `object`). */
  readonly name?: string;
  /** Section names are read as program and attach types through this platform (default: Windows). */
  readonly platform?: Platform;
  /**
   * Every function of every code section is a program, static ones and `.text`'s included (what PREVAIL's
   * loader verifies, and what the Linux corpus lists); default false: the entries below.
   */
  readonly everyFunction?: boolean;
  /**
   * An R_BPF_NONE relocation on an lddw names its map, as R_BPF_64_64 does (old LLVM BPF backends wrote type
   * 0, as the corpus' Open vSwitch object has; PREVAIL applies them); default false: NONE is ignored.
   */
  readonly noneRelocationsOnLddw?: boolean;
}

/** Reads an object file from disk. */
export async function openObjectFile(path: string, options: OpenOptions = {}): Promise<ObjectSpec> {
  const bytes = await readFile(path);
  return openObject(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: basename(path), ...options });
}

/** The program and attach type a section name gives on a platform (longest prefix wins); 0 and 0 when none matches. */
export function programTypeOf(section: string, platform: Platform = windowsPlatform): { programType: number; attachType: number } {
  const info = platform.sectionInfo(section);
  return { programType: info?.programType ?? 0, attachType: info?.attachType ?? 0 };
}

/** Reads an object from its bytes. Throws ElfError, BtfError or ObjectError on malformed input. */
export function openObject(bytes: Uint8Array, options: OpenOptions = {}): ObjectSpec {
  const elf = new ElfFile(bytes);
  const btfSection = elf.section('.BTF');
  const btf = btfSection ? Btf.parse(elf.sectionData(btfSection)) : undefined;
  const extSection = elf.section('.BTF.ext');
  const ext = extSection && btf ? parseBtfExt(elf.sectionData(extSection), btf) : undefined;
  const platformMarker = elf.section('.ebpf_for_windows') !== undefined;
  const symbols = elf.symbols();

  // Maps, in file order: each .maps or legacy maps section's definitions by offset, each data section as one map.
  const maps: MapSpec[] = [];
  const mapAt = new Map<string, number>(); // "sectionIndex:offset" (or "sectionIndex:data") -> map index
  const btfMapSections: { section: ElfSection; defined: DefinedMap[] }[] = [];
  const linuxLegacy: { index: number; section: ElfSection; symbolOffset: number }[] = [];
  for (const section of elf.sections) {
    if (section.name === '.maps') {
      const defined = readBtfMaps(elf, section, btf);
      btfMapSections.push({ section, defined });
      for (const d of defined) {
        mapAt.set(`${section.index}:${d.symbolOffset}`, maps.length);
        maps.push(d.spec);
      }
    } else if (section.name === 'maps' || section.name.startsWith('maps/')) {
      // Windows' inner map references count within the section; Linux's inner_map_idx counts every legacy map of the object (below).
      const defined = platformMarker ? resolveLegacyInnerMaps(readLegacyMaps(elf, section, true), section) : readLegacyMaps(elf, section, false);
      for (const d of defined) {
        mapAt.set(`${section.index}:${d.symbolOffset}`, maps.length);
        if (!platformMarker) linuxLegacy.push({ index: maps.length, section, symbolOffset: d.symbolOffset });
        maps.push(d.spec);
      }
    } else if (isDataSection(section.name) && section.size > 0) {
      mapAt.set(`${section.index}:data`, maps.length);
      maps.push(dataSectionMap(elf, section));
    }
  }
  for (const { section, defined } of btfMapSections) resolveInitialValues(elf, section, defined, maps, mapAt);
  resolveLinuxInnerMaps(maps, linuxLegacy);

  const code = new Map<number, CodeSection>();
  for (const section of elf.sections) {
    if (section.type !== SHT_PROGBITS || (section.flags & SHF_EXECINSTR) === 0 || section.size === 0) continue;
    if (section.size % INSTRUCTION_SIZE !== 0) throw new ObjectError(`code section size ${section.size} is not a multiple of 8`, { section: section.name, offset: section.size - (section.size % INSTRUCTION_SIZE) });
    const insns = decodeInstructions(elf.sectionData(section));
    code.set(section.index, { section, insns, functions: functionsOf(section, symbols), relocations: new Map() });
  }
  for (const { section, target } of elf.relocationSections()) {
    const entry = code.get(target.index);
    if (!entry) continue;
    const relocations = entry.relocations as Map<number, ElfRelocation>;
    for (const relocation of elf.relocations(section)) {
      checkCodeRelocation(relocation, section, entry, symbols);
      const lddwNone = options.noneRelocationsOnLddw === true && relocation.type === R_BPF_NONE && relocation.symbolIndex !== 0 && entry.insns[relocation.offset / INSTRUCTION_SIZE]?.opcode === OPCODE_LDDW;
      if (relocation.type !== R_BPF_NONE || lddwNone) relocations.set(relocation.offset, relocation);
    }
  }

  const context: LinkContext = {
    symbols,
    code,
    mapReference: (symbol, addend, where) => mapReference(elf, mapAt, symbol, addend, where),
    lineInfo: bySection(ext?.lineInfo ?? []),
    funcInfo: bySection(ext?.funcInfo ?? []),
  };
  // Each global function of a section other than .text is a program (a section with one function, global
  // or not, is one program); .text holds the subprograms, unless it is the only code there is.
  const textIndex = elf.section('.text')?.index;
  const programSections = [...code.values()].filter((c) => c.section.index !== textIndex);
  const entries = options.everyFunction ? [...code.values()].flatMap((c) => c.functions) : programSections.length > 0
    ? programSections.flatMap((c) => c.functions.filter((f) => !f.local || c.functions.length === 1))
    : [...code.values()].flatMap((c) => c.functions);
  const platform = options.platform ?? windowsPlatform;
  const programs: ProgramSpec[] = entries.map((f) => ({
    name: f.name,
    section: f.section.name,
    sectionIndex: f.section.index,
    sectionSize: f.section.size,
    offset: f.start,
    size: f.size,
    ...programTypeOf(f.section.name, platform),
    ...linkProgram(context, f),
  }));

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

/** Linux's legacy maps of maps (12, 13) name their inner template by its index among all the object's legacy maps. */
function resolveLinuxInnerMaps(maps: MapSpec[], legacy: readonly { index: number; section: ElfSection; symbolOffset: number }[]): void {
  legacy.forEach(({ index, section, symbolOffset }, position) => {
    const spec = maps[index]!;
    if ((spec.type !== 12 && spec.type !== 13) || spec.innerMapIndex === undefined || spec.innerMapIndex === position) return;
    const inner = legacy[spec.innerMapIndex];
    if (!inner) throw new ObjectError(`map ${spec.name} names inner map index ${spec.innerMapIndex}, but the object has ${legacy.length} legacy maps`, { section: section.name, offset: symbolOffset });
    maps[index] = { ...spec, innerMap: maps[inner.index]! };
  });
}

function bySection<T extends LineInfo | FuncInfo>(records: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    const list = out.get(r.section);
    if (list) list.push(r);
    else out.set(r.section, [r]);
  }
  return out;
}

/** A relocation of a code section must name a symbol and land on an instruction of the kind its type patches. */
function checkCodeRelocation(relocation: ElfRelocation, section: ElfSection, entry: CodeSection, symbols: readonly ElfSymbol[]): void {
  const target = entry.section;
  // The place named is the instruction the relocation patches (what `readelf -r` lists as its offset).
  const where = { section: target.name, offset: relocation.offset };
  const at = `relocation at 0x${relocation.offset.toString(16)} of ${target.name} (in ${section.name})`;
  if (relocation.offset % INSTRUCTION_SIZE !== 0 || relocation.offset + INSTRUCTION_SIZE > target.size) {
    throw new ObjectError(`${at} does not point at an instruction`, where);
  }
  if (relocation.symbolIndex >= symbols.length) throw new ObjectError(`${at} names symbol ${relocation.symbolIndex}, which does not exist`, where);
  if (relocation.type === R_BPF_NONE) return;
  if (relocation.symbolIndex === 0) throw new ObjectError(`${at} names the null symbol`, where);
  const insn = entry.insns[relocation.offset / INSTRUCTION_SIZE]!;
  if (relocation.type === R_BPF_64_64) {
    if (insn.opcode !== OPCODE_LDDW) throw new ObjectError(`${at} (R_BPF_64_64) is on opcode 0x${insn.opcode.toString(16)}, not an lddw`, where);
  } else if (relocation.type === R_BPF_64_32) {
    if (insn.opcode !== OPCODE_CALL || insn.src !== CALL_LOCAL) throw new ObjectError(`${at} (R_BPF_64_32) is not on a local call`, where);
  } else {
    throw new ObjectError(`${at} has type ${relocation.type}, which code sections do not take`, where);
  }
}

/** The map, or the global-variable value, that an lddw relocation against `symbol` names. */
function mapReference(elf: ElfFile, mapAt: Map<string, number>, symbol: ElfSymbol, addend: number, where: { section: string; offset: number }) {
  const section = elf.sections[symbol.sectionIndex];
  if (!section || symbol.sectionIndex === 0) throw new ObjectError(`lddw refers to symbol '${symbol.name}', which is not defined in this object`, where);
  const dataIndex = mapAt.get(`${section.index}:data`);
  if (dataIndex !== undefined) {
    const offset = symbol.value + addend;
    if (offset < 0 || offset >= section.size) throw new ObjectError(`lddw refers to offset ${offset} of ${section.name}, outside its ${section.size} bytes`, where);
    return { index: dataIndex, kind: 'value' as const, offset };
  }
  const offset = symbol.type === STT_SECTION ? addend : symbol.value;
  const index = mapAt.get(`${section.index}:${offset}`);
  if (index === undefined) throw new ObjectError(`lddw refers to '${symbol.name || section.name}+${offset}', which is not a map`, where);
  return { index, kind: 'map' as const, offset: 0 };
}

/** Prog-array and map-in-map initial contents: relocations in `.maps` on a map's `values` slots. */
function resolveInitialValues(elf: ElfFile, section: ElfSection, defined: DefinedMap[], maps: MapSpec[], mapAt: Map<string, number>): void {
  const symbols = elf.symbols();
  for (const { section: relocationSection, target } of elf.relocationSections()) {
    if (target.index !== section.index) continue;
    for (const relocation of elf.relocations(relocationSection)) {
      const where = { section: section.name, offset: relocation.offset };
      const owner = defined.find((d) => relocation.offset >= d.symbolOffset && relocation.offset < d.symbolOffset + d.size);
      if (!owner || owner.valuesOffset === undefined) throw new ObjectError(`relocation at 0x${relocation.offset.toString(16)} of ${section.name} is not on a map's values`, where);
      const slot = relocation.offset - owner.symbolOffset - owner.valuesOffset;
      if (slot < 0 || slot % 8 !== 0) throw new ObjectError(`relocation at 0x${relocation.offset.toString(16)} of ${section.name} is not on a values slot`, where);
      const index = slot / 8;
      if (index >= owner.spec.maxEntries) throw new ObjectError(`initial value [${index}] of map ${owner.spec.name} is past its ${owner.spec.maxEntries} entries`, where);
      const symbol = symbols[relocation.symbolIndex];
      if (!symbol || relocation.symbolIndex === 0) throw new ObjectError(`relocation names symbol ${relocation.symbolIndex}, which does not exist`, where);
      const isProgArray = owner.spec.type === MAP_TYPE_PROG_ARRAY;
      const symbolSection = elf.sections[symbol.sectionIndex];
      if (isProgArray ? symbol.type !== STT_FUNC : symbolSection?.name !== '.maps') {
        throw new ObjectError(`initial value [${index}] of map ${owner.spec.name} is '${symbol.name}', not a ${isProgArray ? 'program' : 'map'}`, where);
      }
      const mapIndex = mapAt.get(`${section.index}:${owner.symbolOffset}`)!;
      const map = maps[mapIndex]!;
      const value = { index, name: symbol.name, kind: isProgArray ? ('program' as const) : ('map' as const) };
      maps[mapIndex] = { ...map, initialValues: [...(map.initialValues ?? []), value] };
    }
  }
}
