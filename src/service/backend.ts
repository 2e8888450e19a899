// What the service needs from the runtime that runs the programs: load and unload objects, list programs
// and maps, user-side map operations, test runs, the shared id counter, references that keep pinned
// objects alive, and the trace log. The service keeps pins, links and clients itself.

import type { ProgramMode } from '../client/api.ts';
import type { MapInfo as RuntimeMapInfo } from '../runtime/runtime.ts';

/** A loaded program as the runtime reports it. */
export interface BackendProgram {
  readonly id: number;
  readonly name: string;
  readonly section: string;
  /** Program type display name. */
  readonly type: string;
  /** Attach type name its section implies (`bind`, `cgroup/connect4`, ...). */
  readonly attachType: string;
  readonly mode: ProgramMode;
  readonly mapIds: readonly number[];
  readonly runCount: number;
  readonly runTimeNs: number;
}

/** A live map as the runtime reports it. */
export type BackendMap = RuntimeMapInfo;

/** Options of a load. */
export interface BackendLoadOptions {
  /** Section-like program type name applied to the first program. */
  readonly type?: string;
  readonly execution: 'jit' | 'interpret';
  /** The object's name in listings (default: the file's base name). */
  readonly name?: string;
  /** Maps of the object (by name) to replace with existing maps, as libbpf reuses pinned maps. */
  readonly reuseMaps?: ReadonlyMap<string, number>;
  /** LIBBPF_PIN_BY_NAME maps: the id of the map pinned under the map's name, when there is one. */
  readonly pinnedMap?: (name: string) => number | undefined;
}

/** The runtime behind the service. Errors are ApiErrors (codes OPEN_FAILED, LOAD_FAILED, NOT_FOUND, ...). */
export interface RuntimeBackend {
  /** Opens, verifies and loads an object file (its path or its bytes); its programs and maps stay until released. */
  loadObject(source: string | Uint8Array, options: BackendLoadOptions): Promise<{ programIds: number[]; mapIds: number[] }>;
  programs(): BackendProgram[];
  maps(): BackendMap[];
  /** Keeps an object (program or map) alive; every retain needs one release. Loading holds one reference. */
  retain(id: number): void;
  /** Drops a reference; the object is freed (and maps nothing else uses with it) when none remains. */
  release(id: number): void;
  /** `btf` (a .BTF section's bytes) with the key and value type ids lets the map's entries be decoded. */
  createMap(spec: { type: string; keySize: number; valueSize: number; maxEntries: number; name: string; flags: number; btf?: Uint8Array; keyTypeId?: number; valueTypeId?: number }): number;
  /** The map's BTF section bytes and type ids, when it has BTF. */
  mapBtf?(mapId: number): { btf: Uint8Array; keyTypeId?: number; valueTypeId?: number } | undefined;
  lookup(mapId: number, key: Uint8Array): Uint8Array | undefined;
  update(mapId: number, key: Uint8Array, value: Uint8Array, flags: number): void;
  delete(mapId: number, key: Uint8Array): void;
  /** Up to `limit` entries in iteration order. */
  entries(mapId: number, limit: number): { key: Uint8Array; value: Uint8Array }[];
  /** Ring buffer and perf event array records, consumed as a user-side reader does (oldest first; perf records with their CPU). */
  consume?(mapId: number): { cpu?: number; record: Uint8Array }[];
  /** A key or value decoded through the map's BTF, or undefined when the map has none. */
  decode(mapId: number, part: 'key' | 'value', bytes: Uint8Array): unknown;
  testRun(programId: number, input: { dataIn: Uint8Array; contextIn: Uint8Array; repeat: number }): Promise<{ returnValue: bigint; durationNs: number; dataOut: Uint8Array; contextOut: Uint8Array }>;
  /** Program type name for a section-like attach type name (`bind`, `cgroup/connect4`), or undefined. */
  programTypeOfAttachType(attachType: string): string | undefined;
  /** A new id from the counter programs and maps share. */
  newId(): number;
  /** Calls `listener` for every `bpf_printk` line; returns the function that stops it. */
  onTrace(listener: (programId: number, text: string) => void): () => void;
}
