// The BTF layouts of live maps, for the page to decode and edit entries field by field. The service keeps
// only each load's object path, so a map's types are found again through the object one of its programs
// came from (opened once per file version and cached), matched by the map's name. Maps created through
// the API, or whose programs are gone, have no layout: the page then shows the service's decoded value
// (if any) and the bytes. Ring buffers and perf event arrays have no value type: for them the named
// structs of the object are offered, for the page to read records as one of them.

import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ServiceHost } from '../service/host.ts';
import type { ObjectSpec } from '../object/index.ts';
import { layoutOf, type Layout } from './layout.ts';
import { openObjectOrModule } from './open.ts';

/** Key and value layouts of one live map (each absent when BTF does not describe it). */
export interface MapLayouts {
  readonly key?: Layout;
  readonly value?: Layout;
  /** The object file the types came from. */
  readonly from?: string;
  /** Ring buffers and perf event arrays: the object's named structs, to read records as. */
  readonly recordTypes?: Layout[];
}

const STREAM_TYPES = new Set(['ringbuf', 'perf_event_array']);
const RECORD_TYPES_LIMIT = 64;

const CACHE_LIMIT = 32;

/** Finds and caches the objects live maps came from. */
export class MapLayoutFinder {
  private readonly objects = new Map<string, { mtimeMs: number; size: number; object: ObjectSpec | undefined }>();

  constructor(private readonly host: ServiceHost) {}

  private open(path: string): ObjectSpec | undefined {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined;
    }
    const cached = this.objects.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.object;
    let object: ObjectSpec | undefined;
    try {
      object = openObjectOrModule(new Uint8Array(readFileSync(path)), basename(path));
    } catch {
      object = undefined;
    }
    if (this.objects.size >= CACHE_LIMIT) this.objects.delete(this.objects.keys().next().value!);
    this.objects.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, object });
    return object;
  }

  /** The layouts of live map `mapId` (empty when nothing describes it). */
  layouts(mapId: number): MapLayouts {
    const map = this.host.mapList().find((m) => m.id === mapId);
    if (!map) return {};
    for (const program of this.host.programList()) {
      if (!program.mapIds.includes(mapId)) continue;
      const load = this.host.loadOf(program.id);
      if (!load) continue;
      const object = this.open(load.path);
      const spec = object?.maps.find((m) => m.name === map.name && m.keySize === map.keySize && m.valueSize === map.valueSize);
      if (!object?.btf || !spec) continue;
      if (STREAM_TYPES.has(map.type)) {
        const btf = object.btf;
        const recordTypes: Layout[] = [];
        btf.types.forEach((t, id) => {
          if (t?.kind !== 'STRUCT' || t.name === '' || recordTypes.length >= RECORD_TYPES_LIMIT) return;
          const layout = layoutOf(btf, id);
          if (layout && layout.size > 0) recordTypes.push(layout);
        });
        return { recordTypes, from: load.fileName };
      }
      const key = spec.keyTypeId !== undefined ? layoutOf(object.btf, spec.keyTypeId) : undefined;
      const value = spec.valueTypeId !== undefined ? layoutOf(object.btf, spec.valueTypeId) : undefined;
      return { ...(key ? { key } : {}), ...(value ? { value } : {}), from: load.fileName };
    }
    return {};
  }
}
