// Map definitions in an object: BTF-defined maps in `.maps` (the `__uint`/`__type`/`__array` macros),
// legacy `struct bpf_map_def` entries in `maps`, and the global-variable sections as array maps.

import type { Btf } from '../btf/btf.ts';
import type { BtfType } from '../btf/types.ts';
import { SHT_NOBITS, type ElfFile, type ElfSection, type ElfSymbol } from '../elf/reader.ts';
import { ObjectError, type MapSpec } from './types.ts';

/** BPF_MAP_TYPE_ARRAY: what global-variable sections become. */
const MAP_TYPE_ARRAY = 2;
/** Maps of maps, whose legacy definitions name an inner map template (Windows' numbers). */
const MAP_TYPE_HASH_OF_MAPS = 6;
const MAP_TYPE_ARRAY_OF_MAPS = 7;
const WINDOWS_MAP_DEF_SIZE = 32;
const LINUX_MAP_DEF_SIZE = 16;
/** `__array(values, ...)` nests a definition in a definition; deeper than this is not a map-in-map any loader takes. */
const MAX_INNER_DEPTH = 4;

/** Is this section one of the global-variable sections (`.data`, `.rodata`, `.bss` and their `.name` variants)? */
export function isDataSection(name: string): boolean {
  return /^\.(data|rodata|bss)(\..*)?$/.test(name);
}

/** A map defined in `.maps`, with the offset and size of its symbol (relocations name maps by symbol). */
export interface DefinedMap {
  spec: MapSpec;
  symbolOffset: number;
  /** Bytes of the definition in the section, its initial values included. */
  size: number;
  /** Byte offset of the `values` member inside the definition, for initial-value relocations. */
  valuesOffset?: number;
}

/** Where a definition is: its section and its symbol's offset there. */
type Place = { section: string; offset: number };

function pointee(btf: Btf, typeId: number, context: string, where: Place): BtfType | undefined {
  const t = btf.resolve(typeId);
  if (!t || t.kind !== 'PTR') throw new ObjectError(`${context} is not declared with __uint/__type (expected a pointer type)`, where);
  return btf.type(t.type);
}

/** `__uint(name, N)` is `int (*name)[N]`: N is the array length. */
function uintValue(btf: Btf, typeId: number, context: string, where: Place): number {
  const target = pointee(btf, typeId, context, where);
  const array = target && btf.resolve(target.id);
  if (!array || array.kind !== 'ARRAY') throw new ObjectError(`${context} is not declared with __uint (expected a pointer to an array)`, where);
  return array.length;
}

function btfMapDefinition(btf: Btf, name: string, structId: number, where: Place, depth = 0): { spec: MapSpec; valuesOffset?: number } {
  const struct = btf.resolve(structId);
  if (!struct || struct.kind !== 'STRUCT') throw new ObjectError(`map ${name} is not a struct`, where);
  if (depth > MAX_INNER_DEPTH) throw new ObjectError(`map ${name} nests inner map definitions more than ${MAX_INNER_DEPTH} deep`, where);
  let type = 0, keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, pinning = 0;
  let keyTypeId: number | undefined, valueTypeId: number | undefined, innerMap: MapSpec | undefined, valuesOffset: number | undefined;
  for (const member of struct.members) {
    const context = `member '${member.name}' of map ${name}`;
    switch (member.name) {
      case 'type': type = uintValue(btf, member.type, context, where); break;
      case 'max_entries': maxEntries = uintValue(btf, member.type, context, where); break;
      case 'map_flags': flags = uintValue(btf, member.type, context, where); break;
      case 'pinning': pinning = uintValue(btf, member.type, context, where); break;
      case 'key_size': keySize = uintValue(btf, member.type, context, where); break;
      case 'value_size': valueSize = uintValue(btf, member.type, context, where); break;
      case 'key': {
        const target = pointee(btf, member.type, context, where);
        keyTypeId = target?.id ?? 0;
        keySize = btf.size(keyTypeId);
        break;
      }
      case 'value': {
        const target = pointee(btf, member.type, context, where);
        valueTypeId = target?.id ?? 0;
        valueSize = btf.size(valueTypeId);
        break;
      }
      case 'values': {
        // __array(values, T) is `typeof(T) *values[]`: an empty array of pointers to the inner definition.
        const array = btf.resolve(member.type);
        if (!array || array.kind !== 'ARRAY') throw new ObjectError(`${context} is not declared with __array`, where);
        const element = btf.resolve(array.type);
        if (!element || element.kind !== 'PTR') throw new ObjectError(`${context} is not an array of pointers`, where);
        const inner = btf.resolve(element.type);
        if (inner && inner.kind === 'STRUCT') innerMap = btfMapDefinition(btf, `${name}.inner`, inner.id, where, depth + 1).spec;
        valuesOffset = member.bitOffset / 8;
        break;
      }
      default:
        break;
    }
  }
  // A map with `values` holds program or map ids: 4 bytes, as libbpf sets them.
  if (valuesOffset !== undefined) {
    if (valueSize !== 0 && valueSize !== 4) throw new ObjectError(`map ${name} has initial values but a value size of ${valueSize}, not 4`, where);
    valueSize = 4;
  }
  const spec: MapSpec = { name, type, keySize, valueSize, maxEntries, flags, pinning, source: '.maps', section: where.section, ...(keyTypeId !== undefined ? { keyTypeId } : {}), ...(valueTypeId !== undefined ? { valueTypeId } : {}), ...(innerMap ? { innerMap } : {}) };
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
    const { spec, valuesOffset } = btfMapDefinition(btf, variable.name, variable.type, { section: section.name, offset: symbol.value });
    // clang leaves DATASEC offsets for the loader to fill in: the symbol places the definition, BTF sizes it.
    const size = btf.size(variable.type);
    if (symbol.value + size > section.size) {
      throw new ObjectError(`map ${variable.name} (${size} bytes at ${symbol.value}) does not lie inside ${section.name} (${section.size} bytes)`, { section: section.name, offset: symbol.value });
    }
    out.push({ spec, symbolOffset: symbol.value, size, ...(valuesOffset !== undefined ? { valuesOffset } : {}) });
  }
  out.sort((a, b) => a.symbolOffset - b.symbolOffset);
  // A definition's initial `values` (a flexible array) run past its BTF size, up to the next definition.
  return out.map((d, i) => {
    const end = out[i + 1]?.symbolOffset ?? section.size;
    if (end < d.symbolOffset + d.size) throw new ObjectError(`map ${d.spec.name} overlaps the next definition in ${section.name}`, { section: section.name, offset: d.symbolOffset });
    return { ...d, size: end - d.symbolOffset };
  });
}

/** A legacy definition with its offset in the section. */
export interface LegacyMap {
  spec: MapSpec;
  symbolOffset: number;
}

/** The maps of a legacy `maps` section: Windows' 32-byte layout with the platform marker, Linux's otherwise. */
export function readLegacyMaps(elf: ElfFile, section: ElfSection, windowsLayout: boolean): LegacyMap[] {
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
    const minimum = windowsLayout ? WINDOWS_MAP_DEF_SIZE : LINUX_MAP_DEF_SIZE;
    if (size < minimum || symbol.value + size > data.length || symbol.value % 4 !== 0) {
      throw new ObjectError(`map definition ${symbol.name} (${size} bytes at ${symbol.value}) does not fit the maps section (${data.length} bytes)`, { section: section.name, offset: symbol.value });
    }
    const u32 = (index: number) => (index * 4 + 4 <= size ? view.getUint32(symbol.value + index * 4, true) : 0);
    const spec: MapSpec = windowsLayout
      ? { name: symbol.name, type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: 0, pinning: u32(5), source: 'maps', section: section.name, innerMapIndex: u32(4), id: u32(6), innerId: u32(7) }
      // Linux's struct bpf_map_def: type, key_size, value_size, max_entries, map_flags, then inner_map_idx when present.
      : { name: symbol.name, type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: u32(4), pinning: 0, source: 'maps', section: section.name, ...(size >= 24 ? { innerMapIndex: u32(5) } : {}) };
    return { spec, symbolOffset: symbol.value };
  });
}

/**
 * Windows' legacy maps of maps name their inner template by `inner_id` (the `id` of another definition)
 * or else by `inner_map_idx` (its index in the section); the template becomes the map's innerMap.
 */
export function resolveLegacyInnerMaps(defined: LegacyMap[], section: ElfSection): LegacyMap[] {
  return defined.map((d, index) => {
    const { spec } = d;
    if (spec.type !== MAP_TYPE_HASH_OF_MAPS && spec.type !== MAP_TYPE_ARRAY_OF_MAPS) return d;
    const where = { section: section.name, offset: d.symbolOffset };
    let inner: LegacyMap | undefined;
    if (spec.innerId) {
      inner = defined.find((other) => other !== d && other.spec.id === spec.innerId);
      if (!inner) throw new ObjectError(`map ${spec.name} names inner map id ${spec.innerId}, which no definition in ${section.name} has`, where);
    } else if (spec.innerMapIndex !== undefined && spec.innerMapIndex !== index) {
      inner = defined[spec.innerMapIndex];
      if (!inner) throw new ObjectError(`map ${spec.name} names inner map index ${spec.innerMapIndex}, but ${section.name} has ${defined.length} maps`, where);
    }
    return inner ? { ...d, spec: { ...spec, innerMap: inner.spec } } : d;
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
