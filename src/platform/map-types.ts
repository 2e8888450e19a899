// Map types with eBPF for Windows numbering and netsh's display names (spec §1.4).

import type { MapTypeSpec } from './types.ts';

type Traits = Partial<Pick<MapTypeSpec, 'perCpu' | 'isArray' | 'valueKind' | 'keyless'>>;

const m = (id: number, name: string, displayName: string, traits: Traits = {}): MapTypeSpec => {
  const valueKind = traits.valueKind ?? 'data';
  return {
    id, name, displayName, perCpu: traits.perCpu ?? false, isArray: traits.isArray ?? false, valueKind,
    isMapOfMaps: valueKind === 'map', isProgArray: valueKind === 'program', keyless: traits.keyless ?? false,
  };
};

/** Every map type, by id. */
export const MAP_TYPES: readonly MapTypeSpec[] = [
  m(0, 'BPF_MAP_TYPE_UNSPEC', 'unspec'),
  m(1, 'BPF_MAP_TYPE_HASH', 'hash'),
  m(2, 'BPF_MAP_TYPE_ARRAY', 'array', { isArray: true }),
  m(3, 'BPF_MAP_TYPE_PROG_ARRAY', 'prog_array', { isArray: true, valueKind: 'program' }),
  m(4, 'BPF_MAP_TYPE_PERCPU_HASH', 'percpu_hash', { perCpu: true }),
  m(5, 'BPF_MAP_TYPE_PERCPU_ARRAY', 'percpu_array', { perCpu: true, isArray: true }),
  m(6, 'BPF_MAP_TYPE_HASH_OF_MAPS', 'hash_of_maps', { valueKind: 'map' }),
  m(7, 'BPF_MAP_TYPE_ARRAY_OF_MAPS', 'array_of_maps', { isArray: true, valueKind: 'map' }),
  m(8, 'BPF_MAP_TYPE_LRU_HASH', 'lru_hash'),
  m(9, 'BPF_MAP_TYPE_LPM_TRIE', 'lpm_trie'),
  m(10, 'BPF_MAP_TYPE_QUEUE', 'queue', { keyless: true }),
  m(11, 'BPF_MAP_TYPE_LRU_PERCPU_HASH', 'lru_percpu_hash', { perCpu: true }),
  m(12, 'BPF_MAP_TYPE_STACK', 'stack', { keyless: true }),
  m(13, 'BPF_MAP_TYPE_RINGBUF', 'ringbuf', { keyless: true }),
  m(14, 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', 'perf_event_array', { perCpu: true, keyless: true }),
  // Provided by extensions on Windows (the sample extension's custom map; XDP-for-Windows' AF_XDP sockets).
  m(15, 'BPF_MAP_TYPE_SAMPLE_HASH_MAP', 'sample_hash_map'),
  m(16, 'BPF_MAP_TYPE_XSKMAP', 'xskmap'),
];
