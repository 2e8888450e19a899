// What a native module's JSON sections say, as types, and the checks that turn untrusted JSON back into
// them: a field of the wrong type is an error naming the section and the field, never a crash later.

import type { MapReference, MapSpec, ProgramFunction, ProgramLineInfo } from '../object/index.ts';
import { NativeModuleError } from './format.ts';

/** `ebpf.module`. */
export interface ModuleHeader {
  readonly format: string;
  readonly version: number;
  /** The source object's file name. */
  readonly object: string;
  readonly license: string;
  /** The platform the programs were verified against (`windows`). */
  readonly platform: string;
  /** Whether the compiled code bounds-checks memory accesses (false: verified code, as on Windows). */
  readonly checked: boolean;
}

/** One program of `ebpf.programs`. */
export interface ProgramRecord {
  readonly name: string;
  readonly section: string;
  readonly sectionIndex: number;
  readonly sectionSize: number;
  readonly offset: number;
  readonly size: number;
  /** The program type it was verified as, and its attach type (platform ids). */
  readonly programType: number;
  readonly attachType: number;
  /** The WebAssembly export that runs it. */
  readonly export: string;
  /** Helper ids the program calls, ascending. */
  readonly helpers: readonly number[];
  /** Instruction slots (lddw counts two), as in `ebpf.instructions`. */
  readonly instructionCount: number;
  readonly functions: readonly ProgramFunction[];
  readonly mapReferences: readonly MapReference[];
  /** SHA-256 (hex) of the program type and helper prototypes it was verified against (spec §4.4). */
  readonly programInfoHash: string;
}

/** One relocation of `ebpf.relocations`: the 10-byte immediate at `at` receives a map's address. */
export interface RelocationRecord {
  readonly program: number;
  readonly pc: number;
  /** File offset of the padded LEB128 immediate. */
  readonly at: number;
  readonly mapIndex: number;
  readonly kind: 'map' | 'value';
  readonly offset: number;
}

type Json = Record<string, unknown>;

class Reader {
  constructor(private readonly section: string) {}

  fail(path: string, expected: string): never {
    throw new NativeModuleError('MALFORMED', `section ${this.section}: ${path} must be ${expected}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object');
    return value as Json;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array');
    return value;
  }

  int(o: Json, key: string, path: string, min = 0, max = 2 ** 32 - 1): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`${path}.${key}`, `an integer ${min}-${max}`);
    return v;
  }

  str(o: Json, key: string, path: string, pattern?: RegExp): string {
    const v = o[key];
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) this.fail(`${path}.${key}`, pattern ? `a string matching ${pattern}` : 'a string');
    return v;
  }

  oneOf<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T {
    const v = o[key];
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) this.fail(`${path}.${key}`, `one of ${values.map((x) => `'${x}'`).join(', ')}`);
    return v as T;
  }

  bool(o: Json, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, 'true or false');
    return v;
  }

  optInt(o: Json, key: string, path: string, min = 0): number | undefined {
    return o[key] === undefined ? undefined : this.int(o, key, path, min);
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A map definition as JSON (initial data as base64). */
export function mapToJson(spec: MapSpec): Json {
  return {
    ...spec,
    ...(spec.data ? { data: base64(spec.data) } : {}),
    ...(spec.innerMap ? { innerMap: mapToJson(spec.innerMap) } : {}),
  };
}

/** A map definition back from JSON, every field checked. */
export function mapFromJson(value: unknown, path: string, r = new Reader('ebpf.maps')): MapSpec {
  const o = r.object(value, path);
  const source = r.oneOf(o, 'source', path, ['.maps', 'maps', 'data'] as const);
  const optional = (key: string) => r.optInt(o, key, path);
  const keyTypeId = optional('keyTypeId');
  const valueTypeId = optional('valueTypeId');
  const innerMapIndex = optional('innerMapIndex');
  const id = optional('id');
  const innerId = optional('innerId');
  let data: Uint8Array | undefined;
  if (o.data !== undefined) {
    const text = r.str(o, 'data', path, /^[A-Za-z0-9+/]*={0,2}$/);
    data = new Uint8Array(Buffer.from(text, 'base64'));
  }
  let initialValues: MapSpec['initialValues'];
  if (o.initialValues !== undefined) {
    initialValues = r.array(o.initialValues, `${path}.initialValues`).map((v, i) => {
      const p = `${path}.initialValues[${i}]`;
      const e = r.object(v, p);
      const kind = r.oneOf(e, 'kind', p, ['program', 'map'] as const);
      return { index: r.int(e, 'index', p), name: r.str(e, 'name', p), kind };
    });
  }
  return {
    name: r.str(o, 'name', path),
    type: r.int(o, 'type', path),
    keySize: r.int(o, 'keySize', path),
    valueSize: r.int(o, 'valueSize', path),
    maxEntries: r.int(o, 'maxEntries', path),
    flags: r.int(o, 'flags', path),
    pinning: r.int(o, 'pinning', path),
    source,
    section: r.str(o, 'section', path),
    ...(keyTypeId !== undefined ? { keyTypeId } : {}),
    ...(valueTypeId !== undefined ? { valueTypeId } : {}),
    ...(o.innerMap !== undefined ? { innerMap: mapFromJson(o.innerMap, `${path}.innerMap`, r) } : {}),
    ...(initialValues ? { initialValues } : {}),
    ...(data ? { data } : {}),
    ...(o.readOnly !== undefined ? { readOnly: r.bool(o, 'readOnly', path) } : {}),
    ...(innerMapIndex !== undefined ? { innerMapIndex } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(innerId !== undefined ? { innerId } : {}),
  };
}

/** `ebpf.module` back from JSON. */
export function headerFromJson(value: unknown): ModuleHeader {
  const r = new Reader('ebpf.module');
  const o = r.object(value, 'module');
  return {
    format: r.str(o, 'format', 'module'),
    version: r.int(o, 'version', 'module'),
    object: r.str(o, 'object', 'module'),
    license: r.str(o, 'license', 'module'),
    platform: r.str(o, 'platform', 'module'),
    checked: r.bool(o, 'checked', 'module'),
  };
}

/** `ebpf.programs` back from JSON. */
export function programsFromJson(value: unknown): ProgramRecord[] {
  const r = new Reader('ebpf.programs');
  return r.array(value, 'programs').map((v, i) => {
    const path = `programs[${i}]`;
    const o = r.object(v, path);
    const helpers = r.array(o.helpers, `${path}.helpers`).map((h, k) => {
      if (typeof h !== 'number' || !Number.isInteger(h) || h < 0) return r.fail(`${path}.helpers[${k}]`, 'a helper id');
      return h;
    });
    const functions = r.array(o.functions, `${path}.functions`).map((f, k) => {
      const p = `${path}.functions[${k}]`;
      const e = r.object(f, p);
      const typeId = r.optInt(e, 'typeId', p);
      return { name: r.str(e, 'name', p), startPc: r.int(e, 'startPc', p), ...(typeId !== undefined ? { typeId } : {}) };
    });
    const mapReferences = r.array(o.mapReferences, `${path}.mapReferences`).map((m, k) => {
      const p = `${path}.mapReferences[${k}]`;
      const e = r.object(m, p);
      const kind = r.oneOf(e, 'kind', p, ['map', 'value'] as const);
      return { pc: r.int(e, 'pc', p), mapIndex: r.int(e, 'mapIndex', p), kind, offset: r.int(e, 'offset', p) };
    });
    return {
      name: r.str(o, 'name', path),
      section: r.str(o, 'section', path),
      sectionIndex: r.int(o, 'sectionIndex', path),
      sectionSize: r.int(o, 'sectionSize', path),
      offset: r.int(o, 'offset', path),
      size: r.int(o, 'size', path),
      programType: r.int(o, 'programType', path),
      attachType: r.int(o, 'attachType', path),
      export: r.str(o, 'export', path),
      helpers,
      instructionCount: r.int(o, 'instructionCount', path, 1),
      functions,
      mapReferences,
      programInfoHash: r.str(o, 'programInfoHash', path, /^[0-9a-f]{64}$/),
    };
  });
}

/** `ebpf.relocations` back from JSON. */
export function relocationsFromJson(value: unknown): RelocationRecord[] {
  const r = new Reader('ebpf.relocations');
  return r.array(value, 'relocations').map((v, i) => {
    const path = `relocations[${i}]`;
    const o = r.object(v, path);
    const kind = r.oneOf(o, 'kind', path, ['map', 'value'] as const);
    return { program: r.int(o, 'program', path), pc: r.int(o, 'pc', path), at: r.int(o, 'at', path), mapIndex: r.int(o, 'mapIndex', path), kind, offset: r.int(o, 'offset', path) };
  });
}

/** `ebpf.lines` back from JSON: one list per program. */
export function linesFromJson(value: unknown): ProgramLineInfo[][] {
  const r = new Reader('ebpf.lines');
  return r.array(value, 'lines').map((list, i) =>
    r.array(list, `lines[${i}]`).map((v, k) => {
      const path = `lines[${i}][${k}]`;
      const o = r.object(v, path);
      return { pc: r.int(o, 'pc', path), file: r.str(o, 'file', path), line: r.int(o, 'line', path), column: r.int(o, 'column', path), source: r.str(o, 'source', path) };
    }),
  );
}
