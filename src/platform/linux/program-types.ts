// Linux's program types (enum bpf_prog_type) with their contexts, laid out as include/uapi/linux/bpf.h
// declares them (x86-64 for pt_regs). The packet contexts hold 32-bit data pointers (__sk_buff's data at
// 76, data_end at 80, data_meta at 140; xdp_md's at 0, 4 and 8): a program reads each whole with a
// 32-bit load and gets a packet pointer. Writable fields are those the kernel lets each program type
// write; a type's return range is the one the kernel enforces for it.

import type { ContextField, ProgramTypeSpec } from '../types.ts';
import {
  LIRC, PERF_EVENT, PT_REGS, RAW_TRACEPOINT, REUSEPORT, SK_BUFF, SK_MSG, SOCK, SOCK_ADDR, SOCK_OPS, SOCKOPT, SYSCTL,
  TRACEPOINT, TRACING, XDP_MD,
} from './helpers.ts';

const f = (name: string, offset: number, size: number, writable = false, pointer?: ContextField['pointer']): ContextField =>
  pointer ? { name, offset, size, writable, pointer } : { name, offset, size, writable };

/** __sk_buff, with the named fields writable. */
function skBuff(writable: readonly string[], meta = true): ContextField[] {
  const w = (name: string) => writable.includes(name);
  const fields = [
    f('len', 0, 4), f('pkt_type', 4, 4), f('mark', 8, 4, w('mark')), f('queue_mapping', 12, 4, w('queue_mapping')),
    f('protocol', 16, 4), f('vlan_present', 20, 4), f('vlan_tci', 24, 4), f('vlan_proto', 28, 4),
    f('priority', 32, 4, w('priority')), f('ingress_ifindex', 36, 4), f('ifindex', 40, 4), f('tc_index', 44, 4, w('tc_index')),
    f('cb', 48, 20, w('cb')), f('hash', 68, 4), f('tc_classid', 72, 4, w('tc_classid')),
    f('data', 76, 4, false, 'data'), f('data_end', 80, 4, false, 'data_end'),
    f('napi_id', 84, 4), f('family', 88, 4), f('remote_ip4', 92, 4), f('local_ip4', 96, 4), f('remote_ip6', 100, 16),
    f('local_ip6', 116, 16), f('remote_port', 132, 4), f('local_port', 136, 4),
    meta ? f('data_meta', 140, 4, false, 'meta') : f('data_meta', 140, 4),
    // flow_keys and sk are kernel pointers; a program reads them as numbers here (nothing can be reached through them).
    f('flow_keys', 144, 8), f('tstamp', 152, 8, w('tstamp')), f('wire_len', 160, 4), f('gso_segs', 164, 4), f('sk', 168, 8),
    f('gso_size', 176, 4), f('tstamp_type', 180, 1), f('hwtstamp', 184, 8),
  ];
  return fields;
}

/** The contexts with no packet: offsets of data, data_end and data_meta are -1. */
const noPacket = { dataOffset: -1, dataEndOffset: -1, metaOffset: -1 } as const;

type Spec = Omit<ProgramTypeSpec, 'enumName' | 'guid' | 'header' | 'helpers' | 'globalHelperOverrides' | 'defaultAttachType'> & { defaultAttachType?: number };

/** A Linux program type: its helpers come from the platform's list (gated by context in index.ts). */
const t = (spec: Spec): ProgramTypeSpec => ({
  ...spec, enumName: `BPF_PROG_TYPE_${spec.name.toUpperCase()}`, guid: '', header: 'linux/bpf.h',
  helpers: [], globalHelperOverrides: [], defaultAttachType: spec.defaultAttachType ?? -1,
});

const skbPacket = { contextStruct: SK_BUFF, contextSize: 192, dataOffset: 76, dataEndOffset: 80, metaOffset: 140 } as const;
const TC_WRITABLE = ['mark', 'queue_mapping', 'priority', 'tc_index', 'cb', 'tc_classid', 'tstamp'];

const PT_REGS_FIELDS = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss']
  .map((name, index) => f(name, index * 8, 8));

/** Every Linux program type, by id. */
export const LINUX_PROGRAM_TYPES: readonly ProgramTypeSpec[] = [
  t({ id: 0, name: 'unspec', contextStruct: '', contextSize: 0, ...noPacket, fields: [] }),
  // Socket filters see the packet through LD_ABS/LD_IND and may write only cb[] (data/data_end are not theirs to read in the kernel, but reading them is safe).
  t({ id: 1, name: 'socket_filter', ...skbPacket, metaOffset: -1, fields: skBuff(['cb'], false) }),
  t({ id: 2, name: 'kprobe', contextStruct: PT_REGS, contextSize: 168, ...noPacket, fields: PT_REGS_FIELDS }),
  t({ id: 3, name: 'sched_cls', ...skbPacket, fields: skBuff(TC_WRITABLE) }),
  t({ id: 4, name: 'sched_act', ...skbPacket, fields: skBuff(TC_WRITABLE) }),
  // A tracepoint's record: the kernel bounds reads by PERF_MAX_TRACE_SIZE, the record's own size is the tracepoint's.
  t({ id: 5, name: 'tracepoint', contextStruct: TRACEPOINT, contextSize: 2048, ...noPacket, fields: [] }),
  t({
    id: 6, name: 'xdp', contextStruct: XDP_MD, contextSize: 24, dataOffset: 0, dataEndOffset: 4, metaOffset: 8, defaultAttachType: 37,
    fields: [f('data', 0, 4, false, 'data'), f('data_end', 4, 4, false, 'data_end'), f('data_meta', 8, 4, false, 'meta'), f('ingress_ifindex', 12, 4), f('rx_queue_index', 16, 4), f('egress_ifindex', 20, 4)],
  }),
  t({ id: 7, name: 'perf_event', contextStruct: PERF_EVENT, contextSize: 184, ...noPacket, defaultAttachType: 41, fields: [f('regs', 0, 168), f('sample_period', 168, 8), f('addr', 176, 8)] }),
  // Ingress programs may return 0 or 1, egress ones 0 to 3 (congestion notification): the attach type decides, the union is kept.
  t({ id: 8, name: 'cgroup_skb', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'cb', 'tstamp'], false), returnRange: [0, 3] }),
  t({
    id: 9, name: 'cgroup_sock', contextStruct: SOCK, contextSize: 80, ...noPacket, returnRange: [0, 1], defaultAttachType: 2,
    fields: [
      f('bound_dev_if', 0, 4, true), f('family', 4, 4), f('type', 8, 4), f('protocol', 12, 4), f('mark', 16, 4, true), f('priority', 20, 4, true),
      f('src_ip4', 24, 4), f('src_ip6', 28, 16), f('src_port', 44, 4), f('dst_port', 48, 4), f('dst_ip4', 52, 4), f('dst_ip6', 56, 16),
      f('state', 72, 4), f('rx_queue_mapping', 76, 4),
    ],
  }),
  t({ id: 10, name: 'lwt_in', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'cb'], false) }),
  t({ id: 11, name: 'lwt_out', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'cb'], false) }),
  t({ id: 12, name: 'lwt_xmit', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'cb'], false) }),
  t({
    id: 13, name: 'sock_ops', contextStruct: SOCK_OPS, contextSize: 224, ...noPacket, returnRange: [0, 1], defaultAttachType: 3,
    fields: [
      f('op', 0, 4), f('args', 4, 16, true), f('family', 20, 4), f('remote_ip4', 24, 4), f('local_ip4', 28, 4), f('remote_ip6', 32, 16),
      f('local_ip6', 48, 16), f('remote_port', 64, 4), f('local_port', 68, 4), f('is_fullsock', 72, 4), f('snd_cwnd', 76, 4),
      f('srtt_us', 80, 4), f('bpf_sock_ops_cb_flags', 84, 4), f('state', 88, 4), f('rtt_min', 92, 4), f('snd_ssthresh', 96, 4),
      f('rcv_nxt', 100, 4), f('snd_nxt', 104, 4), f('snd_una', 108, 4), f('mss_cache', 112, 4), f('ecn_flags', 116, 4),
      f('rate_delivered', 120, 4), f('rate_interval_us', 124, 4), f('packets_out', 128, 4), f('retrans_out', 132, 4),
      f('total_retrans', 136, 4), f('segs_in', 140, 4), f('data_segs_in', 144, 4), f('segs_out', 148, 4), f('data_segs_out', 152, 4),
      f('lost_out', 156, 4), f('sacked_out', 160, 4), f('sk_txhash', 164, 4, true), f('bytes_received', 168, 8), f('bytes_acked', 176, 8),
      // The header pointers of the TCP-option callbacks are read as numbers here.
      f('sk', 184, 8), f('skb_data', 192, 8), f('skb_data_end', 200, 8), f('skb_len', 208, 4), f('skb_tcp_flags', 212, 4), f('skb_hwtstamp', 216, 8),
    ],
  }),
  t({ id: 14, name: 'sk_skb', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'tc_index', 'cb'], false) }),
  t({ id: 15, name: 'cgroup_device', contextStruct: 'bpf_cgroup_dev_ctx', contextSize: 12, ...noPacket, returnRange: [0, 1], defaultAttachType: 6, fields: [f('access_type', 0, 4), f('major', 4, 4), f('minor', 8, 4)] }),
  t({
    id: 16, name: 'sk_msg', contextStruct: SK_MSG, contextSize: 80, dataOffset: 0, dataEndOffset: 8, metaOffset: -1, defaultAttachType: 7,
    fields: [
      f('data', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('family', 16, 4), f('remote_ip4', 20, 4), f('local_ip4', 24, 4),
      f('remote_ip6', 28, 16), f('local_ip6', 44, 16), f('remote_port', 60, 4), f('local_port', 64, 4), f('size', 68, 4), f('sk', 72, 8),
    ],
  }),
  // The arguments of the raw tracepoint: up to MAX_BPF_FUNC_ARGS (12) 64-bit values.
  t({ id: 17, name: 'raw_tracepoint', contextStruct: RAW_TRACEPOINT, contextSize: 96, ...noPacket, fields: [f('args', 0, 96)] }),
  t({
    id: 18, name: 'cgroup_sock_addr', contextStruct: SOCK_ADDR, contextSize: 72, ...noPacket, returnRange: [0, 3],
    fields: [
      f('user_family', 0, 4), f('user_ip4', 4, 4, true), f('user_ip6', 8, 16, true), f('user_port', 24, 4, true), f('family', 28, 4),
      f('type', 32, 4), f('protocol', 36, 4), f('msg_src_ip4', 40, 4, true), f('msg_src_ip6', 44, 16, true), f('sk', 64, 8),
    ],
  }),
  t({ id: 19, name: 'lwt_seg6local', ...skbPacket, metaOffset: -1, fields: skBuff(['mark', 'priority', 'cb'], false) }),
  t({ id: 20, name: 'lirc_mode2', contextStruct: LIRC, contextSize: 4, ...noPacket, defaultAttachType: 16, fields: [f('sample', 0, 4)] }),
  t({
    id: 21, name: 'sk_reuseport', contextStruct: REUSEPORT, contextSize: 56, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('data', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('len', 16, 4), f('eth_protocol', 20, 4), f('ip_protocol', 24, 4),
      f('bind_inany', 28, 4), f('hash', 32, 4), f('sk', 40, 8), f('migrating_sk', 48, 8),
    ],
  }),
  t({ id: 22, name: 'flow_dissector', ...skbPacket, metaOffset: -1, defaultAttachType: 17, fields: skBuff([], false) }),
  t({ id: 23, name: 'cgroup_sysctl', contextStruct: SYSCTL, contextSize: 8, ...noPacket, returnRange: [0, 1], defaultAttachType: 18, fields: [f('write', 0, 4), f('file_pos', 4, 4, true)] }),
  t({ id: 24, name: 'raw_tracepoint_writable', contextStruct: RAW_TRACEPOINT, contextSize: 96, ...noPacket, fields: [f('args', 0, 96)] }),
  t({
    // optval/optval_end bound the option's bytes as data/data_end bound a packet.
    id: 25, name: 'cgroup_sockopt', contextStruct: SOCKOPT, contextSize: 40, dataOffset: 8, dataEndOffset: 16, metaOffset: -1, returnRange: [0, 1],
    fields: [f('sk', 0, 8), f('optval', 8, 8, false, 'data'), f('optval_end', 16, 8, false, 'data_end'), f('level', 24, 4, true), f('optname', 28, 4, true), f('optlen', 32, 4, true), f('retval', 36, 4, true)],
  }),
  // fentry/fexit/fmod_ret/iter/tp_btf: the traced function's arguments as 64-bit values.
  t({ id: 26, name: 'tracing', contextStruct: TRACING, contextSize: 96, ...noPacket, fields: [f('args', 0, 96)] }),
  t({ id: 27, name: 'struct_ops', contextStruct: TRACING, contextSize: 96, ...noPacket, fields: [f('args', 0, 96)] }),
  t({ id: 28, name: 'ext', contextStruct: '', contextSize: 0, ...noPacket, fields: [] }),
  t({ id: 29, name: 'lsm', contextStruct: TRACING, contextSize: 96, ...noPacket, fields: [f('args', 0, 96)] }),
  t({
    id: 30, name: 'sk_lookup', contextStruct: 'bpf_sk_lookup', contextSize: 72, ...noPacket, returnRange: [0, 1], defaultAttachType: 36,
    fields: [
      f('sk', 0, 8), f('family', 8, 4), f('protocol', 12, 4), f('remote_ip4', 16, 4), f('remote_ip6', 20, 16), f('remote_port', 36, 4),
      f('local_ip4', 40, 4), f('local_ip6', 44, 16), f('local_port', 60, 4), f('ingress_ifindex', 64, 4),
    ],
  }),
  // The context is a copy of the caller's buffer (bounded by U16_MAX), read and written freely.
  t({ id: 31, name: 'syscall', contextStruct: 'syscall_ctx', contextSize: 65535, ...noPacket, fields: [f('ctx', 0, 65535, true)] }),
  t({ id: 32, name: 'netfilter', contextStruct: 'bpf_nf_ctx', contextSize: 16, ...noPacket, returnRange: [0, 1], defaultAttachType: 45, fields: [f('state', 0, 8), f('skb', 8, 8)] }),
];
