// The object model: what an eBPF object file holds once read, before anything is loaded. Programs carry
// their linked instructions (subprograms appended, calls relative), map references by index into
// ObjectSpec.maps, and line info by pc.

import type { Btf } from '../btf/btf.ts';
import type { BtfExt } from '../btf/ext.ts';
import { FilePlaceError } from '../elf/reader.ts';
import type { Instruction } from '../isa/instruction.ts';

/** A source position attached to an instruction of a program. */
export interface ProgramLineInfo {
  readonly pc: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source line's text. */
  readonly source: string;
}

/** A function of a program (its own entry, or a linked subprogram) and its BTF type. */
export interface ProgramFunction {
  readonly name: string;
  readonly startPc: number;
  readonly typeId?: number;
}

/** An `lddw` that refers to a map: `map` loads the map itself, `value` an address inside an array map's value. */
export interface MapReference {
  readonly pc: number;
  readonly mapIndex: number;
  readonly kind: 'map' | 'value';
  /** For `value`: the byte offset inside the value. */
  readonly offset: number;
}

/** One program of an object. */
export interface ProgramSpec {
  readonly name: string;
  readonly section: string;
  readonly sectionIndex: number;
  /** Bytes of the whole section (several programs may share it). */
  readonly sectionSize: number;
  /** Program and attach type from the section name through the platform (0, unspecified, when no prefix matches). */
  readonly programType: number;
  readonly attachType: number;
  /** Byte offset of the program's code in its section. */
  readonly offset: number;
  /** Bytes of the program's own code (without linked subprograms). */
  readonly size: number;
  /** Slots, subprograms appended; lddw map references: src 1 (map) or 2 (value) with imm = map index. */
  readonly instructions: readonly Instruction[];
  /** Line info by pc, sorted. */
  readonly lineInfo: readonly ProgramLineInfo[];
  /** The program's own function first, then the linked subprograms. */
  readonly functions: readonly ProgramFunction[];
  readonly mapReferences: readonly MapReference[];
  /** Calls to functions the object does not define (kept as `call` with src 2, imm 0), by name. */
  readonly externCalls: readonly { pc: number; name: string }[];
}

/** Where a map's definition came from. */
export type MapSource = '.maps' | 'maps' | 'data';

/** One map of an object. */
export interface MapSpec {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** 0 none, 1 by name (LIBBPF_PIN_BY_NAME). */
  readonly pinning: number;
  readonly source: MapSource;
  /** The ELF section the definition or data lives in. */
  readonly section: string;
  /** BTF type ids of the key and value, when the definition names them. */
  readonly keyTypeId?: number;
  readonly valueTypeId?: number;
  /** Template of the inner map, for maps of maps. */
  readonly innerMap?: MapSpec;
  /** Initial contents of a prog-array or map of maps: index -> program or map name. */
  readonly initialValues?: readonly { index: number; name: string; kind: 'program' | 'map' }[];
  /** Initial bytes of a .data/.rodata/.bss map's single value. */
  readonly data?: Uint8Array;
  /** .rodata maps are frozen after load. */
  readonly readOnly?: boolean;
  /** Windows legacy definitions: the inner template's index in the section, the template id and inner template id. */
  readonly innerMapIndex?: number;
  readonly id?: number;
  readonly innerId?: number;
}

/** A section of the file, for listings. */
export interface SectionSummary {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly size: number;
  readonly offset: number;
}

/** An opened object file. */
export interface ObjectSpec {
  readonly name: string;
  readonly programs: readonly ProgramSpec[];
  readonly maps: readonly MapSpec[];
  readonly btf?: Btf;
  readonly btfExt?: BtfExt;
  readonly license: string;
  /** True when the object carries the `.ebpf_for_windows` marker section. */
  readonly platformMarker: boolean;
  readonly sections: readonly SectionSummary[];
}

/** A malformed object: what is wrong, in which section, at which byte offset inside that section. */
export class ObjectError extends FilePlaceError {
  readonly code = 'OBJECT_INVALID';
  override readonly name = 'ObjectError';
}
