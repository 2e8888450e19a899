// The execution context (ebpfcore's role): one id counter shared by maps, programs and links, live maps
// with their handle addresses in the arena, verified programs prepared by their engine, references that
// keep objects alive, test runs (tail calls included), the trace log, and the host the helpers run
// against. Loading an object (loader.ts) always verifies its programs first.

import { cpus } from 'node:os';
import type { Btf } from '../btf/btf.ts';
import { formatValue, type DecodedValue } from '../btf/value.ts';
import { ExecutionError, type ExecutionEnvironment, type HelperFunction, type Invocation, type PreparedProgram, type RepeatPointers } from '../engines/engine.ts';
import { windowsPlatform, type Platform, type ProgramTypeSpec } from '../platform/index.ts';
import { Arena } from './arena.ts';
import { bindHelpers, HelperError, type HelperHost } from './helpers.ts';
import { hookHelper, joinTestContext, splitTestContext, type HookHost, type HookState } from './hook-helpers.ts';
import { loadObject, type LoadOptions, type LoadResult } from './loader.ts';
import { isNativeSource, loadNativeModule } from '../native/load.ts';
import type { SigningPolicy } from '../native/module.ts';
import { ArrayMap, createMap, HashMap, MapError, type BpfMap } from './maps/index.ts';
import { testRun, TestRunError, type TestRunInput, type TestRunResult } from './test-run.ts';

export type { LoadOptions, LoadResult } from './loader.ts';

/** A runtime operation that failed: a stable code and a message naming the object. */
export class RuntimeError extends Error {
  readonly code: 'NOT_FOUND' | 'OPEN_FAILED' | 'LOAD_FAILED' | 'NOT_VERIFIED' | 'INVALID_ARGUMENT' | 'IN_USE' | 'RUN_FAILED';
  constructor(code: RuntimeError['code'], message: string) {
    super(message);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

/** Most programs one invocation runs after the first, through tail calls (MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALLS = 33;
/** ebpf_result_t values the tail-call helper returns negated (spec §6.3). */
const EBPF_INVALID_ARGUMENT = 6;
const EBPF_NO_MORE_TAIL_CALLS = 27;

/** A live map as callers see it. */
export interface MapInfo {
  readonly id: number;
  readonly name: string;
  /** Display name of the type (`hash`). */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly innerMapId: number;
  /** BTF describes key and value, so they can be decoded. */
  readonly typed: boolean;
}

/** Execution modes, as netsh shows them. */
export type ExecutionMode = 'JIT' | 'INTERPRET' | 'NATIVE';

/** A loaded program as callers see it (`show programs`, the Studio). */
export interface ProgramInfo {
  readonly id: number;
  readonly name: string;
  readonly section: string;
  /** Program type name (`bind`). */
  readonly type: string;
  /** Attach type its section implies (`bind`, `cgroup/connect4`, ...). */
  readonly attachType: string;
  /** The object file it came from. */
  readonly file: string;
  readonly mode: ExecutionMode;
  readonly mapIds: readonly number[];
  /** Runs so far (tail-called runs included) and the total nanoseconds of test runs started at it. */
  readonly runCount: number;
  readonly runTimeNs: number;
}

interface LiveMap {
  readonly kind: 'map';
  readonly id: number;
  readonly map: BpfMap;
  /** The address a program holds for this map (what a resolved lddw loads). */
  readonly handle: number;
  readonly flags: number;
  readonly btf?: Btf;
  readonly keyTypeId?: number;
  readonly valueTypeId?: number;
  /** Maps of maps: what every inner map must look like. */
  readonly innerTemplate?: InnerTemplate;
  /** .rodata: no user-side change after load. */
  frozen: boolean;
  /** Program arrays: the program type of the first program stored (they lock to it). */
  programType?: number;
  references: number;
}

interface LiveProgram {
  readonly kind: 'program';
  readonly id: number;
  readonly name: string;
  readonly section: string;
  readonly file: string;
  readonly type: ProgramTypeSpec;
  readonly attachType: string;
  readonly mode: ExecutionMode;
  readonly mapIds: readonly number[];
  prepared?: PreparedProgram;
  /** How test runs invoke it (tail calls included), made at its first run. */
  invocation?: ProgramInvocation;
  runCount: number;
  runTimeNs: number;
  references: number;
}

/** The shape maps stored in a map of maps must have. */
export interface InnerTemplate {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

/** What creating a map takes. */
export interface MapCreateSpec {
  /** A type number or display name (`hash`). */
  type: number | string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
  flags?: number;
  btf?: Btf;
  keyTypeId?: number;
  valueTypeId?: number;
  /** For maps of maps: the inner map's shape. */
  innerTemplate?: InnerTemplate;
}

/** Runtime options. */
export interface RuntimeOptions {
  platform?: Platform;
  /** "CPUs" per-CPU maps keep values for (default: this machine's). */
  cpuCount?: number;
  /** Who may sign the native modules this runtime loads, asked at each load (default: nobody). */
  signingPolicy?: () => SigningPolicy;
}

/** Input of Runtime.testRun: bpf_prog_test_run_opts' fields, plus the hook's side of a run. */
export interface RuntimeTestRunInput extends TestRunInput {
  /** The CPU the program runs on (per-CPU maps, perf event arrays); default 0. */
  cpu?: number;
  /** sock_addr: what bpf_sock_addr_get_network_context reports. */
  networkContext?: Uint8Array;
  /** process: what bpf_process_get_image_path copies. */
  imagePath?: Uint8Array;
}

/** What Runtime.testRun returns: the test run's result and what the hook helpers produced. */
export interface RuntimeTestRunResult extends TestRunResult {
  /** sock_addr: the redirect context the program set. */
  redirectContext?: Uint8Array;
  /** netevent: events the program pushed. */
  events?: Uint8Array[];
}

const u32Key = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/** One runtime: the maps and programs of a process or of the service. */
export class Runtime {
  readonly arena = new Arena();
  readonly platform: Platform;
  readonly cpuCount: number;
  private readonly signingPolicy: () => SigningPolicy;
  private nextId = 1;
  private readonly liveMaps = new Map<number, LiveMap>();
  private readonly livePrograms = new Map<number, LiveProgram>();
  private readonly byHandle = new Map<number, LiveMap>();
  private readonly byMap = new Map<BpfMap, LiveMap>();
  private readonly traceListeners = new Set<(programId: number, text: string) => void>();
  private readonly flows = new Map<string, bigint>();
  private currentCpu = 0;
  private hookState: HookState = { events: [] };

  constructor(options: RuntimeOptions = {}) {
    this.platform = options.platform ?? windowsPlatform;
    this.signingPolicy = options.signingPolicy ?? (() => ({ trustedKeys: [], testSigning: false }));
    this.cpuCount = options.cpuCount ?? Math.max(1, cpus().length);
    if (!Number.isInteger(this.cpuCount) || this.cpuCount < 1 || this.cpuCount > 1024) throw new RuntimeError('INVALID_ARGUMENT', `cpu count ${options.cpuCount} must be 1-1024`);
  }

  /** A new id from the counter maps, programs and links share. */
  newId(): number {
    return this.nextId++;
  }

  /** Creates a map; the type is a number or a display name (`hash`). Returns its id, holding one reference. */
  createMap(spec: MapCreateSpec): number {
    const type = typeof spec.type === 'number' ? this.platform.mapTypeById(spec.type) : this.platform.mapTypes.find((t) => t.displayName === spec.type);
    if (!type) throw new RuntimeError('INVALID_ARGUMENT', `unknown map type '${spec.type}' (known: ${this.platform.mapTypes.slice(1).map((t) => t.displayName).join(', ')})`);
    if (!/^[\w.-]{1,64}$/.test(spec.name)) throw new RuntimeError('INVALID_ARGUMENT', `map name '${spec.name}' must be 1-64 letters, digits, '_', '.' or '-'`);
    let map: BpfMap;
    try {
      map = createMap(this.platform, { name: spec.name, type: type.id, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags ?? 0 }, {
        arena: this.arena,
        cpuCount: this.cpuCount,
        currentCpu: () => this.currentCpu,
      });
    } catch (error) {
      if (error instanceof MapError) throw new RuntimeError('INVALID_ARGUMENT', error.message);
      throw error;
    }
    const id = this.newId();
    const live: LiveMap = {
      kind: 'map', id, map, handle: this.arena.alloc(8), flags: spec.flags ?? 0, references: 1, frozen: false,
      ...(spec.btf ? { btf: spec.btf } : {}),
      ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
      ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
      ...(spec.innerTemplate ? { innerTemplate: spec.innerTemplate } : {}),
    };
    this.liveMaps.set(id, live);
    this.byHandle.set(live.handle, live);
    this.byMap.set(map, live);
    return id;
  }

  private live(id: number): LiveMap {
    const live = this.liveMaps.get(id);
    if (!live) throw new RuntimeError('NOT_FOUND', `no map with id ${id}`);
    return live;
  }

  private liveProgram(id: number): LiveProgram {
    const live = this.livePrograms.get(id);
    if (!live) throw new RuntimeError('NOT_FOUND', `no program with id ${id}`);
    return live;
  }

  /** Every live map. */
  maps(): MapInfo[] {
    return [...this.liveMaps.values()].map((m) => ({
      id: m.id,
      name: m.map.name,
      type: m.map.definition.type.displayName,
      keySize: m.map.definition.keySize,
      valueSize: m.map.definition.valueSize,
      maxEntries: m.map.definition.maxEntries,
      flags: m.flags,
      innerMapId: 0,
      typed: m.btf !== undefined && m.valueTypeId !== undefined,
    }));
  }

  /** Every loaded program. */
  programs(): ProgramInfo[] {
    return [...this.livePrograms.values()].map((p) => ({
      id: p.id, name: p.name, section: p.section, type: p.type.name, attachType: p.attachType, file: p.file, mode: p.mode,
      mapIds: [...p.mapIds], runCount: p.runCount, runTimeNs: p.runTimeNs,
    }));
  }

  /** The address a program holds for map `id` (what a resolved lddw of the map loads). */
  mapHandle(id: number): number {
    return this.live(id).handle;
  }

  /** The address of byte `offset` of an array map's first value (what lddw of a global variable loads). */
  mapValueAddress(id: number, offset: number): number {
    const map = this.live(id).map;
    if (!(map instanceof ArrayMap) || offset < 0 || offset >= map.definition.valueSize) {
      throw new RuntimeError('INVALID_ARGUMENT', `map ${map.name}: offset ${offset} is not inside an array map's value`);
    }
    return map.base + offset;
  }

  /** The map object with this id (user-side operations). */
  map(id: number): BpfMap {
    return this.live(id).map;
  }

  /** User side: the value for a key (program arrays and maps of maps: the stored object's id), or undefined. */
  lookup(mapId: number, key: Uint8Array): Uint8Array | undefined {
    return this.mapOperation(mapId, (map) => map.lookup(key));
  }

  /**
   * User side: creates or replaces an entry. Program arrays and maps of maps take the id of a program or
   * map (4 bytes), checked before anything changes. MapErrors become RuntimeErrors naming the map.
   */
  update(mapId: number, key: Uint8Array, value: Uint8Array, flags: number): void {
    const live = this.live(mapId);
    if (live.frozen) throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name} is read-only (frozen after load)`);
    const kind = live.map.definition.type.valueKind;
    if (kind === 'data') {
      this.mapOperation(mapId, (map) => map.update(key, value, flags));
      return;
    }
    if (value.length !== 4) throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name}: values are 4-byte ${kind} ids; got ${value.length} bytes`);
    const id = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
    if (kind === 'program') {
      const program = this.livePrograms.get(id);
      if (!program) throw new RuntimeError('NOT_FOUND', `map ${live.map.name}: no program with id ${id}`);
      if (live.programType !== undefined && live.programType !== program.type.id) {
        throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name} holds ${this.platform.programTypeById(live.programType)?.name} programs; program ${id} is ${program.type.name}`);
      }
      this.mapOperation(mapId, (map) => map.update(key, value, flags));
      live.programType = program.type.id;
      return;
    }
    const inner = this.liveMaps.get(id);
    if (!inner) throw new RuntimeError('NOT_FOUND', `map ${live.map.name}: no map with id ${id}`);
    const t = live.innerTemplate;
    const d = inner.map.definition;
    if (t && (t.type !== d.type.id || t.keySize !== d.keySize || t.valueSize !== d.valueSize || t.maxEntries !== d.maxEntries)) {
      throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name}: map ${id} (${d.type.displayName}, key ${d.keySize}, value ${d.valueSize}, ${d.maxEntries} entries) does not match the inner map (${this.platform.mapTypeById(t.type)?.displayName}, key ${t.keySize}, value ${t.valueSize}, ${t.maxEntries} entries)`);
    }
    const previous = this.storedId(live, key);
    this.mapOperation(mapId, (map) => map.update(key, value, flags));
    inner.references++;
    if (previous) this.release(previous);
  }

  /** User side: removes an entry (program arrays and maps of maps: clears the slot). */
  delete(mapId: number, key: Uint8Array): void {
    const live = this.live(mapId);
    if (live.frozen) throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name} is read-only (frozen after load)`);
    const previous = live.map.definition.type.valueKind === 'map' ? this.storedId(live, key) : 0;
    this.mapOperation(mapId, (map) => map.delete(key));
    if (previous) this.release(previous);
  }

  /** User side: the key after `key` (the first when undefined), or undefined at the end. */
  nextKey(mapId: number, key: Uint8Array | undefined): Uint8Array | undefined {
    return this.mapOperation(mapId, (map) => map.nextKey(key));
  }

  /** User side: lookup and delete in one (queues and stacks: pop). */
  lookupAndDelete(mapId: number, key: Uint8Array): Uint8Array {
    const live = this.live(mapId);
    if (live.frozen) throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name} is read-only (frozen after load)`);
    if (live.map.definition.type.valueKind !== 'data') throw new RuntimeError('INVALID_ARGUMENT', `map ${live.map.name}: lookup-and-delete is for maps of data`);
    return this.mapOperation(mapId, (map) => map.lookupAndDelete(key));
  }

  /** User side: up to `count` entries from after `startKey` (from the first when undefined), and the key to continue from. */
  lookupBatch(mapId: number, startKey: Uint8Array | undefined, count: number): { entries: { key: Uint8Array; value: Uint8Array }[]; next?: Uint8Array } {
    if (!Number.isInteger(count) || count < 1) throw new RuntimeError('INVALID_ARGUMENT', `batch count must be a positive integer, not ${count}`);
    const entries: { key: Uint8Array; value: Uint8Array }[] = [];
    let key = this.nextKey(mapId, startKey);
    while (key !== undefined && entries.length < count) {
      const value = this.lookup(mapId, key);
      if (value !== undefined) entries.push({ key, value });
      key = this.nextKey(mapId, key);
    }
    return key === undefined || entries.length === 0 ? { entries } : { entries, next: entries[entries.length - 1]!.key };
  }

  /** Up to `limit` entries in iteration order. */
  entries(mapId: number, limit: number): { key: Uint8Array; value: Uint8Array }[] {
    const out: { key: Uint8Array; value: Uint8Array }[] = [];
    for (const [key, value] of this.map(mapId).entries()) {
      if (out.length >= limit) break;
      out.push({ key, value });
    }
    return out;
  }

  /** The map's BTF and its key and value type ids, when it has BTF (persisting a map keeps them). */
  mapBtf(mapId: number): { btf: Btf; keyTypeId?: number; valueTypeId?: number } | undefined {
    const live = this.live(mapId);
    if (!live.btf) return undefined;
    return { btf: live.btf, ...(live.keyTypeId !== undefined ? { keyTypeId: live.keyTypeId } : {}), ...(live.valueTypeId !== undefined ? { valueTypeId: live.valueTypeId } : {}) };
  }

  /** A key or value decoded through the map's BTF; undefined when the map has no BTF for it. */
  decode(mapId: number, part: 'key' | 'value', bytes: Uint8Array): DecodedValue | undefined {
    const live = this.live(mapId);
    const typeId = part === 'key' ? live.keyTypeId : live.valueTypeId;
    if (!live.btf || typeId === undefined) return undefined;
    return formatValue(live.btf, typeId, bytes);
  }

  private mapOperation<T>(mapId: number, operation: (map: BpfMap) => T): T {
    const live = this.live(mapId);
    try {
      return operation(live.map);
    } catch (error) {
      if (error instanceof MapError) throw Object.assign(new RuntimeError(error.code === 'KEY_NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', error.message), { mapCode: error.code, errno: error.errno });
      throw error;
    }
  }

  /** The object id a map of maps or program array holds under `key` (0 for none or a bad key). */
  private storedId(live: LiveMap, key: Uint8Array): number {
    try {
      const value = live.map.lookup(key);
      return value && value.length === 4 ? new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true) : 0;
    } catch {
      return 0;
    }
  }

  /** Marks a map read-only for users (.rodata after load). */
  freeze(mapId: number): void {
    this.live(mapId).frozen = true;
  }

  /** Keeps an object (map or program) alive; every retain needs one release. */
  retain(id: number): void {
    const object = this.liveMaps.get(id) ?? this.livePrograms.get(id);
    if (!object) throw new RuntimeError('NOT_FOUND', `no map or program with id ${id}`);
    object.references++;
  }

  /**
   * Drops a reference. A program with none left is freed, releasing its maps and leaving every program
   * array that held it; a map with none left is freed, releasing the maps it held.
   */
  release(id: number): void {
    const program = this.livePrograms.get(id);
    if (program) {
      if (--program.references > 0) return;
      this.livePrograms.delete(id);
      program.prepared?.dispose?.();
      for (const live of this.liveMaps.values()) {
        if (!live.map.definition.type.isProgArray) continue;
        for (const [key, value] of live.map.entries()) if (new DataView(value.buffer).getUint32(0, true) === id) live.map.delete(key);
      }
      for (const mapId of program.mapIds) this.release(mapId);
      return;
    }
    const live = this.live(id);
    if (--live.references > 0) return;
    const inner = live.map.definition.type.valueKind === 'map' ? [...live.map.entries()].map(([, v]) => new DataView(v.buffer).getUint32(0, true)).filter((x) => x !== 0) : [];
    live.map.dispose();
    this.arena.free(live.handle);
    this.liveMaps.delete(id);
    this.byHandle.delete(live.handle);
    this.byMap.delete(live.map);
    for (const innerId of inner) if (this.liveMaps.has(innerId)) this.release(innerId);
  }

  /**
   * Adds a verified, relocated program (the loader's last step): it takes a reference on each of its maps
   * and holds one reference itself, which the caller owns.
   */
  addProgram(program: { name: string; section: string; file: string; type: ProgramTypeSpec; attachType: string; mode: ExecutionMode; mapIds: readonly number[] }, prepare: (id: number) => PreparedProgram): number {
    const id = this.newId();
    const live: LiveProgram = { kind: 'program', id, ...program, mapIds: [...new Set(program.mapIds)], runCount: 0, runTimeNs: 0, references: 1 };
    for (const mapId of live.mapIds) this.retain(mapId);
    this.livePrograms.set(id, live);
    try {
      live.prepared = prepare(id);
    } catch (error) {
      this.livePrograms.delete(id);
      for (const mapId of live.mapIds) this.release(mapId);
      throw error;
    }
    return id;
  }

  /**
   * Opens an object (a path or its bytes), creates its maps (or reuses the ones `options.reuseMaps`
   * names), relocates map references, verifies every program, fills program arrays and maps of maps, and
   * prepares each program for its engine. Ids come back each holding one reference the caller owns; on
   * any failure everything created is released and a RuntimeError says why.
   */
  async loadObject(source: string | Uint8Array, options: LoadOptions = {}): Promise<LoadResult> {
    if (isNativeSource(source)) return this.loadNative(source, options);
    return loadObject(this, source, options);
  }

  /**
   * Loads a native module (`ebpf native`): its signature, signer and program-info hashes checked
   * under this runtime's signing policy and platform, then its maps created and its compiled programs
   * added with mode NATIVE, without verification. All or nothing, as loadObject.
   */
  async loadNative(source: string | Uint8Array, options: LoadOptions = {}): Promise<LoadResult> {
    return loadNativeModule(this, source, this.signingPolicy(), options);
  }

  /** Program type name for an attach type name (`cgroup/connect4` -> `sock_addr`). */
  programTypeOfAttachType(attachType: string): string | undefined {
    const attach = this.platform.attachTypes.find((a) => a.name === attachType);
    return attach && this.platform.programTypeById(attach.programType)?.name;
  }

  /** Calls `listener` for every bpf_printk line; returns the function that stops it. */
  onTrace(listener: (programId: number, text: string) => void): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  /**
   * Runs a loaded program as bpf_prog_test_run_opts does (spec §4.1), with tail calls as Windows makes
   * them: each callee runs after its caller returns, at most 33 after the first program. Bad input is a
   * RuntimeError (INVALID_ARGUMENT) before anything runs.
   */
  testRun(programId: number, given: RuntimeTestRunInput = {}): RuntimeTestRunResult {
    // This runs once per hook event and plug-in call: objects of one shape, no spreads, no closures.
    const program = this.liveProgram(programId);
    let contextIn = given.contextIn;
    let networkContext = given.networkContext;
    let whole: Uint8Array | undefined;
    if (program.type.name === 'sock_addr') {
      const split = splitTestContext(program.type.name, contextIn);
      if ('error' in split) throw new RuntimeError('INVALID_ARGUMENT', `program ${programId} (${program.name}): ${split.error}`);
      contextIn = split.contextIn;
      networkContext ??= split.networkContext;
      whole = split.whole;
    }
    const cpu = given.cpu ?? 0;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpuCount) throw new RuntimeError('INVALID_ARGUMENT', `cpu ${cpu} is not one of this runtime's ${this.cpuCount} CPUs (0-${this.cpuCount - 1})`);
    const input: TestRunInput = { contextIn, dataIn: given.dataIn, repeat: given.repeat, dataSizeOut: given.dataSizeOut };
    const state: HookState = { events: [], networkContext, imagePath: given.imagePath };
    const savedCpu = this.currentCpu;
    const savedState = this.hookState;
    this.currentCpu = cpu;
    this.hookState = state;
    try {
      // The input is checked first, before anything is written: a TestRunError changes nothing.
      const result: RuntimeTestRunResult = testRun(program.invocation ??= new ProgramInvocation(this.livePrograms, program), this.arena, program.type, input, state);
      program.runTimeNs += result.durationNs * (input.repeat ?? 1);
      if (whole) result.contextOut = joinTestContext(whole, result.contextOut);
      if (state.redirectContext) result.redirectContext = state.redirectContext;
      if (state.events.length) result.events = state.events;
      return result;
    } catch (error) {
      if (error instanceof TestRunError) throw new RuntimeError('INVALID_ARGUMENT', `program ${programId} (${program.name}): ${error.message}`);
      if (error instanceof ExecutionError) throw new RuntimeError('RUN_FAILED', `program ${programId} (${program.name}): ${error.message}`);
      throw error;
    } finally {
      this.currentCpu = savedCpu;
      this.hookState = savedState;
    }
  }

  /** The program a tail call through `programArray[index]` reaches, recorded for after the caller returns. */
  private tailCall(invocation: Invocation, programArray: BpfMap, index: number): number {
    if (!programArray.definition.type.isProgArray || index >= programArray.definition.maxEntries) return -EBPF_INVALID_ARGUMENT;
    const value = programArray.lookup(u32Key(index));
    const id = value ? new DataView(value.buffer).getUint32(0, true) : 0;
    if (id === 0 || !this.livePrograms.has(id)) return -EBPF_INVALID_ARGUMENT;
    if ((invocation.tailCalls ?? 0) >= MAX_TAIL_CALLS) return -EBPF_NO_MORE_TAIL_CALLS;
    invocation.tailCalls = (invocation.tailCalls ?? 0) + 1;
    invocation.tailCall = id;
    return 0;
  }

  /** Program-side lookup: maps of maps give the inner map's handle, program arrays nothing. */
  private programLookup(live: LiveMap, keyAddress: number): number {
    const kind = live.map.definition.type.valueKind;
    if (kind === 'data') return live.map.lookupAddress(keyAddress);
    if (kind === 'program') return 0;
    const address = live.map.lookupAddress(keyAddress);
    if (address === 0) return 0;
    const inner = this.liveMaps.get(this.arena.view.getUint32(address, true));
    return inner ? inner.handle : 0;
  }

  /** What engines run program `programId` against: the arena, the helpers, and the map-lookup fast path. */
  environment(programId: number): ExecutionEnvironment {
    const host = this.helperHost(programId);
    const general = bindHelpers(host);
    const type = this.livePrograms.get(programId)?.type;
    const hook: HookHost = {
      arena: this.arena,
      state: () => this.hookState,
      mapAt: (address) => this.byHandle.get(address)?.map,
      flowId: (tuple) => {
        let id = this.flows.get(tuple);
        if (id === undefined) this.flows.set(tuple, (id = BigInt(this.flows.size + 1)));
        return id;
      },
    };
    const own = new Map<number, HelperFunction | undefined>();
    return {
      arena: this.arena,
      helper: (id) => {
        if (id < 65536 || !type) return general(id);
        if (!own.has(id)) own.set(id, hookHelper(type.name, id, hook));
        return own.get(id);
      },
      inlineMap: (mapHandle) => {
        const map = this.byHandle.get(mapHandle)?.map;
        if (map instanceof HashMap) {
          const layout = map.inlineLayout();
          return layout && { kind: 'hash', ...layout };
        }
        const type = map?.definition.type;
        if (map instanceof ArrayMap && type!.valueKind === 'data' && !type!.perCpu) return { kind: 'array', base: map.base, stride: map.stride, maxEntries: map.definition.maxEntries };
        return undefined;
      },
      mapLookup: (mapHandle, keyAddress) => {
        const live = this.byHandle.get(mapHandle);
        if (!live) throw new HelperError(`0x${mapHandle.toString(16)} is not a map`);
        if (!this.arena.contains(keyAddress, live.map.definition.keySize)) throw new HelperError(`map key: ${live.map.definition.keySize} bytes at 0x${keyAddress.toString(16)} are outside the program's memory`);
        return this.programLookup(live, keyAddress);
      },
    };
  }

  /** The helpers' view of this runtime for a run of program `programId`. */
  helperHost(programId: number): HelperHost {
    return {
      arena: this.arena,
      mapAt: (address) => this.byHandle.get(address)?.map,
      cpu: () => this.currentCpu,
      pidTgid: () => (BigInt(process.pid) << 32n) | BigInt(process.pid),
      logonId: () => 0n,
      isAdmin: () => typeof process.getuid === 'function' && process.getuid() === 0,
      processStartKey: () => BigInt(process.pid),
      threadCreateTime: () => 0n,
      trace: (line) => {
        for (const listener of this.traceListeners) listener(programId, line);
      },
      tailCall: (invocation, programArray, index) => this.tailCall(invocation, programArray, index),
      contextData: (context) => {
        const type = this.livePrograms.get(programId)?.type;
        if (!type || type.dataOffset < 0 || type.dataEndOffset < 0 || !this.arena.contains(context, type.contextSize)) return undefined;
        const start = Number(this.arena.view.getBigUint64(context + type.dataOffset, true));
        const end = Number(this.arena.view.getBigUint64(context + type.dataEndOffset, true));
        return end >= start && this.arena.contains(start, end - start) ? [start, end] : undefined;
      },
      lookup: (map, keyAddress) => {
        const live = this.byMap.get(map);
        return live ? this.programLookup(live, keyAddress) : map.lookupAddress(keyAddress);
      },
    };
  }
}

/**
 * One test run's invocations: the program, then each program a tail call recorded, with the same context
 * (a class, not closures: under tsx each closure created costs a name definition, and this runs per event).
 */
class ProgramInvocation {
  private readonly options: { invocation: Invocation; progress: { completed: number } } = { invocation: { context: 0 }, progress: { completed: 0 } };
  constructor(
    private readonly programs: ReadonlyMap<number, LiveProgram>,
    private readonly first: LiveProgram,
  ) {}

  run(context: bigint): bigint {
    const invocation = this.options.invocation;
    invocation.context = Number(context);
    invocation.tailCalls = 0;
    let program = this.first;
    for (;;) {
      invocation.tailCall = undefined;
      const r0 = program.prepared!.run(context, this.options);
      program.runCount++;
      const next = invocation.tailCall;
      if (next === undefined) return r0;
      const callee = this.programs.get(next);
      if (!callee) return r0; // freed since the call was recorded: nothing left to run
      program = callee;
    }
  }

  /** All runs inside the engine when it can (no tail calls), else undefined: the test run loops over run(). */
  runRepeated(context: number, pointers: RepeatPointers, count: number): bigint | undefined {
    const prepared = this.first.prepared!;
    if (!prepared.runRepeated) return undefined;
    const { invocation, progress } = this.options;
    invocation.context = context;
    invocation.tailCalls = 0;
    invocation.tailCall = undefined;
    progress.completed = 0;
    try {
      return prepared.runRepeated(context, pointers, count, this.options);
    } finally {
      this.first.runCount += progress.completed;
    }
  }
}
