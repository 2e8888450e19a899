// Program types with their context layouts, data pointers, writable fields, return ranges, own helpers
// and overridden general helpers (spec §1.6 and §2). The C structs in include/ must agree: a test
// compiles them against these numbers.

import { generalHelper, helperPrototype as h } from './helpers.ts';
import type { ContextField, HelperPrototype, ProgramTypeSpec } from './types.ts';

const f = (name: string, offset: number, size: number, writable = false, pointer?: ContextField['pointer']): ContextField =>
  pointer ? { name, offset, size, writable, pointer } : { name, offset, size, writable };

/** A general helper as an extension provides it, taking the program's context without being passed it. */
const withImplicitContext = (id: number): HelperPrototype => ({ ...generalHelper(id), implicitContext: true });

/** Every program type this platform knows. */
export const PROGRAM_TYPES: readonly ProgramTypeSpec[] = [
  {
    // The context eBPF for Windows' tests declare (XDP-for-Windows' own adds rx_queue_index at 28).
    id: 1, name: 'xdp', enumName: 'BPF_PROG_TYPE_XDP', guid: 'f1832a85-85d5-45b0-98a0-7069d63013b0',
    contextStruct: 'xdp_md_t', header: 'xdp_hooks.h', contextSize: 32, dataOffset: 0, dataEndOffset: 8, metaOffset: 16,
    fields: [f('data', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('data_meta', 16, 8, false, 'meta'), f('ingress_ifindex', 24, 4)],
    returnRange: [1, 4], defaultAttachType: 1, globalHelperOverrides: [],
    helpers: [h(65536, 'bpf_xdp_adjust_head', 'integer', ['ctx', 'anything'], { reallocatesPacket: true })],
  },
  {
    id: 2, name: 'bind', enumName: 'BPF_PROG_TYPE_BIND', guid: '608c517c-6c52-4a26-b677-bb1c34425adf',
    contextStruct: 'bind_md_t', header: 'ebpf_nethooks.h', contextSize: 56, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('app_id_start', 0, 8, false, 'data'), f('app_id_end', 8, 8, false, 'data_end'), f('process_id', 16, 8),
      // Writable for BIND_REDIRECT.
      f('socket_address', 24, 16, true), f('socket_address_length', 40, 1), f('operation', 44, 4), f('protocol', 48, 1),
    ],
    returnRange: [0, 3], defaultAttachType: 2, helpers: [], globalHelperOverrides: [],
  },
  {
    // Any return outside the verdicts is treated as REJECT by the hook; the range is what the enum defines.
    id: 3, name: 'sock_addr', enumName: 'BPF_PROG_TYPE_CGROUP_SOCK_ADDR', guid: '92ec8e39-aeec-11ec-9a30-18602489beee',
    contextStruct: 'bpf_sock_addr_t', header: 'ebpf_nethooks.h', contextSize: 64, dataOffset: -1, dataEndOffset: -1, metaOffset: -1,
    fields: [
      f('family', 0, 4), f('msg_src_ip4', 4, 4), f('msg_src_ip6', 4, 16), f('msg_src_port', 20, 2),
      // Writing the destination redirects a connect (connect4/6 only; the other hooks ignore or punish writes).
      f('user_ip4', 24, 4, true), f('user_ip6', 24, 16, true), f('user_port', 40, 2, true),
      f('protocol', 44, 4), f('compartment_id', 48, 4), f('interface_luid', 56, 8),
    ],
    returnRange: [0, 2], defaultAttachType: 3,
    helpers: [
      h(65537, 'bpf_sock_addr_set_redirect_context', 'integer', ['ctx', 'readable_mem', 'const_size']),
      h(65538, 'bpf_sock_addr_get_network_context', 'integer', ['ctx', 'writable_mem', 'const_size']),
    ],
    globalHelperOverrides: [withImplicitContext(19), generalHelper(20), generalHelper(21), generalHelper(26)],
  },
  {
    id: 4, name: 'sockops', enumName: 'BPF_PROG_TYPE_SOCK_OPS', guid: '43fb224d-68f8-46d6-aa3f-c856518cbb32',
    contextStruct: 'bpf_sock_ops_t', header: 'ebpf_nethooks.h', contextSize: 64, dataOffset: -1, dataEndOffset: -1, metaOffset: -1,
    fields: [
      f('op', 0, 4), f('family', 4, 4), f('local_ip4', 8, 4), f('local_ip6', 8, 16), f('local_port', 24, 4),
      f('remote_ip4', 28, 4), f('remote_ip6', 28, 16), f('remote_port', 44, 4),
      f('protocol', 48, 1), f('compartment_id', 52, 4), f('interface_luid', 56, 8),
    ],
    defaultAttachType: 7,
    helpers: [h(65536, 'bpf_sock_ops_get_flow_id', 'integer', ['ctx'])],
    globalHelperOverrides: [withImplicitContext(19)],
  },
  {
    id: 5, name: 'netevent_monitor', enumName: 'BPF_PROG_TYPE_NETEVENT', guid: 'fc4adc85-49c3-4f0a-8393-facce89cde91',
    contextStruct: 'netevent_event_md_t', header: 'ebpf_netevent_hooks.h', contextSize: 24, dataOffset: 8, dataEndOffset: 16, metaOffset: 0,
    fields: [f('data_meta', 0, 8, false, 'meta'), f('data', 8, 8, false, 'data'), f('data_end', 16, 8, false, 'data_end')],
    defaultAttachType: 10, globalHelperOverrides: [],
    helpers: [h(65536, 'bpf_netevent_push_event', 'integer', ['ctx'])],
  },
  {
    // Returns an NTSTATUS: 0 permits a creation, a failure status refuses it; ignored for deletions.
    id: 6, name: 'process', enumName: 'BPF_PROG_TYPE_PROCESS', guid: '22ea7b37-1043-4d0d-b60d-cafa1c7b638e',
    contextStruct: 'process_md_t', header: 'ebpf_process_hooks.h', contextSize: 56, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('command_start', 0, 8, false, 'data'), f('command_end', 8, 8, false, 'data_end'), f('process_id', 16, 8), f('parent_process_id', 24, 8),
      f('creating_process_id', 32, 8), f('creating_thread_id', 40, 8), f('operation', 48, 4),
    ],
    defaultAttachType: 11, globalHelperOverrides: [],
    helpers: [h(65536, 'bpf_process_get_image_path', 'integer', ['ctx', 'writable_mem', 'const_size'])],
  },
  {
    id: 999, name: 'sample', enumName: 'BPF_PROG_TYPE_SAMPLE', guid: 'f788ef4a-207d-4dc3-85cf-0f2ea107213c',
    contextStruct: 'sample_program_context_t', header: 'sample_ext_helpers.h', contextSize: 32, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('data_start', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('uint32_data', 16, 4), f('uint16_data', 20, 2),
      f('helper_data_1', 24, 4), f('helper_data_2', 28, 4),
    ],
    defaultAttachType: 8,
    helpers: [
      h(65536, 'sample_ebpf_extension_helper_function1', 'integer', ['ctx']),
      h(65537, 'sample_ebpf_extension_find', 'integer', ['readable_mem', 'const_size', 'readable_mem', 'const_size']),
      h(65538, 'sample_ebpf_extension_replace', 'integer', ['readable_mem', 'const_size', 'anything', 'readable_mem', 'const_size']),
      h(65539, 'sample_ebpf_extension_helper_implicit_1', 'integer', [], { implicitContext: true }),
      // The extension declares no arguments for it, so the verifier checks none.
      h(65540, 'sample_ebpf_extension_helper_implicit_2', 'integer', [], { implicitContext: true }),
      h(65541, 'sample_ext_helper_map_lookup_element', 'map_value_or_null', ['map', 'map_key']),
      h(65542, 'sample_ext_helper_map_get_value', 'integer', ['map', 'map_key', 'writable_mem', 'const_size']),
    ],
    globalHelperOverrides: [generalHelper(19), generalHelper(35)],
  },
];
