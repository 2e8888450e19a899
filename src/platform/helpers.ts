// The 35 general helpers of eBPF for Windows (spec §1.2): ids, names, and the argument and return kinds
// the verifier checks. The runtime's implementations are keyed by these ids; include/bpf_helper_defs.h
// declares the same ids for C (a test holds the two equal).

import type { ArgKind, HelperPrototype, ReturnKind } from './types.ts';

/** Builds a helper prototype; `extra` carries the C name, packet reallocation and implicit context. */
export function helperPrototype(
  id: number, name: string, returns: ReturnKind, args: readonly ArgKind[],
  extra: Pick<HelperPrototype, 'cName' | 'reallocatesPacket' | 'implicitContext'> = {},
): HelperPrototype {
  return { id, name, returns, args, ...extra };
}

const h = helperPrototype;

/** The general helpers, by id order. */
export const GENERAL_HELPERS: readonly HelperPrototype[] = [
  h(1, 'bpf_map_lookup_elem', 'map_value_or_null', ['map', 'map_key']),
  h(2, 'bpf_map_update_elem', 'integer', ['map', 'map_key', 'map_value', 'anything']),
  h(3, 'bpf_map_delete_elem', 'integer', ['map', 'map_key']),
  h(4, 'bpf_map_lookup_and_delete_elem', 'map_value_or_null', ['map', 'map_key']),
  h(5, 'bpf_tail_call', 'integer_or_no_return_if_succeed', ['ctx', 'map_of_programs', 'anything']),
  h(6, 'bpf_get_prandom_u32', 'integer', []),
  h(7, 'bpf_ktime_get_boot_ns', 'integer', []),
  h(8, 'bpf_get_smp_processor_id', 'integer', []),
  h(9, 'bpf_ktime_get_ns', 'integer', []),
  h(10, 'bpf_csum_diff', 'integer', ['readable_mem_or_null', 'const_size_or_zero', 'readable_mem_or_null', 'const_size_or_zero', 'anything']),
  h(11, 'bpf_ringbuf_output', 'integer', ['map', 'readable_mem', 'const_size', 'anything']),
  h(12, 'bpf_trace_printk2', 'integer', ['readable_mem', 'const_size']),
  h(13, 'bpf_trace_printk3', 'integer', ['readable_mem', 'const_size', 'anything']),
  h(14, 'bpf_trace_printk4', 'integer', ['readable_mem', 'const_size', 'anything', 'anything']),
  h(15, 'bpf_trace_printk5', 'integer', ['readable_mem', 'const_size', 'anything', 'anything', 'anything']),
  h(16, 'bpf_map_push_elem', 'integer', ['map', 'map_value', 'anything']),
  h(17, 'bpf_map_pop_elem', 'integer', ['map', 'map_value']),
  h(18, 'bpf_map_peek_elem', 'integer', ['map', 'map_value']),
  h(19, 'bpf_get_current_pid_tgid', 'integer', []),
  h(20, 'bpf_get_current_logon_id', 'integer', ['ctx']),
  h(21, 'bpf_is_current_admin', 'integer', ['ctx']),
  // 22, 23 and 25 kept their old verifier names when the C names gained `_s` (spec §1.2).
  h(22, 'bpf_memcpy', 'integer', ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero'], { cName: 'bpf_memcpy_s' }),
  h(23, 'bpf_memcmp', 'integer', ['readable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero'], { cName: 'bpf_memcmp_s' }),
  h(24, 'bpf_memset', 'integer', ['writable_mem', 'const_size_or_zero', 'anything']),
  h(25, 'bpf_memmove', 'integer', ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero'], { cName: 'bpf_memmove_s' }),
  h(26, 'bpf_get_socket_cookie', 'integer', ['ctx']),
  h(27, 'bpf_strncpy_s', 'integer', ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero']),
  h(28, 'bpf_strncat_s', 'integer', ['writable_mem', 'const_size_or_zero', 'readable_mem', 'const_size_or_zero']),
  h(29, 'bpf_strnlen_s', 'integer', ['readable_mem', 'const_size_or_zero']),
  h(30, 'bpf_ktime_get_boot_ms', 'integer', []),
  h(31, 'bpf_ktime_get_ms', 'integer', []),
  h(32, 'bpf_perf_event_output', 'integer', ['ctx', 'map', 'anything', 'readable_mem', 'const_size']),
  h(33, 'bpf_get_current_process_start_key', 'integer', []),
  h(34, 'bpf_get_current_thread_create_time', 'integer', []),
  h(35, 'bpf_redirect_map', 'integer', ['map', 'anything', 'anything']),
];

/** The general helper with this id (for building program types' overrides of it). */
export function generalHelper(id: number): HelperPrototype {
  const helper = GENERAL_HELPERS[id - 1];
  if (helper?.id !== id) throw new Error(`no general helper ${id}`);
  return helper;
}
