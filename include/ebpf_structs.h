// Types shared by programs, the runtime and tools: map, program, attach and link types, helper ids,
// map definitions in object files, update flags and limits. Numbering is eBPF for Windows'.
#pragma once

#include "bpf_helpers_platform.h"

#define BPF_OBJ_NAME_LEN 64
#define MAX_TAIL_CALL_CNT 33

// Helper ids up to this are general helpers; a program type's own helpers start above it (65536).
#define EBPF_MAX_GENERAL_HELPER_FUNCTION 0xFFFF

typedef enum bpf_map_type
{
    BPF_MAP_TYPE_UNSPEC = 0,
    BPF_MAP_TYPE_HASH = 1,
    BPF_MAP_TYPE_ARRAY = 2,
    BPF_MAP_TYPE_PROG_ARRAY = 3,
    BPF_MAP_TYPE_PERCPU_HASH = 4,
    BPF_MAP_TYPE_PERCPU_ARRAY = 5,
    BPF_MAP_TYPE_HASH_OF_MAPS = 6,
    BPF_MAP_TYPE_ARRAY_OF_MAPS = 7,
    BPF_MAP_TYPE_LRU_HASH = 8,
    BPF_MAP_TYPE_LPM_TRIE = 9,
    BPF_MAP_TYPE_QUEUE = 10,
    BPF_MAP_TYPE_LRU_PERCPU_HASH = 11,
    BPF_MAP_TYPE_STACK = 12,
    BPF_MAP_TYPE_RINGBUF = 13,
    BPF_MAP_TYPE_PERF_EVENT_ARRAY = 14,
    BPF_MAP_TYPE_SAMPLE_HASH_MAP = 15,
    BPF_MAP_TYPE_XSKMAP = 16,
    BPF_MAP_TYPE_MAX = 17,
} ebpf_map_type_t;

// Per-CPU map types hold one value per CPU (a perf event array is one ring per CPU).
#define BPF_MAP_TYPE_PER_CPU(X)                                                                     \
    ((X) == BPF_MAP_TYPE_PERCPU_HASH || (X) == BPF_MAP_TYPE_PERCPU_ARRAY ||                         \
     (X) == BPF_MAP_TYPE_LRU_PERCPU_HASH || (X) == BPF_MAP_TYPE_PERF_EVENT_ARRAY)

typedef enum
{
    BPF_FUNC_map_lookup_elem = 1,
    BPF_FUNC_map_update_elem = 2,
    BPF_FUNC_map_delete_elem = 3,
    BPF_FUNC_map_lookup_and_delete_elem = 4,
    BPF_FUNC_tail_call = 5,
    BPF_FUNC_get_prandom_u32 = 6,
    BPF_FUNC_ktime_get_boot_ns = 7,
    BPF_FUNC_get_smp_processor_id = 8,
    BPF_FUNC_ktime_get_ns = 9,
    BPF_FUNC_csum_diff = 10,
    BPF_FUNC_ringbuf_output = 11,
    BPF_FUNC_trace_printk2 = 12,
    BPF_FUNC_trace_printk3 = 13,
    BPF_FUNC_trace_printk4 = 14,
    BPF_FUNC_trace_printk5 = 15,
    BPF_FUNC_map_push_elem = 16,
    BPF_FUNC_map_pop_elem = 17,
    BPF_FUNC_map_peek_elem = 18,
    BPF_FUNC_get_current_pid_tgid = 19,
    BPF_FUNC_get_current_logon_id = 20,
    BPF_FUNC_is_current_admin = 21,
    BPF_FUNC_memcpy_s = 22,
    BPF_FUNC_memcmp_s = 23,
    BPF_FUNC_memset = 24,
    BPF_FUNC_memmove_s = 25,
    BPF_FUNC_get_socket_cookie = 26,
    BPF_FUNC_strncpy_s = 27,
    BPF_FUNC_strncat_s = 28,
    BPF_FUNC_strnlen_s = 29,
    BPF_FUNC_ktime_get_boot_ms = 30,
    BPF_FUNC_ktime_get_ms = 31,
    BPF_FUNC_perf_event_output = 32,
    BPF_FUNC_get_current_process_start_key = 33,
    BPF_FUNC_get_current_thread_create_time = 34,
    BPF_FUNC_redirect_map = 35,
} ebpf_helper_id_t;

typedef enum bpf_prog_type
{
    BPF_PROG_TYPE_UNSPEC = 0,
    BPF_PROG_TYPE_XDP = 1,
    BPF_PROG_TYPE_BIND = 2,
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 3,
    BPF_PROG_TYPE_SOCK_OPS = 4,
    BPF_PROG_TYPE_NETEVENT = 5,
    BPF_PROG_TYPE_PROCESS = 6,
    BPF_PROG_TYPE_SAMPLE = 999,
} bpf_prog_type_t;

typedef enum bpf_attach_type
{
    BPF_ATTACH_TYPE_UNSPEC = 0,
    BPF_XDP = 1,
    BPF_ATTACH_TYPE_BIND = 2,
    BPF_CGROUP_INET4_CONNECT = 3,
    BPF_CGROUP_INET6_CONNECT = 4,
    BPF_CGROUP_INET4_RECV_ACCEPT = 5,
    BPF_CGROUP_INET6_RECV_ACCEPT = 6,
    BPF_CGROUP_SOCK_OPS = 7,
    BPF_ATTACH_TYPE_SAMPLE = 8,
    BPF_ATTACH_TYPE_NETEVENT = 10,
    BPF_ATTACH_TYPE_PROCESS = 11,
    BPF_CGROUP_INET4_CONNECT_AUTHORIZATION = 12,
    BPF_CGROUP_INET6_CONNECT_AUTHORIZATION = 13,
    BPF_CGROUP_INET4_BIND = 14,
    BPF_CGROUP_INET6_BIND = 15,
    BPF_CGROUP_INET4_LISTEN = 16,
    BPF_CGROUP_INET6_LISTEN = 17,
    __MAX_BPF_ATTACH_TYPE = 18,
} bpf_attach_type_t;

typedef enum bpf_link_type
{
    BPF_LINK_TYPE_UNSPEC = 0,
    BPF_LINK_TYPE_PLAIN = 1,
    BPF_LINK_TYPE_CGROUP = 2,
    BPF_LINK_TYPE_XDP = 3,
    BPF_LINK_TYPE_MAX = 4,
} bpf_link_type_t;

#define XDP_FLAGS_REPLACE 0x01

// Map update flags.
#define BPF_ANY 0x0
#define BPF_NOEXIST 0x1
#define BPF_EXIST 0x2

typedef enum ebpf_map_option
{
    EBPF_ANY,     // Create a new element or update an existing one.
    EBPF_NOEXIST, // Create a new element only.
    EBPF_EXIST,   // Update an existing element only.
} ebpf_map_option_t;

// Map, program and link ids share one counter; 0 is no object.
typedef uint32_t ebpf_id_t;
#define EBPF_ID_NONE 0

// Ring buffer output flags.
#define BPF_RB_NO_WAKEUP (1ULL << 0)
#define BPF_RB_FORCE_WAKEUP (1ULL << 1)

// Perf event output flags: the CPU index (or the current CPU) and how much of the context data to append.
#define EBPF_MAP_FLAG_INDEX_MASK 0xffffffffULL
#define EBPF_MAP_FLAG_INDEX_SHIFT 0
#define EBPF_MAP_FLAG_CURRENT_CPU EBPF_MAP_FLAG_INDEX_MASK
#define EBPF_MAP_FLAG_CTX_LENGTH_SHIFT 32
#define EBPF_MAP_FLAG_CTX_LENGTH_MAX 0xfffffULL
#define EBPF_MAP_FLAG_CTX_LENGTH_MASK (EBPF_MAP_FLAG_CTX_LENGTH_MAX << EBPF_MAP_FLAG_CTX_LENGTH_SHIFT)
#define BPF_F_INDEX_MASK EBPF_MAP_FLAG_INDEX_MASK
#define BPF_F_CURRENT_CPU EBPF_MAP_FLAG_CURRENT_CPU
#define BPF_F_CTXLEN_MASK EBPF_MAP_FLAG_CTX_LENGTH_MASK

typedef enum ebpf_pin_type
{
    LIBBPF_PIN_NONE = 0,
    LIBBPF_PIN_BY_NAME = 1,
} ebpf_pin_type_t;

// The versioning header of extension data structures (test-run contexts among them).
typedef struct _ebpf_extension_header
{
    uint16_t version;  // Changes only when the structure stops being backward compatible.
    size_t size;       // Size of the structure without trailing padding.
    size_t total_size; // Size including padding.
} ebpf_extension_header_t;

#define EBPF_OFFSET_OF(s, m) __builtin_offsetof(s, m)
#define EBPF_FIELD_SIZE(s, m) sizeof(((s*)0)->m)
#define EBPF_SIZE_INCLUDING_FIELD(s, m) (EBPF_OFFSET_OF(s, m) + EBPF_FIELD_SIZE(s, m))

// A map as the runtime holds it.
typedef struct _ebpf_map_definition_in_memory
{
    ebpf_map_type_t type;
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    ebpf_id_t inner_map_id;
    ebpf_pin_type_t pinning;
} ebpf_map_definition_in_memory_t;

// A map defined in the legacy SEC("maps") section (8 x uint32: 32 bytes).
struct _ebpf_map_definition_in_file
{
    ebpf_map_type_t type;
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    uint32_t inner_map_idx; // 0-based index of the inner-map template within the maps section.
    ebpf_pin_type_t pinning;
    uint32_t id;       // Identifier of this map when it serves as a template.
    uint32_t inner_id; // Id of the inner-map template, for maps of maps.
};
typedef struct _ebpf_map_definition_in_file ebpf_map_definition_in_file_t;
