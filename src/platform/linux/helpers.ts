// Linux's helpers (include/uapi/linux/bpf.h, `___BPF_FUNC_MAPPER`): ids, names and the argument and
// return kinds the verifier checks, written from the prototypes the UAPI header documents and the kernel's
// func_proto argument types (ARG_PTR_TO_MEM -> readable_mem, ARG_PTR_TO_UNINIT_MEM -> writable_mem,
// ARG_CONST_SIZE(_OR_ZERO) -> const_size(_or_zero), ARG_PTR_TO_CTX -> ctx, ...).
//
// A helper that takes the context works on one context layout only: `contexts` names the context structs
// whose program types may call it (a __sk_buff helper called from an XDP program would read an xdp_md as
// an sk_buff). Helpers without a context argument are callable from every program type, as PREVAIL's
// Linux platform has them. Helpers whose arguments or results this verifier has no model for (sockets,
// BTF-typed kernel objects, spin locks, callbacks, dynptrs) are listed with the reason, so that a call to
// them is refused by name rather than as an unknown id.

import { helperPrototype } from '../helpers.ts';
import type { ArgKind, HelperPrototype, ReturnKind } from '../types.ts';

/** Context structs, by the program types that see them (program-types.ts uses the same names). */
export const SK_BUFF = '__sk_buff';
export const XDP_MD = 'xdp_md';
export const SOCK_OPS = 'bpf_sock_ops';
export const SK_MSG = 'sk_msg_md';
export const SOCK_ADDR = 'bpf_sock_addr';
export const SOCK = 'bpf_sock';
export const SYSCTL = 'bpf_sysctl';
export const PT_REGS = 'pt_regs';
export const TRACEPOINT = 'tracepoint';
export const PERF_EVENT = 'bpf_perf_event_data';
export const RAW_TRACEPOINT = 'bpf_raw_tracepoint_args';
export const LIRC = 'lirc_mode2';
export const REUSEPORT = 'sk_reuseport_md';
export const SOCKOPT = 'bpf_sockopt';
export const TRACING = 'tracing_args';

/** The tracing contexts: kprobes' pt_regs, tracepoint records, perf events, raw tracepoint arguments, fentry/fexit arguments. */
const TRACE = [PT_REGS, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, TRACING];

/** Linux map type ids the restricted helpers name (map-types.ts has them all). */
const PROG_ARRAY = 3;
const PERF_EVENT_ARRAY = 4;
const STACK_TRACE = 7;
const CGROUP_ARRAY = 8;
const DEVMAP = 14;
const SOCKMAP = 15;
const CPUMAP = 16;
const XSKMAP = 17;
const SOCKHASH = 18;
const CGROUP_STORAGE = 19;
const REUSEPORT_SOCKARRAY = 20;
const PERCPU_CGROUP_STORAGE = 21;
const QUEUE = 22;
const STACK = 23;
const DEVMAP_HASH = 25;
const RINGBUF = 27;
const BLOOM_FILTER = 30;

/** A Linux helper: its prototype plus the contexts it needs (absent: every program type may call it). */
export interface LinuxHelper extends HelperPrototype {
  readonly contexts?: readonly string[];
}

type Extra = {
  contexts?: readonly string[];
  mapTypes?: readonly number[];
  reallocatesPacket?: boolean;
  unsupported?: string;
};

const h = (id: number, name: string, returns: ReturnKind, args: readonly ArgKind[], extra: Extra = {}): LinuxHelper => ({
  ...helperPrototype(id, name, returns, args, extra.reallocatesPacket ? { reallocatesPacket: true } : {}),
  ...(extra.contexts ? { contexts: extra.contexts } : {}),
  ...(extra.mapTypes ? { mapTypes: extra.mapTypes } : {}),
  ...(extra.unsupported ? { unsupported: extra.unsupported } : {}),
});

/** An integer-returning helper with these arguments. */
const i = (id: number, name: string, args: readonly ArgKind[], extra: Extra = {}) => h(id, name, 'integer', args, extra);
/** A helper this verifier cannot check, with the reason. */
const no = (id: number, name: string, why: string, args: readonly ArgKind[] = []) => h(id, name, 'integer', args, { unsupported: `calls to it cannot be verified: ${why}` });

const skb = { contexts: [SK_BUFF] };
const skbMoves = { contexts: [SK_BUFF], reallocatesPacket: true };
const SOCKETS = 'it takes or returns a socket pointer (reference-tracked kernel objects are not modelled)';
const BTF = 'it takes or returns a BTF-typed kernel object pointer, which this verifier does not model';
const LOCK = 'spin locks inside map values are not modelled';
const CALLBACK = 'it takes a callback function, which this verifier does not analyse';
const DYNPTR = 'dynamic pointers are not modelled';
const CONST_STRING = 'it takes a constant string from a read-only map, whose terminating zero this verifier does not check';
const SLEEPABLE_ONLY = 'it is only available to sleepable programs, which this verifier does not distinguish';

/** Every helper of the UAPI list through bpf_snprintf (165), and the later ones the model covers. */
export const LINUX_HELPERS: readonly LinuxHelper[] = [
  h(1, 'bpf_map_lookup_elem', 'map_value_or_null', ['map', 'map_key']),
  i(2, 'bpf_map_update_elem', ['map', 'map_key', 'map_value', 'anything']),
  i(3, 'bpf_map_delete_elem', ['map', 'map_key']),
  i(4, 'bpf_probe_read', ['writable_mem', 'const_size_or_zero', 'anything']),
  i(5, 'bpf_ktime_get_ns', []),
  // The format decides how many of r3-r5 it prints: the kernel checks none of them.
  i(6, 'bpf_trace_printk', ['readable_mem', 'const_size']),
  i(7, 'bpf_get_prandom_u32', []),
  i(8, 'bpf_get_smp_processor_id', []),
  i(9, 'bpf_skb_store_bytes', ['ctx', 'anything', 'readable_mem', 'const_size', 'anything'], skbMoves),
  i(10, 'bpf_l3_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], skbMoves),
  i(11, 'bpf_l4_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], skbMoves),
  h(12, 'bpf_tail_call', 'integer_or_no_return_if_succeed', ['ctx', 'map_of_programs', 'anything'], { mapTypes: [PROG_ARRAY] }),
  i(13, 'bpf_clone_redirect', ['ctx', 'anything', 'anything'], skbMoves),
  i(14, 'bpf_get_current_pid_tgid', []),
  i(15, 'bpf_get_current_uid_gid', []),
  i(16, 'bpf_get_current_comm', ['writable_mem', 'const_size']),
  i(17, 'bpf_get_cgroup_classid', ['ctx'], skb),
  i(18, 'bpf_skb_vlan_push', ['ctx', 'anything', 'anything'], skbMoves),
  i(19, 'bpf_skb_vlan_pop', ['ctx'], skbMoves),
  i(20, 'bpf_skb_get_tunnel_key', ['ctx', 'writable_mem', 'const_size', 'anything'], skb),
  i(21, 'bpf_skb_set_tunnel_key', ['ctx', 'readable_mem', 'const_size', 'anything'], skb),
  i(22, 'bpf_perf_event_read', ['map', 'anything'], { mapTypes: [PERF_EVENT_ARRAY] }),
  i(23, 'bpf_redirect', ['anything', 'anything']),
  i(24, 'bpf_get_route_realm', ['ctx'], skb),
  i(25, 'bpf_perf_event_output', ['ctx', 'map', 'anything', 'readable_mem', 'const_size_or_zero'], { mapTypes: [PERF_EVENT_ARRAY] }),
  i(26, 'bpf_skb_load_bytes', ['ctx', 'anything', 'writable_mem', 'const_size'], skb),
  i(27, 'bpf_get_stackid', ['ctx', 'map', 'anything'], { contexts: TRACE, mapTypes: [STACK_TRACE] }),
  i(28, 'bpf_csum_diff', ['readable_mem_or_null', 'const_size_or_zero', 'readable_mem_or_null', 'const_size_or_zero', 'anything']),
  i(29, 'bpf_skb_get_tunnel_opt', ['ctx', 'writable_mem', 'const_size'], skb),
  i(30, 'bpf_skb_set_tunnel_opt', ['ctx', 'readable_mem', 'const_size'], skb),
  i(31, 'bpf_skb_change_proto', ['ctx', 'anything', 'anything'], skbMoves),
  i(32, 'bpf_skb_change_type', ['ctx', 'anything'], skb),
  i(33, 'bpf_skb_under_cgroup', ['ctx', 'map', 'anything'], { contexts: [SK_BUFF], mapTypes: [CGROUP_ARRAY] }),
  i(34, 'bpf_get_hash_recalc', ['ctx'], skb),
  i(35, 'bpf_get_current_task', []),
  i(36, 'bpf_probe_write_user', ['anything', 'readable_mem', 'const_size']),
  i(37, 'bpf_current_task_under_cgroup', ['map', 'anything'], { mapTypes: [CGROUP_ARRAY] }),
  i(38, 'bpf_skb_change_tail', ['ctx', 'anything', 'anything'], skbMoves),
  i(39, 'bpf_skb_pull_data', ['ctx', 'anything'], skbMoves),
  i(40, 'bpf_csum_update', ['ctx', 'anything'], skb),
  i(41, 'bpf_set_hash_invalid', ['ctx'], skb),
  i(42, 'bpf_get_numa_node_id', []),
  i(43, 'bpf_skb_change_head', ['ctx', 'anything', 'anything'], skbMoves),
  i(44, 'bpf_xdp_adjust_head', ['ctx', 'anything'], { contexts: [XDP_MD], reallocatesPacket: true }),
  i(45, 'bpf_probe_read_str', ['writable_mem', 'const_size_or_zero', 'anything']),
  i(46, 'bpf_get_socket_cookie', ['ctx'], { contexts: [SK_BUFF, SOCK_ADDR, SOCK_OPS, SOCK] }),
  i(47, 'bpf_get_socket_uid', ['ctx'], skb),
  i(48, 'bpf_set_hash', ['ctx', 'anything'], skb),
  i(49, 'bpf_setsockopt', ['ctx', 'anything', 'anything', 'readable_mem', 'const_size'], { contexts: [SOCK_OPS, SOCK_ADDR, SOCKOPT] }),
  i(50, 'bpf_skb_adjust_room', ['ctx', 'anything', 'anything', 'anything'], skbMoves),
  i(51, 'bpf_redirect_map', ['map', 'anything', 'anything'], { mapTypes: [DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP] }),
  i(52, 'bpf_sk_redirect_map', ['ctx', 'map', 'anything', 'anything'], { contexts: [SK_BUFF], mapTypes: [SOCKMAP] }),
  i(53, 'bpf_sock_map_update', ['ctx', 'map', 'map_key', 'anything'], { contexts: [SOCK_OPS], mapTypes: [SOCKMAP] }),
  i(54, 'bpf_xdp_adjust_meta', ['ctx', 'anything'], { contexts: [XDP_MD], reallocatesPacket: true }),
  i(55, 'bpf_perf_event_read_value', ['map', 'anything', 'writable_mem', 'const_size'], { mapTypes: [PERF_EVENT_ARRAY] }),
  i(56, 'bpf_perf_prog_read_value', ['ctx', 'writable_mem', 'const_size'], { contexts: [PERF_EVENT] }),
  i(57, 'bpf_getsockopt', ['ctx', 'anything', 'anything', 'writable_mem', 'const_size'], { contexts: [SOCK_OPS, SOCK_ADDR, SOCKOPT] }),
  i(58, 'bpf_override_return', ['ctx', 'anything'], { contexts: [PT_REGS] }),
  i(59, 'bpf_sock_ops_cb_flags_set', ['ctx', 'anything'], { contexts: [SOCK_OPS] }),
  i(60, 'bpf_msg_redirect_map', ['ctx', 'map', 'anything', 'anything'], { contexts: [SK_MSG], mapTypes: [SOCKMAP] }),
  i(61, 'bpf_msg_apply_bytes', ['ctx', 'anything'], { contexts: [SK_MSG] }),
  i(62, 'bpf_msg_cork_bytes', ['ctx', 'anything'], { contexts: [SK_MSG] }),
  i(63, 'bpf_msg_pull_data', ['ctx', 'anything', 'anything', 'anything'], { contexts: [SK_MSG], reallocatesPacket: true }),
  i(64, 'bpf_bind', ['ctx', 'readable_mem', 'const_size'], { contexts: [SOCK_ADDR] }),
  i(65, 'bpf_xdp_adjust_tail', ['ctx', 'anything'], { contexts: [XDP_MD], reallocatesPacket: true }),
  i(66, 'bpf_skb_get_xfrm_state', ['ctx', 'anything', 'writable_mem', 'const_size', 'anything'], skb),
  i(67, 'bpf_get_stack', ['ctx', 'writable_mem', 'const_size_or_zero', 'anything'], { contexts: TRACE }),
  i(68, 'bpf_skb_load_bytes_relative', ['ctx', 'anything', 'writable_mem', 'const_size', 'anything'], skb),
  i(69, 'bpf_fib_lookup', ['ctx', 'readwrite_mem', 'const_size', 'anything'], { contexts: [SK_BUFF, XDP_MD] }),
  i(70, 'bpf_sock_hash_update', ['ctx', 'map', 'map_key', 'anything'], { contexts: [SOCK_OPS], mapTypes: [SOCKHASH] }),
  i(71, 'bpf_msg_redirect_hash', ['ctx', 'map', 'map_key', 'anything'], { contexts: [SK_MSG], mapTypes: [SOCKHASH] }),
  i(72, 'bpf_sk_redirect_hash', ['ctx', 'map', 'map_key', 'anything'], { contexts: [SK_BUFF], mapTypes: [SOCKHASH] }),
  i(73, 'bpf_lwt_push_encap', ['ctx', 'anything', 'readable_mem', 'const_size'], skbMoves),
  i(74, 'bpf_lwt_seg6_store_bytes', ['ctx', 'anything', 'readable_mem', 'const_size'], skbMoves),
  i(75, 'bpf_lwt_seg6_adjust_srh', ['ctx', 'anything', 'anything'], skbMoves),
  i(76, 'bpf_lwt_seg6_action', ['ctx', 'anything', 'readable_mem', 'const_size'], skbMoves),
  i(77, 'bpf_rc_repeat', ['ctx'], { contexts: [LIRC] }),
  i(78, 'bpf_rc_keydown', ['ctx', 'anything', 'anything', 'anything'], { contexts: [LIRC] }),
  i(79, 'bpf_skb_cgroup_id', ['ctx'], skb),
  i(80, 'bpf_get_current_cgroup_id', []),
  h(81, 'bpf_get_local_storage', 'map_value', ['map', 'anything'], { mapTypes: [CGROUP_STORAGE, PERCPU_CGROUP_STORAGE] }),
  i(82, 'bpf_sk_select_reuseport', ['ctx', 'map', 'map_key', 'anything'], { contexts: [REUSEPORT], mapTypes: [REUSEPORT_SOCKARRAY, SOCKMAP, SOCKHASH] }),
  i(83, 'bpf_skb_ancestor_cgroup_id', ['ctx', 'anything'], skb),
  no(84, 'bpf_sk_lookup_tcp', SOCKETS),
  no(85, 'bpf_sk_lookup_udp', SOCKETS),
  no(86, 'bpf_sk_release', SOCKETS),
  i(87, 'bpf_map_push_elem', ['map', 'map_value', 'anything'], { mapTypes: [QUEUE, STACK, BLOOM_FILTER] }),
  no(88, 'bpf_map_pop_elem', 'its value argument is memory the helper fills, which the map_value argument kind does not model'),
  no(89, 'bpf_map_peek_elem', 'its value argument is memory the helper fills, which the map_value argument kind does not model'),
  i(90, 'bpf_msg_push_data', ['ctx', 'anything', 'anything', 'anything'], { contexts: [SK_MSG], reallocatesPacket: true }),
  i(91, 'bpf_msg_pop_data', ['ctx', 'anything', 'anything', 'anything'], { contexts: [SK_MSG], reallocatesPacket: true }),
  i(92, 'bpf_rc_pointer_rel', ['ctx', 'anything', 'anything'], { contexts: [LIRC] }),
  no(93, 'bpf_spin_lock', LOCK),
  no(94, 'bpf_spin_unlock', LOCK),
  no(95, 'bpf_sk_fullsock', SOCKETS),
  no(96, 'bpf_tcp_sock', SOCKETS),
  i(97, 'bpf_skb_ecn_set_ce', ['ctx'], skb),
  no(98, 'bpf_get_listener_sock', SOCKETS),
  no(99, 'bpf_skc_lookup_tcp', SOCKETS),
  no(100, 'bpf_tcp_check_syncookie', SOCKETS),
  i(101, 'bpf_sysctl_get_name', ['ctx', 'writable_mem', 'const_size', 'anything'], { contexts: [SYSCTL] }),
  i(102, 'bpf_sysctl_get_current_value', ['ctx', 'writable_mem', 'const_size'], { contexts: [SYSCTL] }),
  i(103, 'bpf_sysctl_get_new_value', ['ctx', 'writable_mem', 'const_size'], { contexts: [SYSCTL] }),
  i(104, 'bpf_sysctl_set_new_value', ['ctx', 'readable_mem', 'const_size'], { contexts: [SYSCTL] }),
  i(105, 'bpf_strtol', ['readable_mem', 'const_size', 'anything', 'writable_long']),
  i(106, 'bpf_strtoul', ['readable_mem', 'const_size', 'anything', 'writable_long']),
  no(107, 'bpf_sk_storage_get', SOCKETS),
  no(108, 'bpf_sk_storage_delete', SOCKETS),
  i(109, 'bpf_send_signal', ['anything']),
  no(110, 'bpf_tcp_gen_syncookie', SOCKETS),
  no(111, 'bpf_skb_output', BTF),
  i(112, 'bpf_probe_read_user', ['writable_mem', 'const_size_or_zero', 'anything']),
  i(113, 'bpf_probe_read_kernel', ['writable_mem', 'const_size_or_zero', 'anything']),
  i(114, 'bpf_probe_read_user_str', ['writable_mem', 'const_size_or_zero', 'anything']),
  i(115, 'bpf_probe_read_kernel_str', ['writable_mem', 'const_size_or_zero', 'anything']),
  no(116, 'bpf_tcp_send_ack', BTF),
  i(117, 'bpf_send_signal_thread', ['anything']),
  i(118, 'bpf_jiffies64', []),
  i(119, 'bpf_read_branch_records', ['ctx', 'writable_mem_or_null', 'const_size_or_zero', 'anything'], { contexts: [PERF_EVENT] }),
  i(120, 'bpf_get_ns_current_pid_tgid', ['anything', 'anything', 'writable_mem', 'const_size']),
  no(121, 'bpf_xdp_output', BTF),
  i(122, 'bpf_get_netns_cookie', ['ctx_or_null'], { contexts: [SK_BUFF, SOCK_ADDR, SOCK, SOCKOPT, SK_MSG, SOCK_OPS] }),
  i(123, 'bpf_get_current_ancestor_cgroup_id', ['anything']),
  no(124, 'bpf_sk_assign', SOCKETS),
  i(125, 'bpf_ktime_get_boot_ns', []),
  no(126, 'bpf_seq_printf', BTF),
  no(127, 'bpf_seq_write', BTF),
  no(128, 'bpf_sk_cgroup_id', SOCKETS),
  no(129, 'bpf_sk_ancestor_cgroup_id', SOCKETS),
  i(130, 'bpf_ringbuf_output', ['map', 'readable_mem', 'const_size_or_zero', 'anything'], { mapTypes: [RINGBUF] }),
  h(131, 'bpf_ringbuf_reserve', 'alloc_mem_or_null', ['map', 'const_alloc_size_or_zero', 'anything'], { mapTypes: [RINGBUF] }),
  h(132, 'bpf_ringbuf_submit', 'void', ['alloc_mem', 'anything']),
  h(133, 'bpf_ringbuf_discard', 'void', ['alloc_mem', 'anything']),
  i(134, 'bpf_ringbuf_query', ['map', 'anything'], { mapTypes: [RINGBUF] }),
  i(135, 'bpf_csum_level', ['ctx', 'anything'], skb),
  no(136, 'bpf_skc_to_tcp6_sock', BTF),
  no(137, 'bpf_skc_to_tcp_sock', BTF),
  no(138, 'bpf_skc_to_tcp_timewait_sock', BTF),
  no(139, 'bpf_skc_to_tcp_request_sock', BTF),
  no(140, 'bpf_skc_to_udp6_sock', BTF),
  no(141, 'bpf_get_task_stack', BTF),
  i(142, 'bpf_load_hdr_opt', ['ctx', 'readwrite_mem', 'const_size', 'anything'], { contexts: [SOCK_OPS] }),
  i(143, 'bpf_store_hdr_opt', ['ctx', 'readable_mem', 'const_size', 'anything'], { contexts: [SOCK_OPS] }),
  i(144, 'bpf_reserve_hdr_opt', ['ctx', 'anything', 'anything'], { contexts: [SOCK_OPS] }),
  no(145, 'bpf_inode_storage_get', BTF),
  no(146, 'bpf_inode_storage_delete', BTF),
  no(147, 'bpf_d_path', BTF),
  no(148, 'bpf_copy_from_user', SLEEPABLE_ONLY),
  no(149, 'bpf_snprintf_btf', BTF),
  no(150, 'bpf_seq_printf_btf', BTF),
  i(151, 'bpf_skb_cgroup_classid', ['ctx'], skb),
  i(152, 'bpf_redirect_neigh', ['anything', 'readable_mem_or_null', 'const_size_or_zero', 'anything']),
  no(153, 'bpf_per_cpu_ptr', BTF),
  no(154, 'bpf_this_cpu_ptr', BTF),
  i(155, 'bpf_redirect_peer', ['anything', 'anything']),
  no(156, 'bpf_task_storage_get', BTF),
  no(157, 'bpf_task_storage_delete', BTF),
  no(158, 'bpf_get_current_task_btf', BTF),
  no(159, 'bpf_bprm_opts_set', BTF),
  i(160, 'bpf_ktime_get_coarse_ns', []),
  no(161, 'bpf_ima_inode_hash', BTF),
  no(162, 'bpf_sock_from_file', BTF),
  i(163, 'bpf_check_mtu', ['ctx', 'anything', 'writable_int', 'anything', 'anything'], { contexts: [SK_BUFF, XDP_MD] }),
  no(164, 'bpf_for_each_map_elem', CALLBACK),
  no(165, 'bpf_snprintf', CONST_STRING),
  no(181, 'bpf_loop', CALLBACK),
  no(182, 'bpf_strncmp', CONST_STRING),
  no(197, 'bpf_dynptr_from_mem', DYNPTR),
  i(208, 'bpf_ktime_get_tai_ns', []),
];
