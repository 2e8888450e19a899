// A runtime backend for testing the service's own machinery (doors, pins, links, persistence, CLI
// output) without the runtime: objects are opened for real, maps are byte maps kept in JavaScript,
// programs never run (test runs are refused).

import { ApiError } from '../../../src/client/api.ts';
import { openObject, openObjectFile } from '../../../src/object/index.ts';
import { windowsPlatform } from '../../../src/platform/index.ts';
import type { BackendLoadOptions, BackendMap, BackendProgram, RuntimeBackend } from '../../../src/service/backend.ts';

interface LiveMap {
  info: BackendMap;
  entries: Map<string, Uint8Array>;
  refs: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The test backend, with a way to inject trace lines. */
export class MemoryBackend implements RuntimeBackend {
  private nextId = 1;
  private readonly programsById = new Map<number, BackendProgram & { refs: number }>();
  private readonly mapsById = new Map<number, LiveMap>();
  private readonly traceListeners = new Set<(programId: number, text: string) => void>();

  async loadObject(source: string | Uint8Array, options: BackendLoadOptions) {
    let object;
    try {
      object = typeof source === 'string' ? await openObjectFile(source) : openObject(source, { name: options.name ?? 'object' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ApiError('OPEN_FAILED', `cannot open ${String(source)}`, { errno: 2 });
      throw new ApiError('LOAD_FAILED', (error as Error).message, { errno: 22, detail: (error as Error).message });
    }
    const mapIds = object.maps.map((spec) => {
      const reuse = options.reuseMaps?.get(spec.name) ?? (spec.pinning === 1 ? options.pinnedMap?.(spec.name) : undefined);
      if (reuse !== undefined) {
        this.retain(reuse);
        return reuse;
      }
      return this.createMap({ type: windowsPlatform.mapTypeById(spec.type)?.displayName ?? 'unspec', keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name, flags: spec.flags });
    });
    const programIds = object.programs.map((spec, i) => {
      const section = windowsPlatform.sectionInfo(spec.section);
      const typeId = i === 0 && options.type ? windowsPlatform.sectionInfo(options.type)?.programType : section?.programType;
      const id = this.nextId++;
      this.programsById.set(id, {
        id, name: spec.name, section: spec.section, type: windowsPlatform.programTypeById(typeId ?? -1)?.name ?? 'unspec',
        // As the runtime does: a forced type attaches by its default attach type, otherwise the section's.
        attachType: windowsPlatform.attachTypeById(typeId !== section?.programType ? windowsPlatform.programTypeById(typeId ?? -1)?.defaultAttachType ?? -1 : section?.attachType ?? -1)?.name ?? spec.section, mode: options.execution === 'interpret' ? 'INTERPRET' : 'JIT',
        mapIds: [...new Set(spec.mapReferences.map((r) => mapIds[r.mapIndex]!))], runCount: 0, runTimeNs: 0, refs: 1,
      });
      return id;
    });
    return { programIds, mapIds };
  }

  programs(): BackendProgram[] {
    return [...this.programsById.values()].map(({ refs: _refs, ...p }) => p);
  }

  maps(): BackendMap[] {
    return [...this.mapsById.values()].map((m) => m.info);
  }

  retain(id: number): void {
    const o = this.programsById.get(id) ?? this.mapsById.get(id);
    if (!o) throw new ApiError('NOT_FOUND', `no object ${id}`);
    o.refs++;
  }

  release(id: number): void {
    const p = this.programsById.get(id);
    if (p && --p.refs === 0) this.programsById.delete(id);
    const m = this.mapsById.get(id);
    if (m && --m.refs === 0) this.mapsById.delete(id);
  }

  /** Live references of an object (for leak checks). */
  references(id: number): number {
    return (this.programsById.get(id) ?? this.mapsById.get(id))?.refs ?? 0;
  }

  createMap(spec: { type: string; keySize: number; valueSize: number; maxEntries: number; name: string; flags: number }): number {
    if (!windowsPlatform.mapTypes.some((t) => t.displayName === spec.type)) throw new ApiError('BAD_REQUEST', `unknown map type '${spec.type}'`);
    const id = this.nextId++;
    this.mapsById.set(id, { info: { id, name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags, innerMapId: 0, typed: false }, entries: new Map(), refs: 1 });
    return id;
  }

  private map(id: number, key: Uint8Array): LiveMap {
    const m = this.mapsById.get(id);
    if (!m) throw new ApiError('NOT_FOUND', `no map ${id}`);
    if (key.length !== m.info.keySize) throw new ApiError('BAD_REQUEST', `key of ${key.length} bytes for a map with ${m.info.keySize}-byte keys`);
    return m;
  }

  lookup(id: number, key: Uint8Array): Uint8Array | undefined {
    return this.map(id, key).entries.get(hex(key));
  }

  update(id: number, key: Uint8Array, value: Uint8Array, flags: number): void {
    const m = this.map(id, key);
    if (value.length !== m.info.valueSize) throw new ApiError('BAD_REQUEST', `value of ${value.length} bytes for a map with ${m.info.valueSize}-byte values`);
    const exists = m.entries.has(hex(key));
    if (flags === 1 && exists) throw new ApiError('EXISTS', 'key exists');
    if (flags === 2 && !exists) throw new ApiError('NOT_FOUND', 'key not found');
    if (!exists && m.entries.size >= m.info.maxEntries) throw new ApiError('NO_MEMORY', 'map full');
    m.entries.set(hex(key), Uint8Array.from(value));
  }

  delete(id: number, key: Uint8Array): void {
    if (!this.map(id, key).entries.delete(hex(key))) throw new ApiError('NOT_FOUND', 'key not found');
  }

  entries(id: number, limit: number) {
    const m = this.mapsById.get(id);
    if (!m) throw new ApiError('NOT_FOUND', `no map ${id}`);
    return [...m.entries].slice(0, limit).map(([k, v]) => ({ key: Uint8Array.from(Buffer.from(k, 'hex')), value: v }));
  }

  decode(): unknown {
    return undefined;
  }

  async testRun(programId: number): Promise<never> {
    if (!this.programsById.has(programId)) throw new ApiError('NOT_FOUND', `no program with id ${programId}`, { errno: 87 });
    throw new ApiError('NOT_SUPPORTED', 'the test backend does not run programs');
  }

  programTypeOfAttachType(attachType: string): string | undefined {
    const a = windowsPlatform.attachTypes.find((x) => x.name === attachType);
    return a && windowsPlatform.programTypeById(a.programType)?.name;
  }

  newId(): number {
    return this.nextId++;
  }

  onTrace(listener: (programId: number, text: string) => void): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  /** Sends a trace line as a program's bpf_printk would. */
  trace(programId: number, text: string): void {
    for (const l of this.traceListeners) l(programId, text);
  }
}
