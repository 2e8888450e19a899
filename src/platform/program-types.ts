// Program types with their context layouts, data pointers, writable fields, return ranges and own
// helpers (spec §2). The C structs in include/ must agree; a test compiles them and compares.

import { typeHelper } from './helpers.ts';
import type { ContextField, ProgramTypeSpec } from './types.ts';

const f = (name: string, offset: number, size: number, writable = false, pointer?: ContextField['pointer']): ContextField =>
  pointer ? { name, offset, size, writable, pointer } : { name, offset, size, writable };

/** Every program type this platform runs. */
export const PROGRAM_TYPES: readonly ProgramTypeSpec[] = [
  {
    id: 1, name: 'xdp', contextStruct: 'xdp_md_t', contextSize: 32, dataOffset: 0, dataEndOffset: 8, metaOffset: 16,
    fields: [f('data', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('data_meta', 16, 8, false, 'meta'), f('ingress_ifindex', 24, 4)],
    returnRange: [1, 4], defaultAttachType: 1,
    helpers: [{ ...typeHelper(65536, 'bpf_xdp_adjust_head', 'integer', ['ctx', 'anything']), reallocatesPacket: true }],
  },
  {
    id: 2, name: 'bind', contextStruct: 'bind_md_t', contextSize: 56, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('app_id_start', 0, 8, false, 'data'), f('app_id_end', 8, 8, false, 'data_end'), f('process_id', 16, 8),
      f('socket_address', 24, 16, true), f('socket_address_length', 40, 1), f('operation', 44, 4), f('protocol', 48, 1),
    ],
    returnRange: [0, 3], defaultAttachType: 2, helpers: [],
  },
  {
    id: 3, name: 'sock_addr', contextStruct: 'bpf_sock_addr_t', contextSize: 64, dataOffset: -1, dataEndOffset: -1, metaOffset: -1,
    fields: [
      f('family', 0, 4), f('msg_src_ip6', 4, 16), f('msg_src_port', 20, 2), f('user_ip6', 24, 16, true), f('user_port', 40, 2, true),
      f('protocol', 44, 4), f('compartment_id', 48, 4), f('interface_luid', 56, 8),
    ],
    returnRange: [0, 2], defaultAttachType: 3,
    helpers: [
      typeHelper(65537, 'bpf_sock_addr_set_redirect_context', 'integer', ['ctx', 'readable_mem', 'const_size']),
      typeHelper(65538, 'bpf_sock_addr_get_network_context', 'integer', ['ctx', 'writable_mem', 'const_size']),
    ],
  },
  {
    id: 4, name: 'sockops', contextStruct: 'bpf_sock_ops_t', contextSize: 64, dataOffset: -1, dataEndOffset: -1, metaOffset: -1,
    fields: [
      f('op', 0, 4), f('family', 4, 4), f('local_ip6', 8, 16), f('local_port', 24, 4), f('remote_ip6', 28, 16), f('remote_port', 44, 4),
      f('protocol', 48, 1), f('compartment_id', 52, 4), f('interface_luid', 56, 8),
    ],
    defaultAttachType: 7, helpers: [typeHelper(65536, 'bpf_sock_ops_get_flow_id', 'integer', ['ctx'])],
  },
  {
    id: 6, name: 'process', contextStruct: 'process_md_t', contextSize: 56, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('command_start', 0, 8, false, 'data'), f('command_end', 8, 8, false, 'data_end'), f('process_id', 16, 8), f('parent_process_id', 24, 8),
      f('creating_process_id', 32, 8), f('creating_thread_id', 40, 8), f('operation', 48, 4),
    ],
    defaultAttachType: 11, helpers: [typeHelper(65536, 'bpf_process_get_image_path', 'integer', ['ctx', 'writable_mem', 'const_size'])],
  },
  {
    id: 999, name: 'sample', contextStruct: 'sample_program_context_t', contextSize: 32, dataOffset: 0, dataEndOffset: 8, metaOffset: -1,
    fields: [
      f('data_start', 0, 8, false, 'data'), f('data_end', 8, 8, false, 'data_end'), f('uint32_data', 16, 4), f('uint16_data', 20, 2),
      f('helper_data_1', 24, 4), f('helper_data_2', 28, 4),
    ],
    defaultAttachType: 8,
    helpers: [
      typeHelper(65536, 'sample_ebpf_extension_helper_function1', 'integer', ['ctx']),
      typeHelper(65537, 'sample_ebpf_extension_find', 'integer', ['readable_mem', 'const_size', 'readable_mem', 'const_size']),
      typeHelper(65538, 'sample_ebpf_extension_replace', 'integer', ['readable_mem', 'const_size', 'anything', 'readable_mem', 'const_size']),
      typeHelper(65539, 'sample_ebpf_extension_helper_implicit_1', 'integer', []),
      typeHelper(65540, 'sample_ebpf_extension_helper_implicit_2', 'integer', ['anything']),
      typeHelper(65541, 'sample_ext_helper_map_lookup_element', 'map_value_or_null', ['map', 'map_key']),
      typeHelper(65542, 'sample_ext_helper_map_get_value', 'integer', ['map', 'map_key', 'writable_mem', 'const_size']),
    ],
  },
];
