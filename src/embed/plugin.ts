// Verified plug-in logic for a Node service: load an eBPF object (or compile a C file) once, then run its
// programs on contexts and data from the application and read or change its maps, all through values the
// platform description and BTF lay out. Everything goes through the Runtime, so every program is verified
// at load and runs JIT-compiled (or interpreted) exactly as `ebpf prog run` and the service run it.
//
//   const filter = await loadPlugin('RequestFilter.c');
//   const { value } = filter.run({ data: request.url });
//   filter.map('stats').get(1);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Btf } from '../btf/btf.ts';
import { encodeValue, writeLittleEndian, type EncodableValue } from '../btf/encode.ts';
import { formatValue, type DecodedValue } from '../btf/value.ts';
import { compileC } from '../build/clang.ts';
import type { ProgramTypeSpec } from '../platform/index.ts';
import { Runtime, type MapInfo, type ProgramInfo } from '../runtime/runtime.ts';
import { decodeContext, encodeContext, type ContextValue } from './context.ts';

/** A plug-in call that cannot be made: an unknown program or map, a key or value that does not fit. */
export class PluginError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'INVALID_ARGUMENT', message: string) {
    super(message);
  }
}

export interface PluginOptions {
  /** `jit` (the default) or `interpret`. */
  execution?: 'jit' | 'interpret';
  /** Run every program as this program type instead of the one its section names. */
  programType?: string;
  /** The runtime to load into (plug-ins sharing one share its id space and arena); a new one by default. */
  runtime?: Runtime;
  /** More include directories when `source` is a C file (our headers are always there). */
  includeDirs?: readonly string[];
}

/** What a run takes: the context by field name (or its bytes) and the data its pointers delimit. */
export interface PluginRunInput {
  context?: Readonly<Record<string, ContextValue>> | Uint8Array;
  /** Text is encoded as UTF-8. */
  data?: Uint8Array | string;
}

/** What a run gives back. */
export interface PluginRunResult {
  /** r0 as the program left it (64 bits). */
  readonly returnValue: bigint;
  /** r0 as a signed number (exact within 2^53): the verdict for programs that return one. */
  readonly value: number;
  /** The context after the run, by field name (decoded when first read). */
  readonly context: Record<string, ContextValue>;
  /** The data after the run (programs may write it). */
  readonly data: Uint8Array;
}

/** A run's result; the context is decoded only if asked for (most callers want the verdict). */
class RunResult implements PluginRunResult {
  private decoded: Record<string, ContextValue> | undefined;
  readonly value: number;
  constructor(readonly returnValue: bigint, readonly data: Uint8Array, private readonly type: ProgramTypeSpec, private readonly contextOut: Uint8Array) {
    this.value = Number(BigInt.asIntN(64, returnValue));
  }

  get context(): Record<string, ContextValue> {
    return (this.decoded ??= decodeContext(this.type, this.contextOut));
  }

  /** What `console.log` and `assert.deepEqual` see: the fields as plain data. */
  toJSON(): object {
    return { returnValue: this.returnValue.toString(), value: this.value, context: this.context, data: [...this.data] };
  }
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);
/** Text as UTF-8 in a reused buffer (the run copies it into the arena before anything else reads it). */
function utf8(text: string): Uint8Array {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

/** Loads an object file (a path or its bytes) or compiles and loads a `.c` file; every program is verified. */
export async function loadPlugin(source: string | Uint8Array, options: PluginOptions = {}): Promise<Plugin> {
  const runtime = options.runtime ?? new Runtime();
  let object = source;
  let scratch: string | undefined;
  if (typeof source === 'string' && source.endsWith('.c')) {
    scratch = mkdtempSync(join(tmpdir(), 'ebpf-plugin-'));
    object = (await compileC(source, { outPath: join(scratch, basename(source).replace(/\.c$/, '.o')), ...(options.includeDirs ? { includeDirs: options.includeDirs } : {}) })).objectPath;
  }
  try {
    const loaded = await runtime.loadObject(object, {
      execution: options.execution ?? 'jit',
      ...(options.programType ? { programType: options.programType } : {}),
      ...(typeof source === 'string' ? { name: basename(source) } : {}),
    });
    return new Plugin(runtime, loaded.programIds, loaded.mapIds);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** The programs and maps of one loaded object. */
export class Plugin {
  private closed = false;
  private readonly programInfo: ProgramInfo[];
  private readonly mapInfo: MapInfo[];

  constructor(readonly runtime: Runtime, private readonly programIds: readonly number[], private readonly mapIds: readonly number[]) {
    this.programInfo = runtime.programs().filter((p) => programIds.includes(p.id));
    this.mapInfo = runtime.maps().filter((m) => mapIds.includes(m.id));
  }

  /** The programs' names, in the object's order. */
  get programs(): string[] {
    return this.programInfo.map((p) => p.name);
  }

  /** The maps' names, in the object's order. */
  get maps(): string[] {
    return this.mapInfo.map((m) => m.name);
  }

  /** Runs the object's only program, or the one named, once. */
  run(input?: PluginRunInput): PluginRunResult;
  run(program: string, input?: PluginRunInput): PluginRunResult;
  run(first?: string | PluginRunInput, second?: PluginRunInput): PluginRunResult {
    const [name, input] = typeof first === 'string' ? [first, second ?? {}] : [undefined, first ?? {}];
    const program = this.program(name);
    const type = this.runtime.platform.programTypeByName(program.type) as ProgramTypeSpec;
    const contextIn = input.context instanceof Uint8Array ? input.context : encodeContext(type, input.context ?? {});
    const dataIn = typeof input.data === 'string' ? utf8(input.data) : (input.data ?? EMPTY);
    const result = this.runtime.testRun(program.id, { contextIn, dataIn });
    return new RunResult(result.returnValue, result.dataOut, type, result.contextOut);
  }

  /** One of the object's maps by name, read and written through its BTF. */
  map(name: string): PluginMap {
    this.open();
    const info = this.mapInfo.find((m) => m.name === name);
    if (!info) throw new PluginError('NOT_FOUND', `no map ${name} in this plug-in (it has ${this.maps.join(', ') || 'no maps'})`);
    return new PluginMap(this.runtime, info);
  }

  /** Calls `listener` with each line the plug-in's programs print (bpf_printk); returns the function that stops it. */
  onTrace(listener: (text: string, program: string) => void): () => void {
    return this.runtime.onTrace((id, text) => {
      const program = this.programInfo.find((p) => p.id === id);
      if (program) listener(text, program.name);
    });
  }

  /** Unloads the programs and the maps nothing else holds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.programIds, ...this.mapIds]) this.runtime.release(id);
  }

  private open(): void {
    if (this.closed) throw new PluginError('INVALID_ARGUMENT', 'this plug-in was closed');
  }

  private program(name: string | undefined): ProgramInfo {
    this.open();
    if (name === undefined) {
      if (this.programInfo.length !== 1) throw new PluginError('INVALID_ARGUMENT', `this plug-in has ${this.programInfo.length} programs (${this.programs.join(', ')}): name the one to run`);
      return this.programInfo[0]!;
    }
    const found = this.programInfo.find((p) => p.name === name);
    if (!found) throw new PluginError('NOT_FOUND', `no program ${name} in this plug-in (it has ${this.programs.join(', ')})`);
    return found;
  }
}

/** A map's entries as values: keys and values encoded and decoded through BTF (bytes when it has none). */
export class PluginMap {
  private readonly btf: { btf: Btf; keyTypeId?: number; valueTypeId?: number } | undefined;

  constructor(private readonly runtime: Runtime, readonly info: MapInfo) {
    this.btf = runtime.mapBtf(info.id);
  }

  get name(): string {
    return this.info.name;
  }

  /** The value under `key`, decoded; undefined when there is none. */
  get(key: EncodableValue): DecodedValue | Uint8Array | undefined {
    const value = this.runtime.lookup(this.info.id, this.encode('key', key));
    return value === undefined ? undefined : this.decode('value', value);
  }

  has(key: EncodableValue): boolean {
    return this.runtime.lookup(this.info.id, this.encode('key', key)) !== undefined;
  }

  /** Creates or replaces the entry (`flags`: BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2). */
  set(key: EncodableValue, value: EncodableValue, flags = 0): void {
    this.runtime.update(this.info.id, this.encode('key', key), this.encode('value', value), flags);
  }

  delete(key: EncodableValue): void {
    this.runtime.delete(this.info.id, this.encode('key', key));
  }

  /** Every entry (up to `limit`), decoded. */
  entries(limit = 100_000): { key: DecodedValue | Uint8Array; value: DecodedValue | Uint8Array }[] {
    return this.runtime.entries(this.info.id, limit).map((e) => ({ key: this.decode('key', e.key), value: this.decode('value', e.value) }));
  }

  private encode(part: 'key' | 'value', value: EncodableValue): Uint8Array {
    const size = part === 'key' ? this.info.keySize : this.info.valueSize;
    if (value instanceof Uint8Array) {
      if (value.length !== size) throw new PluginError('INVALID_ARGUMENT', `map ${this.name}: its ${part}s are ${size} bytes; ${value.length} given`);
      return value;
    }
    const typeId = part === 'key' ? this.btf?.keyTypeId : this.btf?.valueTypeId;
    if (this.btf && typeId !== undefined) {
      try {
        return encodeValue(this.btf.btf, typeId, value, part);
      } catch (error) {
        throw new PluginError('INVALID_ARGUMENT', `map ${this.name}: ${(error as Error).message}`);
      }
    }
    // No BTF: plain integers of the map's key or value width still read naturally.
    if (((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') && (size === 1 || size === 2 || size === 4 || size === 8)) {
      const n = BigInt(value);
      if (n < -(1n << BigInt(size * 8 - 1)) || n >= 1n << BigInt(size * 8)) throw new PluginError('INVALID_ARGUMENT', `map ${this.name}: ${n} does not fit its ${size}-byte ${part}s`);
      const bytes = new Uint8Array(size);
      writeLittleEndian(bytes, 0, size, n);
      return bytes;
    }
    throw new PluginError('INVALID_ARGUMENT', `map ${this.name} has no BTF for its ${part}s: give ${size} bytes${size <= 8 ? ' or an integer' : ''}`);
  }

  private decode(part: 'key' | 'value', bytes: Uint8Array): DecodedValue | Uint8Array {
    const typeId = part === 'key' ? this.btf?.keyTypeId : this.btf?.valueTypeId;
    const decoded = this.btf && typeId !== undefined ? formatValue(this.btf.btf, typeId, bytes) : undefined;
    return decoded ?? bytes;
  }
}
