// Linux's map types (enum bpf_map_type in include/uapi/linux/bpf.h), with bpftool's display names.

import type { MapTypeSpec } from '../types.ts';

type Traits = Partial<Pick<MapTypeSpec, 'perCpu' | 'isArray' | 'valueKind' | 'keyless'>>;

const m = (id: number, displayName: string, traits: Traits = {}): MapTypeSpec => {
  const valueKind = traits.valueKind ?? 'data';
  return {
    id, name: `BPF_MAP_TYPE_${displayName.toUpperCase()}`, displayName, perCpu: traits.perCpu ?? false, isArray: traits.isArray ?? false, valueKind,
    isMapOfMaps: valueKind === 'map', isProgArray: valueKind === 'program', keyless: traits.keyless ?? false,
  };
};

/** Every Linux map type, by id. */
export const LINUX_MAP_TYPES: readonly MapTypeSpec[] = [
  m(0, 'unspec'),
  m(1, 'hash'),
  m(2, 'array', { isArray: true }),
  m(3, 'prog_array', { isArray: true, valueKind: 'program' }),
  m(4, 'perf_event_array', { isArray: true }),
  m(5, 'percpu_hash', { perCpu: true }),
  m(6, 'percpu_array', { perCpu: true, isArray: true }),
  m(7, 'stack_trace'),
  m(8, 'cgroup_array', { isArray: true }),
  m(9, 'lru_hash'),
  m(10, 'lru_percpu_hash', { perCpu: true }),
  m(11, 'lpm_trie'),
  m(12, 'array_of_maps', { isArray: true, valueKind: 'map' }),
  m(13, 'hash_of_maps', { valueKind: 'map' }),
  m(14, 'devmap', { isArray: true }),
  m(15, 'sockmap', { isArray: true }),
  m(16, 'cpumap', { isArray: true }),
  m(17, 'xskmap', { isArray: true }),
  m(18, 'sockhash'),
  m(19, 'cgroup_storage'),
  m(20, 'reuseport_sockarray', { isArray: true }),
  m(21, 'percpu_cgroup_storage', { perCpu: true }),
  m(22, 'queue', { keyless: true }),
  m(23, 'stack', { keyless: true }),
  m(24, 'sk_storage'),
  m(25, 'devmap_hash'),
  m(26, 'struct_ops'),
  m(27, 'ringbuf', { keyless: true }),
  m(28, 'inode_storage'),
  m(29, 'task_storage'),
  m(30, 'bloom_filter', { keyless: true }),
  m(31, 'user_ringbuf', { keyless: true }),
  m(32, 'cgrp_storage'),
  m(33, 'arena'),
];
