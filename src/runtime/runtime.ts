// The execution context (ebpfcore's role): one id counter shared by maps and programs, live maps with
// their handle addresses in the arena, references that keep objects alive, the trace log, and the host
// the helpers run against. Loading an object always verifies its programs first; until the verifier
// lands, a load creates nothing and says why.

import { cpus } from 'node:os';
import { basename } from 'node:path';
import type { Btf } from '../btf/btf.ts';
import { formatValue, type DecodedValue } from '../btf/value.ts';
import type { ExecutionEnvironment, Invocation } from '../engines/engine.ts';
import { openObjectFile } from '../object/index.ts';
import { windowsPlatform, type Platform } from '../platform/index.ts';
import { Arena } from './arena.ts';
import { bindHelpers, HelperError, type HelperHost } from './helpers.ts';
import { ArrayMap, createMap, MapError, type BpfMap } from './maps/index.ts';

/** A runtime operation that failed: a stable code and a message naming the object. */
export class RuntimeError extends Error {
  readonly code: 'NOT_FOUND' | 'OPEN_FAILED' | 'LOAD_FAILED' | 'NOT_VERIFIED' | 'INVALID_ARGUMENT' | 'IN_USE';
  constructor(code: RuntimeError['code'], message: string) {
    super(message);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

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

interface LiveMap {
  readonly id: number;
  readonly map: BpfMap;
  /** The address a program holds for this map (what a resolved lddw loads). */
  readonly handle: number;
  readonly flags: number;
  readonly btf?: Btf;
  readonly keyTypeId?: number;
  readonly valueTypeId?: number;
  references: number;
}

/** Runtime options. */
export interface RuntimeOptions {
  platform?: Platform;
  /** "CPUs" per-CPU maps keep values for (default: this machine's). */
  cpuCount?: number;
}

/** One runtime: the maps and programs of a process or of the service. */
export class Runtime {
  readonly arena = new Arena();
  readonly platform: Platform;
  readonly cpuCount: number;
  private nextId = 1;
  private readonly liveMaps = new Map<number, LiveMap>();
  private readonly byHandle = new Map<number, LiveMap>();
  private readonly traceListeners = new Set<(programId: number, text: string) => void>();
  private currentCpu = 0;

  constructor(options: RuntimeOptions = {}) {
    this.platform = options.platform ?? windowsPlatform;
    this.cpuCount = options.cpuCount ?? Math.max(1, cpus().length);
    if (!Number.isInteger(this.cpuCount) || this.cpuCount < 1 || this.cpuCount > 1024) throw new RuntimeError('INVALID_ARGUMENT', `cpu count ${options.cpuCount} must be 1-1024`);
  }

  /** A new id from the counter maps, programs and links share. */
  newId(): number {
    return this.nextId++;
  }

  /** Creates a map; the type is a number or a display name (`hash`). Returns its id. */
  createMap(spec: { type: number | string; keySize: number; valueSize: number; maxEntries: number; name: string; flags?: number; btf?: Btf; keyTypeId?: number; valueTypeId?: number }): number {
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
      id, map, handle: this.arena.alloc(8), flags: spec.flags ?? 0, references: 1,
      ...(spec.btf ? { btf: spec.btf } : {}),
      ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
      ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
    };
    this.liveMaps.set(id, live);
    this.byHandle.set(live.handle, live);
    return id;
  }

  private live(id: number): LiveMap {
    const live = this.liveMaps.get(id);
    if (!live) throw new RuntimeError('NOT_FOUND', `no map with id ${id}`);
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

  /** Loaded programs: none can exist until the verifier lands (see loadObject). */
  programs(): never[] {
    return [];
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

  /** User-side operations: MapErrors (wrong sizes, flags, full maps, missing keys) change nothing. */
  lookup(mapId: number, key: Uint8Array): Uint8Array | undefined {
    return this.map(mapId).lookup(key);
  }

  update(mapId: number, key: Uint8Array, value: Uint8Array, flags: number): void {
    this.map(mapId).update(key, value, flags);
  }

  delete(mapId: number, key: Uint8Array): void {
    this.map(mapId).delete(key);
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

  /** A key or value decoded through the map's BTF; undefined when the map has no BTF for it. */
  decode(mapId: number, part: 'key' | 'value', bytes: Uint8Array): DecodedValue | undefined {
    const live = this.live(mapId);
    const typeId = part === 'key' ? live.keyTypeId : live.valueTypeId;
    if (!live.btf || typeId === undefined) return undefined;
    return formatValue(live.btf, typeId, bytes);
  }

  /** Keeps an object alive; every retain needs one release. */
  retain(id: number): void {
    this.live(id).references++;
  }

  /** Drops a reference; a map with none left is freed. */
  release(id: number): void {
    const live = this.live(id);
    if (--live.references > 0) return;
    live.map.dispose();
    this.arena.free(live.handle);
    this.liveMaps.delete(id);
    this.byHandle.delete(live.handle);
  }

  /**
   * Opens an object, creates its maps, verifies its programs and prepares them for their engine. Every
   * program must pass the verifier; the verifier is not part of this build yet, so loading refuses after
   * checking the file, and removes any maps it created: nothing is half-loaded.
   */
  async loadObject(path: string): Promise<{ programIds: number[]; mapIds: number[] }> {
    let object;
    try {
      object = await openObjectFile(path);
    } catch (error) {
      throw new RuntimeError('OPEN_FAILED', `${basename(path)}: ${(error as Error).message}`);
    }
    const created: number[] = [];
    try {
      for (const spec of object.maps) {
        created.push(this.createMap({
          type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name, flags: spec.flags,
          ...(object.btf ? { btf: object.btf } : {}),
          ...(spec.keyTypeId !== undefined ? { keyTypeId: spec.keyTypeId } : {}),
          ...(spec.valueTypeId !== undefined ? { valueTypeId: spec.valueTypeId } : {}),
        }));
      }
      const names = object.programs.map((p) => p.name).join(', ');
      throw new RuntimeError('NOT_VERIFIED', `${basename(path)}: ${names || 'its programs'} cannot be loaded: every program must pass the verifier first, and the verifier is not part of this build yet`);
    } catch (error) {
      for (const id of created.reverse()) this.release(id);
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('LOAD_FAILED', `${basename(path)}: ${(error as Error).message}`);
    }
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

  /** What engines run program `programId` against: the arena, the helpers, and the map-lookup fast path. */
  environment(programId: number): ExecutionEnvironment {
    const host = this.helperHost(programId);
    return {
      arena: this.arena,
      helper: bindHelpers(host),
      mapLookup: (mapHandle, keyAddress) => {
        const live = this.byHandle.get(mapHandle);
        if (!live) throw new HelperError(`0x${mapHandle.toString(16)} is not a map`);
        if (!this.arena.contains(keyAddress, live.map.definition.keySize)) throw new HelperError(`map key: ${live.map.definition.keySize} bytes at 0x${keyAddress.toString(16)} are outside the program's memory`);
        return live.map.lookupAddress(keyAddress);
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
      // No program can be loaded yet (see loadObject), so a program array holds nothing to call.
      tailCall: (_invocation: Invocation) => -22,
      contextData: () => undefined,
    };
  }
}
