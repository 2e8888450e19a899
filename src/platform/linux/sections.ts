// Linux's attach types (enum bpf_attach_type) and the section names libbpf reads program types from.
//
// libbpf matches a section name exactly or as `prefix/...`; older loaders (and the objects of the
// corpus: `xdp_prog`, `socket1`, `tc_mark`) matched any name starting with the prefix, and so does this
// table: the longest prefix a section starts with wins. A section no prefix matches carries no type in its
// name (Cilium's `2/1` tail-call slots, `from-netdev`, `tail-3`): tc's loader (iproute2), which takes such
// sections, is told the type, a classifier. PREVAIL's Linux platform gives them the same __sk_buff context
// under the socket filter's number, without checking which fields are written; here they are sched_cls
// programs, whose writable fields (mark, priority, tc_index, cb, tc_classid, queue_mapping, tstamp) the
// kernel's tc checks allow. Cilium's objects are the exception PREVAIL makes from the file's path: an
// object whose path names cilium and xdp holds XDP programs, one naming cilium and lxc tc programs.

import type { AttachTypeSpec, SectionSpec } from '../types.ts';

const a = (id: number, name: string, programType: number): AttachTypeSpec => ({ id, name, enumName: `BPF_${name.toUpperCase()}`, programType, guid: '' });

/** The attach types a section name can give (by id; several program types attach without one: -1). */
export const LINUX_ATTACH_TYPES: readonly AttachTypeSpec[] = [
  a(0, 'cgroup_inet_ingress', 8), a(1, 'cgroup_inet_egress', 8), a(2, 'cgroup_inet_sock_create', 9), a(3, 'cgroup_sock_ops', 13),
  a(4, 'sk_skb_stream_parser', 14), a(5, 'sk_skb_stream_verdict', 14), a(6, 'cgroup_device', 15), a(7, 'sk_msg_verdict', 16),
  a(8, 'cgroup_inet4_bind', 18), a(9, 'cgroup_inet6_bind', 18), a(10, 'cgroup_inet4_connect', 18), a(11, 'cgroup_inet6_connect', 18),
  a(12, 'cgroup_inet4_post_bind', 9), a(13, 'cgroup_inet6_post_bind', 9), a(14, 'cgroup_udp4_sendmsg', 18), a(15, 'cgroup_udp6_sendmsg', 18),
  a(16, 'lirc_mode2', 20), a(17, 'flow_dissector', 22), a(18, 'cgroup_sysctl', 23), a(19, 'cgroup_udp4_recvmsg', 18),
  a(20, 'cgroup_udp6_recvmsg', 18), a(21, 'cgroup_getsockopt', 25), a(22, 'cgroup_setsockopt', 25), a(23, 'trace_raw_tp', 26),
  a(24, 'trace_fentry', 26), a(25, 'trace_fexit', 26), a(26, 'modify_return', 26), a(27, 'lsm_mac', 29), a(28, 'trace_iter', 26),
  a(29, 'cgroup_inet4_getpeername', 18), a(30, 'cgroup_inet6_getpeername', 18), a(31, 'cgroup_inet4_getsockname', 18),
  a(32, 'cgroup_inet6_getsockname', 18), a(33, 'xdp_devmap', 6), a(34, 'cgroup_inet_sock_release', 9), a(35, 'xdp_cpumap', 6),
  a(36, 'sk_lookup', 30), a(37, 'xdp', 6), a(38, 'sk_skb_verdict', 14), a(39, 'sk_reuseport_select', 21),
  a(40, 'sk_reuseport_select_or_migrate', 21), a(41, 'perf_event', 7), a(42, 'trace_kprobe_multi', 2), a(43, 'lsm_cgroup', 29),
  a(44, 'struct_ops', 27), a(45, 'netfilter', 32), a(46, 'tcx_ingress', 3), a(47, 'tcx_egress', 3),
];

const SOCKET_FILTER = 1;
const SCHED_CLS = 3;
const XDP = 6;

/** Section prefix -> program type, attach type (-1: none). */
const s = (prefix: string, programType: number, attachType = -1): SectionSpec => ({ prefix, programType, attachType });

export const LINUX_SECTIONS: readonly SectionSpec[] = [
  s('socket', SOCKET_FILTER), s('sk_reuseport/migrate', 21, 40), s('sk_reuseport', 21, 39),
  s('kprobe/', 2), s('kretprobe/', 2), s('uprobe/', 2), s('uretprobe/', 2), s('uprobe.s/', 2), s('uretprobe.s/', 2),
  s('kprobe.multi/', 2, 42), s('kretprobe.multi/', 2, 42), s('ksyscall/', 2), s('kretsyscall/', 2), s('usdt/', 2),
  s('tc', SCHED_CLS), s('tcx/ingress', SCHED_CLS, 46), s('tcx/egress', SCHED_CLS, 47), s('classifier', SCHED_CLS), s('action', 4),
  s('tracepoint/', 5), s('tp/', 5), s('raw_tracepoint/', 17), s('raw_tp/', 17), s('raw_tracepoint.w/', 24), s('raw_tp.w/', 24),
  s('tp_btf/', 26, 23), s('fentry/', 26, 24), s('fmod_ret/', 26, 26), s('fexit/', 26, 25), s('fentry.s/', 26, 24), s('fmod_ret.s/', 26, 26),
  s('fexit.s/', 26, 25), s('freplace/', 28), s('lsm/', 29, 27), s('lsm.s/', 29, 27), s('lsm_cgroup/', 29, 43), s('iter/', 26, 28), s('iter.s/', 26, 28),
  s('xdp', XDP, 37), s('xdp.frags', XDP, 37), s('xdp/devmap', XDP, 33), s('xdp.frags/devmap', XDP, 33), s('xdp/cpumap', XDP, 35), s('xdp.frags/cpumap', XDP, 35),
  s('perf_event', 7, 41), s('lwt_in', 10), s('lwt_out', 11), s('lwt_xmit', 12), s('lwt_seg6local', 19), s('sockops', 13, 3),
  s('sk_skb', 14), s('sk_skb/stream_parser', 14, 4), s('sk_skb/stream_verdict', 14, 5), s('sk_msg', 16, 7), s('lirc_mode2', 20, 16),
  s('flow_dissector', 22, 17), s('cgroup_skb/ingress', 8, 0), s('cgroup_skb/egress', 8, 1), s('cgroup/skb', 8),
  s('cgroup/sock_create', 9, 2), s('cgroup/sock_release', 9, 34), s('cgroup/sock', 9, 2), s('cgroup/post_bind4', 9, 12), s('cgroup/post_bind6', 9, 13),
  s('cgroup/bind4', 18, 8), s('cgroup/bind6', 18, 9), s('cgroup/connect4', 18, 10), s('cgroup/connect6', 18, 11),
  s('cgroup/sendmsg4', 18, 14), s('cgroup/sendmsg6', 18, 15), s('cgroup/recvmsg4', 18, 19), s('cgroup/recvmsg6', 18, 20),
  s('cgroup/getpeername4', 18, 29), s('cgroup/getpeername6', 18, 30), s('cgroup/getsockname4', 18, 31), s('cgroup/getsockname6', 18, 32),
  s('cgroup/sysctl', 23, 18), s('cgroup/getsockopt', 25, 21), s('cgroup/setsockopt', 25, 22), s('cgroup/dev', 15, 6),
  s('struct_ops/', 27, 44), s('struct_ops.s/', 27, 44), s('sk_lookup', 30, 36), s('netfilter', 32, 45), s('syscall', 31),
];

/** What no prefix matches: a tc classifier. */
const DEFAULT: SectionSpec = { prefix: '', programType: SCHED_CLS, attachType: -1 };

/** The section's program type: Cilium's file-name rule first, then the longest prefix, else a tc classifier. */
export function linuxSectionInfo(section: string, objectPath?: string): SectionSpec {
  if (objectPath !== undefined && /cilium/.test(objectPath)) {
    if (/xdp/.test(objectPath)) return { prefix: '', programType: XDP, attachType: 37 };
    if (/lxc/.test(objectPath)) return DEFAULT;
  }
  let best: SectionSpec | undefined;
  for (const candidate of LINUX_SECTIONS) {
    if (section.startsWith(candidate.prefix) && (!best || candidate.prefix.length > best.prefix.length)) best = candidate;
  }
  return best ?? DEFAULT;
}
