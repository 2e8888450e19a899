// The service's state over its runtime: loads (which programs and maps came from which file), pins in the
// canonical BPF:\ namespace, links, connected processes and the trace log; and every API call as a method
// that checks its parameters first, so a refused call changes nothing. Changes are announced as events.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { basename } from 'node:path';
import type { ApiCallName, ApiCalls, LinkInfo, LoadResult, MapInfo, PinInfo, ProcessInfo, ProgramInfo, ServiceEvent } from '../client/api.ts';
import { ApiError } from '../client/api.ts';
import { openObject } from '../object/index.ts';
import { canonicalPinPath, comparePinPaths, isUnderPinDirectory, PinPathError } from '../runtime/pin-path.ts';
import type { RuntimeBackend } from './backend.ts';
import { HookDispatcher, parseHookEvent } from './hooks.ts';
import { hexBytes, optEnum, optStr, optUint, paramsObject, str, toHex, uint } from './params.ts';

interface LoadRecord {
  readonly path: string;
  readonly fileName: string;
  /** The bytes that were loaded (read once: a file rebuilt after the load does not change what a pin keeps) and their SHA-256. */
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly type: string | undefined;
  readonly execution: 'jit' | 'interpret';
  readonly programIds: Set<number>;
  readonly mapIds: readonly number[];
}

const ERROR_NOT_FOUND = 1168;
const EEXIST = 17;
const TRACE_KEEP = 2000;
const TEST_RUN_SLICE = 10_000;
const RUN_EVENT_EVERY_MS = 100;

/** Interface index of a name or number, from /sys/class/net (Linux), or undefined if no such interface. */
function interfaceIndex(value: string): number | undefined {
  let names: string[];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    return /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : undefined;
  }
  for (const name of names) {
    const index = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
    if (name === value || String(index) === value) return index;
  }
  return undefined;
}

/** Where a loaded program came from. */
export interface LoadInfo {
  /** The file as loaded (for a program restored after a restart: the service's kept copy). */
  readonly path: string;
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly type: string | undefined;
  readonly execution: 'jit' | 'interpret';
  /** Programs of that load still loaded, and the load's maps. */
  readonly programIds: number[];
  readonly mapIds: number[];
}

/** Names of the maps an object file pins by name (LIBBPF_PIN_BY_NAME); none for a native module. */
function pinnedByName(bytes: Uint8Array, name: string): string[] {
  if (bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return [];
  try {
    return openObject(bytes, { name }).maps.filter((m) => m.pinning === LIBBPF_PIN_BY_NAME).map((m) => m.name);
  } catch {
    return []; // the load itself reports what is wrong with the file
  }
}

const LIBBPF_PIN_BY_NAME = 1;

/** The running service's state and API. */
export class ServiceHost {
  readonly events = new EventEmitter();
  private readonly loads = new Map<number, LoadRecord>(); // by program id
  private readonly pins = new Map<string, { kind: 'program' | 'map'; id: number }>();
  private readonly links = new Map<number, LinkInfo>();
  private readonly processes = new Map<number, { name: string; connections: number }>();
  private readonly trace: { seq: number; programId: number; text: string }[] = [];
  private traceSeq = 0;
  private readonly runTouched = new Set<number>();
  private readonly programMaps = new Map<number, readonly number[]>();
  private runTimer: NodeJS.Timeout | undefined;
  private readonly stopTrace: () => void;
  private readonly hooks: HookDispatcher;

  constructor(readonly runtime: RuntimeBackend, readonly describe: () => { pid: number; home: string; socketPath: string; httpPort: number; startedAt: string }) {
    this.events.setMaxListeners(0);
    this.hooks = new HookDispatcher(runtime, () => this.linkList(), (programId) => {
      for (const mapId of this.mapIdsOf(programId)) this.mapTouchedByRun(mapId);
    });
    this.stopTrace = runtime.onTrace((programId, text) => {
      const line = { seq: ++this.traceSeq, programId, text };
      this.trace.push(line);
      if (this.trace.length > TRACE_KEEP) this.trace.splice(0, this.trace.length - TRACE_KEEP);
      this.emit({ type: 'trace', programId, text });
    });
  }

  /** Stops following the runtime's trace log. */
  close(): void {
    this.stopTrace();
    if (this.runTimer) clearTimeout(this.runTimer);
  }

  private emit(event: ServiceEvent): void {
    this.events.emit('event', event);
  }

  /** Records a client process (while it has a connection open). */
  clientConnected(pid: number, name: string): void {
    const entry = this.processes.get(pid) ?? { name, connections: 0 };
    entry.connections++;
    this.processes.set(pid, entry);
  }

  /** Forgets one connection of a client process. */
  clientDisconnected(pid: number): void {
    const entry = this.processes.get(pid);
    if (entry && --entry.connections <= 0) this.processes.delete(pid);
  }

  /** Runs one API call by name; unknown names and bad parameters are ApiErrors. */
  async call(name: string, rawParams: unknown): Promise<unknown> {
    const p = paramsObject(rawParams);
    const handler = (this.handlers as Record<string, ((p: Record<string, unknown>) => unknown) | undefined>)[name];
    if (!Object.hasOwn(this.handlers, name) || !handler) throw new ApiError('UNKNOWN_CALL', `unknown call '${name}' (known: ${Object.keys(this.handlers).join(', ')})`);
    return await handler(p);
  }

  private readonly handlers: { [N in ApiCallName]: (p: Record<string, unknown>) => ApiCalls[N][1] | Promise<ApiCalls[N][1]> } = {
    status: () => ({ ...this.describe(), programs: this.runtime.programs().length, maps: this.runtime.maps().length, links: this.links.size, pins: this.pins.size }),
    'programs.list': () => this.programList(),
    'programs.load': (p) => this.load(p),
    'programs.delete': (p) => this.deleteProgram(uint(p, 'id')),
    'programs.attach': (p) => this.attach(uint(p, 'id'), optStr(p, 'attachType', 64), optStr(p, 'interface', 64), optUint(p, 'compartment')),
    'programs.detach': (p) => this.detachProgram(uint(p, 'id')),
    'programs.testRun': async (p) => {
      // No listing to check the id against: the runtime refuses an unknown program (NOT_FOUND) before running anything.
      const id = uint(p, 'id');
      const input = { dataIn: hexBytes(p, 'dataIn', 1 << 16, false), contextIn: hexBytes(p, 'contextIn', 1 << 12, false), repeat: optUint(p, 'repeat', 1_000_000) ?? 1 };
      const r = await this.chunkedTestRun(id, input);
      for (const mapId of this.mapIdsOf(id)) this.mapTouchedByRun(mapId);
      return { returnValue: r.returnValue.toString(), durationNs: r.durationNs, dataOut: toHex(r.dataOut), contextOut: toHex(r.contextOut) };
    },
    'hooks.event': async (p) => {
      const decision = await this.hooks.dispatch(parseHookEvent(p));
      return decision;
    },
    'hooks.xdp': async (p) => {
      const r = await this.hooks.xdp(uint(p, 'interfaceIndex'), hexBytes(p, 'frame', 1 << 16));
      return { action: r.action, frame: toHex(r.frame), programs: r.programs };
    },
    'maps.list': () => this.mapList(),
    'maps.create': (p) => {
      const spec = { type: str(p, 'type', 64), keySize: uint(p, 'keySize'), valueSize: uint(p, 'valueSize'), maxEntries: uint(p, 'maxEntries'), name: str(p, 'name', 256), flags: optUint(p, 'flags') ?? 0 };
      // As with bpftool, a created map is pinned: the pin holds the map's only reference.
      const path = this.freePinPath(str(p, 'pinPath', 1024));
      const id = this.runtime.createMap(spec);
      this.emit({ type: 'map-created', mapId: id });
      this.addPin(path, 'map', id);
      return this.mapInfo(id);
    },
    'maps.lookup': (p) => {
      const id = this.mapId(uint(p, 'id'));
      const key = hexBytes(p, 'key', 1 << 16);
      const value = this.runtime.lookup(id, key);
      return value === undefined ? null : this.entry(id, key, value);
    },
    'maps.update': (p) => {
      const id = this.mapId(uint(p, 'id'));
      this.runtime.update(id, hexBytes(p, 'key', 1 << 16), hexBytes(p, 'value', 1 << 20), optUint(p, 'flags', 2) ?? 0);
      this.emit({ type: 'map-updated', mapId: id, operation: 'update' });
      return {};
    },
    'maps.delete': (p) => {
      const id = this.mapId(uint(p, 'id'));
      this.runtime.delete(id, hexBytes(p, 'key', 1 << 16));
      this.emit({ type: 'map-updated', mapId: id, operation: 'delete' });
      return {};
    },
    'maps.entries': (p) => {
      const id = this.mapId(uint(p, 'id'));
      return this.runtime.entries(id, optUint(p, 'limit', 1_000_000) ?? 100_000).map((e) => this.entry(id, e.key, e.value));
    },
    'links.list': () => [...this.links.values()].sort((a, b) => a.id - b.id),
    'links.detach': (p) => {
      const id = uint(p, 'id');
      if (!this.links.has(id)) throw new ApiError('NOT_FOUND', `no link with id ${id}`, { errno: ERROR_NOT_FOUND });
      this.detachLink(id);
      return {};
    },
    'pins.list': () => this.pinList(),
    'pins.pin': (p) => {
      const kind = optEnum(p, 'kind', ['program', 'map'] as const) ?? 'program';
      const id = kind === 'map' ? this.mapId(uint(p, 'id')) : this.programId(uint(p, 'id'));
      const path = this.freePinPath(str(p, 'path', 1024));
      this.runtime.retain(id);
      this.addPin(path, kind, id);
      return { path };
    },
    'pins.unpin': (p) => {
      const path = this.pinPath(str(p, 'path', 1024));
      const pin = this.pins.get(path);
      const kind = optEnum(p, 'kind', ['program', 'map'] as const);
      const id = optUint(p, 'id');
      if (!pin || (kind !== undefined && pin.kind !== kind) || (id !== undefined && pin.id !== id)) throw new ApiError('NOT_FOUND', `nothing${kind ? ` (${kind}${id !== undefined ? ` ${id}` : ''})` : ''} is pinned at ${path}`, { errno: ERROR_NOT_FOUND });
      this.removePin(path);
      return { path, id: pin.id };
    },
    'pins.get': (p) => {
      const path = this.pinPath(str(p, 'path', 1024));
      const pin = this.pins.get(path);
      if (!pin) throw new ApiError('NOT_FOUND', `nothing is pinned at ${path}`, { errno: 2 });
      return { path, ...pin };
    },
    'processes.list': () => [...this.processes].map(([pid, e]): ProcessInfo => ({ pid, name: e.name })).sort((a, b) => a.pid - b.pid),
    'trace.read': (p) => {
      const after = optUint(p, 'after', Number.MAX_SAFE_INTEGER) ?? 0;
      return { next: this.traceSeq, lines: this.trace.filter((l) => l.seq > after) };
    },
  };

  /**
   * A test run with many repeats runs in slices, yielding to other requests between them, so one
   * `repeat=1000000` never holds the service for long. Every slice runs on the same input, as one run would.
   */
  private async chunkedTestRun(id: number, input: { dataIn: Uint8Array; contextIn: Uint8Array; repeat: number }) {
    let left = input.repeat;
    let totalNs = 0;
    let last: Awaited<ReturnType<RuntimeBackend['testRun']>> | undefined;
    while (left > 0) {
      const repeat = Math.min(left, TEST_RUN_SLICE);
      last = await this.runtime.testRun(id, { ...input, repeat });
      totalNs += last.durationNs * repeat;
      left -= repeat;
      if (left > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return { ...last!, durationNs: totalNs / input.repeat };
  }

  /** The maps a program uses (a program's maps never change while it lives; ids are never reused). */
  private mapIdsOf(programId: number): readonly number[] {
    let ids = this.programMaps.get(programId);
    if (!ids) {
      ids = this.runtime.programs().find((x) => x.id === programId)?.mapIds ?? [];
      this.programMaps.set(programId, ids);
    }
    return ids;
  }

  /** Announces maps changed by test runs at most every 100 ms each: runs come by the thousand a second. */
  private mapTouchedByRun(mapId: number): void {
    this.runTouched.add(mapId);
    if (this.runTimer) return;
    this.runTimer = setTimeout(() => {
      this.runTimer = undefined;
      const touched = [...this.runTouched];
      this.runTouched.clear();
      for (const id of touched) this.emit({ type: 'map-updated', mapId: id, operation: 'run' });
    }, RUN_EVENT_EVERY_MS);
    this.runTimer.unref();
  }

  private pinPath(path: string): string {
    try {
      return canonicalPinPath(path);
    } catch (error) {
      if (error instanceof PinPathError) throw new ApiError('BAD_PIN_PATH', error.message, { errno: 22 });
      throw error;
    }
  }

  private freePinPath(path: string): string {
    const canonical = this.pinPath(path);
    if (this.pins.has(canonical)) throw new ApiError('PIN_EXISTS', `${canonical} is already pinned`, { errno: EEXIST });
    return canonical;
  }

  private addPin(path: string, kind: 'program' | 'map', id: number): void {
    this.pins.set(path, { kind, id });
    this.emit({ type: 'pinned', path, kind, id });
  }

  private removePin(path: string): void {
    const pin = this.pins.get(path)!;
    this.pins.delete(path);
    this.emit({ type: 'unpinned', path, kind: pin.kind, id: pin.id });
    this.runtime.release(pin.id);
    if (pin.kind === 'map' && !this.runtime.maps().some((m) => m.id === pin.id)) this.emit({ type: 'map-deleted', mapId: pin.id });
  }

  /** Pins as stored (for persistence), sorted by path. */
  pinList(): PinInfo[] {
    return [...this.pins].map(([path, pin]) => ({ path, ...pin })).sort((a, b) => comparePinPaths(a.path, b.path));
  }

  private programId(id: number): number {
    if (!this.runtime.programs().some((p) => p.id === id)) throw new ApiError('NOT_FOUND', `no program with id ${id}`, { errno: 87 });
    return id;
  }

  private mapId(id: number): number {
    if (!this.runtime.maps().some((m) => m.id === id)) throw new ApiError('NOT_FOUND', `no map with id ${id}`, { errno: 87 });
    return id;
  }

  private pathsOf(id: number): string[] {
    return this.pinList().filter((p) => p.id === id).map((p) => p.path);
  }

  /** Every loaded program with its file, pins and links. */
  programList(): ProgramInfo[] {
    return this.runtime
      .programs()
      .sort((a, b) => a.id - b.id)
      .map((p) => {
        const load = this.loads.get(p.id);
        return {
          id: p.id, name: p.name, type: p.type, section: p.section, fileName: load?.fileName ?? '', mode: p.mode, mapIds: [...p.mapIds],
          pinnedPaths: this.pathsOf(p.id), linkIds: [...this.links.values()].filter((l) => l.programId === p.id).map((l) => l.id), runCount: p.runCount, runTimeNs: p.runTimeNs,
        };
      });
  }

  /** Where a loaded program came from (for persistence). */
  loadOf(programId: number): LoadInfo | undefined {
    const load = this.loads.get(programId);
    return load && { path: load.path, fileName: load.fileName, bytes: load.bytes, sha256: load.sha256, type: load.type, execution: load.execution, programIds: [...load.programIds], mapIds: [...load.mapIds] };
  }

  private mapInfo(id: number): MapInfo {
    const m = this.runtime.maps().find((x) => x.id === id)!;
    return { ...m, pinnedPaths: this.pathsOf(id) };
  }

  /** Every live map with its pins. */
  mapList(): MapInfo[] {
    return this.runtime
      .maps()
      .sort((a, b) => a.id - b.id)
      .map((m) => ({ ...m, pinnedPaths: this.pathsOf(m.id) }));
  }

  private entry(mapId: number, key: Uint8Array, value: Uint8Array) {
    const decodedKey = this.runtime.decode(mapId, 'key', key);
    const decodedValue = this.runtime.decode(mapId, 'value', value);
    return { key: toHex(key), value: toHex(value), ...(decodedKey === undefined ? {} : { decodedKey }), ...(decodedValue === undefined ? {} : { decodedValue }) };
  }

  private async load(p: Record<string, unknown>): Promise<LoadResult> {
    const path = str(p, 'path', 4096);
    const fileName = optStr(p, 'fileName', 4096) ?? path;
    const type = optStr(p, 'type', 64);
    const pinned = optEnum(p, 'pinned', ['none', 'first', 'all'] as const) ?? 'first';
    const pinPathRaw = optStr(p, 'pinPath', 1024) ?? '';
    const execution = optEnum(p, 'execution', ['jit', 'interpret'] as const) ?? 'jit';
    const iface = optStr(p, 'interface', 64);
    const compartment = optUint(p, 'compartment');
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new ApiError('OPEN_FAILED', `${fileName}: ${(error as Error).message}`, { errno: (constants.errno as Record<string, number>)[code] ?? 22 });
    }
    // LIBBPF_PIN_BY_NAME maps (spec §6.4): reuse the map pinned at BPF:\<name>, or pin the new one there.
    const byName = pinnedByName(bytes, basename(path)).map((name) => [name, this.pinPath(name)] as const);
    const pinnedMap = (name: string) => {
      const pin = this.pins.get(byName.find(([n]) => n === name)?.[1] ?? '');
      return pin?.kind === 'map' ? pin.id : undefined;
    };
    const loaded = await this.runtime.loadObject(bytes, { name: basename(path), ...(type === undefined ? {} : { type }), execution, ...(byName.length > 0 ? { pinnedMap } : {}) });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const record: LoadRecord = { path, fileName, bytes, sha256, type, execution, programIds: new Set(loaded.programIds), mapIds: loaded.mapIds };
    const pinnedPaths: string[] = [];
    const linkIds: number[] = [];
    const mapPins: string[] = [];
    try {
      const maps = this.runtime.maps().filter((m) => loaded.mapIds.includes(m.id));
      for (const [name, mapPath] of byName) {
        const mapId = maps.find((m) => m.name === name)?.id;
        const pin = this.pins.get(mapPath);
        if (mapId === undefined || (pin?.kind === 'map' && pin.id === mapId)) continue;
        if (pin) throw new ApiError('PIN_FAILED', `could not pin map ${name} to ${mapPath}: a ${pin.kind} is pinned there`, { errno: EEXIST, detail: mapPath });
        this.runtime.retain(mapId);
        this.addPin(mapPath, 'map', mapId);
        mapPins.push(mapPath);
      }
      const programs = loaded.programIds.map((id) => this.runtime.programs().find((x) => x.id === id)!);
      const first = programs[0];
      if (!first) throw new ApiError('LOAD_FAILED', `${fileName} holds no program`, { errno: 22, detail: '' });
      const wanted: [number, string][] =
        pinned === 'none' ? [] : pinned === 'first' ? [[first.id, pinPathRaw === '' ? first.name : pinPathRaw]] : programs.map((x) => [x.id, `${pinPathRaw}/${x.section.replaceAll('/', '_')}`]);
      const targets = wanted.map(([id, raw]): [number, string] => {
        try {
          return [id, this.freePinPath(raw)];
        } catch (error) {
          if (error instanceof ApiError) throw new ApiError('PIN_FAILED', `could not pin to ${raw}: ${error.message}`, { errno: error.errno ?? 22, detail: raw.startsWith('BPF:') ? raw : safeCanonical(raw) });
          throw error;
        }
      });
      if (new Set(targets.map(([, path]) => path)).size !== targets.length) throw new ApiError('PIN_FAILED', 'two programs would be pinned at the same path', { errno: EEXIST, detail: targets[0]![1] });
      for (const id of loaded.programIds) this.loads.set(id, record);
      const link = this.attach(first.id, undefined, iface, compartment);
      linkIds.push(link.id);
      for (const [id, path] of targets) {
        this.runtime.retain(id);
        this.addPin(path, 'program', id);
        pinnedPaths.push(path);
      }
    } catch (error) {
      for (const mapPath of mapPins) this.removePin(mapPath);
      for (const id of linkIds) this.detachLink(id);
      for (const id of loaded.programIds) this.loads.delete(id);
      for (const id of [...loaded.programIds, ...loaded.mapIds]) this.runtime.release(id);
      throw error;
    }
    this.emit({ type: 'object-loaded', programIds: loaded.programIds, mapIds: loaded.mapIds });
    return { programIds: loaded.programIds, mapIds: loaded.mapIds, pinnedPaths, linkIds };
  }

  /** Attaches a program (its section's attach type unless one is given) with its attach parameters. */
  private attach(id: number, attachType: string | undefined, iface: string | undefined, compartment: number | undefined): LinkInfo {
    const program = this.runtime.programs().find((x) => x.id === this.programId(id))!;
    const type = attachType ?? program.attachType;
    const programType = this.runtime.programTypeOfAttachType(type);
    if (attachType !== undefined && programType !== program.type) {
      throw new ApiError('ATTACH_FAILED', `attach type '${type}' is not one of program type ${program.type}`, { errno: 22 });
    }
    let interfaceIdx: number | undefined;
    if (iface !== undefined) {
      if (program.type !== 'xdp') throw new ApiError('INTERFACE_NOT_ALLOWED', "Interface parameter is not allowed for program types that don't support interfaces.");
      interfaceIdx = interfaceIndex(iface);
      if (interfaceIdx === undefined) throw new ApiError('INTERFACE_INVALID', 'Interface parameter is invalid.');
    }
    if (compartment !== undefined) {
      if (program.type !== 'sock_addr') throw new ApiError('COMPARTMENT_NOT_ALLOWED', "Compartment parameter is not allowed for program types that don't support compartments.");
      if (compartment === 0) throw new ApiError('COMPARTMENT_INVALID', 'Compartment parameter is invalid.');
    }
    const link: LinkInfo = { id: this.runtime.newId(), programId: id, attachType: type, ...(interfaceIdx === undefined ? {} : { interfaceIndex: interfaceIdx }), ...(compartment === undefined ? {} : { compartment }) };
    this.runtime.retain(id);
    this.links.set(link.id, link);
    this.emit({ type: 'link-attached', linkId: link.id, programId: id });
    return link;
  }

  private detachLink(linkId: number): void {
    const link = this.links.get(linkId)!;
    this.links.delete(linkId);
    this.emit({ type: 'link-detached', linkId, programId: link.programId });
    this.runtime.release(link.programId);
  }

  /** Links attached now (for the hooks). */
  linkList(): LinkInfo[] {
    return [...this.links.values()];
  }

  private detachProgram(id: number): { linkIds: number[] } {
    this.programId(id);
    const linkIds = [...this.links.values()].filter((l) => l.programId === id).map((l) => l.id);
    if (linkIds.length === 0) throw new ApiError('NOT_ATTACHED', `program ${id} is not attached`, { errno: ERROR_NOT_FOUND });
    for (const linkId of linkIds) this.detachLink(linkId);
    return { linkIds };
  }

  private deleteProgram(id: number): { unpinned: string[] } {
    this.programId(id);
    const unpinned = this.pinList().filter((p) => p.kind === 'program' && p.id === id).map((p) => p.path);
    for (const path of unpinned) this.removePin(path);
    for (const link of [...this.links.values()]) if (link.programId === id) this.detachLink(link.id);
    this.programMaps.delete(id);
    const load = this.loads.get(id);
    if (load) {
      // The load's reference: the program's own, and the maps' once the last program of the file goes.
      this.loads.delete(id);
      load.programIds.delete(id);
      this.runtime.release(id);
      if (load.programIds.size === 0) for (const mapId of load.mapIds) this.runtime.release(mapId);
      this.emit({ type: 'object-unloaded', programIds: [id], mapIds: load.programIds.size === 0 ? [...load.mapIds] : [] });
    }
    return { unpinned };
  }

  /** Pins under a directory (for `pinned=all` listings). */
  pinsUnder(dir: string): PinInfo[] {
    return this.pinList().filter((p) => isUnderPinDirectory(p.path, dir));
  }

  /** Restores a pin (persistence): the object must exist; the pin takes over one reference the caller holds. */
  restorePin(path: string, kind: 'program' | 'map', id: number): void {
    this.addPin(this.freePinPath(path), kind, id);
  }

  /** Records a load restored by persistence, so listings show its file. */
  restoreLoad(load: { path: string; fileName: string; bytes: Uint8Array; sha256: string; type: string | undefined; execution: 'jit' | 'interpret' }, programIds: number[], mapIds: number[]): void {
    const record: LoadRecord = { ...load, programIds: new Set(programIds), mapIds };
    for (const id of programIds) this.loads.set(id, record);
  }
}

function safeCanonical(raw: string): string {
  try {
    return canonicalPinPath(raw);
  } catch {
    return raw;
  }
}
