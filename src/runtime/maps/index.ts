// Creating maps by type: every map type of the platform has its implementation here.

import type { Platform } from '../../platform/index.ts';
import { ArrayMap } from './array.ts';
import { HashMap } from './hash.ts';
import { LpmTrieMap } from './lpm.ts';
import { BpfMap, MapError, type MapContext, type MapDefinition } from './map.ts';
import { PerfEventArrayMap } from './perf.ts';
import { QueueMap } from './queue.ts';
import { RingBufferMap } from './ringbuf.ts';

export * from './map.ts';
export { ArrayMap, HashMap, LpmTrieMap, PerfEventArrayMap, QueueMap, RingBufferMap };

const IMPLEMENTATIONS: Record<string, new (definition: MapDefinition, context: MapContext) => BpfMap> = {
  BPF_MAP_TYPE_HASH: HashMap,
  BPF_MAP_TYPE_ARRAY: ArrayMap,
  BPF_MAP_TYPE_PROG_ARRAY: ArrayMap,
  BPF_MAP_TYPE_PERCPU_HASH: HashMap,
  BPF_MAP_TYPE_PERCPU_ARRAY: ArrayMap,
  BPF_MAP_TYPE_HASH_OF_MAPS: HashMap,
  BPF_MAP_TYPE_ARRAY_OF_MAPS: ArrayMap,
  BPF_MAP_TYPE_LRU_HASH: HashMap,
  BPF_MAP_TYPE_LPM_TRIE: LpmTrieMap,
  BPF_MAP_TYPE_QUEUE: QueueMap,
  BPF_MAP_TYPE_LRU_PERCPU_HASH: HashMap,
  BPF_MAP_TYPE_STACK: QueueMap,
  BPF_MAP_TYPE_RINGBUF: RingBufferMap,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY: PerfEventArrayMap,
};

/** Creates a map of a type the platform knows, by its type number. */
export function createMap(platform: Platform, definition: Omit<MapDefinition, 'type'> & { type: number }, context: MapContext): BpfMap {
  const type = platform.mapTypeById(definition.type);
  const implementation = type && IMPLEMENTATIONS[type.name];
  if (!type || !implementation) throw new MapError('NOT_SUPPORTED', `map ${definition.name}: map type ${definition.type} is not supported`);
  return new implementation({ ...definition, type }, context);
}
