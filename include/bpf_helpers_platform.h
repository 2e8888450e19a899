// Platform glue for eBPF programs: fixed-width integer types without any libc header (so programs
// compile with `clang -target bpf` on any machine), the Linux-style short type names, and the marker
// section that tells loaders this object was built against the eBPF for Windows ABI.
#pragma once

#if !defined(__cplusplus) && !defined(bool) && !defined(__bool_true_false_are_defined)
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif

// Repeating an identical typedef is legal C11, so these coexist with <stdint.h> should a program include it.
typedef __INT8_TYPE__ int8_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __INT16_TYPE__ int16_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __INT32_TYPE__ int32_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;
typedef __WCHAR_TYPE__ wchar_t;

#ifndef NULL
#define NULL ((void*)0)
#endif

typedef int32_t __s32;
typedef int64_t __s64;
typedef uint16_t __be16;
typedef uint16_t __u16;
typedef uint32_t __be32;
typedef uint32_t __u32;
typedef uint32_t __wsum;
typedef uint64_t __u64;
typedef uint8_t __u8;

#define bpf_map _ebpf_map_definition_in_file

#ifndef _MSC_VER
// The loader recognises objects built for this ABI by this section.
const bool __ebpf_for_windows_tag __attribute__((section(".ebpf_for_windows"))) = true;
#endif
