// Map definitions in an object: BTF-defined maps in `.maps` (the `__uint`/`__type`/`__array` macros),
// legacy `struct bpf_map_def` entries in `maps`, and the global-variable sections as array maps.

import type { Btf } from '../btf/btf.ts';
import type { BtfType } from '../btf/types.ts';
import { SHT_NOBITS, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/reader.ts';
import { ObjectError, type MapSpec } from './types.ts';

/** BPF_MAP_TYPE_ARRAY: what global-variable sections become. */
const MAP_TYPE_ARRAY = 2;
const WINDOWS_MAP_DEF_SIZE = 32;

/** Is this section one of the global-variable sections (`.data`, `.rodata`, `.bss` and their `.name` variants)? */
export function isDataSection(name: string): boolean {
  return /^\.(data|rodata|bss)(\..*)?$/.test(name);
}

/** A map defined in `.maps`, with the offset of its symbol (relocations name maps by symbol). */
export interface DefinedMap {
  spec: MapSpec;
  symbolOffset: number;
  /** Byte offset of the `values` member inside the definition, for initial-value relocations. */
  valuesOffset?: number;
}

function pointee(btf: Btf, typeId: number, context: string): BtfType | undefined {
  const t = btf.resolve(typeId);
  if (!t || t.kind !== 'PTR') throw new ObjectError(`${context} is not declared with __uint/__type (expected a pointer type)`, { section: '.maps' });
  return btf.type(t.type);
}

/** `__uint(name, N)` is `int (*name)[N]`: N is the array length. */
function uintValue(btf: Btf, typeId: number, context: string): number {
  const target = pointee(btf, typeId, context);
  const array = target && btf.resolve(target.id);
  if (!array || array.kind !== 'ARRAY') throw new ObjectError(`${context} is not declared with __uint (expected a pointer to an array)`, { section: '.maps' });
  return array.length;
}

function btfMapDefinition(btf: Btf, name: string, structId: number, section: string): { spec: MapSpec; valuesOffset?: number } {
  const struct = btf.resolve(structId);
  if (!struct || struct.kind !== 'STRUCT') throw new ObjectError(`map ${name} is not a struct`, { section });
  let type = 0, keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, pinning = 0;
  let keyTypeId: number | undefined, valueTypeId: number | undefined, innerMap: MapSpec | undefined, valuesOffset: number | undefined;
  for (const member of struct.members) {
    const context = `member '${member.name}' of map ${name}`;
    switch (member.name) {
      case 'type': type = uintValue(btf, member.type, context); break;
      case 'max_entries': maxEntries = uintValue(btf, member.type, context); break;
      case 'map_flags': flags = uintValue(btf, member.type, context); break;
      case 'pinning': pinning = uintValue(btf, member.type, context); break;
      case 'key_size': keySize = uintValue(btf, member.type, context); break;
      case 'value_size': valueSize = uintValue(btf, member.type, context); break;
      case 'key': {
        const target = pointee(btf, member.type, context);
        keyTypeId = target?.id ?? 0;
        keySize = btf.size(keyTypeId);
        break;
      }
      case 'value': {
        const target = pointee(btf, member.type, context);
        valueTypeId = target?.id ?? 0;
        valueSize = btf.size(valueTypeId);
        break;
      }
      case 'values': {
        // __array(values, T) is `typeof(T) *values[]`: an empty array of pointers to the inner definition.
        const array = btf.resolve(member.type);
        if (!array || array.kind !== 'ARRAY') throw new ObjectError(`${context} is not declared with __array`, { section });
        const element = btf.resolve(array.type);
        if (!element || element.kind !== 'PTR') throw new ObjectError(`${context} is not an array of pointers`, { section });
        const inner = btf.resolve(element.type);
        if (inner && inner.kind === 'STRUCT') innerMap = btfMapDefinition(btf, `${name}.inner`, inner.id, section).spec;
        valuesOffset = member.bitOffset / 8;
        break;
      }
      default:
        break;
    }
  }
  if (innerMap) valueSize = valueSize || 4;
  const spec: MapSpec = { name, type, keySize, valueSize, maxEntries, flags, pinning, source: '.maps', section, ...(keyTypeId !== undefined ? { keyTypeId } : {}), ...(valueTypeId !== undefined ? { valueTypeId } : {}), ...(innerMap ? { innerMap } : {}) };
  return { spec, ...(valuesOffset !== undefined ? { valuesOffset } : {}) };
}

/** The maps of a `.maps` section, in symbol order. */
export function readBtfMaps(elf: ElfFile, section: ElfSection, btf: Btf | undefined): DefinedMap[] {
  if (!btf) throw new ObjectError('maps are defined in .maps but the object has no .BTF section', { section: section.name });
  const datasec = btf.types.find((t) => t?.kind === 'DATASEC' && t.name === section.name);
  if (!datasec || datasec.kind !== 'DATASEC') throw new ObjectError(`BTF has no DATASEC for ${section.name}`, { section: section.name });
  const symbols = elf.symbols().filter((s) => s.sectionIndex === section.index && s.name !== '' && s.type !== 3);
  const out: DefinedMap[] = [];
  for (const entry of datasec.vars) {
    const variable = btf.type(entry.type);
    if (!variable || variable.kind !== 'VAR') throw new ObjectError(`DATASEC ${section.name} lists type ${entry.type}, which is not a variable`, { section: section.name });
    const symbol = symbols.find((s) => s.name === variable.name);
    if (!symbol) throw new ObjectError(`map ${variable.name} has no symbol in ${section.name}`, { section: section.name });
    const { spec, valuesOffset } = btfMapDefinition(btf, variable.name, variable.type, section.name);
    out.push({ spec, symbolOffset: symbol.value, ...(valuesOffset !== undefined ? { valuesOffset } : {}) });
  }
  return out.sort((a, b) => a.symbolOffset - b.symbolOffset);
}

/** The maps of a legacy `maps` section: Windows' 32-byte layout with the platform marker, Linux's otherwise. */
export function readLegacyMaps(elf: ElfFile, section: ElfSection, windowsLayout: boolean): { spec: MapSpec; symbolOffset: number }[] {
  const data = elf.sectionData(section);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const symbols = elf.symbols()
    .filter((s) => s.sectionIndex === section.index && s.name !== '' && s.type !== 3)
    .sort((a, b) => a.value - b.value);
  if (symbols.length === 0) return [];
  // Old objects give map symbols no size: each definition then spans the section divided evenly.
  const evenSize = Math.floor(data.length / symbols.length);
  return symbols.map((symbol: ElfSymbol) => {
    const size = symbol.size || evenSize;
    const minimum = windowsLayout ? WINDOWS_MAP_DEF_SIZE : 16;
    if (size < minimum || symbol.value + size > data.length || symbol.value % 4 !== 0) {
      throw new ObjectError(`map definition ${symbol.name} (${size} bytes at ${symbol.value}) does not fit the maps section (${data.length} bytes)`, { section: section.name, offset: section.offset + symbol.value });
    }
    const u32 = (index: number) => (index * 4 + 4 <= size ? view.getUint32(symbol.value + index * 4, true) : 0);
    const spec: MapSpec = windowsLayout
      ? { name: symbol.name, type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: 0, pinning: u32(5), source: 'maps', section: section.name, id: u32(6), innerId: u32(7) }
      : { name: symbol.name, type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: u32(4), pinning: 0, source: 'maps', section: section.name };
    return { spec, symbolOffset: symbol.value };
  });
}

/** A global-variable section as a one-entry array map holding the section's bytes. */
export function dataSectionMap(elf: ElfFile, section: ElfSection): MapSpec {
  const data = section.type === SHT_NOBITS ? new Uint8Array(section.size) : elf.sectionData(section).slice();
  return {
    name: section.name,
    type: MAP_TYPE_ARRAY,
    keySize: 4,
    valueSize: section.size,
    maxEntries: 1,
    flags: 0,
    pinning: 0,
    source: 'data',
    section: section.name,
    data,
    readOnly: section.name.startsWith('.rodata'),
  };
}
