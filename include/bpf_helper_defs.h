// The general helpers (ids 1-35, eBPF for Windows numbering). Each helper is declared as a constant
// function pointer whose value is its id: clang turns a call through it into `call <id>`.
// bpf_helpers.h includes it; it also stands alone.
#pragma once

#include "ebpf_structs.h"

#ifndef EBPF_HELPER
#define EBPF_HELPER(return_type, name, args) typedef return_type(*const name##_t) args
#endif

EBPF_HELPER(void*, bpf_map_lookup_elem, (void* map, const void* key));
#define bpf_map_lookup_elem ((bpf_map_lookup_elem_t)BPF_FUNC_map_lookup_elem)

EBPF_HELPER(int64_t, bpf_map_update_elem, (void* map, const void* key, const void* value, uint64_t flags));
#define bpf_map_update_elem ((bpf_map_update_elem_t)BPF_FUNC_map_update_elem)

EBPF_HELPER(int64_t, bpf_map_delete_elem, (void* map, const void* key));
#define bpf_map_delete_elem ((bpf_map_delete_elem_t)BPF_FUNC_map_delete_elem)

EBPF_HELPER(void*, bpf_map_lookup_and_delete_elem, (void* map, const void* key));
#define bpf_map_lookup_and_delete_elem ((bpf_map_lookup_and_delete_elem_t)BPF_FUNC_map_lookup_and_delete_elem)

EBPF_HELPER(int64_t, bpf_tail_call, (const void* ctx, const void* prog_array_map, uint32_t index));
#define bpf_tail_call ((bpf_tail_call_t)BPF_FUNC_tail_call)

EBPF_HELPER(uint32_t, bpf_get_prandom_u32, (void));
#define bpf_get_prandom_u32 ((bpf_get_prandom_u32_t)BPF_FUNC_get_prandom_u32)

// Nanoseconds since boot, including time suspended.
EBPF_HELPER(uint64_t, bpf_ktime_get_boot_ns, (void));
#define bpf_ktime_get_boot_ns ((bpf_ktime_get_boot_ns_t)BPF_FUNC_ktime_get_boot_ns)

EBPF_HELPER(uint64_t, bpf_get_smp_processor_id, (void));
#define bpf_get_smp_processor_id ((bpf_get_smp_processor_id_t)BPF_FUNC_get_smp_processor_id)

// Nanoseconds since boot, excluding time suspended.
EBPF_HELPER(uint64_t, bpf_ktime_get_ns, (void));
#define bpf_ktime_get_ns ((bpf_ktime_get_ns_t)BPF_FUNC_ktime_get_ns)

// Sizes must be multiples of 4.
EBPF_HELPER(int, bpf_csum_diff, (const void* from, int from_size, const void* to, int to_size, int seed));
#define bpf_csum_diff ((bpf_csum_diff_t)BPF_FUNC_csum_diff)

EBPF_HELPER(int, bpf_ringbuf_output, (void* ring_buffer, const void* data, uint64_t size, uint64_t flags));
#define bpf_ringbuf_output ((bpf_ringbuf_output_t)BPF_FUNC_ringbuf_output)

EBPF_HELPER(long, bpf_trace_printk2, (const char* fmt, uint32_t fmt_size));
#define bpf_trace_printk2 ((bpf_trace_printk2_t)BPF_FUNC_trace_printk2)

EBPF_HELPER(long, bpf_trace_printk3, (const char* fmt, uint32_t fmt_size, uint64_t arg3));
#define bpf_trace_printk3 ((bpf_trace_printk3_t)BPF_FUNC_trace_printk3)

EBPF_HELPER(long, bpf_trace_printk4, (const char* fmt, uint32_t fmt_size, uint64_t arg3, uint64_t arg4));
#define bpf_trace_printk4 ((bpf_trace_printk4_t)BPF_FUNC_trace_printk4)

EBPF_HELPER(long, bpf_trace_printk5, (const char* fmt, uint32_t fmt_size, uint64_t arg3, uint64_t arg4, uint64_t arg5));
#define bpf_trace_printk5 ((bpf_trace_printk5_t)BPF_FUNC_trace_printk5)

// Queue and stack maps. With BPF_EXIST, a push into a full map overwrites the oldest value.
EBPF_HELPER(int64_t, bpf_map_push_elem, (void* map, const void* value, uint64_t flags));
#define bpf_map_push_elem ((bpf_map_push_elem_t)BPF_FUNC_map_push_elem)

EBPF_HELPER(int64_t, bpf_map_pop_elem, (void* map, void* value));
#define bpf_map_pop_elem ((bpf_map_pop_elem_t)BPF_FUNC_map_pop_elem)

EBPF_HELPER(int64_t, bpf_map_peek_elem, (void* map, void* value));
#define bpf_map_peek_elem ((bpf_map_pop_elem_t)BPF_FUNC_map_peek_elem)

// (process_id << 32) | thread_id.
EBPF_HELPER(uint64_t, bpf_get_current_pid_tgid, (void));
#define bpf_get_current_pid_tgid ((bpf_get_current_pid_tgid_t)BPF_FUNC_get_current_pid_tgid)

EBPF_HELPER(uint64_t, bpf_get_current_logon_id, (const void* ctx));
#define bpf_get_current_logon_id ((bpf_get_current_logon_id_t)BPF_FUNC_get_current_logon_id)

EBPF_HELPER(int32_t, bpf_is_current_admin, (const void* ctx));
#define bpf_is_current_admin ((bpf_is_current_admin_t)BPF_FUNC_is_current_admin)

EBPF_HELPER(long, bpf_memcpy_s, (void* destination, size_t destination_size, const void* source, size_t source_size));
#define bpf_memcpy_s ((bpf_memcpy_s_t)BPF_FUNC_memcpy_s)

EBPF_HELPER(int, bpf_memcmp_s, (const void* memory1, size_t memory1_size, const void* memory2, size_t memory2_size));
#define bpf_memcmp_s ((bpf_memcmp_s_t)BPF_FUNC_memcmp_s)

EBPF_HELPER(long, bpf_memset, (void* memory, size_t size, int value));
#define bpf_memset ((bpf_memset_t)BPF_FUNC_memset)

EBPF_HELPER(long, bpf_memmove_s, (void* destination, size_t destination_size, const void* source, size_t source_size));
#define bpf_memmove_s ((bpf_memmove_s_t)BPF_FUNC_memmove_s)

EBPF_HELPER(int64_t, bpf_get_socket_cookie, (const void* ctx));
#define bpf_get_socket_cookie ((bpf_get_socket_cookie_t)BPF_FUNC_get_socket_cookie)

EBPF_HELPER(int, bpf_strncpy_s, (char* destination, size_t destination_size, const char* source, size_t count));
#define bpf_strncpy_s ((bpf_strncpy_s_t)BPF_FUNC_strncpy_s)

EBPF_HELPER(int, bpf_strncat_s, (char* destination, size_t destination_size, const char* source, size_t count));
#define bpf_strncat_s ((bpf_strncat_s_t)BPF_FUNC_strncat_s)

EBPF_HELPER(size_t, bpf_strnlen_s, (const char* string, size_t string_size));
#define bpf_strnlen_s ((bpf_strnlen_s_t)BPF_FUNC_strnlen_s)

EBPF_HELPER(uint64_t, bpf_ktime_get_boot_ms, (void));
#define bpf_ktime_get_boot_ms ((bpf_ktime_get_boot_ms_t)BPF_FUNC_ktime_get_boot_ms)

EBPF_HELPER(uint64_t, bpf_ktime_get_ms, (void));
#define bpf_ktime_get_ms ((bpf_ktime_get_ms_t)BPF_FUNC_ktime_get_ms)

EBPF_HELPER(int, bpf_perf_event_output, (const void* ctx, void* perf_event_array, uint64_t flags, const void* data, uint64_t size));
#define bpf_perf_event_output ((bpf_perf_event_output_t)BPF_FUNC_perf_event_output)

EBPF_HELPER(uint64_t, bpf_get_current_process_start_key, (void));
#define bpf_get_current_process_start_key ((bpf_get_current_process_start_key_t)BPF_FUNC_get_current_process_start_key)

// 100-nanosecond units since 1601-01-01.
EBPF_HELPER(int64_t, bpf_get_current_thread_create_time, (void));
#define bpf_get_current_thread_create_time ((bpf_get_current_thread_create_time_t)BPF_FUNC_get_current_thread_create_time)

EBPF_HELPER(intptr_t, bpf_redirect_map, (void* map, uint64_t key, uint64_t flags));
#define bpf_redirect_map ((bpf_redirect_map_t)BPF_FUNC_redirect_map)

// bpf_trace_printk(fmt, fmt_size, ...) picks trace_printk2..5 by its number of arguments (at most 3 values).
#define __bpf_trace_printk_select(_1, _2, _3, _4, _5, name, ...) name
#define bpf_trace_printk(...) \
    __bpf_trace_printk_select(__VA_ARGS__, bpf_trace_printk5, bpf_trace_printk4, bpf_trace_printk3, bpf_trace_printk2, unused)(__VA_ARGS__)

#define bpf_printk(fmt, ...)                                          \
    ({                                                                \
        char ____fmt[] = fmt;                                         \
        bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);    \
    })

// The C library's memory functions become helpers 22-25, for sizes not known at compile time.
// (For constant sizes, __builtin_memcpy and friends compile to plain loads and stores.)
#if __clang__
#define memcpy(dest, src, n) bpf_memcpy_s((dest), (n), (src), (n))
#define memcmp(a, b, n) bpf_memcmp_s((a), (n), (b), (n))
#define memset(p, v, n) bpf_memset((p), (n), (v))
#define memmove(dest, src, n) bpf_memmove_s((dest), (n), (src), (n))
#define memcpy_s bpf_memcpy_s
#define memmove_s bpf_memmove_s
#endif
